"""The square world shared by ``rlgan/Pursuit-v0`` and the pursuit arena, as batched arrays.

Both environments play in a square of side ``arena_size`` (x right, y up) with circular
obstacles, discs that move by one of 9 discrete headings or a continuous heading vector, are
pushed out of obstacles and kept inside the walls, and a goal zone. This module holds those
rules once, as functions over a batch of ``N`` worlds: movement (:func:`headings`,
:func:`push_out`), spawning (:func:`spawn`), the scripted chase and intercept pursuers
(:func:`scripted_velocities`), the observation features (:func:`relative`,
:func:`closeness`, :func:`sensed`) and drawing (:func:`draw_world`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlgan.common.errors import is_integer, require, require_positive

from .drawing import draw_discs, draw_rings, fill_canvas

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
#: the most obstacles an arena holds (Pursuit and the multi-agent arena)
MAX_OBSTACLES = 8
#: what an agent sees: everything, or only the agents within its sensing radius
VIEWS = ("full", "partial")

AGENT_RADIUS = 0.25
PURSUER_RADIUS = 0.25
OBSTACLE_RADII = (0.6, 1.2)
SPAWN_CANDIDATES = 4
#: pursuers spawn at least this fraction of the arena side away from the goal
GOAL_CLEARANCE = 0.3
#: clearance from obstacles of every spawn spot
SPAWN_RADIUS = 0.3
#: minimum spawn distance, as a fraction of the arena side: goal from the first evader,
#: pursuers from every evader, further evaders from the goal
GOAL_SPAWN_DISTANCE, PURSUER_SPAWN_DISTANCE, EVADER_SPAWN_DISTANCE = 0.5, 0.4, 0.4

BACKGROUND = (24, 26, 33)
COLOURS = {
    "goal": (60, 200, 90),
    "obstacle": (110, 110, 120),
    "pursuer": (220, 60, 60),
    "agent": (70, 140, 255),
    "caught": (45, 60, 95),
    "pursuer_sensing": (110, 45, 50),
    "agent_sensing": (50, 80, 130),
}
#: width of the sensing-radius rings, in pixels
RING_WIDTH = 1.0


def check_world_knobs(params: Any) -> None:
    """Check the knobs Pursuit and the arena share (one-paragraph ConfigError naming the bad one).

    ``params`` has ``arena_size``, ``num_obstacles``, ``pursuer_speed``, ``agent_speed``,
    ``goal_radius`` and ``catch_radius``.
    """
    require_positive("arena_size", params.arena_size)
    require(
        params.arena_size >= 4.0,
        f"Invalid arena_size={params.arena_size!r}: it must be >= 4 (units; default 10).",
    )
    require(
        is_integer(params.num_obstacles) and 0 <= params.num_obstacles <= MAX_OBSTACLES,
        f"Invalid num_obstacles={params.num_obstacles!r}: valid range is 0 to {MAX_OBSTACLES}.",
    )
    require_positive("pursuer_speed", params.pursuer_speed)
    require(
        params.pursuer_speed <= 2.0,
        f"Invalid pursuer_speed={params.pursuer_speed!r}: valid range is (0, 2] "
        "(a multiple of agent_speed).",
    )
    require_positive("agent_speed", params.agent_speed)
    require(
        params.agent_speed <= params.arena_size / 4,
        f"Invalid agent_speed={params.agent_speed!r}: valid range is (0, arena_size / 4].",
    )
    require_positive("goal_radius", params.goal_radius)
    require_positive("catch_radius", params.catch_radius)


def arrow_key_map(continuous: bool) -> dict[tuple[int, ...], Any]:
    """Arrow keys -> a move (``gymnasium.utils.play``); held arrows add up (diagonals).

    Discrete moves are :data:`HEADINGS` indices, continuous ones ``(dx, dy)`` arrays.
    """
    from .human_window import import_pygame

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
            mapping[keys] = np.array([dx, dy], np.float32) if continuous else HEADINGS[(dx, dy)]
    return mapping


def norm(d: np.ndarray) -> np.ndarray:
    """Euclidean length over the last axis (size 2), elementwise (batch-size independent)."""
    return np.sqrt((d * d).sum(axis=-1))


def push_out(
    pos: np.ndarray, radius: float, centres: np.ndarray, radii: np.ndarray, size: float
) -> np.ndarray:
    """Move discs at ``pos`` (R, M, 2) out of obstacles and inside the walls.

    ``centres`` (R, K, 2) and ``radii`` (R, K) are the obstacles of each row's world. A disc
    overlapping an obstacle is pushed radially out to its rim.
    """
    if centres.shape[1]:
        d = pos[:, :, None, :] - centres[:, None, :, :]  # (R, M, K, 2)
        dist = norm(d)
        depth = (radii[:, None, :] + radius) - dist
        if (depth > 0).any():
            push = np.maximum(depth, 0.0) / np.maximum(dist, 1e-9)
            pos = pos + (push[..., None] * d).sum(axis=2)
    return np.clip(pos, radius, size - radius)


def headings(actions: np.ndarray, continuous: bool, shape: tuple[int, ...]) -> np.ndarray:
    """Heading vectors ``(*shape, 2)`` of length <= 1 from a batch of actions.

    Discrete actions index :data:`DIRECTIONS`; continuous ones are clipped to [-1, 1] and
    scaled down to length 1 when longer.
    """
    if continuous:
        a = np.clip(np.asarray(actions, dtype=np.float64).reshape(*shape, 2), -1, 1)
        return a / np.maximum(norm(a), 1.0)[..., None]
    return DIRECTIONS[np.asarray(actions, dtype=np.int64).reshape(shape)]


def scripted_velocities(
    pursuers: np.ndarray,
    target: np.ndarray,
    target_vel: np.ndarray,
    speed: float,
    behaviour: str,
    size: float,
) -> np.ndarray:
    """Velocities (N, M, 2) of scripted pursuers heading for their ``target`` (N, M, 2).

    ``"chase"`` heads for the target; ``"intercept"`` for where it will be on arrival at its
    current velocity ``target_vel`` (N, M, 2), looking at most 20 steps ahead. A pursuer that
    is closer than ``speed`` stops on the target.
    """
    if behaviour == "intercept":
        eta = norm(target - pursuers) / speed
        lead = np.minimum(eta, 20.0)[..., None] * target_vel
        target = np.clip(target + lead, 0.0, size)
    heading = target - pursuers
    length = norm(heading)
    step_len = np.minimum(length, speed)
    return heading * (step_len / np.maximum(length, 1e-9))[..., None]


def spawn_draws(num_obstacles: int, num_pursuers: int, num_evaders: int) -> int:
    """How many uniforms :func:`spawn` takes from each world's generator."""
    spots = 1 + num_pursuers + (num_evaders - 1)  # the goal, pursuers, further evaders
    return 3 * num_obstacles + 2 + 2 * SPAWN_CANDIDATES * spots


