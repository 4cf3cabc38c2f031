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

All rules live in :class:`PursuitCore` (arrays over a batch); :class:`PursuitEnv` and
:class:`PursuitVectorEnv` are its single and native-vector faces (see :mod:`rlgan.envs.batched`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from rlgan.common.errors import invalid_choice, require, require_positive

from .batched import BatchedCore, CoreEnv, CoreVectorEnv, check_num_envs, params_from_knobs
from .drawing import draw_discs, fill_canvas
from .human_window import import_pygame

BEHAVIOURS = ("chase", "intercept")
OBS_TYPES = ("vector", "pixels")
MAX_PURSUERS = 16
MAX_OBSTACLES = 8
#: action index -> unit direction: 0 stays, 1..8 go E, NE, N, NW, W, SW, S, SE
DIRECTIONS = np.array(
    [[0.0, 0.0]] + [[np.cos(a), np.sin(a)] for a in np.arange(8) * (np.pi / 4)],
    dtype=np.float64,
)
DIRECTIONS[np.abs(DIRECTIONS) < 1e-12] = 0.0
#: names of the discrete actions as seen on screen (north is drawn up)
ACTION_NAMES = (
    "stay",
    "right",
    "up-right",
    "up",
    "up-left",
    "left",
    "down-left",
    "down",
    "down-right",
)
#: (dx, dy) heading signs (x right, y up) -> discrete action
HEADINGS = {(int(np.sign(x)), int(np.sign(y))): i for i, (x, y) in enumerate(DIRECTIONS)}

AGENT_RADIUS = 0.25
PURSUER_RADIUS = 0.25
OBSTACLE_RADII = (0.6, 1.2)
SPAWN_CANDIDATES = 4
#: pursuers spawn at least this fraction of the arena side away from the goal
GOAL_CLEARANCE = 0.3
#: clearance from obstacles of every spawn spot
SPAWN_RADIUS = 0.3
#: how many squared units of arena each pursuer needs
AREA_PER_PURSUER = 16.0

BACKGROUND = (24, 26, 33)
COLOURS = {
    "goal": (60, 200, 90),
    "obstacle": (110, 110, 120),
    "pursuer": (220, 60, 60),
    "agent": (70, 140, 255),
}


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
    goal_reward: float = 1.0
    catch_penalty: float = 1.0
    time_penalty: float = 0.01
    progress_coef: float = 1.0

    def __post_init__(self) -> None:
        """Check every knob and raise a one-paragraph ConfigError naming the bad one."""
        require_positive("arena_size", self.arena_size)
        require(
            self.arena_size >= 4.0,
            f"Invalid arena_size={self.arena_size!r}: it must be >= 4 (units; default 10).",
        )
        capacity = max_pursuers(self.arena_size)
        require(
            isinstance(self.num_pursuers, int) and 0 <= self.num_pursuers <= capacity,
            f"Invalid num_pursuers={self.num_pursuers!r}: an arena of size {self.arena_size} "
            f"holds 0 to {capacity} pursuers (one per {AREA_PER_PURSUER:g} square units, at most "
            f"{MAX_PURSUERS}).",
        )
        require(
            isinstance(self.num_obstacles, int) and 0 <= self.num_obstacles <= MAX_OBSTACLES,
            f"Invalid num_obstacles={self.num_obstacles!r}: valid range is 0 to {MAX_OBSTACLES}.",
        )
        require_positive("pursuer_speed", self.pursuer_speed)
        require(
            self.pursuer_speed <= 2.0,
            f"Invalid pursuer_speed={self.pursuer_speed!r}: valid range is (0, 2] "
            "(a multiple of agent_speed).",
        )
        require_positive("agent_speed", self.agent_speed)
        require(
            self.agent_speed <= self.arena_size / 4,
            f"Invalid agent_speed={self.agent_speed!r}: valid range is (0, arena_size / 4].",
        )
        require_positive("goal_radius", self.goal_radius)
        require_positive("catch_radius", self.catch_radius)
        if self.behaviour not in BEHAVIOURS:
            raise invalid_choice("behaviour", self.behaviour, BEHAVIOURS)
        if self.obs_type not in OBS_TYPES:
            raise invalid_choice("obs_type", self.obs_type, OBS_TYPES)
        require(
            isinstance(self.image_size, int) and 16 <= self.image_size <= 512,
            f"Invalid image_size={self.image_size!r}: valid range is 16 to 512 pixels.",
        )
        for knob in ("goal_reward", "catch_penalty", "time_penalty", "progress_coef"):
            require_positive(knob, getattr(self, knob), allow_zero=True)


def max_pursuers(arena_size: float) -> int:
    """Return how many pursuers an arena of side ``arena_size`` holds."""
    return int(min(MAX_PURSUERS, arena_size * arena_size // AREA_PER_PURSUER))


def _norm(d: np.ndarray) -> np.ndarray:
    """Euclidean length over the last axis (size 2), elementwise (batch-size independent)."""
    return np.sqrt((d * d).sum(axis=-1))


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
        self._n_random = 3 * k + 2 + 2 * SPAWN_CANDIDATES * (1 + m)
        #: minimum spawn distance from the agent of the goal, then of each pursuer, (1+M, 1)
        self._spawn_distance = np.array([0.5] + [0.4] * m)[:, None] * params.arena_size
        if params.continuous:
            self.action_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        else:
            self.action_space = spaces.Discrete(len(DIRECTIONS))
        if params.obs_type == "pixels":
            size = params.image_size
            self.observation_space = spaces.Box(0, 255, (size, size, 3), dtype=np.uint8)
        else:
            dim = 7 + 5 * m + 4 * k
            self.observation_space = spaces.Box(-1.0, 1.0, shape=(dim,), dtype=np.float32)

    def _push_out(self, pos: np.ndarray, radius: float, rows: np.ndarray | None) -> np.ndarray:
        """Move points ``pos`` (R, M, 2) out of obstacles and inside the walls.

        ``rows`` selects the arenas the R rows belong to (None: all, in order). A point inside
        an obstacle is pushed radially out to its rim.
        """
        size = self.p.arena_size
        if self.p.num_obstacles:
            centres = self.obstacles if rows is None else self.obstacles[rows]
            radii = self.obstacle_r if rows is None else self.obstacle_r[rows]
            d = pos[:, :, None, :] - centres[:, None, :, :]  # (R, M, K, 2)
            dist = _norm(d)
            depth = (radii[:, None, :] + radius) - dist
            if (depth > 0).any():
                push = np.maximum(depth, 0.0) / np.maximum(dist, 1e-9)
                pos = pos + (push[..., None] * d).sum(axis=2)
        return np.clip(pos, radius, size - radius)

    def reset_envs(self, idx: np.ndarray, rngs: Sequence[np.random.Generator]) -> None:
        """Place obstacles, agent, goal and pursuers of arenas ``idx`` at random.

        Each arena draws a fixed count of uniforms from its own generator. The goal and each
        pursuer take the first of ``SPAWN_CANDIDATES`` random spots far enough from the agent
        (goal: half the arena side, pursuers: 0.4 of it, and pursuers ``GOAL_CLEARANCE`` of it
        from the goal), else the spot farthest from the agent.
        """
        p, size = self.p, self.p.arena_size
        r, k, m, c = len(idx), p.num_obstacles, p.num_pursuers, SPAWN_CANDIDATES
        u = np.stack([rng.random(self._n_random) for rng in rngs])
        lo, hi = OBSTACLE_RADII
        self.obstacles[idx] = 1.5 + u[:, : 2 * k].reshape(r, k, 2) * (size - 3.0)
        self.obstacle_r[idx] = lo + u[:, 2 * k : 3 * k] * (hi - lo)
        margin = 2 * AGENT_RADIUS
        spots = margin + u[:, 3 * k :].reshape(r, -1, 2) * (size - 2 * margin)
        spots = self._push_out(spots, SPAWN_RADIUS, idx)
        agent = spots[:, 0]
        cands = spots[:, 1:].reshape(r, 1 + m, c, 2)
        dist = _norm(cands - agent[:, None, None, :])
        far = dist >= self._spawn_distance
        if m:  # pursuers also keep clear of the goal: nobody camps on it
            goal_choice = np.where(
                far[:, 0].any(axis=1), far[:, 0].argmax(axis=1), dist[:, 0].argmax(axis=1)
            )
            goal = cands[np.arange(r), 0, goal_choice]
            clear = _norm(cands[:, 1:] - goal[:, None, None, :]) >= GOAL_CLEARANCE * size
            far[:, 1:] &= clear
        choice = np.where(far.any(axis=2), far.argmax(axis=2), dist.argmax(axis=2))
        chosen = cands[np.arange(r)[:, None], np.arange(1 + m)[None, :], choice]
        self.agent[idx] = agent
        self.goal_dist[idx] = dist[np.arange(r), 0, choice[:, 0]]
        self.goal[idx] = chosen[:, 0]
        self.pursuers[idx] = chosen[:, 1:]
        self.agent_vel[idx] = 0.0
        self.pursuer_vel[idx] = 0.0

    def _directions(self, actions: np.ndarray) -> np.ndarray:
        """Unit (or shorter) heading vectors (N, 2) from a batch of actions."""
        if self.p.continuous:
            a = np.clip(np.asarray(actions, dtype=np.float64).reshape(self.num_envs, 2), -1, 1)
            length = _norm(a)
            return a / np.maximum(length, 1.0)[:, None]
        return DIRECTIONS[np.asarray(actions, dtype=np.int64).reshape(self.num_envs)]

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Move the agents, then the pursuers; score goals and captures."""
        p = self.p
        dist_before = self.goal_dist
        self.agent_vel = p.agent_speed * self._directions(actions)
        moved = self._push_out((self.agent + self.agent_vel)[:, None, :], AGENT_RADIUS, None)
        self.agent = moved[:, 0]
        if p.num_pursuers:
            speed = p.pursuer_speed * p.agent_speed
            target = np.broadcast_to(self.agent[:, None, :], self.pursuers.shape)
            if p.behaviour == "intercept":
                eta = _norm(target - self.pursuers) / speed
                lead = np.minimum(eta, 20.0)[..., None] * self.agent_vel[:, None, :]
                target = np.clip(target + lead, 0.0, p.arena_size)
            heading = target - self.pursuers
            length = _norm(heading)
            step_len = np.minimum(length, speed)
            self.pursuer_vel = heading * (step_len / np.maximum(length, 1e-9))[..., None]
            self.pursuers = self._push_out(self.pursuers + self.pursuer_vel, PURSUER_RADIUS, None)
            caught = (_norm(self.pursuers - self.agent[:, None, :]) < p.catch_radius).any(axis=1)
        else:
            caught = np.zeros(self.num_envs, dtype=bool)
        self.goal_dist = dist_after = _norm(self.goal - self.agent)
        reached = (dist_after < p.goal_radius) & ~caught
        reward = (dist_before - dist_after) * (p.progress_coef / p.arena_size) - p.time_penalty
        reward += p.goal_reward * reached - p.catch_penalty * caught
        return reward.astype(np.float32), reached | caught, reached

    def observe(self) -> np.ndarray:
        """Normalised vectors (N, 7 + 5M + 4K) or RGB images (N, S, S, 3).

        Goal, pursuers and obstacles are seen from the agent: unit direction plus a distance
        feature (goal: distance / arena diagonal; others: closeness ``1 / (1 + gap)``, 1 when
        touching), so nearby danger stands out instead of hiding in tiny offsets.
        """
        p = self.p
        if p.obs_type == "pixels":
            return self.draw(p.image_size)
        n, m = self.num_envs, p.num_pursuers
        size = p.arena_size
        others = np.concatenate([self.goal[:, None], self.pursuers, self.obstacles], axis=1)
        rel = others - self.agent[:, None, :]
        dist = _norm(rel)
        unit = rel / np.maximum(dist, 1e-9)[..., None]
        reach = np.concatenate(
            [np.full((n, m), p.catch_radius), self.obstacle_r + AGENT_RADIUS], axis=1
        )
        closeness = 1.0 / (1.0 + np.maximum(dist[:, 1:] - reach, 0.0))
        vel_scale = p.agent_speed * max(1.0, p.pursuer_speed)
        pursuer = [unit[:, 1 : 1 + m], closeness[:, :m, None], self.pursuer_vel / vel_scale]
        obstacle = [unit[:, 1 + m :], closeness[:, m:, None], self.obstacle_r[..., None] / size]
        parts = [
            self.agent / size * 2.0 - 1.0,
            self.agent_vel / p.agent_speed,
            unit[:, 0],
            dist[:, :1] / (size * np.sqrt(2.0)),
            np.concatenate(pursuer, axis=2).reshape(n, -1),
            np.concatenate(obstacle, axis=2).reshape(n, -1),
        ]
        return np.clip(np.concatenate(parts, axis=1), -1.0, 1.0).astype(np.float32)

    def draw(self, size: int) -> np.ndarray:
        """Top-down frames (north up): goal zone, obstacles, pursuers (red), agent (blue)."""
        p = self.p
        canvas = fill_canvas(self.num_envs, size, BACKGROUND)
        scale = size / p.arena_size
        flip = np.array([scale, -scale])  # world y grows north, image rows grow down
        shift = np.array([0.0, size])
        zeros = np.zeros((self.num_envs, 1))
        layers = [
            (self.goal[:, None], zeros + p.goal_radius, "goal"),
            (self.obstacles, self.obstacle_r, "obstacle"),
            (self.pursuers, np.full(self.pursuers.shape[:2], PURSUER_RADIUS), "pursuer"),
            (self.agent[:, None], zeros + AGENT_RADIUS, "agent"),
        ]
        for centres, radii, name in layers:
            draw_discs(canvas, centres * flip + shift, radii * scale, COLOURS[name])
        return canvas

    def hud(self, i: int) -> list[str]:
        """Distance to goal and to the nearest pursuer of arena ``i``."""
        lines = [f"goal distance {_norm(self.goal[i] - self.agent[i]):.2f}"]
        if self.p.num_pursuers:
            nearest = _norm(self.pursuers[i] - self.agent[i]).min()
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
        pygame = import_pygame()  # only when someone plays

        arrows = (
            (pygame.K_RIGHT, (1, 0)),
            (pygame.K_LEFT, (-1, 0)),
            (pygame.K_UP, (0, 1)),
            (pygame.K_DOWN, (0, -1)),
        )
        mapping: dict[tuple[int, ...], Any] = {}
        for count in range(1, len(arrows) + 1):
            for combo in itertools.combinations(arrows, count):
                dx, dy = (sum(step[axis] for _, step in combo) for axis in (0, 1))
                keys = tuple(sorted(key for key, _ in combo))
                mapping[keys] = (
                    np.array([dx, dy], np.float32) if self.core.p.continuous else HEADINGS[(dx, dy)]
                )
        return mapping


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
