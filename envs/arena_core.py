"""Knobs and batched rules of the pursuit arena (red pursuers vs blue evaders).

:class:`ArenaCore` holds ``N`` arenas in NumPy arrays and advances all of them with array
operations; the PettingZoo env and the batched env of :mod:`rlgan.envs.pursuit_arena` are
its two faces, so both play by exactly the same code. Movement, spawning, features and
drawing are those of ``rlgan/Pursuit-v0`` (:mod:`rlgan.envs.arena_world`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from gymnasium import spaces

from rlgan.common.errors import invalid_choice, is_integer, require, require_positive

from .arena_world import (
    AGENT_RADIUS,
    DIRECTIONS,
    PURSUER_RADIUS,
    VIEWS,
    check_world_knobs,
    closeness,
    draw_world,
    headings,
    hide,
    norm,
    push_out,
    relative,
    sensed,
    spawn,
    spawn_draws,
)

#: the two teams, in the order of ``possible_agents``: red pursues, blue evades
TEAMS = ("red", "blue")
ACTION_TYPES = ("discrete", "continuous")
MAX_RED, MAX_BLUE = 4, 2
#: entries per other agent: unit direction (2), closeness (1), velocity (2), seen flag (1)
AGENT_FEATURES = 6
#: ``winner`` codes: no winner yet, else the index of the winning team in :data:`TEAMS`
NO_WINNER = -1


@dataclass(frozen=True)
class ArenaParams:
    """The knobs of a pursuit arena, validated on construction (ConfigError if bad)."""

    num_pursuers: int = 2
    num_evaders: int = 1
    pursuer_speed: float = 1.0
    agent_speed: float = 0.3
    arena_size: float = 10.0
    num_obstacles: int = 2
    goal_radius: float = 0.6
    catch_radius: float = 0.5
    actions: str = "discrete"
    obs: str = "full"
    sensing_radius: float = 3.0
    max_episode_steps: int = 200
    win_reward: float = 1.0
    catch_reward: float = 0.5
    progress_coef: float = 0.5
    distance_coef: float = 0.5

    def __post_init__(self) -> None:
        """Check every knob and raise a one-paragraph ConfigError naming the bad one."""
        for knob, most in (("num_pursuers", MAX_RED), ("num_evaders", MAX_BLUE)):
            value = getattr(self, knob)
            team = "red" if knob == "num_pursuers" else "blue"
            require(
                is_integer(value) and 1 <= value <= most,
                f"Invalid {knob}={value!r}: team {team} has 1 to {most} agents (an integer).",
            )
        check_world_knobs(self)
        require_positive("sensing_radius", self.sensing_radius)
        if self.actions not in ACTION_TYPES:
            raise invalid_choice("actions", self.actions, ACTION_TYPES)
        if self.obs not in VIEWS:
            raise invalid_choice(
                "obs", self.obs, VIEWS, "partial: agents are seen within sensing_radius."
            )
        require(
            is_integer(self.max_episode_steps) and self.max_episode_steps >= 1,
            f"Invalid max_episode_steps={self.max_episode_steps!r}: it must be an integer >= 1.",
        )
        for knob in ("win_reward", "catch_reward", "progress_coef", "distance_coef"):
            require_positive(knob, getattr(self, knob), allow_zero=True)

    @property
    def team_sizes(self) -> dict[str, int]:
        """Agents per team, in :data:`TEAMS` order."""
        return {"red": self.num_pursuers, "blue": self.num_evaders}

    @property
    def obs_dim(self) -> int:
        """Length of one agent's observation vector."""
        others = self.num_pursuers + self.num_evaders - 1
        return 8 + AGENT_FEATURES * others + 4 * self.num_obstacles


def _others(own: range, rival: range) -> np.ndarray:
    """Per agent of team ``own``: indices of its teammates, then of the rival team (n, A-1)."""
    return np.array([[j for j in own if j != i] + list(rival) for i in own], dtype=np.int64)


