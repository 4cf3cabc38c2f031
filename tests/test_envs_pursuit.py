"""rlgan/Pursuit-v0: API conformance, rules, rendering and bad knobs."""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from rlgan.envs.pursuit import COLOURS, DIRECTIONS, PursuitEnv
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rlgan  # noqa: F401  (registers the rlgan/ ids)
from rlgan.common.errors import ConfigError

VARIANTS = [
    {},
    {"continuous": True},
    {"obs_type": "pixels"},
    {"behaviour": "intercept", "num_pursuers": 4, "num_obstacles": 0, "arena_size": 12.0},
    {"num_pursuers": 0, "num_obstacles": 8},
]


@pytest.mark.parametrize("kwargs", VARIANTS)
def test_gymnasium_and_sb3_checkers_pass(kwargs: dict[str, Any]) -> None:
    """Both checkers accept every variant without warnings."""
    env = gym.make("rlgan/Pursuit-v0", **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(env.unwrapped)


def _rollout(env: gym.Env, seed: int, actions: list[int]) -> list[np.ndarray]:
    """Return the observations of one seeded episode under fixed actions."""
    obs, _ = env.reset(seed=seed)
    seen = [obs]
    for action in actions:
        obs, _, term, trunc, _ = env.step(action)
        seen.append(obs)
        if term or trunc:
            break
    return seen


def test_reset_seed_reproduces_episodes_and_seeds_differ() -> None:
    """Equal seeds give identical episodes; different seeds give different arenas."""
    env = gym.make("rlgan/Pursuit-v0")
    actions = list(np.random.default_rng(0).integers(0, 9, size=60))
    first = _rollout(env, 5, actions)
    _rollout(env, 99, actions)
    again = _rollout(env, 5, actions)
    assert len(first) == len(again)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], _rollout(env, 6, [])[0])


def test_observation_is_normalised_and_relative() -> None:
    """The vector observation holds directions and distance features seen from the agent."""
    env = PursuitEnv(num_pursuers=2, num_obstacles=1)
    obs, _ = env.reset(seed=3)
    core = env.core
    assert obs.shape == (7 + 5 * 2 + 4 * 1,) and obs.dtype == np.float32
    to_goal = core.goal[0] - core.agent[0]
    np.testing.assert_allclose(obs[4:6], to_goal / np.linalg.norm(to_goal), rtol=1e-5)
    assert obs[6] == pytest.approx(np.linalg.norm(to_goal) / (10.0 * np.sqrt(2)), rel=1e-5)
    to_pursuer = core.pursuers[0, 0] - core.agent[0]
    np.testing.assert_allclose(obs[7:9], to_pursuer / np.linalg.norm(to_pursuer), rtol=1e-5)
    closeness = 1 / (1 + np.linalg.norm(to_pursuer) - 0.5)
    assert obs[9] == pytest.approx(closeness, rel=1e-5)
    assert np.all(np.abs(obs) <= 1.0)


def test_walking_to_the_goal_without_pursuers_succeeds_with_shaped_reward() -> None:
    """Heading straight at the goal reaches it; progress earns positive reward per step."""
    env = PursuitEnv(num_pursuers=0, num_obstacles=0)
    env.reset(seed=11)
    total, info, term = 0.0, {}, False
    for _ in range(200):
        offset = env.core.goal[0] - env.core.agent[0]
        action = int(np.argmax(DIRECTIONS @ offset))
        _, reward, term, trunc, info = env.step(action)
        assert reward > 0
        total += reward
        if term or trunc:
            break
    assert term and info["is_success"] is True
    assert total > 1.0  # goal reward plus progress, minus the time cost


def test_standing_still_gets_caught_by_a_chasing_pursuer() -> None:
    """A pursuer closes in on a motionless agent; capture ends the episode with -1."""
    env = PursuitEnv(num_pursuers=1, num_obstacles=0, pursuer_speed=1.0)
    env.reset(seed=2)
    distances = []
    for _ in range(200):
        distances.append(np.linalg.norm(env.core.pursuers[0, 0] - env.core.agent[0]))
        _, reward, term, trunc, info = env.step(0)
        if term:
            break
    assert term and not info["is_success"]
    assert reward < -0.9
    assert all(b < a for a, b in zip(distances, distances[1:], strict=False))


