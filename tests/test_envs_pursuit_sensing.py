"""rlgan/Pursuit-v0 with view=partial: pursuers are sensed only within sensing_radius."""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from rlgan.envs.pursuit import COLOURS, PursuitEnv
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rlgan  # noqa: F401  (registers the rlgan/ ids)
from rlgan.common.errors import ConfigError


def _placed(**knobs: Any) -> PursuitEnv:
    """A reset Pursuit env with the agent at (5, 5), pursuers at distance 2 and 4, no obstacles."""
    env = PursuitEnv(num_pursuers=2, num_obstacles=0, **knobs)
    env.reset(seed=0)
    env.core.agent[0] = [5.0, 5.0]
    env.core.pursuers[0] = [[7.0, 5.0], [5.0, 1.0]]
    return env


def test_partial_view_adds_a_seen_flag_and_zeroes_pursuers_beyond_the_radius() -> None:
    """Entries of a near pursuer match the full view (plus flag 1); a far one reads 0."""
    full = _placed().core.observe()[0]
    part = _placed(view="partial", sensing_radius=3.0).core.observe()[0]
    assert full.shape == (7 + 5 * 2,) and part.shape == (7 + 6 * 2,)
    np.testing.assert_array_equal(part[:7], full[:7])
    np.testing.assert_array_equal(part[7:12], full[7:12])
    assert part[12] == 1.0
    assert np.all(part[13:19] == 0.0) and np.any(full[12:17] != 0.0)


def test_a_radius_covering_the_arena_sees_what_the_full_view_sees() -> None:
    """With a radius beyond the arena diagonal, partial = full entries plus all-ones flags."""
    env_full = gym.make("rlgan/Pursuit-v0", num_pursuers=3)
    env_part = gym.make("rlgan/Pursuit-v0", num_pursuers=3, view="partial", sensing_radius=15.0)
    full, _ = env_full.reset(seed=4)
    part, _ = env_part.reset(seed=4)
    for _ in range(20):
        pursuers = part[7 : 7 + 18].reshape(3, 6)
        np.testing.assert_array_equal(pursuers[:, :5].ravel(), full[7 : 7 + 15])
        assert np.all(pursuers[:, 5] == 1.0)
        np.testing.assert_array_equal(part[:7], full[:7])
        np.testing.assert_array_equal(part[25:], full[22:])  # obstacles
        full, *_ = env_full.step(3)
        part, *_ = env_part.step(3)


def test_pixel_observation_hides_unsensed_pursuers_but_render_shows_them() -> None:
    """view=partial pixel observations draw only sensed pursuers; render draws all and a ring."""
    env = _placed(view="partial", sensing_radius=3.0, obs_type="pixels", render_mode="rgb_array")
    obs = env.core.observe()[0]
    red = np.all(obs == COLOURS["pursuer"], axis=-1)
    rows, cols = np.nonzero(red)
    assert red.any() and cols.min() > 40 and rows.max() < 40  # only the pursuer at (7, 5)
    frame = env.render()
    assert np.all(frame == COLOURS["pursuer"], axis=-1)[200:, 100:160].any()  # the one at (5, 1)
    assert (np.all(frame == COLOURS["agent_sensing"], axis=-1)).any()
    no_ring = _placed(obs_type="pixels", render_mode="rgb_array").render()
    assert not np.all(no_ring == COLOURS["agent_sensing"], axis=-1).any()


@pytest.mark.parametrize("kwargs", [{}, {"continuous": True}, {"obs_type": "pixels"}])
def test_checkers_pass_with_partial_view(kwargs: dict[str, Any]) -> None:
    """Gymnasium's and SB3's checkers accept the partial view."""
    env = gym.make("rlgan/Pursuit-v0", view="partial", **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(env.unwrapped)


def test_batched_partial_view_equals_single_envs() -> None:
    """The native batch with view=partial reproduces single envs seeded s + i."""
    kwargs = {"view": "partial", "sensing_radius": 2.5, "num_pursuers": 3, "max_episode_steps": 30}
    venv = gym.make_vec("rlgan/Pursuit-v0", 3, vectorization_mode="vector_entry_point", **kwargs)
    singles = [gym.make("rlgan/Pursuit-v0", **kwargs) for _ in range(3)]
    obs, _ = venv.reset(seed=9)
    expected = [env.reset(seed=9 + i)[0] for i, env in enumerate(singles)]
    rng = np.random.default_rng(0)
    done = [False] * 3
    hidden = 0
    for _ in range(60):
        np.testing.assert_array_equal(obs, np.stack(expected))
        hidden += int((obs[:, 7 + 5 : 7 + 18 : 6] == 0).sum())
        actions = rng.integers(0, 9, 3)
        obs, *_ = venv.step(actions)
        for i, env in enumerate(singles):
            if done[i]:
                expected[i], _ = env.reset()
                done[i] = False
            else:
                expected[i], _, term, trunc, _ = env.step(actions[i])
                done[i] = term or trunc
    assert hidden > 0, "some pursuers should have been out of sight"


@pytest.mark.parametrize(
    ("kwargs", "knob"),
    [
        ({"view": "local"}, "view"),
        ({"view": "partial", "sensing_radius": 0}, "sensing_radius"),
        ({"sensing_radius": -1.0}, "sensing_radius"),
        ({"sensing_radius": "far"}, "sensing_radius"),
    ],
)
def test_bad_sensing_knobs_raise_config_error(kwargs: dict[str, Any], knob: str) -> None:
    """A bad view or radius is a one-paragraph ConfigError naming it."""
    with pytest.raises(ConfigError, match=knob) as caught:
        PursuitEnv(**kwargs)
    assert "valid" in str(caught.value) or "must" in str(caught.value)
