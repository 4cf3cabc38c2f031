"""Every evaluation game's winner, by pairing: the matrix, the robustness figures, the ranks.

Evaluation matches are played on the same seeds for every pairing (:mod:`rlgan.arena.matches`),
so two players' games against one opponent compare game by game. :class:`MatchLog` keeps,
for each (red player, blue player) pairing, the winners of its latest match as a string
(``"rrb..."``: red, red, blue, ...), which a checkpoint saves, and answers the questions of
docs/arena.md's "What it must show":

- :meth:`MatchLog.win_rate`: a pairing's red win rate (the heat map's cells);
- :meth:`MatchLog.turned`: of the games a team's first snapshot lost against a set of
  opponents, the fraction its final snapshot won on the same seeds;
- :func:`elo_rank`: where a snapshot's rating ranks in its pool (1 = highest);
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rlgan.arena.matches import MatchResult

#: One letter per winner in a pairing's string.
WINNER_CODES = {"red": "r", "blue": "b"}


@dataclass
class MatchLog:
    """The winners of the latest match of each ``(red player, blue player)`` pairing."""

    games: dict[tuple[str, str], str] = field(default_factory=dict)

    def record(self, red: str, blue: str, result: MatchResult) -> None:
        """Keep ``result``'s winners (game by game) as the pairing's latest match."""
        self.games[(red, blue)] = "".join(WINNER_CODES[w] for w in result.winners)

    def has(self, red: str, blue: str) -> bool:
        """Whether the pairing was played."""
        return (red, blue) in self.games

    def win_rate(self, red: str, blue: str) -> float | None:
        """Red's win rate in the pairing's latest match (None if never played)."""
        played = self.games.get((red, blue))
        return played.count("r") / len(played) if played else None

    def counts(self) -> dict[tuple[str, str], tuple[int, int]]:
        """``{(red, blue): (red wins, games)}`` for every pairing played."""
        return {pair: (won.count("r"), len(won)) for pair, won in self.games.items() if won}

    def won_games(self, team: str, player: str, opponent: str) -> list[bool] | None:
        """Per game, whether ``player`` (of ``team``) beat ``opponent`` (None: not played)."""
        pair = (player, opponent) if team == "red" else (opponent, player)
        played = self.games.get(pair)
        if played is None:
            return None
        return [code == WINNER_CODES[team] for code in played]

    def turned(
        self, team: str, first: str, final: str, opponents: Iterable[str]
    ) -> tuple[int, int]:
        """``(won, lost)``: games ``first`` lost against ``opponents`` and how many ``final`` won.

        Only opponents both players met on the same number of games count.
        """
        lost = won = 0
        for opponent in opponents:
            before = self.won_games(team, first, opponent)
            after = self.won_games(team, final, opponent)
            if before is None or after is None or len(before) != len(after):
                continue
            for old, new in zip(before, after, strict=True):
                if not old:
                    lost += 1
                    won += int(new)
        return won, lost

    def forget(self, players: Iterable[str]) -> None:
        """Drop the pairings of ``players`` (snapshots pruned from their pool)."""
        gone = set(players)
        self.games = {pair: won for pair, won in self.games.items() if not gone.intersection(pair)}

    def to_csv(self) -> str:
        """The log as CSV text: ``red,blue,red_wins,games,winners`` (``winners``: ``rrb...``)."""
        lines = ["red,blue,red_wins,games,winners"]
        for (red, blue), won in self.games.items():
            lines.append(f"{red},{blue},{won.count('r')},{len(won)},{won}")
        return "\n".join(lines) + "\n"

    def to_list(self) -> list[list[str]]:
        """A JSON-ready copy: ``[[red, blue, winners], ...]`` (saved with a checkpoint)."""
        return [[red, blue, won] for (red, blue), won in self.games.items()]

    @classmethod
    def from_list(cls, rows: Sequence[Sequence[str]]) -> MatchLog:
        """The log :meth:`to_list` saved."""
        return cls({(str(red), str(blue)): str(won) for red, blue, won in rows})


def elo_rank(ratings: Mapping[str, float], player: str, pool: Iterable[str]) -> int:
    """``player``'s rank by rating among ``pool`` (1 = the highest; ties rank alike)."""
    mine = ratings[player]
    return 1 + sum(1 for other in pool if other != player and ratings[other] > mine)


def fraction(won: int, lost: int) -> float | None:
    """``won / lost``, or None when nothing was lost."""
    return won / lost if lost else None


def as_json(value: Any) -> Any:
    """Round floats for ``metrics.json``; other values as they are."""
    return round(value, 4) if isinstance(value, float) else value