def test_intercepting_pursuer_aims_ahead_of_a_moving_agent() -> None:
    """An intercepting pursuer heads to where the agent will be, not where it is."""
    chase = PursuitEnv(num_pursuers=1, num_obstacles=0, behaviour="chase")
    lead = PursuitEnv(num_pursuers=1, num_obstacles=0, behaviour="intercept")
    for env in (chase, lead):
        env.reset(seed=4)
        env.core.agent[0] = [5.0, 5.0]
        env.core.pursuers[0, 0] = [5.0, 1.0]
        env.step(1)  # agent moves east
    assert chase.core.pursuer_vel[0, 0, 0] == pytest.approx(0.0, abs=0.02)
    assert lead.core.pursuer_vel[0, 0, 0] > 0.05


def test_obstacles_block_the_agent() -> None:
    """The agent cannot enter an obstacle."""
    env = PursuitEnv(num_pursuers=0, num_obstacles=1)
    env.reset(seed=0)
    env.core.obstacles[0, 0] = [5.0, 5.0]
    env.core.obstacle_r[0, 0] = 1.0
    env.core.agent[0] = [3.0, 5.0]
    for _ in range(20):
        env.step(1)  # push east into the obstacle
        assert np.linalg.norm(env.core.agent[0] - [5.0, 5.0]) >= 1.0 + 0.25 - 1e-9


def test_truncation_at_step_limit_reports_failure() -> None:
    """The episode is truncated at max_episode_steps with is_success False."""
    env = gym.make("rlgan/Pursuit-v0", num_pursuers=0, max_episode_steps=5)
    env.reset(seed=0)
    for t in range(5):
        _, _, term, trunc, info = env.step(0)
        assert trunc == (t == 4)
    assert not term and info["is_success"] is False


def test_rgb_array_render_draws_every_object() -> None:
    """rgb_array frames are uint8 and show the agent, goal and pursuer colours."""
    env = gym.make("rlgan/Pursuit-v0", render_mode="rgb_array", num_pursuers=1)
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (256, 256, 3) and frame.dtype == np.uint8
    colours = {tuple(c) for c in frame.reshape(-1, 3)}
    for name in ("agent", "goal", "pursuer", "obstacle"):
        assert COLOURS[name] in colours, name
    assert env.metadata["render_fps"] > 0


def test_pixel_observation_matches_render_at_observation_size() -> None:
    """obs_type=pixels returns a 64x64 RGB top-down image."""
    env = PursuitEnv(obs_type="pixels")
    obs, _ = env.reset(seed=1)
    assert obs.shape == (64, 64, 3) and obs.dtype == np.uint8
    np.testing.assert_array_equal(obs, env.core.draw(64)[0])


def test_human_render_opens_and_close_releases_the_window() -> None:
    """render_mode=human shows frames in a pygame window; close() releases it."""
    pygame = pytest.importorskip("pygame")
    env = gym.make("rlgan/Pursuit-v0", render_mode="human")
    env.reset(seed=0)
    env.step(0)
    assert pygame.display.get_surface() is not None
    env.close()
    assert env.unwrapped._window is None
    assert not pygame.display.get_init() or pygame.display.get_surface() is None


@pytest.mark.parametrize(
    ("kwargs", "knob"),
    [
        ({"num_pursuers": 7}, "num_pursuers"),
        ({"num_pursuers": -1}, "num_pursuers"),
        ({"arena_size": -5.0}, "arena_size"),
        ({"behaviour": "flee"}, "behaviour"),
        ({"obs_type": "rgb"}, "obs_type"),
        ({"num_obstacles": 20}, "num_obstacles"),
        ({"pursuer_speed": 0}, "pursuer_speed"),
        ({"max_episode_steps": 0}, "max_episode_steps"),
        ({"render_mode": "window"}, "render_mode"),
        ({"speed": 1.0}, "speed"),
    ],
)
def test_bad_knobs_raise_config_error_naming_the_knob(kwargs: dict[str, Any], knob: str) -> None:
    """Invalid knobs raise ConfigError (a ValueError) that names the knob and valid range."""
    with pytest.raises(ConfigError, match=knob) as caught:
        PursuitEnv(**kwargs)
    assert isinstance(caught.value, ValueError)
    assert "valid" in str(caught.value) or "must" in str(caught.value)


def test_vector_reset_without_a_seed_continues_the_seeded_generators():
    from rlgan.envs.pursuit import PursuitVectorEnv

    runs = []
    for _ in range(2):
        env = PursuitVectorEnv(num_envs=3)
        first, _ = env.reset(seed=5)
        second, _ = env.reset()  # no seed: new episodes, drawn from the seeded generators
        runs.append((first, second))
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[0][1]), "a reset starts new episodes"