class ArenaCore:
    """Arrays and rules of ``num_envs`` pursuit arenas (see :mod:`rlgan.envs.pursuit_arena`).

    Agents are indexed red first, then blue (``num_pursuers + num_evaders`` in all); every
    agent has the same observation and action space.
    """

    caption = "rlgan Pursuit arena"

    def __init__(self, num_envs: int, params: ArenaParams) -> None:
        """Allocate the state of ``num_envs`` arenas with ``params``."""
        self.num_envs = num_envs
        self.p = params
        n, r, b, k = num_envs, params.num_pursuers, params.num_evaders, params.num_obstacles
        self.sizes = params.team_sizes
        self.pursuers = np.zeros((n, r, 2))
        self.pursuer_vel = np.zeros((n, r, 2))
        self.evaders = np.zeros((n, b, 2))
        self.evader_vel = np.zeros((n, b, 2))
        self.alive = np.ones((n, b), dtype=bool)
        self.goal = np.zeros((n, 2))
        self.obstacles = np.zeros((n, k, 2))
        self.obstacle_r = np.zeros((n, k))
        self.elapsed = np.zeros(n, dtype=np.int64)
        #: evader-goal distance and evader-nearest-pursuer distance (the shaping potentials)
        self.goal_dist = np.zeros((n, b))
        self.gap = np.zeros((n, b))
        self.continuous = params.actions == "continuous"
        self.partial = params.obs == "partial"
        self.speeds = {"red": params.pursuer_speed * params.agent_speed, "blue": params.agent_speed}
        self.radii = {"red": PURSUER_RADIUS, "blue": AGENT_RADIUS}
        self._others = {"red": _others(range(r), range(r, r + b))}
        self._others["blue"] = _others(range(r, r + b), range(r))
        self._offset = {"red": 0, "blue": r}
        self.observation_space = spaces.Box(-1.0, 1.0, (params.obs_dim,), dtype=np.float32)
        if self.continuous:
            self.action_space: spaces.Space = spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)
        else:
            self.action_space = spaces.Discrete(len(DIRECTIONS))

    def _push_out(self, pos: np.ndarray, radius: float) -> np.ndarray:
        """Move discs ``pos`` (N, M, 2) out of the obstacles and inside the walls."""
        return push_out(pos, radius, self.obstacles, self.obstacle_r, self.p.arena_size)

    def reset_envs(self, idx: np.ndarray, rngs: Sequence[np.random.Generator]) -> None:
        """Start new games in arenas ``idx``, drawing a fixed count of uniforms from ``rngs``.

        Placement is :func:`rlgan.envs.arena_world.spawn`'s (as in Pursuit; further evaders
        start away from the goal).
        """
        p = self.p
        count = spawn_draws(p.num_obstacles, p.num_pursuers, p.num_evaders)
        u = np.stack([rng.random(count) for rng in rngs])
        layout = spawn(u, p.arena_size, p.num_obstacles, p.num_pursuers, p.num_evaders)
        self.obstacles[idx] = layout.obstacles
        self.obstacle_r[idx] = layout.obstacle_r
        self.pursuers[idx] = layout.pursuers
        self.evaders[idx] = layout.evaders
        self.goal[idx] = layout.goal
        self.pursuer_vel[idx] = 0.0
        self.evader_vel[idx] = 0.0
        self.alive[idx] = True
        self.elapsed[idx] = 0
        self.goal_dist[idx] = norm(layout.goal[:, None, :] - layout.evaders)
        dist = norm(layout.pursuers[:, :, None, :] - layout.evaders[:, None, :, :])
        self.gap[idx] = dist.min(axis=1)

    def step(
        self, actions: Mapping[str, np.ndarray]
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Move both teams at once; score captures, goals and the time limit.

        ``actions[team]`` is (N, n) discrete or (N, n, 2) continuous actions; caught evaders'
        actions are ignored. Returns per-team rewards (N, n) (0 for evaders caught before this
        step), ``terminated`` (N,) and ``winner`` (N,): :data:`NO_WINNER` or a team index.
        """
        p, n = self.p, self.num_envs
        alive = self.alive
        red = headings(actions["red"], self.continuous, (n, p.num_pursuers))
        blue = headings(actions["blue"], self.continuous, (n, p.num_evaders)) * alive[..., None]
        self.pursuer_vel = self.speeds["red"] * red
        self.pursuers = self._push_out(self.pursuers + self.pursuer_vel, PURSUER_RADIUS)
        self.evader_vel = self.speeds["blue"] * blue
        moved = self._push_out(self.evaders + self.evader_vel, AGENT_RADIUS)
        self.evaders = np.where(alive[..., None], moved, self.evaders)
        dist = norm(self.pursuers[:, :, None, :] - self.evaders[:, None, :, :])  # (N, R, B)
        caught = alive & (dist < p.catch_radius).any(axis=1)
        self.alive = still = alive & ~caught
        goal_dist = norm(self.goal[:, None, :] - self.evaders)
        gap = dist.min(axis=1)
        self.elapsed += 1
        reached = (still & (goal_dist < p.goal_radius)).any(axis=1)
        red_won = ~still.any(axis=1)
        blue_won = reached | (~red_won & (self.elapsed >= p.max_episode_steps))
        progress = p.progress_coef * (self.goal_dist - goal_dist)
        escape = p.distance_coef * (gap - self.gap)
        shaping = ((progress + escape) * alive).sum(axis=1) / (p.num_evaders * p.arena_size)
        blue_reward = shaping - p.catch_reward * caught.sum(axis=1) / p.num_evaders
        blue_reward += p.win_reward * (blue_won.astype(np.float64) - red_won)
        self.goal_dist, self.gap = goal_dist, gap
        rewards = {
            "red": np.repeat(-blue_reward[:, None], p.num_pursuers, axis=1).astype(np.float32),
            "blue": (blue_reward[:, None] * alive).astype(np.float32),
        }
        winner = np.where(red_won, 0, np.where(blue_won, 1, NO_WINNER)).astype(np.int8)
        return rewards, red_won | blue_won, winner

    def active(self) -> dict[str, np.ndarray]:
        """Which agents (N, n) per team are still in play (red always; blue until caught)."""
        red = np.ones((self.num_envs, self.p.num_pursuers), dtype=bool)
        return {"red": red, "blue": self.alive.copy()}

    def observe(self) -> dict[str, np.ndarray]:
        """Per team, float32 observations (N, n, ``obs_dim``) in [-1, 1]; zeros when caught.

        Layout per agent: own position mapped to [-1, 1] (2), own velocity / own speed (2),
        time left as a fraction (1), goal unit direction and distance / arena diagonal (3),
        then per other agent (teammates in index order, then rivals) its unit direction,
        closeness ``1 / (1 + gap)`` (gap = distance - ``catch_radius``), velocity / the top
        speed and a seen flag (6; all 0 when not seen: caught, or beyond ``sensing_radius``
        with ``obs="partial"``), then per obstacle its unit direction, closeness (gap to its
        rim) and radius / ``arena_size`` (4).
        """
        p, n = self.p, self.num_envs
        size = p.arena_size
        where = np.concatenate([self.pursuers, self.evaders], axis=1)
        vel = np.concatenate([self.pursuer_vel, self.evader_vel], axis=1)
        active = np.concatenate(list(self.active().values()), axis=1)
        top_speed = max(self.speeds.values())
        time_left = (1.0 - self.elapsed / p.max_episode_steps)[:, None, None]
        out = {}
        for team, count in self.sizes.items():
            own = slice(self._offset[team], self._offset[team] + count)
            me = where[:, own]
            others = self._others[team]
            unit, dist = relative(me, where[:, others])
            seen = active[:, others]
            if self.partial:
                seen = seen & (dist <= p.sensing_radius)
            agents = sensed(
                np.concatenate(
                    [unit, closeness(dist, p.catch_radius)[..., None], vel[:, others] / top_speed],
                    axis=-1,
                ),
                seen,
            )
            goal_unit, goal_dist = relative(me, self.goal[:, None, None, :])
            obs_unit, obs_dist = relative(me, self.obstacles[:, None])
            reach = self.obstacle_r[:, None, :] + self.radii[team]
            obstacle = [
                obs_unit,
                closeness(obs_dist, reach)[..., None],
                np.broadcast_to(self.obstacle_r[:, None, :, None], obs_dist.shape + (1,)) / size,
            ]
            parts = [
                me / size * 2.0 - 1.0,
                vel[:, own] / self.speeds[team],
                np.broadcast_to(time_left, (n, count, 1)),
                goal_unit[:, :, 0],
                goal_dist / (size * np.sqrt(2.0)),
                agents.reshape(n, count, -1),
                np.concatenate(obstacle, axis=-1).reshape(n, count, -1),
            ]
            obs = np.clip(np.concatenate(parts, axis=-1), -1.0, 1.0)
            out[team] = (obs * active[:, own, None]).astype(np.float32)
        return out

    def draw(self, size: int) -> np.ndarray:
        """Frames (N, size, size, 3): goal, obstacles, red pursuers, blue evaders (caught: dim).

        With ``obs="partial"`` each agent in play has its sensing radius drawn as a ring.
        """
        p = self.p
        ones = np.ones((self.num_envs, 1))
        red_r = np.full(self.pursuers.shape[:2], PURSUER_RADIUS)
        blue_r = np.full(self.evaders.shape[:2], AGENT_RADIUS)
        layers = [
            (self.goal[:, None], ones * p.goal_radius, "goal"),
            (self.obstacles, self.obstacle_r, "obstacle"),
            (hide(self.evaders, ~self.alive), blue_r, "caught"),
            (self.pursuers, red_r, "pursuer"),
            (hide(self.evaders, self.alive), blue_r, "agent"),
        ]
        rings = []
        if self.partial:
            rings = [
                (self.pursuers, red_r * 0 + p.sensing_radius, "pursuer_sensing"),
                (hide(self.evaders, self.alive), blue_r * 0 + p.sensing_radius, "agent_sensing"),
            ]
        return draw_world(size, p.arena_size, layers, rings)

    def hud(self, i: int) -> list[str]:
        """Evaders in play and the nearest pursuer-evader distance of arena ``i``."""
        alive = self.alive[i]
        lines = [f"evaders in play {int(alive.sum())}/{self.p.num_evaders}"]
        if alive.any():
            lines.append(f"nearest pursuer {self.gap[i][alive].min():.2f}")
            lines.append(f"goal distance {self.goal_dist[i][alive].min():.2f}")
        return lines
