"""``rlgan/Maze-v0``: find the exit of a maze generated procedurally from the seed.

The maze has ``size`` x ``size`` cells laid on a ``(2 size + 1)``-square grid of walls and
floor; every reset carves a new perfect maze (randomised depth-first search, in Python per
sub-environment, only on reset) with the env's random generator. The agent starts in the
top-left cell and must reach the exit in the bottom-right cell with four actions (0 up,
1 right, 2 down, 3 left; moving into a wall stays). ``action_masks()`` (single and vector env)
says which moves are open, for sb3-contrib's MaskablePPO.

Observation ``obs_type="grid"``: one-hot channels (wall, agent, exit) of the full grid
(``view="full"``, ``3 x G x G`` values) or of the ``view_size`` square around the agent
(``view="local"``, outside the maze reads as wall), flattened channel-major into a float32
vector (``MazeCore.view_shape`` gives the unflattened shape); ``obs_type="pixels"``: an RGB
image of the whole maze. Reward per step: ``-time_penalty``, plus ``progress_coef`` times the
decrease of the shortest-path distance to the exit, plus ``exit_reward`` on reaching the exit.

Rules live in :class:`MazeCore` (arrays over a batch; maze carving is per sub-env, at reset
only); :class:`MazeEnv` and :class:`MazeVectorEnv` are its two faces (:mod:`rlgan.envs.batched`).
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from rlgan.common.errors import invalid_choice, require, require_positive

from .batched import BatchedCore, CoreEnv, CoreVectorEnv, check_num_envs, params_from_knobs
from .drawing import upscale_grid
from .human_window import import_pygame

VIEWS = ("full", "local")
OBS_TYPES = ("grid", "pixels")
MAX_SIZE = 25
#: action -> (row, col) move: up, right, down, left
MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1]], dtype=np.int64)
#: names of the actions, in order
ACTION_NAMES = ("up", "right", "down", "left")

FLOOR, WALL, AGENT, EXIT = (235, 235, 228), (40, 44, 60), (70, 140, 255), (60, 200, 90)


@dataclass(frozen=True)
class MazeParams:
    """The knobs of a maze, validated on construction (ConfigError if bad)."""

    size: int = 5
    view: str = "full"
    view_size: int = 5
    obs_type: str = "grid"
    image_size: int = 64
    exit_reward: float = 1.0
    time_penalty: float = 0.01
    progress_coef: float = 0.05

    def __post_init__(self) -> None:
        """Check every knob and raise a one-paragraph ConfigError naming the bad one."""
        require(
            isinstance(self.size, int) and 2 <= self.size <= MAX_SIZE,
            f"Invalid size={self.size!r}: the maze side in cells must be an integer from 2 to "
            f"{MAX_SIZE}.",
        )
        if self.view not in VIEWS:
            raise invalid_choice("view", self.view, VIEWS)
        if self.obs_type not in OBS_TYPES:
            raise invalid_choice("obs_type", self.obs_type, OBS_TYPES)
        require(
            isinstance(self.view_size, int) and self.view_size >= 3 and self.view_size % 2 == 1,
            f"Invalid view_size={self.view_size!r}: it must be an odd integer >= 3.",
        )
        require(
            isinstance(self.image_size, int) and 16 <= self.image_size <= 512,
            f"Invalid image_size={self.image_size!r}: valid range is 16 to 512 pixels.",
        )
        for knob in ("exit_reward", "time_penalty", "progress_coef"):
            require_positive(knob, getattr(self, knob), allow_zero=True)

    @property
    def grid(self) -> int:
        """Side of the wall grid: ``2 * size + 1``."""
        return 2 * self.size + 1


@functools.lru_cache(maxsize=32)
def _cell_links(size: int) -> tuple[tuple[tuple[int, int, int], ...], ...]:
    """Per cell index: (neighbour cell, flat grid index of the wall between, of the neighbour)."""
    grid = 2 * size + 1
    links = []
    for r in range(size):
        for c in range(size):
            here = []
            for dr, dc in MOVES.tolist():
                nr, nc = r + dr, c + dc
                if 0 <= nr < size and 0 <= nc < size:
                    wall = (r + nr + 1) * grid + (c + nc + 1)
                    here.append((nr * size + nc, wall, (2 * nr + 1) * grid + 2 * nc + 1))
            links.append(tuple(here))
    return tuple(links)


def carve_maze(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Carve a perfect maze by randomised depth-first search from the exit cell.

    Returns the ``(2 size + 1)``-square bool wall grid and the shortest-path distance of every
    floor square to the exit (bottom-right cell; -1 on walls). In a perfect maze the only path
    is the search tree's, so each square's distance is known when it is carved (no extra
    search). One ``rng.random(size**2)`` call feeds every choice.
    """
    grid = 2 * size + 1
    links = _cell_links(size)
    dist = [-1] * (grid * grid)
    visited = [False] * (size * size)
    draws = rng.random(size * size).tolist()
    start = size * size - 1
    visited[start] = True
    dist[(grid - 2) * grid + grid - 2] = 0
    stack = [(start, (grid - 2) * grid + grid - 2)]
    carved = 0
    while stack:
        cell, square = stack[-1]
        options = [link for link in links[cell] if not visited[link[0]]]
        if not options:
            stack.pop()
            continue
        nxt, wall, nxt_square = options[int(draws[carved] * len(options))]
        carved += 1
        visited[nxt] = True
        dist[wall] = dist[square] + 1
        dist[nxt_square] = dist[square] + 2
        stack.append((nxt, nxt_square))
    distances = np.array(dist, dtype=np.int64).reshape(grid, grid)
    return distances < 0, distances


