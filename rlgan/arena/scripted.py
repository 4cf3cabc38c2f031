"""Scripted baselines for both teams, acting from the same observations a learned policy gets.

- red ``chase``: each pursuer heads for the nearest evader it sees (Pursuit's chasers);
- red ``intercept``: heads for where that evader will be when the pursuer gets there, from its
  seen velocity (Pursuit's interceptors), looking at most 20 steps ahead;
- blue ``evade``: each evader heads for the goal while turning away from the pursuers it
  sees, the more so the closer they are.

A pursuer that sees no evader heads for the goal zone, which evaders must reach. Acting from
observations (not from the arena's state) makes them policies like any other: batched,
usable as frozen opponents and rating yardsticks, and limited by ``obs: partial`` too.

The observation layout is the arena's (see :mod:`rlgan.envs.pursuit_arena`): own position
(2), own velocity (2), time left (1), goal unit direction (2) and distance (1), then 6
entries per other agent (teammates, then rivals: unit direction, closeness, velocity / top
speed, seen flag), then 4 per obstacle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlgan.common.errors import invalid_choice
from rlgan.envs.arena_world import DIRECTIONS

#: Scripted behaviours per team.
SCRIPTS = {"red": ("chase", "intercept"), "blue": ("evade",)}
#: Entries before the other agents' block, and per other agent.
_HEAD, _PER_AGENT = 8, 6
#: How many steps ahead an interceptor looks at most.
LOOKAHEAD = 20.0
#: How strongly a pursuer at closeness 1 pushes an evader away, relative to the goal's pull.
REPULSION = 2.0


def headings_to_actions(heading: np.ndarray, continuous: bool) -> np.ndarray:
    """Actions for heading vectors ``(M, 2)``: the nearest of the 9 moves, or the unit vector.

    A (near) zero heading stays.
    """
    length = np.sqrt((heading * heading).sum(axis=-1))
    unit = heading / np.maximum(length, 1e-9)[:, None]
    if continuous:
        return np.where(length[:, None] > 1e-6, unit, 0.0).astype(np.float32)
    best = (unit @ DIRECTIONS[1:].T).argmax(axis=1) + 1
    return np.where(length > 1e-6, best, 0).astype(np.int64)


class ScriptedPolicy:
    """A scripted team (see the module docstring) for an arena with ``params``.

    ``params`` is the arena's :class:`rlgan.envs.arena_core.ArenaParams` (team sizes,
    speeds and ``catch_radius`` decode the observations).
    """

    def __init__(self, team: str, behaviour: str, params: Any) -> None:
        if team not in SCRIPTS:
            raise invalid_choice("team", team, tuple(SCRIPTS))
        if behaviour not in SCRIPTS[team]:
            raise invalid_choice(f"scripted {team} behaviour", behaviour, SCRIPTS[team])
        self.team, self.behaviour, self.p = team, behaviour, params
        sizes = params.team_sizes
        rival = "blue" if team == "red" else "red"
        self.mates, self.rivals = sizes[team] - 1, sizes[rival]
        self.continuous = params.actions == "continuous"
        speed = params.agent_speed
        self.my_speed = speed * (params.pursuer_speed if team == "red" else 1.0)
        self.top_speed = speed * max(params.pursuer_speed, 1.0)
        self.name = f"script:{behaviour}"

    def _rivals(self, obs: np.ndarray) -> tuple[np.ndarray, ...]:
        """Rivals' unit directions (M, R, 2), closeness (M, R), velocities (M, R, 2), seen."""
        start = _HEAD + _PER_AGENT * self.mates
        block = obs[:, start : start + _PER_AGENT * self.rivals].reshape(
            len(obs), self.rivals, _PER_AGENT
        )
        return block[..., 0:2], block[..., 2], block[..., 3:5] * self.top_speed, block[..., 5] > 0

    def act(self, obs: np.ndarray, episode_start: np.ndarray) -> np.ndarray:
        """The scripted actions for ``obs`` (M, obs_dim)."""
        obs = np.asarray(obs, dtype=np.float64)
        goal = obs[:, 5:7]
        unit, close, vel, seen = self._rivals(obs)
        if self.team == "blue":
            push = (unit * (close * close * seen)[..., None]).sum(axis=1)
            return headings_to_actions(goal - REPULSION * push, self.continuous)
        # The nearest seen evader: highest closeness among the seen ones.
        score = np.where(seen, close, -1.0)
        target = score.argmax(axis=1)
        rows = np.arange(len(obs))
        heading = unit[rows, target]
        if self.behaviour == "intercept":
            gap = 1.0 / np.maximum(close[rows, target], 1e-6) - 1.0
            dist = gap + self.p.catch_radius
            eta = np.minimum(dist / self.my_speed, LOOKAHEAD)
            heading = heading * dist[:, None] + vel[rows, target] * eta[:, None]
        anyone = seen.any(axis=1)
        heading = np.where(anyone[:, None], heading, goal)
        return headings_to_actions(heading, self.continuous)


def scripted_baselines(team: str, params: Any) -> list[ScriptedPolicy]:
    """Every scripted policy of ``team`` for an arena with ``params``."""
    return [ScriptedPolicy(team, behaviour, params) for behaviour in SCRIPTS[team]]
