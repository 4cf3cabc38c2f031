"""The report's plots: learning curves per group, final-metric bars, Bayesian-search history."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rlgan.common.plotting import plot_bars, plot_curves
from rlgan.sweep.curves import aligned_curve
from rlgan.sweep.grouping import Group

MAX_CURVES = 10
MAX_LABEL = 48


def slug(text: str) -> str:
    """A file-name-safe version of ``text`` (``eval/mean_reward`` -> ``eval_mean_reward``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "metric"


def short_label(label: str, limit: int = MAX_LABEL) -> str:
    """``label`` cut to ``limit`` characters with an ellipsis."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def group_label(rank: int, group: Group, limit: int = MAX_LABEL) -> str:
    """``#rank`` plus the group's own overrides with keys shortened to their last part.

    ``+algo.optimizer=adam net.activation=relu`` becomes ``#1 optimizer=adam activation=relu``;
    the rank keeps labels unique (it is the row number of the report's table).
    """
    own = [o for o in group.overrides if o not in group.common]
    parts = []
    for override in own:
        key, _, value = override.partition("=")
        parts.append(f"{key.lstrip('+~').rsplit('.', 1)[-1]}={value}")
    return short_label(f"#{rank} " + (" ".join(parts) or "(defaults)"), limit)


def plot_learning_curves(
    path: str | os.PathLike, groups: Sequence[Group], column: str, title: str
) -> Path | None:
    """Mean ± std of ``column`` against step for the first :data:`MAX_CURVES` groups.

    Returns ``None`` (no file) when no run of these groups logged ``column``.
    """
    curves = {}
    for rank, group in enumerate(groups[:MAX_CURVES], start=1):
        curve = aligned_curve(group.ok_runs or group.runs, column)
        if curve is not None:
            curves[group_label(rank, group)] = curve
    if not curves:
        return None
    return plot_curves(path, curves, xlabel="step", ylabel=column, title=title)


def plot_final_bars(
    path: str | os.PathLike, groups: Sequence[Group], metric: str, title: str
) -> Path | None:
    """Bars of each group's mean final ``metric`` with std error bars (``None`` if no data)."""
    chosen = [(rank, g) for rank, g in enumerate(groups, start=1) if g.stat(metric).count]
    if not chosen:
        return None
    stats = [g.stat(metric) for _, g in chosen]
    return plot_bars(
        path,
        [group_label(rank, g, 40) for rank, g in chosen],
        [s.mean for s in stats],
        [s.std for s in stats],
        ylabel=metric,
        title=title,
    )


def plot_search_history(
    path: str | os.PathLike, results: Mapping[str, Any], title: str
) -> Path | None:
    """Objective of each trial and the best so far, from ``optimization_results.yaml``.

    The best so far follows ``results["direction"]``; without one (direction unknown) it is the
    running maximum, and its legend says so.
    """
    trials = results.get("trials") or []
    steps = [float(t["number"]) for t in trials if t.get("value") is not None]
    values = [float(t["value"]) for t in trials if t.get("value") is not None]
    if not values:
        return None
    direction = results.get("direction")
    if direction == "minimize":
        best, label = np.minimum.accumulate(values), "best so far (lowest)"
    elif direction == "maximize":
        best, label = np.maximum.accumulate(values), "best so far (highest)"
    else:
        best, label = np.maximum.accumulate(values), "highest so far (direction unknown)"
    curves = {"trial objective": (steps, values, None), label: (steps, best, None)}
    best_value = results.get("best_value")
    hline = (
        float(best_value)
        if isinstance(best_value, (int, float)) and math.isfinite(float(best_value))
        else None
    )
    out = plot_curves(path, curves, xlabel="trial", ylabel="objective", title=title, hline=hline)
    return out
