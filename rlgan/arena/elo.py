"""ELO ratings: who beats whom, on one scale, from the results of matches.

A player rated ``r_a`` is expected to score ``E_a = 1 / (1 + 10 ** ((r_b - r_a) / 400))``
against one rated ``r_b`` (a win scores 1, a draw 0.5, a loss 0). After ``n`` games in which
``a`` scored ``s`` in total, both ratings move by ``K * (s - n * E_a)``, in opposite
directions, so the sum of the two ratings never changes (ML-Agents uses ``K = 16`` and an
initial rating of 1200, as here). A player may be *anchored* (a scripted baseline): its
rating stays fixed and only its opponents' ratings move, so the scale does not drift as
snapshots come and go.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Rating of a player before any game (ML-Agents' ``initial_elo``).
INITIAL_RATING = 1200.0
#: How far one game moves a rating (ML-Agents' K).
K_FACTOR = 16.0
#: Rating difference at which the stronger player is expected to score 10 times as much.
SCALE = 400.0


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


@dataclass
class EloTable:
    """The ratings of a set of players, updated by :meth:`record`.

    Players are named by strings (``red@20000``, ``script:chase``); a player not seen yet
    starts at ``initial``. Players in ``anchored`` keep their rating.
    """

    k: float = K_FACTOR
    initial: float = INITIAL_RATING
    ratings: dict[str, float] = field(default_factory=dict)
    anchored: set[str] = field(default_factory=set)
    games: dict[str, int] = field(default_factory=dict)

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
        self.add(player)
        self.add(opponent)
        mine, theirs = self.rating(player), self.rating(opponent)
        change = rating_change(mine, theirs, match_score(wins, draws), games, self.k)
        if player not in self.anchored:
            self.ratings[player] = mine + change
        if opponent not in self.anchored:
            self.ratings[opponent] = theirs - change
        self.games[player] += games
        self.games[opponent] += games
        return change

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
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EloTable:
        """The table :meth:`to_dict` saved."""
        return cls(
            k=float(data["k"]),
            initial=float(data["initial"]),
            ratings={str(k): float(v) for k, v in data["ratings"].items()},
            anchored={str(name) for name in data.get("anchored", [])},
            games={str(k): int(v) for k, v in data.get("games", {}).items()},
        )
