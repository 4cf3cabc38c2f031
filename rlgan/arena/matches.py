"""Evaluation matches: ``games`` games between a red and a blue team policy, side by side.

Each game is one arena of a batch reset with a deterministic seed (arena ``i`` of a match
seeded ``seed`` is the single arena reset with ``seed + i``), so two policies always meet on
the same maps; every arena plays exactly one game, and a game always has a winner (blue when
time runs out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlgan.arena.policies import TeamPolicy
from rlgan.arena.schedule import TEAMS


@dataclass(frozen=True)
class MatchResult:
    """How many of ``games`` games each team won, and the games' mean length in steps.

    ``winners`` holds each game's winner (``"red"`` or ``"blue"``) in seed order, so two
    matches on the same seeds compare game by game.
    """

    red_wins: int
    blue_wins: int
    mean_length: float
    winners: tuple[str, ...] = ()

    @property
    def games(self) -> int:
        """Games played."""
        return self.red_wins + self.blue_wins

    def wins(self, team: str) -> int:
        """Games ``team`` won."""
        return self.red_wins if team == "red" else self.blue_wins

    def win_rate(self, team: str) -> float:
        """The fraction of the games ``team`` won."""
        return self.wins(team) / self.games if self.games else float("nan")


#: Called after each step of a match with the arenas and which of them were still playing
#: before it (the games that ended on the step included).
StepWatcher = Callable[[Any, np.ndarray], None]


def play_matches(
    make_arena: Any,
    red: TeamPolicy,
    blue: TeamPolicy,
    games: int,
    seed: int,
    watch: StepWatcher | None = None,
) -> MatchResult:
    """Play ``games`` games of ``red`` against ``blue``; ``make_arena(n)`` builds ``n`` arenas.

    ``make_arena`` returns a :class:`rlgan.envs.pursuit_arena.PursuitArenaVector` (or the
    same interface). Each arena's first game counts; arenas that finished keep stepping
    (their actions are ignored) until the last game ends. ``watch(arena, playing)``, if
    given, is called after every step (the timeline GIF draws its frames there).
    """
    arena = make_arena(int(games))
    try:
        obs, _ = arena.reset(seed=int(seed))
        policies: Mapping[str, TeamPolicy] = {"red": red, "blue": blue}
        sizes = arena.team_sizes
        playing = np.ones(games, dtype=bool)
        lengths = np.zeros(games, dtype=np.int64)
        winners = np.full(games, -1, dtype=np.int64)
        start = np.ones(games, dtype=bool)
        while playing.any():
            actions = {}
            for team in TEAMS:
                rows = obs[team].reshape(games * sizes[team], -1)
                act = np.asarray(policies[team].act(rows, np.repeat(start, sizes[team])))
                actions[team] = act.reshape(games, sizes[team], *act.shape[1:])
            obs, _, terminated, truncated, info = arena.step(actions)
            if watch is not None:
                watch(arena, playing.copy())
            start[:] = False
            lengths += playing
            ended = playing & (np.asarray(terminated) | np.asarray(truncated))
            winners[ended] = np.asarray(info["winner"])[ended]
            playing &= ~ended
    finally:
        arena.close()
    red_wins = int((winners == TEAMS.index("red")).sum())
    names = tuple(TEAMS[int(code)] for code in winners)
    return MatchResult(red_wins, games - red_wins, float(lengths.mean()), names)
