"""``rlgan/Pursuit-v0``: reach the goal zone while scripted pursuers chase you.

A square arena (side ``arena_size``) with circular obstacles. The agent (blue) moves at
``agent_speed`` per step in one of 8 directions (or stays); pursuers (red) move at
``pursuer_speed`` times that speed, each step heading for the agent ("chase") or for where the
agent will be when they arrive at its current velocity ("intercept"). The episode ends with
success when the agent enters the goal zone (green), with failure when a pursuer comes within
``catch_radius``, and is truncated after ``max_episode_steps``.

Reward per step: ``-time_penalty`` plus ``progress_coef * (d_before - d_after) / arena_size``
(progress toward the goal, ``d`` being the agent-goal distance), plus ``goal_reward`` on
reaching the goal, minus ``catch_penalty`` when caught.

With ``view="partial"`` the agent senses pursuers only within ``sensing_radius``: each
pursuer's entries gain a seen flag and read 0 beyond it (pixel observations leave it out).

All rules live in :class:`PursuitCore` (arrays over a batch; the world's movement, spawning,
features and drawing in :mod:`rlgan.envs.arena_world`, shared with the pursuit arena);
:class:`PursuitEnv` and :class:`PursuitVectorEnv` are its single and native-vector faces (see
:mod:`rlgan.envs.batched`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from rlgan.common.errors import invalid_choice, require, require_positive

from .arena_world import (
    ACTION_NAMES,
    AGENT_RADIUS,
    COLOURS,
    DIRECTIONS,
    HEADINGS,
    PURSUER_RADIUS,
    VIEWS,
    arrow_key_map,
    check_world_knobs,
    closeness,
    draw_world,
    headings,
    hide,
    norm,
    push_out,
    relative,
    scripted_velocities,
    sensed,
    spawn,
    spawn_draws,
)
from .batched import BatchedCore, CoreEnv, CoreVectorEnv, check_num_envs, params_from_knobs

__all__ = [
    "ACTION_NAMES",
    "COLOURS",
    "DIRECTIONS",
    "HEADINGS",
    "PursuitCore",
    "PursuitEnv",
    "PursuitParams",
    "PursuitVectorEnv",
]

BEHAVIOURS = ("chase", "intercept")
OBS_TYPES = ("vector", "pixels")
MAX_PURSUERS = 16
#: how many squared units of arena each pursuer needs
AREA_PER_PURSUER = 16.0


@dataclass(frozen=True)
class PursuitParams:
    """The knobs of a Pursuit arena, validated on construction (ConfigError if bad)."""

    num_pursuers: int = 2
    pursuer_speed: float = 0.6
    behaviour: str = "chase"
    arena_size: float = 10.0
    num_obstacles: int = 2
    agent_speed: float = 0.3
    goal_radius: float = 0.6
    catch_radius: float = 0.5
    continuous: bool = False
    obs_type: str = "vector"
    image_size: int = 64
    view: str = "full"
    sensing_radius: float = 3.0
    goal_reward: float = 1.0
    catch_penalty: float = 1.0
    time_penalty: float = 0.01
    progress_coef: float = 1.0

    def __post_init__(self) -> None:
        """Check every knob and raise a one-paragraph ConfigError naming the bad one."""
        check_world_knobs(self)
        capacity = max_pursuers(self.arena_size)
        require(
            isinstance(self.num_pursuers, int) and 0 <= self.num_pursuers <= capacity,
            f"Invalid num_pursuers={self.num_pursuers!r}: an arena of size {self.arena_size} "
            f"holds 0 to {capacity} pursuers (one per {AREA_PER_PURSUER:g} square units, at most "
            f"{MAX_PURSUERS}).",
        )
        if self.behaviour not in BEHAVIOURS:
            raise invalid_choice("behaviour", self.behaviour, BEHAVIOURS)
        if self.obs_type not in OBS_TYPES:
            raise invalid_choice("obs_type", self.obs_type, OBS_TYPES)
        if self.view not in VIEWS:
            raise invalid_choice(
                "view", self.view, VIEWS, "partial: pursuers are seen within sensing_radius."
            )
        require_positive("sensing_radius", self.sensing_radius)
        require(
            isinstance(self.image_size, int) and 16 <= self.image_size <= 512,
            f"Invalid image_size={self.image_size!r}: valid range is 16 to 512 pixels.",
        )
        for knob in ("goal_reward", "catch_penalty", "time_penalty", "progress_coef"):
            require_positive(knob, getattr(self, knob), allow_zero=True)


def max_pursuers(arena_size: float) -> int:
    """Return how many pursuers an arena of side ``arena_size`` holds."""
    return int(min(MAX_PURSUERS, arena_size * arena_size // AREA_PER_PURSUER))


class PursuitCore(BatchedCore):
    """Arrays and rules of ``num_envs`` Pursuit arenas."""

    caption = "rlgan Pursuit"

    def __init__(self, num_envs: int, params: PursuitParams) -> None:
        """Allocate the state of ``num_envs`` arenas with ``params``."""
        self.num_envs = num_envs
        self.p = params
        n, m, k = num_envs, params.num_pursuers, params.num_obstacles
        self.agent = np.zeros((n, 2))
        self.agent_vel = np.zeros((n, 2))
        self.goal = np.zeros((n, 2))
        self.goal_dist = np.zeros(n)
        self.pursuers = np.zeros((n, m, 2))
        self.pursuer_vel = np.zeros((n, m, 2))
        self.obstacles = np.zeros((n, k, 2))
        self.obstacle_r = np.zeros((n, k))
        self.partial = params.view == "partial"
        if params.continuous:
            self.action_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        else:
            self.action_space = spaces.Discrete(len(DIRECTIONS))
        if params.obs_type == "pixels":
            size = params.image_size
            self.observation_space = spaces.Box(0, 255, (size, size, 3), dtype=np.uint8)
        else:
            dim = 7 + (6 if self.partial else 5) * m + 4 * k
            self.observation_space = spaces.Box(-1.0, 1.0, shape=(dim,), dtype=np.float32)

    def _push_out(self, pos: np.ndarray, radius: float) -> np.ndarray:
        """Move points ``pos`` (N, M, 2) out of the obstacles and inside the walls."""
        return push_out(pos, radius, self.obstacles, self.obstacle_r, self.p.arena_size)

    def reset_envs(self, idx: np.ndarray, rngs: Sequence[np.random.Generator]) -> None:
        """Place obstacles, agent, goal and pursuers of arenas ``idx`` at random.

        Each arena draws a fixed count of uniforms from its own generator; the agent is the
        only evader of :func:`rlgan.envs.arena_world.spawn` (goal half the arena side away,
        pursuers 0.4 of it from the agent and 0.3 of it from the goal).
        """
        p = self.p
        count = spawn_draws(p.num_obstacles, p.num_pursuers, 1)
        u = np.stack([rng.random(count) for rng in rngs])
        layout = spawn(u, p.arena_size, p.num_obstacles, p.num_pursuers, 1)
        self.obstacles[idx] = layout.obstacles
        self.obstacle_r[idx] = layout.obstacle_r
        self.agent[idx] = layout.evaders[:, 0]
        self.goal[idx] = layout.goal
        self.goal_dist[idx] = norm(layout.goal - layout.evaders[:, 0])
        self.pursuers[idx] = layout.pursuers
        self.agent_vel[idx] = 0.0
        self.pursuer_vel[idx] = 0.0

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Move the agents, then the pursuers; score goals and captures."""
        p = self.p
        dist_before = self.goal_dist
        direction = headings(actions, p.continuous, (self.num_envs,))
        self.agent_vel = p.agent_speed * direction
        self.agent = self._push_out((self.agent + self.agent_vel)[:, None, :], AGENT_RADIUS)[:, 0]
        if p.num_pursuers:
            self.pursuer_vel = scripted_velocities(
                self.pursuers,
                np.broadcast_to(self.agent[:, None, :], self.pursuers.shape),
                self.agent_vel[:, None, :],
                p.pursuer_speed * p.agent_speed,
                p.behaviour,
                p.arena_size,
            )
            self.pursuers = self._push_out(self.pursuers + self.pursuer_vel, PURSUER_RADIUS)
            caught = (norm(self.pursuers - self.agent[:, None, :]) < p.catch_radius).any(axis=1)
        else:
            caught = np.zeros(self.num_envs, dtype=bool)
        self.goal_dist = dist_after = norm(self.goal - self.agent)
        reached = (dist_after < p.goal_radius) & ~caught
        reward = (dist_before - dist_after) * (p.progress_coef / p.arena_size) - p.time_penalty
        reward += p.goal_reward * reached - p.catch_penalty * caught
        return reward.astype(np.float32), reached | caught, reached

    def seen(self) -> np.ndarray:
        """Which pursuers (N, M) the agent senses: all, or those within ``sensing_radius``."""
        dist = norm(self.pursuers - self.agent[:, None, :])
        if self.partial:
            return dist <= self.p.sensing_radius
        return np.ones(dist.shape, dtype=bool)

    def observe(self) -> np.ndarray:
        """Normalised vectors (N, 7 + 5M + 4K; 6M with ``view="partial"``) or RGB images.

        Goal, pursuers and obstacles are seen from the agent: unit direction plus a distance
        feature (goal: distance / arena diagonal; others: closeness ``1 / (1 + gap)``, 1 when
        touching), so nearby danger stands out instead of hiding in tiny offsets. With
        ``view="partial"`` each pursuer's 5 entries read 0 beyond ``sensing_radius`` and a
        sixth says whether it is seen.
        """
        p = self.p
        if p.obs_type == "pixels":
            return self.draw(p.image_size, observed=True)
        n, m = self.num_envs, p.num_pursuers
        size = p.arena_size
        others = np.concatenate([self.goal[:, None], self.pursuers, self.obstacles], axis=1)
        unit, dist = relative(self.agent, others)
        reach = np.concatenate(
            [np.full((n, m), p.catch_radius), self.obstacle_r + AGENT_RADIUS], axis=1
        )
        near = closeness(dist[:, 1:], reach)
        vel_scale = p.agent_speed * max(1.0, p.pursuer_speed)
        pursuer = np.concatenate(
            [unit[:, 1 : 1 + m], near[:, :m, None], self.pursuer_vel / vel_scale], axis=2
        )
        if self.partial:
            pursuer = sensed(pursuer, self.seen())
        obstacle = [unit[:, 1 + m :], near[:, m:, None], self.obstacle_r[..., None] / size]
        parts = [
            self.agent / size * 2.0 - 1.0,
            self.agent_vel / p.agent_speed,
            unit[:, 0],
            dist[:, :1] / (size * np.sqrt(2.0)),
            pursuer.reshape(n, -1),
            np.concatenate(obstacle, axis=2).reshape(n, -1),
        ]
        return np.clip(np.concatenate(parts, axis=1), -1.0, 1.0).astype(np.float32)

    def draw(self, size: int, observed: bool = False) -> np.ndarray:
        """Top-down frames (north up): goal zone, obstacles, pursuers (red), agent (blue).

        With ``view="partial"`` the sensing radius is drawn around the agent; ``observed``
        frames (pixel observations) leave out the pursuers the agent does not sense.
        """
        p = self.p
        ones = np.ones((self.num_envs, 1))
        pursuers = hide(self.pursuers, self.seen()) if observed else self.pursuers
        layers = [
            (self.goal[:, None], ones * p.goal_radius, "goal"),
            (self.obstacles, self.obstacle_r, "obstacle"),
            (pursuers, np.full(self.pursuers.shape[:2], PURSUER_RADIUS), "pursuer"),
            (self.agent[:, None], ones * AGENT_RADIUS, "agent"),
        ]
        rings = [(self.agent[:, None], ones * p.sensing_radius, "agent_sensing")]
        return draw_world(size, p.arena_size, layers, rings if self.partial else [])

    def hud(self, i: int) -> list[str]:
        """Distance to goal and to the nearest pursuer of arena ``i``."""
        lines = [f"goal distance {norm(self.goal[i] - self.agent[i]):.2f}"]
        if self.p.num_pursuers:
            nearest = norm(self.pursuers[i] - self.agent[i]).min()
            lines.append(f"nearest pursuer {nearest:.2f}")
        return lines


