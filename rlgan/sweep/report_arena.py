"""``rlgan-report``'s arena figure: each team's ELO over training, read from the runs' ``elo.csv``.

An ``rlgan-arena`` run logs, at each evaluation, the rating of every kept snapshot
(:mod:`rlgan.arena.elo_log`); the team's point at that step is the fitted rating of its
newest snapshot (fitted to all the run's games so far, so it does not depend on the order in
which snapshots met; older run folders without that column give their incremental rating).
:func:`elo_figure` draws those series, one panel per team (red pursuers, blue evaders), one
line per group of the report (the mean over its seeds on a common step grid, its band from
the lowest to the highest seed, :func:`rlgan.sweep.curves.align_curves`), in the group's
colour of every other figure; the scripted baselines' anchored rating
(``elo.initial``) is the dashed line when the runs agree on it. Both teams' ratings are on
one scale (games between them move both), so the panels compare across teams too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, MaxNLocator

from rlgan.arena.elo_log import ELO_FILE, newest_snapshot_ratings, read_elo_log
from rlgan.arena.schedule import TEAMS
from rlgan.common.run_dir import CONFIG_FILE
from rlgan.sweep.curves import GroupCurve, align_curves
from rlgan.sweep.grouping import Group
from rlgan.sweep.labels import group_labels
from rlgan.sweep.plots import (
    FONT_SIZE,
    MAX_CURVES,
    STEP_UNITS,
    draw_group_curves,
    legend_width,
    new_figure,
    outside_legend,
    style_axes,
)
from rlgan.sweep.runs import Run, load_yaml

#: The figure's file name in the report's ``plots/`` (after the app's name).
ELO_FIGURE = "arena_elo.png"
#: What each team does, in the panels' titles.
ROLES = {"red": "pursuers", "blue": "evaders"}


def elo_series(run: Run, team: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``(steps, fitted ratings)`` of ``team``'s newest snapshot at each of ``run``'s evaluations.

    Read from the run's ``elo.csv`` (:func:`rlgan.arena.elo_log.row_rating`); None when the
    run has none (or no row of ``team``).
    """
    steps, ratings = newest_snapshot_ratings(read_elo_log(run.path / ELO_FILE), team)
    if not steps:
        return None
    order = np.argsort(steps, kind="stable")
    return np.asarray(steps, dtype=float)[order], np.asarray(ratings, dtype=float)[order]


def group_elo_curve(group: Group, team: str) -> GroupCurve | None:
    """``team``'s ELO over training for ``group``: its finished runs' series, aligned."""
    runs = group.ok_runs or group.runs
    return align_curves([s for s in (elo_series(run, team) for run in runs) if s is not None])


def elo_anchor(runs: Sequence[Run]) -> float | None:
    """The scripted baselines' rating (``elo.initial``) the runs share, or None."""
    found = set()
    for run in runs:
        config = load_yaml(run.path / CONFIG_FILE)
        value = (config.get("elo") or {}).get("initial") if isinstance(config, dict) else None
        found.add(float(value) if isinstance(value, (int, float)) else None)
    return found.pop() if len(found) == 1 else None


def elo_figure(groups: Sequence[Group], title: str) -> Figure | None:
    """Each team's ELO over training, one panel per team, one line per group.

    The first :data:`MAX_CURVES` groups (the table's order); None when no run has an
    ``elo.csv``.
    """
    labels = group_labels(groups)
    chosen = list(zip(labels, groups, strict=True))[:MAX_CURVES]
    panels = {
        team: [(label, c) for label, g in chosen if (c := group_elo_curve(g, team)) is not None]
        for team in TEAMS
    }
    if not any(panels.values()):
        return None
    shown = list(dict.fromkeys(label for curves in panels.values() for label, _ in curves))
    anchor = elo_anchor([run for _, group in chosen for run in group.runs])
    legend = shown + (["scripted baselines (anchored)"] if anchor is not None else [])
    figure = new_figure(2 * 4.6 + legend_width(legend), 4.2)
    axes = figure.subplots(1, len(TEAMS), sharey=True)
    handles: dict[str, Any] = {}
    for ax, team in zip(axes, TEAMS, strict=True):
        lines = draw_group_curves(ax, panels[team])
        handles.update(zip((label for label, _ in panels[team]), lines, strict=True))
        if anchor is not None:
            handles["scripted baselines (anchored)"] = ax.axhline(
                anchor, color="grey", linestyle="--", linewidth=1
            )
        ax.set_title(f"{team} ({ROLES[team]})", fontsize=FONT_SIZE + 1)
        ax.set_xlabel(STEP_UNITS["arena"], fontsize=FONT_SIZE)
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        style_axes(ax)
    axes[0].set_ylabel("fitted ELO of the newest snapshot, higher is better", fontsize=FONT_SIZE)
    seeds = max(curve.runs for curves in panels.values() for _, curve in curves)
    band = "; band: lowest to highest seed" if seeds > 1 else ""
    figure.suptitle(f"{title}\nline: mean over seeds{band}", fontsize=FONT_SIZE + 1)
    outside_legend(figure, [handles[name] for name in legend], legend)
    return figure


def arena_figures(groups: Sequence[Group], app: str = "arena") -> dict[str, Figure | None]:
    """The report's extra figures for arena runs, by file name (None: nothing to draw)."""
    return {ELO_FIGURE: elo_figure(groups, f"{app}: each team's ELO over training")}
