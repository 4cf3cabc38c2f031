"""rlgan/CartPoleNoVel-v1: CartPole with the velocities hidden, single and native vector."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv
from gymnasium.utils.env_checker import check_env
from rlgan.envs.cartpole_novel import VISIBLE, CartPoleNoVelVectorEnv

import rlgan  # noqa: F401  (registers the rlgan/ ids)


def test_single_env_shows_cartpoles_positions_only():
    hidden, full = gym.make("rlgan/CartPoleNoVel-v1"), gym.make("CartPole-v1")
    check_env(hidden.unwrapped)
    assert hidden.observation_space.shape == (2,) and hidden.spec.max_episode_steps == 500
    obs, _ = hidden.reset(seed=3)
    ref, _ = full.reset(seed=3)
    np.testing.assert_array_equal(obs, ref[list(VISIBLE)])
    actions = np.random.default_rng(0).integers(0, 2, size=600)
    for action in actions:
        obs, reward, terminated, truncated, _ = hidden.step(int(action))
        ref, ref_reward, ref_terminated, ref_truncated, _ = full.step(int(action))
        np.testing.assert_array_equal(obs, ref[list(VISIBLE)])
        assert (reward, terminated, truncated) == (ref_reward, ref_terminated, ref_truncated)
        if terminated or truncated:
            break
    assert terminated, "random pushes topple the pole"


def test_vector_env_matches_cartpoles_batch_and_resets_a_subset():
    hidden, full = CartPoleNoVelVectorEnv(num_envs=6), CartPoleVectorEnv(num_envs=6)
    obs, _ = hidden.reset(seed=1)
    ref, _ = full.reset(seed=1)
    np.testing.assert_array_equal(obs, ref[:, list(VISIBLE)])
    assert hidden.single_observation_space.shape == (2,) and obs.shape == (6, 2)
    rng = np.random.default_rng(0)
    for _ in range(40):  # long enough for some poles to fall and autoreset on the next step
        actions = rng.integers(0, 2, size=6)
        obs, reward, terminated, truncated, _ = hidden.step(actions)
        ref, ref_reward, ref_terminated, ref_truncated, _ = full.step(actions)
        np.testing.assert_array_equal(obs, ref[:, list(VISIBLE)])
        np.testing.assert_array_equal(reward, ref_reward)
        np.testing.assert_array_equal(terminated, ref_terminated)
    before = obs.copy()
    mask = np.array([True, False, False, True, False, False])
    after, _ = hidden.reset(options={"reset_mask": mask})
    np.testing.assert_array_equal(after[~mask], before[~mask])
    assert (np.abs(after[mask]) <= 0.05).all(), "a fresh CartPole starts within +-0.05"
    assert not hidden.inner.prev_done[mask].any() and (hidden.inner.steps[mask] == 0).all()


def test_rlgan_trains_it_on_the_native_vector_env():
    from rlgan.rl.env_factory import resolve_vectorization
    from rlgan.rl.vec_env import has_native_vector

    assert has_native_vector("rlgan/CartPoleNoVel-v1")
    assert resolve_vectorization("rlgan/CartPoleNoVel-v1", "auto") == "native"
