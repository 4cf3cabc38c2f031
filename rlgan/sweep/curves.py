"""Learning curves of a group: each run's ``progress.csv`` put on one step grid.

Runs log at different steps (and runs that stop early once solved end sooner), so each run's
curve is linearly interpolated onto a common grid spanning the group's steps. Before a run's
first logged step it has no value; after its last one its final value is carried forward
(a run that stopped early keeps the score it stopped with). The group's curve is the mean over
the runs that have a value at each grid point, with the lowest and highest of those values
(the band the report draws: it never leaves what the runs did) and their standard deviation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rlgan.sweep.runs import Run

GRID_POINTS = 100


def run_curve(run: Run, column: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``(steps, values)`` of ``column`` in a run's progress.csv, or ``None`` when absent.

    Rows without a number in the column (other log events) are skipped; steps are sorted and
    repeated steps keep their last value.
    """
    points: dict[float, float] = {}
    for row in run.progress():
        try:
            step, value = float(row.get("step", "")), float(row.get(column, ""))
        except ValueError:
            continue
        if math.isfinite(step) and math.isfinite(value):
            points[step] = value
    if not points:
        return None
    steps = np.asarray(sorted(points), dtype=float)
    return steps, np.asarray([points[s] for s in steps], dtype=float)


@dataclass(frozen=True)
class GroupCurve:
    """A group's curve on a common step grid: mean, observed range, std and run count."""

    grid: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    std: np.ndarray
    #: Runs with a value at each grid point.
    count: np.ndarray
    #: Runs that logged the column at all.
    runs: int


def aligned_curve(
    runs: Sequence[Run], column: str, points: int = GRID_POINTS
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(grid, mean, std)`` of ``column`` over ``runs`` on a common step grid, or ``None``."""
    curve = group_curve(runs, column, points)
    return None if curve is None else (curve.grid, curve.mean, curve.std)


def group_curve(runs: Sequence[Run], column: str, points: int = GRID_POINTS) -> GroupCurve | None:
    """:class:`GroupCurve` of ``column`` over ``runs``, or ``None`` when no run logged it.

    With :data:`GRID_POINTS` or fewer distinct logged steps in all, the grid is those steps
    (no interpolated points between evaluations); else ``points`` evenly spaced steps.
    """
    curves = [c for c in (run_curve(run, column) for run in runs) if c is not None]
    return align_curves(curves, points)


def align_curves(
    curves: Sequence[tuple[np.ndarray, np.ndarray]], points: int = GRID_POINTS
) -> GroupCurve | None:
    """:class:`GroupCurve` of runs' ``(steps, values)`` curves (sorted steps), or ``None``.

    The grid and the statistics are :func:`group_curve`'s; the curves may come from any file
    of a run (``rlgan-report`` reads an arena run's ``elo.csv`` this way).
    """
    if not curves:
        return None
    low = min(float(steps[0]) for steps, _ in curves)
    high = max(float(steps[-1]) for steps, _ in curves)
    logged = np.unique(np.concatenate([steps for steps, _ in curves]))
    if logged.size <= points:
        grid = logged
    else:
        grid = np.linspace(low, high, points) if high > low else np.asarray([low])
    stacked = np.full((len(curves), grid.size), np.nan)
    for i, (steps, values) in enumerate(curves):
        row = np.interp(grid, steps, values, left=np.nan, right=values[-1])
        stacked[i] = row
    present = ~np.isnan(stacked)
    counts = present.sum(axis=0)
    keep = counts > 0
    grid, stacked, counts = grid[keep], stacked[:, keep], counts[keep]
    mean = np.nansum(stacked, axis=0) / counts
    centred = np.where(np.isnan(stacked), 0.0, stacked - mean)
    std = np.sqrt((centred**2).sum(axis=0) / np.maximum(counts - 1, 1))
    std[counts < 2] = 0.0
    return GroupCurve(
        grid=grid,
        mean=mean,
        low=np.nanmin(stacked, axis=0),
        high=np.nanmax(stacked, axis=0),
        std=std,
        count=counts,
        runs=len(curves),
    )
