"""``elo.csv``: the ratings an arena run logs at each evaluation, and the series read from it.

At each evaluation the run appends one row per kept snapshot of each team: ``step`` (the
arena step of the evaluation), ``team``, ``player`` (``red@<step the snapshot was taken>``),
``elo_incremental`` (its rating in the incremental table after the evaluation, as ML-Agents
keeps it), ``elo_fitted`` (its rating fitted to all the games played so far at once,
:meth:`rlgan.arena.elo.EloTable.fitted`, which does not depend on the order of the games)
and ``games`` (games it was rated on so far). Every evaluation snapshots both teams at its
own step, so each evaluation has one row for each team's newest snapshot: its fitted rating
there is the team's point on the "ELO over training" curves (the run's ``plots/elo.png`` and
``rlgan-report``'s arena figure). Run folders written before the fitted column have one
``elo`` column (incremental): :func:`row_rating` falls back to it.

Light on purpose (no torch, SB3 or matplotlib): ``rlgan-report`` reads it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from rlgan.common.csv_log import read_csv

ELO_FILE = "elo.csv"
#: The columns of ``elo.csv``, in order.
ELO_COLUMNS = ("step", "team", "player", "elo_incremental", "elo_fitted", "games")
#: The incremental rating's column in ``elo.csv`` files written before the fitted one.
LEGACY_COLUMN = "elo"

#: One series: ``(steps, ratings)``.
Series = tuple[list[float], list[float]]


def read_elo_log(path: str | os.PathLike) -> list[dict[str, str]]:
    """The rows of an ``elo.csv`` (empty when the file is absent)."""
    return read_csv(path)


def row_rating(row: Mapping[str, str], fitted: bool = True) -> float:
    """A row's fitted rating (``fitted``; else its incremental one).

    A row without a fitted rating (an older run folder) gives its incremental one.
    """
    value = row.get("elo_fitted") if fitted else None
    if not value:
        value = row.get("elo_incremental") or row[LEGACY_COLUMN]
    return float(value)


def snapshot_step(player: str) -> int:
    """The step a snapshot was taken at, from its name: ``red@20000`` -> 20000."""
    return int(player.rsplit("@", 1)[1])


def newest_snapshot_ratings(
    rows: Sequence[Mapping[str, str]], team: str, fitted: bool = True
) -> Series:
    """``(steps, ratings)``: at each evaluation, the rating of ``team``'s newest snapshot.

    The newest snapshot of an evaluation is the one taken at the evaluation's own step;
    ``fitted`` picks the fitted ratings (else the incremental ones, see :func:`row_rating`).
    """
    steps, ratings = [], []
    for row in rows:
        if row["team"] == team and row["player"] == f"{team}@{row['step']}":
            steps.append(float(row["step"]))
            ratings.append(row_rating(row, fitted))
    return steps, ratings


def final_window_ratings(
    rows: Sequence[Mapping[str, str]], team: str, fitted: bool = True
) -> Series:
    """``(steps taken, ratings)`` of ``team``'s snapshots kept at the last evaluation.

    The first snapshot (kept as a yardstick, not one of the window) is left out; ``fitted``
    as in :func:`newest_snapshot_ratings`.
    """
    last = max((int(row["step"]) for row in rows), default=0)
    final = sorted(
        (snapshot_step(row["player"]), row_rating(row, fitted))
        for row in rows
        if row["team"] == team and int(row["step"]) == last
    )[1:]
    return [float(step) for step, _ in final], [rating for _, rating in final]
