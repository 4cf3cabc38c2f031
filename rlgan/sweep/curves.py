"""Learning curves of a group: each run's ``progress.csv`` put on one step grid.

Runs log at different steps (and runs that stop early once solved end sooner), so each run's
curve is linearly interpolated onto a common grid spanning the group's steps. Before a run's
first logged step it has no value; after its last one its final value is carried forward
(a run that stopped early keeps the score it stopped with). The group's curve is the mean and
standard deviation over the runs that have a value at each grid point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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


def aligned_curve(
    runs: Sequence[Run], column: str, points: int = GRID_POINTS
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(grid, mean, std)`` of ``column`` over ``runs`` on a common step grid, or ``None``."""
    curves = [c for c in (run_curve(run, column) for run in runs) if c is not None]
    if not curves:
        return None
    low = min(float(steps[0]) for steps, _ in curves)
    high = max(float(steps[-1]) for steps, _ in curves)
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
    return grid, mean, std
