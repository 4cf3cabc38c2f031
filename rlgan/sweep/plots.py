"""The report's figures: curves, final values, aggregates, profiles, search results.

Learning curves, final values per group, robust aggregates, performance profiles, the
Bayesian-search history and parameter importance. Each ``*_figure`` function returns a
:class:`matplotlib.figure.Figure` (or None when there is nothing to draw) that
:func:`save_figure` writes, so tests can inspect a figure before it is saved. Every figure
follows the same rules, made for a person reading it at its saved size:

- a title, axis labels with the metric's unit and which way is better;
- labels show only the overrides that vary between the groups, keys by their last part,
  numbers with the fewest digits (at least 3) that keep them distinct
  (:func:`group_labels`), and the rank of the group in the report's table;
- legends sit outside the axes (the figure widens to hold them), never over the data;
- bands and whiskers span what the seeds did (lowest to highest) or a bootstrap CI, never
  mean ± std (which can pass the best possible score);
- curves with few points get markers; trial axes have integer ticks; every reference line
  is in the legend.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, MaxNLocator

from rlgan.sweep.curves import GroupCurve, group_curve
from rlgan.sweep.grouping import Group
from rlgan.sweep.labels import group_labels
from rlgan.sweep.numbers import format_number
from rlgan.sweep.stats import MIN_SEEDS, aggregates, interval_estimates, performance_profile

#: Most groups drawn as curves (the best ones, in the table's order).
MAX_CURVES = 10
#: Most groups drawn as rows of a figure.
MAX_ROWS = 30
#: Curves with at most this many points get a marker on each.
MARKER_POINTS = 30
DPI = 120
FONT_SIZE = 9
LEGEND_FONT_SIZE = 8
#: Width of one character of the legend's font, in inches (for sizing the figure).
_CHAR_WIDTH = 0.062

#: Units of the metrics the apps report (the y or x axis says them).
UNITS = {
    "eval/mean_reward": "episode return",
    "eval/best_mean_reward": "episode return",
    "eval/std_reward": "episode return",
    "rollout/ep_rew_mean": "episode return",
    "eval/mean_ep_length": "steps per episode",
    "rollout/ep_len_mean": "steps per episode",
    "solved_at_timesteps": "environment steps",
    "timesteps": "environment steps",
    "wall_time_s": "seconds",
    "eval/success_rate": "fraction of episodes",
    "rollout/success_rate": "fraction of episodes",
    "eval/high_quality_frac": "fraction of samples",
    "eval/modes_covered": "modes",
    "eval/class_coverage": "classes",
}
#: What the ``step`` column of each app's progress.csv counts.
STEP_UNITS = {"rl": "environment steps", "gan": "training iterations", "arena": "arena steps"}


def slug(text: str) -> str:
    """A file-name-safe version of ``text`` (``eval/mean_reward`` -> ``eval_mean_reward``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "metric"


def metric_label(metric: str, higher_is_better: bool | None = None) -> str:
    """An axis label: the metric, its unit when known, and which way is better."""
    unit = UNITS.get(metric)
    text = f"{metric} [{unit}]" if unit else metric
    if higher_is_better is None:
        return text
    return f"{text}, {'higher' if higher_is_better else 'lower'} is better"


def rank_color(label: str) -> str:
    """The colour of a group in every figure: matplotlib's cycle by its ``#rank``."""
    head = label.split(" ", 1)[0].lstrip("#")
    return f"C{(int(head) - 1) % 10}" if head.isdigit() else "C0"


def new_figure(width: float, height: float) -> Figure:
    """A constrained-layout figure of ``width`` x ``height`` inches with an Agg canvas."""
    figure = Figure(figsize=(min(width, 16.0), height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def legend_width(labels: Sequence[str]) -> float:
    """Inches a legend of ``labels`` outside the axes needs."""
    return 0.8 + _CHAR_WIDTH * max((len(label) for label in labels), default=0)


def outside_legend(figure: Figure, handles: Sequence[Any], labels: Sequence[str]) -> Any:
    """A legend to the right of the axes (constrained layout makes room for it)."""
    return figure.legend(
        handles, labels, loc="outside right upper", fontsize=LEGEND_FONT_SIZE, frameon=False
    )


def style_axes(ax: Any) -> None:
    """Grid and tick font of every axes."""
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=FONT_SIZE)


def save_figure(figure: Figure, path: str | os.PathLike) -> Path:
    """Write ``figure`` as a PNG at ``path`` (folders created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    return path


def learning_curves_figure(
    groups: Sequence[Group],
    column: str,
    title: str,
    step_unit: str = "step",
    higher_is_better: bool | None = None,
) -> Figure | None:
    """``column`` against step for the first :data:`MAX_CURVES` groups.

    Each group's line is the mean over its seeds, its band runs from the lowest to the
    highest seed. Returns None when no run of these groups logged ``column``.
    """
    labels = group_labels(groups)
    curves = []
    for label, group in list(zip(labels, groups, strict=True))[:MAX_CURVES]:
        curve = group_curve(group.ok_runs or group.runs, column)
        if curve is not None:
            curves.append((label, curve))
    if not curves:
        return None
    seeds = max(curve.runs for _, curve in curves)
    legend = len(curves) > 1
    width = 6.4 + (legend_width([label for label, _ in curves]) if legend else 0.0)
    figure = new_figure(width, 4.2)
    ax = figure.add_subplot()
    handles = draw_group_curves(ax, curves)
    band = "; band: lowest to highest seed" if seeds > 1 else ""
    ax.set_title(f"{title}\nline: mean over seeds{band}", fontsize=FONT_SIZE + 1)
    ax.set_xlabel(step_unit, fontsize=FONT_SIZE)
    ax.set_ylabel(metric_label(column, higher_is_better), fontsize=FONT_SIZE)
    ax.xaxis.set_major_formatter(EngFormatter(sep=""))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    style_axes(ax)
    if legend:
        outside_legend(figure, handles, [label for label, _ in curves])
    return figure


def draw_group_curves(ax: Any, curves: Sequence[tuple[str, GroupCurve]]) -> list[Any]:
    """Draw each ``(label, curve)``: its mean line in the label's rank colour, its band.

    The band runs from the lowest to the highest seed (drawn for two seeds or more); curves
    with few points get markers. Returns the lines, in order (for a legend).
    """
    handles = []
    for label, curve in curves:
        marker = "o" if curve.grid.size <= MARKER_POINTS else None
        (line,) = ax.plot(
            curve.grid,
            curve.mean,
            color=rank_color(label),
            marker=marker,
            markersize=3.5,
            linewidth=1.6,
        )
        if curve.runs > 1:
            ax.fill_between(
                curve.grid, curve.low, curve.high, color=line.get_color(), alpha=0.15, linewidth=0
            )
        handles.append(line)
    return handles


def _rows_figure(labels: Sequence[str], panels: int = 1, panel_width: float = 5.0) -> Figure:
    """A figure with one row per label, tall enough for each, wide enough for the labels."""
    label_width = 0.3 + _CHAR_WIDTH * 1.1 * max((len(label) for label in labels), default=0)
    height = 1.6 + 0.3 * len(labels)
    return new_figure(label_width + panels * panel_width, height)


def final_values_figure(
    groups: Sequence[Group], metric: str, title: str, higher_is_better: bool | None = None
) -> Figure | None:
    """Each group's final ``metric``: seeds as dots, the mean, the lowest-to-highest range.

    The first :data:`MAX_ROWS` groups with a value; None when there is none.
    """
    labels = group_labels(groups)
    rows = [(label, g.values(metric)) for label, g in zip(labels, groups, strict=True)]
    rows = [(label, values) for label, values in rows if values][:MAX_ROWS]
    if not rows:
        return None
    figure = _rows_figure([label for label, _ in rows])
    ax = figure.add_subplot()
    positions = np.arange(len(rows))
    for y, (_, values) in zip(positions, rows, strict=True):
        ax.hlines(y, min(values), max(values), color="grey", linewidth=1.2, zorder=1)
        ax.scatter(values, np.full(len(values), y), s=14, color="tab:blue", alpha=0.6, zorder=2)
        ax.scatter([np.mean(values)], [y], s=46, marker="D", color="tab:orange", zorder=3)
    ax.set_yticks(positions, [label for label, _ in rows], fontsize=LEGEND_FONT_SIZE)
    ax.invert_yaxis()
    ax.set_title(
        f"{title}\ndots: seeds; diamond: mean; line: lowest to highest seed",
        fontsize=FONT_SIZE + 1,
    )
    ax.set_xlabel(metric_label(metric, higher_is_better), fontsize=FONT_SIZE)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    style_axes(ax)
    return figure


def robust_groups(groups: Sequence[Group], metric: str) -> list[tuple[str, Group]]:
    """``(label, group)`` of the groups with at least :data:`MIN_SEEDS` values of ``metric``."""
    labels = group_labels(groups)
    return [
        (label, group)
        for label, group in zip(labels, groups, strict=True)
        if len(group.values(metric)) >= MIN_SEEDS
    ]


def aggregate_figure(
    groups: Sequence[Group], metric: str, title: str, higher_is_better: bool | None = None
) -> Figure | None:
    """IQM, median and mean of ``metric`` per group with 95% stratified-bootstrap CIs (rliable).

    Only groups with at least :data:`MIN_SEEDS` seeds are drawn (first :data:`MAX_ROWS`);
    None when there are none.
    """
    rows = robust_groups(groups, metric)[:MAX_ROWS]
    if not rows:
        return None
    scores = {label: group.values(metric) for label, group in rows}
    names = list(aggregates())
    figure = _rows_figure(list(scores), panels=len(names), panel_width=2.6)
    axes = figure.subplots(1, len(names), sharey=True)
    positions = np.arange(len(rows))
    for ax, name in zip(axes, names, strict=True):
        estimates = interval_estimates(scores, name)
        for y, label in zip(positions, scores, strict=True):
            est = estimates[label]
            ax.barh(y, est.high - est.low, left=est.low, height=0.6, color="tab:blue", alpha=0.35)
            ax.vlines(est.point, y - 0.3, y + 0.3, color="black", linewidth=1.6)
        ax.set_xlabel(name, fontsize=FONT_SIZE)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
        style_axes(ax)
    axes[0].set_yticks(positions, list(scores), fontsize=LEGEND_FONT_SIZE)
    axes[0].invert_yaxis()
    figure.suptitle(
        f"{title}\nbar: 95% stratified-bootstrap CI over seeds; tick: point estimate",
        fontsize=FONT_SIZE + 1,
    )
    figure.supxlabel(metric_label(metric, higher_is_better), fontsize=FONT_SIZE)
    return figure


def profile_figure(
    groups: Sequence[Group], metric: str, title: str, higher_is_better: bool | None = None
) -> Figure | None:
    """Performance profile of ``metric``: the fraction of seeds better than each threshold.

    Per group, with its 95% bootstrap CI; groups with at least :data:`MIN_SEEDS` seeds
    (the first :data:`MAX_CURVES`); None when there are none.
    """
    rows = robust_groups(groups, metric)[:MAX_CURVES]
    if not rows:
        return None
    higher = higher_is_better is not False
    profile = performance_profile(
        {label: group.values(metric) for label, group in rows}, higher_is_better=higher
    )
    labels = list(profile.fractions)
    width = 6.4 + (legend_width(labels) if len(labels) > 1 else 0.0)
    figure = new_figure(width, 4.2)
    ax = figure.add_subplot()
    handles = []
    for label in labels:
        (line,) = ax.plot(
            profile.thresholds, profile.fractions[label], color=rank_color(label), linewidth=1.6
        )
        low, high = profile.intervals[label]
        ax.fill_between(
            profile.thresholds, low, high, color=line.get_color(), alpha=0.15, linewidth=0
        )
        handles.append(line)
    sign = ">" if higher else "<"
    ax.set_title(
        f"{title}\nband: 95% stratified-bootstrap CI"
        + ("" if higher_is_better is not None else " (direction unknown: higher assumed)"),
        fontsize=FONT_SIZE + 1,
    )
    unit = UNITS.get(metric)
    ax.set_xlabel(f"threshold τ on {metric}" + (f" [{unit}]" if unit else ""), fontsize=FONT_SIZE)
    ax.set_ylabel(f"fraction of seeds with score {sign} τ", fontsize=FONT_SIZE)
    ax.set_ylim(-0.02, 1.02)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    style_axes(ax)
    if len(labels) > 1:
        outside_legend(figure, handles, labels)
    return figure


def _best_trial(trials: Sequence[Mapping[str, Any]], direction: str | None) -> Mapping | None:
    """The trial with the best value in ``direction`` (highest when unknown)."""
    done = [t for t in trials if t.get("value") is not None]
    if not done:
        return None
    pick = min if direction == "minimize" else max
    return pick(done, key=lambda t: float(t["value"]))


def search_history_figure(results: Mapping[str, Any], title: str) -> Figure | None:
    """Objective of each trial and the best so far, from ``optimization_results.yaml``.

    The best so far follows ``results["direction"]``; without one (direction unknown) it is the
    running maximum, and its legend says so. The best value is a labelled reference line.
    """
    trials = results.get("trials") or []
    done = [t for t in trials if t.get("value") is not None]
    if not done:
        return None
    steps = [int(t["number"]) for t in done]
    values = [float(t["value"]) for t in done]
    direction = results.get("direction")
    if direction == "minimize":
        best, label = np.minimum.accumulate(values), "best so far (lowest)"
    elif direction == "maximize":
        best, label = np.maximum.accumulate(values), "best so far (highest)"
    else:
        best, label = np.maximum.accumulate(values), "highest so far (direction unknown)"
    objective = str(results.get("objective") or "objective")
    figure = new_figure(6.4 + legend_width([label, "best value 0.000 (trial 000)"]), 4.2)
    ax = figure.add_subplot()
    handles = [
        ax.plot(steps, values, "o", markersize=5, color="tab:blue")[0],
        ax.step(steps, best, where="post", color="tab:orange", linewidth=1.6)[0],
    ]
    labels = ["trial objective", label]
    top = _best_trial(done, direction)
    best_value = results.get("best_value")
    if isinstance(best_value, (int, float)) and math.isfinite(float(best_value)):
        trial = f" (trial {top['number']})" if top is not None else ""
        handles.append(ax.axhline(float(best_value), color="grey", linestyle="--", linewidth=1))
        labels.append(f"best value {format_number(float(best_value))}{trial}")
    failed = len(trials) - len(done)
    ax.set_title(
        f"{title}\n{len(trials)} trials" + (f", {failed} failed (not drawn)" if failed else ""),
        fontsize=FONT_SIZE + 1,
    )
    ax.set_xlabel("trial number", fontsize=FONT_SIZE)
    higher = None if direction not in ("maximize", "minimize") else direction == "maximize"
    ax.set_ylabel(metric_label(objective, higher), fontsize=FONT_SIZE)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    style_axes(ax)
    outside_legend(figure, handles, labels)
    return figure


def importance_figure(importances: Mapping[str, float], title: str) -> Figure | None:
    """Horizontal bars of each parameter's importance (largest on top; None when empty)."""
    if not importances:
        return None
    names = list(importances)
    figure = _rows_figure(names)
    ax = figure.add_subplot()
    positions = np.arange(len(names))
    shares = [float(importances[name]) for name in names]
    ax.barh(positions, shares, color="tab:blue", alpha=0.8)
    for y, share in zip(positions, shares, strict=True):
        ax.text(share, y, f" {share:.2f}", va="center", fontsize=LEGEND_FONT_SIZE)
    ax.set_yticks(positions, names, fontsize=LEGEND_FONT_SIZE)
    ax.invert_yaxis()
    ax.set_xlim(0, max(max(shares), 1e-9) * 1.2)
    ax.set_title(title, fontsize=FONT_SIZE + 1)
    ax.set_xlabel("importance [share of the objective's variance, fANOVA]", fontsize=FONT_SIZE)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    style_axes(ax)
    return figure


def _saved(figure: Figure | None, path: str | os.PathLike) -> Path | None:
    """Save ``figure`` when there is one."""
    return None if figure is None else save_figure(figure, path)


def plot_learning_curves(
    path: str | os.PathLike, groups: Sequence[Group], column: str, title: str
) -> Path | None:
    """Save :func:`learning_curves_figure` to ``path`` (None: nothing to draw)."""
    return _saved(learning_curves_figure(groups, column, title), path)


def plot_final_bars(
    path: str | os.PathLike, groups: Sequence[Group], metric: str, title: str
) -> Path | None:
    """Save :func:`final_values_figure` to ``path`` (None: nothing to draw)."""
    return _saved(final_values_figure(groups, metric, title), path)


def plot_search_history(
    path: str | os.PathLike, results: Mapping[str, Any], title: str
) -> Path | None:
    """Save :func:`search_history_figure` to ``path`` (None: nothing to draw)."""
    return _saved(search_history_figure(results, title), path)
