"""rlgan/Maze-v0: API conformance, maze generation, rules, rendering and bad knobs."""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from rlgan.envs.maze import AGENT, EXIT, MOVES, MazeEnv, carve_maze, distances_to
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rlgan  # noqa: F401  (registers the rlgan/ ids)
from rlgan.common.errors import ConfigError

VARIANTS = [
    {},
    {"view": "local", "view_size": 3},
    {"obs_type": "pixels"},
    {"size": 2},
    {"size": 12, "view": "local"},
]


@pytest.mark.parametrize("kwargs", VARIANTS)
def test_gymnasium_and_sb3_checkers_pass(kwargs: dict[str, Any]) -> None:
    """Both checkers accept every variant without warnings."""
    env = gym.make("rlgan/Maze-v0", **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(env.unwrapped)


@pytest.mark.parametrize("size", [2, 5, 9])
def test_carved_maze_is_perfect(size: int) -> None:
    """Every cell is reachable, the floor forms a tree and the carved distances are exact."""
    walls, carved_dist = carve_maze(size, np.random.default_rng(size))
    grid = 2 * size + 1
    assert walls.shape == (grid, grid)
    assert walls[0].all() and walls[-1].all() and walls[:, 0].all() and walls[:, -1].all()
    dist = distances_to(walls, (grid - 2, grid - 2))
    np.testing.assert_array_equal(carved_dist, dist)  # the tree distances are the BFS ones
    cells = dist[1::2, 1::2]
    assert (cells >= 0).all(), "every cell is connected to the exit"
    openings = (~walls).sum() - size * size
    assert openings == size * size - 1


def test_reset_seed_reproduces_the_maze_and_seeds_differ() -> None:
    """Equal seeds carve equal mazes (and episodes); other seeds carve other mazes."""
    env = MazeEnv(size=6)
    first, _ = env.reset(seed=8)
    trail = [env.step(a)[0] for a in (1, 2, 2, 1, 0, 3)]
    env.reset(seed=9)
    again, _ = env.reset(seed=8)
    np.testing.assert_array_equal(first, again)
    for obs, a in zip(trail, (1, 2, 2, 1, 0, 3), strict=True):
        np.testing.assert_array_equal(obs, env.step(a)[0])
    other, _ = env.reset(seed=10)
    assert not np.array_equal(first, other)


def test_following_the_shortest_path_reaches_the_exit() -> None:
    """Walking downhill on the distance map succeeds; each step earns positive reward."""
    env = MazeEnv(size=5)
    env.reset(seed=3)
    core = env.core
    term, info = False, {}
    start_distance = int(core.dist[0, 1, 1])
    for _ in range(start_distance):
        assert not term
        r, c = core.pos[0]
        downhill = [core.dist[0, r + dr, c + dc] == core.dist[0, r, c] - 1 for dr, dc in MOVES]
        _, reward, term, _, info = env.step(downhill.index(True))
        assert reward > 0
    assert term and info["is_success"]


def test_walls_block_moves_and_cost_time() -> None:
    """Moving up from the start (into the border wall) stays put with reward -time_penalty."""
    env = MazeEnv(size=4)
    env.reset(seed=0)
    _, reward, term, _, _ = env.step(0)
    assert (env.core.pos[0] == [1, 1]).all() and not term
    assert reward == pytest.approx(-0.01)


def test_full_and_local_observations_are_one_hot_views() -> None:
    """Full view: walls, agent and exit channels; local view: the k x k window around the agent."""
    full = MazeEnv(size=3)
    obs, _ = full.reset(seed=1)
    channels = obs.reshape(full.core.view_shape)
    np.testing.assert_array_equal(channels[0], full.core.walls[0])
    assert channels[1, 1, 1] == 1 and channels[1].sum() == 1
    assert channels[2, 5, 5] == 1 and channels[2].sum() == 1
    local = MazeEnv(size=3, view="local", view_size=3)
    obs, _ = local.reset(seed=1)
    window = obs.reshape(3, 3, 3)
    assert window[0, 0].all() and window[0, :, 0].all()  # border walls above and left
    assert window[1, 1, 1] == 1 and window[1].sum() == 1
    assert window[2].sum() == 0  # the exit is far away


def test_render_rgb_array_and_pixel_observation() -> None:
    """rgb_array frames and pixel observations show the agent and the exit."""
    env = gym.make("rlgan/Maze-v0", render_mode="rgb_array", obs_type="pixels", image_size=44)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (44, 44, 3) and obs.dtype == np.uint8
    frame = env.render()
    assert frame.shape == (256, 256, 3)
    colours = {tuple(c) for c in frame.reshape(-1, 3)}
    assert AGENT in colours and EXIT in colours


def test_human_render_opens_and_close_releases_the_window() -> None:
    """render_mode=human uses the shared Viewer; close() releases the window."""
    pygame = pytest.importorskip("pygame")
    env = gym.make("rlgan/Maze-v0", render_mode="human", size=3)
    env.reset(seed=0)
    env.step(1)
    assert pygame.display.get_surface() is not None
    env.close()
    assert env.unwrapped._window is None


def test_default_step_limit_scales_with_size() -> None:
    """Without max_episode_steps the limit is 4 * size**2 and truncation reports failure."""
    env = MazeEnv(size=2)
    env.reset(seed=0)
    assert env.max_episode_steps == 16
    for _ in range(16):
        _, _, term, trunc, info = env.step(0)
    assert trunc and not term and info["is_success"] is False


@pytest.mark.parametrize(
    ("kwargs", "knob"),
    [
        ({"size": -3}, "size"),
        ({"size": 1}, "size"),
        ({"size": 100}, "size"),
        ({"view": "global"}, "view"),
        ({"view_size": 4}, "view_size"),
        ({"obs_type": "rgb"}, "obs_type"),
        ({"progress_coef": -1.0}, "progress_coef"),
        ({"walls": 3}, "walls"),
    ],
)
def test_bad_knobs_raise_config_error_naming_the_knob(kwargs: dict[str, Any], knob: str) -> None:
    """Invalid knobs raise ConfigError (a ValueError) naming the knob and valid values."""
    with pytest.raises(ConfigError, match=knob) as caught:
        MazeEnv(**kwargs)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("kwargs", [{}, {"view": "local", "view_size": 3}])
def test_action_masks_are_the_moves_that_do_not_hit_a_wall(kwargs: dict[str, Any]) -> None:
    """Along a random walk, a move is masked exactly when taking it leaves the agent in place."""
    env = gym.make("rlgan/Maze-v0", size=4, **kwargs)
    env.reset(seed=2)
    rng = np.random.default_rng(0)
    for _ in range(40):
        masks = env.unwrapped.action_masks()
        assert masks.dtype == bool and masks.shape == (4,) and masks.any()
        for action in range(4):
            probe = MazeEnv(size=4, **kwargs)
            probe.reset(seed=2)
            for name in ("walls", "dist", "pos"):  # the same maze, agent at the same square
                getattr(probe.core, name)[...] = getattr(env.unwrapped.core, name)
            probe.step(action)
            moved = not (probe.core.pos[0] == env.unwrapped.core.pos[0]).all()
            assert masks[action] == moved, action
        _, _, term, trunc, _ = env.step(int(rng.choice(np.flatnonzero(masks))))
        if term or trunc:
            env.reset()
    assert env.get_wrapper_attr("action_masks")().shape == (4,)  # through the wrappers


def test_vector_env_masks_match_the_single_envs_and_reach_maskable_ppo() -> None:
    """The native batch's rows are the single envs' masks, also through SB3's env_method."""
    from sb3_contrib.common.maskable.utils import get_action_masks, is_masking_supported
    from stable_baselines3.common.vec_env import VecMonitor

    from rlgan.rl.vec_env import NativeVecEnv

    singles = [MazeEnv(size=4) for _ in range(3)]
    for i, env in enumerate(singles):
        env.reset(seed=7 + i)
    vec = VecMonitor(NativeVecEnv("rlgan/Maze-v0", 3, 7, env_kwargs={"size": 4}))
    vec.reset()
    rng = np.random.default_rng(1)
    assert is_masking_supported(vec)
    for _ in range(30):
        masks = get_action_masks(vec)
        expected = np.stack([env.action_masks() for env in singles])
        np.testing.assert_array_equal(masks, expected)
        assert [m.tolist() for m in vec.env_method("action_masks", indices=[2])] == [
            expected[2].tolist()
        ]
        actions = np.array([rng.choice(np.flatnonzero(row)) for row in masks])
        _, _, dones, _ = vec.step(actions)
        for env, action, done in zip(singles, actions, dones, strict=True):
            _, _, term, trunc, _ = env.step(int(action))
            assert done == (term or trunc)
            if done:
                env.reset()
    vec.close()