def distances_to(walls: np.ndarray, target: tuple[int, int]) -> np.ndarray:
    """Breadth-first shortest-path distance of every floor square to ``target`` (-1: wall)."""
    dist = np.full(walls.shape, -1, dtype=np.int64)
    dist[target] = 0
    queue = deque([target])
    while queue:
        r, c = queue.popleft()
        for dr, dc in MOVES.tolist():
            nr, nc = r + dr, c + dc
            if not walls[nr, nc] and dist[nr, nc] < 0:
                dist[nr, nc] = dist[r, c] + 1
                queue.append((nr, nc))
    return dist


class MazeCore(BatchedCore):
    """Arrays and rules of ``num_envs`` mazes."""

    caption = "rlgan Maze"

    def __init__(self, num_envs: int, params: MazeParams) -> None:
        """Allocate the state of ``num_envs`` mazes with ``params``."""
        self.num_envs = num_envs
        self.p = params
        g = params.grid
        self.half = params.view_size // 2 if params.view == "local" else 0
        pad = g + 2 * self.half
        self.walls = np.ones((num_envs, pad, pad), dtype=bool)  # padded by ``half`` walls
        self.dist = np.zeros((num_envs, g, g), dtype=np.int64)
        self.pos = np.ones((num_envs, 2), dtype=np.int64)
        self.exit = np.array([g - 2, g - 2], dtype=np.int64)
        self._rows = np.arange(num_envs)
        self.action_space = spaces.Discrete(4)
        if params.obs_type == "pixels":
            shape: tuple[int, ...] = (params.image_size, params.image_size, 3)
            self.observation_space = spaces.Box(0, 255, shape, dtype=np.uint8)
        else:
            side = params.view_size if params.view == "local" else g
            self.view_shape = (3, side, side)
            self.observation_space = spaces.Box(0.0, 1.0, (3 * side * side,), dtype=np.float32)

    def reset_envs(self, idx: np.ndarray, rngs: Sequence[np.random.Generator]) -> None:
        """Carve a new maze for each sub-env in ``idx`` and put its agent at the start."""
        g, h = self.p.grid, self.half
        for i, rng in zip(idx, rngs, strict=True):
            walls, self.dist[i] = carve_maze(self.p.size, rng)
            self.walls[i, h : h + g, h : h + g] = walls
        self.pos[idx] = 1

    def action_masks(self) -> np.ndarray:
        """``(N, 4)`` bools: True for each move that does not run into a wall.

        A perfect maze always leaves at least one move open, so no row is all False.
        """
        targets = self.pos[:, None, :] + MOVES[None]  # (N, 4, 2)
        walls = self.walls[
            self._rows[:, None], targets[..., 0] + self.half, targets[..., 1] + self.half
        ]
        return ~walls

    def _wall_at(self, pos: np.ndarray) -> np.ndarray:
        """Whether grid squares ``pos`` (N, 2) are walls."""
        return self.walls[self._rows, pos[:, 0] + self.half, pos[:, 1] + self.half]

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Move every agent unless a wall is in the way; score progress and exits."""
        p = self.p
        before = self.dist[self._rows, self.pos[:, 0], self.pos[:, 1]]
        target = self.pos + MOVES[np.asarray(actions, dtype=np.int64).reshape(self.num_envs)]
        self.pos = np.where(self._wall_at(target)[:, None], self.pos, target)
        after = self.dist[self._rows, self.pos[:, 0], self.pos[:, 1]]
        reached = after == 0
        reward = -p.time_penalty + p.progress_coef * (before - after) + p.exit_reward * reached
        return reward.astype(np.float32), reached, reached.copy()

    def observe(self) -> np.ndarray:
        """Flattened one-hot (N, 3 * V * V) channels (wall, agent, exit), or RGB images."""
        p = self.p
        if p.obs_type == "pixels":
            return self.draw(p.image_size)
        if p.view == "full":
            g = p.grid
            obs = np.zeros((self.num_envs, 3, g, g), dtype=np.float32)
            obs[:, 0] = self.walls
            obs[self._rows, 1, self.pos[:, 0], self.pos[:, 1]] = 1.0
            obs[:, 2, self.exit[0], self.exit[1]] = 1.0
            return obs.reshape(self.num_envs, -1)
        offsets = np.arange(-self.half, self.half + 1)
        rows = self.pos[:, 0:1] + offsets  # (N, V) unpadded grid coordinates
        cols = self.pos[:, 1:2] + offsets
        window = self.walls[
            self._rows[:, None, None], rows[:, :, None] + self.half, cols[:, None, :] + self.half
        ]
        exit_mask = (rows == self.exit[0])[:, :, None] & (cols == self.exit[1])[:, None, :]
        obs = np.zeros((self.num_envs, 3, p.view_size, p.view_size), dtype=np.float32)
        obs[:, 0] = window
        obs[:, 1, self.half, self.half] = 1.0
        obs[:, 2] = exit_mask
        return obs.reshape(self.num_envs, -1)

    def draw(self, size: int) -> np.ndarray:
        """Top-down frames of the whole maze: walls, floor, exit (green), agent (blue)."""
        g, h = self.p.grid, self.half
        colours = np.empty((self.num_envs, g, g, 3), dtype=np.uint8)
        colours[...] = FLOOR
        colours[self.walls[:, h : h + g, h : h + g]] = WALL
        colours[:, self.exit[0], self.exit[1]] = EXIT
        colours[self._rows, self.pos[:, 0], self.pos[:, 1]] = AGENT
        return upscale_grid(colours, size)

    def hud(self, i: int) -> list[str]:
        """Shortest-path distance to the exit of maze ``i``."""
        return [f"exit distance {int(self.dist[i, self.pos[i, 0], self.pos[i, 1]])}"]


def default_max_steps(size: int) -> int:
    """Default step limit of a maze with ``size`` x ``size`` cells: ``4 * size**2``."""
    return 4 * size * size


class MazeEnv(CoreEnv):
    """Single ``rlgan/Maze-v0`` environment (knobs: see :class:`MazeParams`)."""

    #: names of the actions, in order
    action_names: tuple[str, ...] = ACTION_NAMES
    #: keyboard play is turn based: one move per key press, nothing while no key is pressed
    play_noop: Any = None

    def __init__(
        self,
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        **knobs: object,
    ) -> None:
        """Build one maze; ``max_episode_steps=None`` means ``4 * size**2``."""
        params = make_params(knobs)
        steps = default_max_steps(params.size) if max_episode_steps is None else max_episode_steps
        super().__init__(MazeCore(1, params), steps, render_mode)

    def action_masks(self) -> np.ndarray:
        """``(4,)`` bools: the moves that do not run into a wall (for sb3-contrib's MaskablePPO)."""
        return self.core.action_masks()[0]

    def get_keys_to_action(self) -> dict[tuple[int, ...], int]:
        """Arrow keys -> moves (``gymnasium.utils.play``)."""
        pygame = import_pygame()  # only when someone plays

        keys = (pygame.K_UP, pygame.K_RIGHT, pygame.K_DOWN, pygame.K_LEFT)
        return {(key,): action for action, key in enumerate(keys)}


class MazeVectorEnv(CoreVectorEnv):
    """Native batched ``rlgan/Maze-v0`` (``gymnasium.make_vec(..., "vector_entry_point")``)."""

    def __init__(
        self,
        num_envs: int = 1,
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        **knobs: object,
    ) -> None:
        """Build ``num_envs`` mazes stepped together; ``knobs`` as for :class:`MazeEnv`."""
        check_num_envs(num_envs)
        params = make_params(knobs)
        steps = default_max_steps(params.size) if max_episode_steps is None else max_episode_steps
        super().__init__(MazeCore(num_envs, params), steps, render_mode)

    def action_masks(self) -> np.ndarray:
        """``(num_envs, 4)`` bools: each maze's moves that do not run into a wall.

        Between a sub-environment's last step and its next-step autoreset this is the final
        position's mask (``rlgan.rl.vec_env.NativeVecEnv`` resets in the same step, so SB3
        always sees the new episode's).
        """
        return self.core.action_masks()


def make_params(knobs: dict[str, object]) -> MazeParams:
    """Build :class:`MazeParams` from keyword knobs, naming any unknown knob."""
    return params_from_knobs(MazeParams, knobs, "Maze")