class PursuitEnv(CoreEnv):
    """Single ``rlgan/Pursuit-v0`` environment (knobs: see :class:`PursuitParams`)."""

    def __init__(
        self,
        render_mode: str | None = None,
        max_episode_steps: int = 200,
        **knobs: object,
    ) -> None:
        """Build one arena; ``knobs`` are :class:`PursuitParams` fields."""
        params = make_params(knobs)
        super().__init__(PursuitCore(1, params), max_episode_steps, render_mode)

    @property
    def action_names(self) -> tuple[str, ...]:
        """Names of the discrete actions (empty with ``continuous=True``)."""
        return () if self.core.p.continuous else ACTION_NAMES

    @property
    def play_noop(self) -> Any:
        """The action while no key is held (stay): keyboard play is real time."""
        return np.zeros(2, np.float32) if self.core.p.continuous else 0

    def get_keys_to_action(self) -> dict[tuple[int, ...], Any]:
        """Arrow keys -> actions (``gymnasium.utils.play``); held arrows add up (diagonals)."""
        return arrow_key_map(self.core.p.continuous)


class PursuitVectorEnv(CoreVectorEnv):
    """Native batched ``rlgan/Pursuit-v0`` (``gymnasium.make_vec(..., "vector_entry_point")``)."""

    def __init__(
        self,
        num_envs: int = 1,
        render_mode: str | None = None,
        max_episode_steps: int = 200,
        **knobs: object,
    ) -> None:
        """Build ``num_envs`` arenas stepped together; ``knobs`` as for :class:`PursuitEnv`."""
        check_num_envs(num_envs)
        params = make_params(knobs)
        super().__init__(PursuitCore(num_envs, params), max_episode_steps, render_mode)


def make_params(knobs: dict[str, object]) -> PursuitParams:
    """Build :class:`PursuitParams` from keyword knobs, naming any unknown knob."""
    return params_from_knobs(PursuitParams, knobs, "Pursuit")