@dataclass
class Layout:
    """Where :func:`spawn` put things, for ``R`` worlds."""

    obstacles: np.ndarray  # (R, K, 2)
    obstacle_r: np.ndarray  # (R, K)
    evaders: np.ndarray  # (R, B, 2)
    goal: np.ndarray  # (R, 2)
    pursuers: np.ndarray  # (R, M, 2)


def _first_or_farthest(ok: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Per row of candidates (..., C): the first one where ``ok``, else the farthest."""
    return np.where(ok.any(axis=-1), ok.argmax(axis=-1), dist.argmax(axis=-1))


def spawn(u: np.ndarray, size: float, k: int, m: int, b: int) -> Layout:
    """Place ``k`` obstacles, ``b`` evaders, a goal and ``m`` pursuers from uniforms ``u``.

    ``u`` is (R, :func:`spawn_draws`) uniforms in [0, 1), one row per world, laid out as:
    obstacles (3 k), the first evader (2), goal candidates, pursuer candidates, candidates of
    the further evaders (2 ``SPAWN_CANDIDATES`` each). The first evader stands anywhere; the
    goal takes the first of its candidates at least ``GOAL_SPAWN_DISTANCE`` of the side from
    it, each pursuer the first at least ``PURSUER_SPAWN_DISTANCE`` from every evader and
    ``GOAL_CLEARANCE`` from the goal, each further evader the first at least
    ``EVADER_SPAWN_DISTANCE`` from the goal; where no candidate qualifies, the farthest one
    (from the first evader, the nearest evader, the goal) is taken. Every spot keeps
    ``SPAWN_RADIUS`` clear of the obstacles.
    """
    r, c = len(u), SPAWN_CANDIDATES
    lo, hi = OBSTACLE_RADII
    obstacles = 1.5 + u[:, : 2 * k].reshape(r, k, 2) * (size - 3.0)
    obstacle_r = lo + u[:, 2 * k : 3 * k] * (hi - lo)
    margin = 2 * AGENT_RADIUS
    spots = margin + u[:, 3 * k :].reshape(r, -1, 2) * (size - 2 * margin)
    spots = push_out(spots, SPAWN_RADIUS, obstacles, obstacle_r, size)
    first = spots[:, 0]
    cands = spots[:, 1:].reshape(r, -1, c, 2)
    rows = np.arange(r)
    goal_dist = norm(cands[:, 0] - first[:, None, :])
    goal = cands[rows, 0, _first_or_farthest(goal_dist >= GOAL_SPAWN_DISTANCE * size, goal_dist)]
    extra = cands[:, 1 + m :]  # further evaders: away from the goal
    extra_dist = norm(extra - goal[:, None, None, :])
    pick = _first_or_farthest(extra_dist >= EVADER_SPAWN_DISTANCE * size, extra_dist)
    evaders = np.concatenate(
        [first[:, None], extra[rows[:, None], np.arange(b - 1)[None, :], pick]], axis=1
    )
    pursuer_cands = cands[:, 1 : 1 + m]  # (R, M, C, 2)
    dist = norm(pursuer_cands[:, :, :, None, :] - evaders[:, None, None, :, :]).min(axis=3)
    ok = dist >= PURSUER_SPAWN_DISTANCE * size
    ok &= norm(pursuer_cands - goal[:, None, None, :]) >= GOAL_CLEARANCE * size
    pick = _first_or_farthest(ok, dist)
    pursuers = pursuer_cands[rows[:, None], np.arange(m)[None, :], pick]
    return Layout(obstacles, obstacle_r, evaders, goal, pursuers)


def relative(origin: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit directions (..., M, 2) and distances (..., M) from ``origin`` (..., 2) to points."""
    rel = points - origin[..., None, :]
    dist = norm(rel)
    return rel / np.maximum(dist, 1e-9)[..., None], dist


def closeness(dist: np.ndarray, reach: np.ndarray | float) -> np.ndarray:
    """``1 / (1 + gap)`` with ``gap = max(dist - reach, 0)``: 1 when touching, small when far."""
    return 1.0 / (1.0 + np.maximum(dist - reach, 0.0))


def sensed(features: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Zero the features (..., M, F) of unseen entities and append the seen flag (..., M, 1)."""
    flag = seen[..., None].astype(features.dtype)
    return np.concatenate([features * flag, flag], axis=-1)


def hide(centres: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """``centres`` (..., 2) with NaN where ``shown`` (...) is False: not drawn."""
    return np.where(shown[..., None], centres, np.nan)


def draw_world(
    size: int,
    arena_size: float,
    layers: Sequence[tuple[np.ndarray, np.ndarray, str]],
    rings: Sequence[tuple[np.ndarray, np.ndarray, str]] = (),
) -> np.ndarray:
    """Top-down frames (N, size, size, 3), north up, of world-coordinate discs.

    ``layers`` are ``(centres (N, M, 2), radii (N, M), colour name)`` painted in order;
    ``rings`` are circle outlines painted before them (e.g. sensing radii). A NaN centre
    hides a disc or ring (see :func:`hide`).
    """
    num = layers[0][0].shape[0]
    canvas = fill_canvas(num, size, BACKGROUND)
    scale = size / arena_size
    flip = np.array([scale, -scale])  # world y grows north, image rows grow down
    shift = np.array([0.0, size])
    for centres, radii, name in rings:
        draw_rings(canvas, centres * flip + shift, radii * scale, RING_WIDTH, COLOURS[name])
    for centres, radii, name in layers:
        draw_discs(canvas, centres * flip + shift, radii * scale, COLOURS[name])
    return canvas
