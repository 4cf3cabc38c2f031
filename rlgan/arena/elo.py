"""ELO ratings: who beats whom, on one scale, from the results of matches.

A player rated ``r_a`` is expected to score ``E_a = 1 / (1 + 10 ** ((r_b - r_a) / 400))``
against one rated ``r_b`` (a win scores 1, a draw 0.5, a loss 0). After ``n`` games in which
``a`` scored ``s`` in total, both ratings move by ``K * (s - n * E_a)``, in opposite
directions, so the sum of the two ratings never changes (ML-Agents uses ``K = 16`` and an
initial rating of 1200, as here). A player may be *anchored* (a scripted baseline): its
rating stays fixed and only its opponents' ratings move, so the scale does not drift as
snapshots come and go.

Such incremental ratings depend on the order of the games: a snapshot rated early against
weak rivals keeps the points it took from them. :func:`fit_ratings` rates every player from
all the games at once instead (the maximum-likelihood ratings of the same model, the
Bradley-Terry model on the ELO scale), so equal results give equal ratings whatever the
order; :meth:`EloTable.fitted` fits the table's recorded games.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Rating of a player before any game (ML-Agents' ``initial_elo``).
INITIAL_RATING = 1200.0
#: How far one game moves a rating (ML-Agents' K).
K_FACTOR = 16.0
#: Rating difference at which the stronger player is expected to score 10 times as much.
SCALE = 400.0
#: Natural log-odds of winning per rating point: ``ln(10) / SCALE``.
LOG_ODDS_PER_POINT = math.log(10.0) / SCALE
#: Strength of :func:`fit_ratings`' prior, in drawn games against a player rated ``initial``.
PRIOR_GAMES = 2.0

#: One recorded match: ``(player, opponent, player's score, games)``.
GameResult = tuple[str, str, float, int]


def expected_score(rating: float, opponent: float) -> float:
    """The score (in [0, 1]) a player rated ``rating`` expects per game against ``opponent``."""
    return 1.0 / (1.0 + 10.0 ** ((opponent - rating) / SCALE))


def rating_change(
    rating: float, opponent: float, score: float, games: int = 1, k: float = K_FACTOR
) -> float:
    """How much ``rating`` moves after ``games`` games against ``opponent`` scoring ``score``.

    ``score`` is the total over the games (wins + half the draws), in ``[0, games]``; all
    games are rated against the ratings before them (one update for the batch).
    """
    if games < 1:
        raise ValueError(f"games={games!r}: a rating update needs at least one game")
    if not 0.0 <= score <= games:
        raise ValueError(f"score={score!r} is outside [0, {games}] for {games} game(s)")
    if k <= 0:
        raise ValueError(f"k={k!r}: the K factor must be > 0")
    return k * (score - games * expected_score(rating, opponent))


def match_score(wins: int, draws: int = 0) -> float:
    """The score of ``wins`` wins and ``draws`` draws (a draw is half a win)."""
    return float(wins) + 0.5 * float(draws)


def _check_result(player: str, opponent: str, score: float, games: int) -> None:
    """Refuse a match result no game could give."""
    if player == opponent:
        raise ValueError(f"{player!r} cannot be rated against itself")
    if games < 1:
        raise ValueError(f"games={games!r}: a rated match needs at least one game")
    if not 0.0 <= score <= games:
        raise ValueError(f"score={score!r} is outside [0, {games}] for {games} game(s)")


def _log_posterior(
    diff: np.ndarray, score: np.ndarray, games: np.ndarray, offset: np.ndarray, tau: float
) -> float:
    """The fit's objective: log-likelihood of the results plus the Gaussian log-prior."""
    x = LOG_ODDS_PER_POINT * diff
    # log p = -log(1 + e^-x), log(1 - p) = -log(1 + e^x), computed without overflow
    likelihood = -(score * np.logaddexp(0.0, -x) + (games - score) * np.logaddexp(0.0, x))
    return float(likelihood.sum() - 0.5 * tau * float(offset @ offset))


