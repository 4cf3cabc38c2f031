"""The arena run's figures: ``plots/elo.png`` and ``plots/win_matrix.png``.

- ``elo.png``: each team's fitted rating over training, read back from ``elo.csv`` (the
  rating fitted to all games so far of the team's newest snapshot at each evaluation; the
  incremental one for older run folders), the final ratings of the newest snapshots its pool
  kept, and the scripted baselines' anchored rating as a dashed line;
- ``win_matrix.png``: red's win rate in every pairing of red players (rows: scripted
  pursuers, then red snapshots oldest first) and blue players (columns), as a heat map.

Curves and the heat map are drawn by the shared :func:`rlgan.common.plotting.plot_curves`
and :func:`rlgan.common.plotting.plot_heatmap`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from rlgan.arena.elo_log import (  # noqa: E402
    final_window_ratings,
    newest_snapshot_ratings,
    read_elo_log,
)
from rlgan.common.plotting import plot_curves, plot_heatmap  # noqa: E402

ELO_PLOT = "elo.png"
WIN_MATRIX_PLOT = "win_matrix.png"


def elo_curves(
    elo_csv: str | os.PathLike, teams: Sequence[str] = ("red", "blue")
) -> dict[str, tuple[list[float], list[float], None]]:
    """``{label: (steps, ratings, None)}`` from ``elo.csv``, for :func:`plot_curves`.

    Per team: ``"<team> (newest snapshot)"``, the fitted rating each evaluation gave the
    snapshot taken at that step, and ``"<team> window, final ratings"``, the ratings at the last
    evaluation of the snapshots kept then (the first one, kept as a yardstick, left out), by
    the step each was taken (:mod:`rlgan.arena.elo_log`).
    """
    rows = read_elo_log(elo_csv)
    curves: dict[str, tuple[list[float], list[float], None]] = {}
    for team in teams:
        for label, (steps, ratings) in (
            (f"{team} (newest snapshot)", newest_snapshot_ratings(rows, team)),
            (f"{team} window, final ratings", final_window_ratings(rows, team)),
        ):
            if steps:
                curves[label] = (steps, ratings, None)
    return curves


def plot_elo(elo_csv: str | os.PathLike, path: str | os.PathLike, anchor: float) -> Path:
    """Draw ``elo.png`` from ``elo.csv``; ``anchor`` is the scripted baselines' rating."""
    return plot_curves(
        path,
        elo_curves(elo_csv),
        xlabel="arena steps",
        ylabel="ELO rating (fitted to all games so far)",
        title=f"ELO over training (scripted baselines anchored at {anchor:g}, dashed)",
        hline=anchor,
    )


def win_matrix(
    results: Mapping[tuple[str, str], tuple[int, int]],
    red_players: Sequence[str],
    blue_players: Sequence[str],
) -> np.ndarray:
    """Red's win rate per ``(red, blue)`` pairing: ``results`` holds (red wins, games).

    Pairings never played are NaN.
    """
    grid = np.full((len(red_players), len(blue_players)), np.nan)
    for i, red in enumerate(red_players):
        for j, blue in enumerate(blue_players):
            wins, games = results.get((red, blue), (0, 0))
            if games:
                grid[i, j] = wins / games
    return grid


def plot_win_matrix(
    path: str | os.PathLike,
    results: Mapping[tuple[str, str], tuple[int, int]],
    red_players: Sequence[str],
    blue_players: Sequence[str],
) -> Path:
    """Draw ``win_matrix.png``: red's win rate for each pairing of the given players."""
    return plot_heatmap(
        path,
        win_matrix(results, red_players, blue_players),
        red_players,
        blue_players,
        xlabel="blue (evaders)",
        ylabel="red (pursuers)",
        title="red's win rate, snapshot vs snapshot (latest evaluation of each pairing)",
        colorbar="red win rate",
    )