def fit_ratings(
    results: Iterable[GameResult],
    anchors: Mapping[str, float],
    initial: float = INITIAL_RATING,
    prior_games: float = PRIOR_GAMES,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
) -> dict[str, float]:
    """Maximum-likelihood ELO ratings of every player of ``results``, the order of games aside.

    ``results`` holds ``(player, opponent, score, games)`` records (the score is the
    player's wins plus half its draws); ``anchors`` fixes some players' ratings (the scripted
    baselines) and is returned as given. The other players' ratings maximise the likelihood
    of all the results under ELO's model (``expected_score``: Bradley-Terry on the ELO
    scale) times a weak Gaussian prior centred on ``initial``, whose curvature is that of
    ``prior_games`` drawn games against a player rated ``initial`` (standard deviation
    ``2 / (LOG_ODDS_PER_POINT * sqrt(prior_games))``, 246 points for 2 games): it keeps a
    player that won or lost every game finite, and a player no anchor reaches near
    ``initial``. The objective is strictly concave, so the maximum is unique; damped Newton
    steps find it deterministically. The same multiset of results gives the same ratings in
    any order.
    """
    if prior_games <= 0:
        raise ValueError(f"prior_games={prior_games!r}: the prior must be > 0 games")
    rows = list(results)
    for player, opponent, score, games in rows:
        _check_result(player, opponent, score, games)
    fixed = {str(name): float(value) for name, value in anchors.items()}
    names = sorted({name for row in rows for name in row[:2]} | set(fixed))
    free = [name for name in names if name not in fixed]
    index = {name: i for i, name in enumerate(names)}
    ratings = np.array([fixed.get(name, initial) for name in names], dtype=float)
    if not free or not rows:
        return {name: float(value) for name, value in zip(names, ratings, strict=True)}
    a = np.array([index[row[0]] for row in rows])
    b = np.array([index[row[1]] for row in rows])
    score = np.array([float(row[2]) for row in rows])
    games = np.array([float(row[3]) for row in rows])
    is_free = np.array([name not in fixed for name in names])
    tau = prior_games * LOG_ODDS_PER_POINT**2 / 4.0
    c = LOG_ODDS_PER_POINT

    def objective(values: np.ndarray) -> float:
        return _log_posterior(values[a] - values[b], score, games, values[is_free] - initial, tau)

    current = objective(ratings)
    for _ in range(max_iterations):
        p = 1.0 / (1.0 + np.exp(-c * (ratings[a] - ratings[b])))
        surplus = c * (score - games * p)
        gradient = np.bincount(a, surplus, len(names)) - np.bincount(b, surplus, len(names))
        weight = c * c * games * p * (1.0 - p)
        hessian = np.zeros((len(names), len(names)))  # minus the Hessian of the objective
        np.add.at(hessian, (a, a), weight)
        np.add.at(hessian, (b, b), weight)
        np.add.at(hessian, (a, b), -weight)
        np.add.at(hessian, (b, a), -weight)
        gradient = gradient[is_free] - tau * (ratings[is_free] - initial)
        hessian = hessian[np.ix_(is_free, is_free)] + tau * np.eye(int(is_free.sum()))
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while True:  # halve the step until the objective does not fall
            trial = ratings.copy()
            trial[is_free] += size * step
            value = objective(trial)
            if value >= current or size < 1e-6:
                break
            size /= 2
        ratings, current = trial, value
        if float(np.max(np.abs(size * step))) < tolerance:
            break
    return {name: float(value) for name, value in zip(names, ratings, strict=True)}


@dataclass
class EloTable:
    """The ratings of a set of players, updated by :meth:`record`.

    Players are named by strings (``red@20000``, ``script:chase``); a player not seen yet
    starts at ``initial``. Players in ``anchored`` keep their rating. ``results`` keeps every
    recorded match as ``(player, opponent, score, games)``, in order, for :meth:`fitted`.
    """

    k: float = K_FACTOR
    initial: float = INITIAL_RATING
    ratings: dict[str, float] = field(default_factory=dict)
    anchored: set[str] = field(default_factory=set)
    games: dict[str, int] = field(default_factory=dict)
    results: list[GameResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.k <= 0:
            raise ValueError(f"k={self.k!r}: the K factor must be > 0")

    def rating(self, player: str) -> float:
        """``player``'s rating (``initial`` when it has not played yet)."""
        return self.ratings.get(player, self.initial)

    def add(self, player: str, rating: float | None = None, anchored: bool = False) -> None:
        """Enter ``player`` (at ``rating``, default ``initial``) unless it is already rated."""
        self.ratings.setdefault(player, self.initial if rating is None else float(rating))
        self.games.setdefault(player, 0)
        if anchored:
            self.anchored.add(player)

    def record(
        self, player: str, opponent: str, wins: int, draws: int = 0, losses: int = 0
    ) -> float:
        """Rate ``wins``/``draws``/``losses`` of ``player`` against ``opponent``; return its change.

        The games are rated together, against the ratings before them. An anchored player's
        rating stays; its opponent's moves all the same.
        """
        if player == opponent:
            raise ValueError(f"{player!r} cannot be rated against itself")
        if min(wins, draws, losses) < 0:
            raise ValueError(f"negative game counts: {wins}/{draws}/{losses}")
        games = wins + draws + losses
        if games == 0:
            return 0.0
        score = match_score(wins, draws)
        self.add(player)
        self.add(opponent)
        mine, theirs = self.rating(player), self.rating(opponent)
        change = rating_change(mine, theirs, score, games, self.k)
        if player not in self.anchored:
            self.ratings[player] = mine + change
        if opponent not in self.anchored:
            self.ratings[opponent] = theirs - change
        self.games[player] += games
        self.games[opponent] += games
        self.results.append((player, opponent, score, games))
        return change

    def fitted(self, prior_games: float = PRIOR_GAMES) -> dict[str, float]:
        """Every player's rating fitted to all of :attr:`results` at once (:func:`fit_ratings`).

        Anchored players keep their rating; a player with no game yet is at ``initial``.
        """
        anchors = {name: self.rating(name) for name in self.anchored}
        fitted = fit_ratings(self.results, anchors, self.initial, prior_games)
        return {name: fitted.get(name, self.initial) for name in self.ratings} | fitted

    def best(self, players: Iterable[str]) -> str:
        """The highest-rated of ``players`` (the first one among equals)."""
        names = list(players)
        if not names:
            raise ValueError("best() of no players")
        return max(names, key=self.rating)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (saved with a checkpoint)."""
        return {
            "k": self.k,
            "initial": self.initial,
            "ratings": dict(self.ratings),
            "anchored": sorted(self.anchored),
            "games": dict(self.games),
            "results": [list(row) for row in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EloTable:
        """The table :meth:`to_dict` saved (one saved before ``results`` existed has none)."""
        return cls(
            k=float(data["k"]),
            initial=float(data["initial"]),
            ratings={str(k): float(v) for k, v in data["ratings"].items()},
            anchored={str(name) for name in data.get("anchored", [])},
            games={str(k): int(v) for k, v in data.get("games", {}).items()},
            results=[
                (str(a), str(b), float(score), int(games))
                for a, b, score, games in data.get("results", [])
            ],
        )
