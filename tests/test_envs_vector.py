"""The native batched envs reproduce N single envs exactly, with next-step autoreset."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import rlgan  # noqa: F401  (registers the rlgan/ ids)

CASES = [
    ("rlgan/Pursuit-v0", {"max_episode_steps": 40}),
    ("rlgan/Pursuit-v0", {"behaviour": "intercept", "continuous": True, "num_pursuers": 3}),
    ("rlgan/Pursuit-v0", {"obs_type": "pixels", "image_size": 32, "max_episode_steps": 30}),
    ("rlgan/Maze-v0", {"size": 2}),
    ("rlgan/Maze-v0", {"size": 4, "view": "local", "view_size": 3}),
]
NUM_ENVS = 6
SEED = 123


def _single_rollouts(
    env_id: str, kwargs: dict[str, Any], actions: np.ndarray
) -> list[list[tuple[Any, ...]]]:
    """Step N single envs seeded SEED+i with next-step autoreset done by hand."""
    rollouts = []
    for i in range(NUM_ENVS):
        env = gym.make(env_id, **kwargs)
        obs, _ = env.reset(seed=SEED + i)
        rows: list[tuple[Any, ...]] = [(obs, 0.0, False, False, None)]
        done = False
        for t in range(len(actions)):
            if done:
                obs, _ = env.reset()
                rows.append((obs, 0.0, False, False, None))
                done = False
                continue
            obs, reward, term, trunc, info = env.step(actions[t][i])
            done = term or trunc
            rows.append((obs, reward, term, trunc, info["is_success"]))
        rollouts.append(rows)
        env.close()
    return rollouts


@pytest.mark.parametrize(("env_id", "kwargs"), CASES)
def test_batch_equals_single_envs_seeded_s_plus_i(env_id: str, kwargs: dict[str, Any]) -> None:
    """Same seeds and actions: the batch's transitions equal N single envs', bit for bit."""
    venv = gym.make_vec(
        env_id, num_envs=NUM_ENVS, vectorization_mode="vector_entry_point", **kwargs
    )
    assert venv.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    venv.action_space.seed(0)
    steps = 120
    actions = np.stack([venv.action_space.sample() for _ in range(steps)])
    expected = _single_rollouts(env_id, kwargs, actions)
    obs, _ = venv.reset(seed=SEED)
    ends = 0
    for i in range(NUM_ENVS):
        np.testing.assert_array_equal(obs[i], expected[i][0][0])
    for t in range(steps):
        obs, reward, term, trunc, infos = venv.step(actions[t])
        for i in range(NUM_ENVS):
            e_obs, e_reward, e_term, e_trunc, e_success = expected[i][t + 1]
            np.testing.assert_array_equal(obs[i], e_obs, err_msg=f"step {t} env {i}")
            assert reward[i] == np.float32(e_reward)
            assert (term[i], trunc[i]) == (e_term, e_trunc)
            ends += e_term or e_trunc
            if e_success is not None:
                assert infos["is_success"][i] == e_success
    assert ends > 0, "the rollout should include finished episodes to test autoreset"
    venv.close()


def test_autoreset_step_ignores_action_and_returns_reset_obs() -> None:
    """After an episode ends, the next step resets it: reward 0, not done, fresh episode."""
    venv = gym.make_vec(
        "rlgan/Pursuit-v0",
        num_envs=2,
        vectorization_mode="vector_entry_point",
        max_episode_steps=3,
    )
    venv.reset(seed=7)
    for _ in range(3):
        _, _, _, trunc, infos = venv.step(np.zeros(2, dtype=np.int64))
    assert trunc.all()
    assert not infos["is_success"].any()
    obs, reward, term, trunc, infos = venv.step(np.zeros(2, dtype=np.int64))
    assert (reward == 0).all() and not term.any() and not trunc.any()
    single = gym.make("rlgan/Pursuit-v0", max_episode_steps=3)
    single.reset(seed=7)
    for _ in range(3):
        single.step(0)
    first_obs_of_next_episode, _ = single.reset()
    np.testing.assert_array_equal(obs[0], first_obs_of_next_episode)


def test_reset_mask_resets_only_masked_envs_like_autoreset() -> None:
    """reset(options={"reset_mask": m}) resets masked sub-envs as their autoreset would."""
    auto = gym.make_vec("rlgan/Maze-v0", num_envs=3, vectorization_mode="vector_entry_point")
    masked = gym.make_vec("rlgan/Maze-v0", num_envs=3, vectorization_mode="vector_entry_point")
    assert masked.metadata["reset_mask"] is True
    before, _ = masked.reset(seed=1)
    auto.reset(seed=1)
    actions = np.array([1, 2, 1])
    moved, *_ = masked.step(actions)
    auto.step(actions)
    mask = np.array([True, False, False])
    obs, _ = masked.reset(options={"reset_mask": mask})
    assert not np.array_equal(obs[0], before[0]), "a new maze is carved for sub-env 0"
    np.testing.assert_array_equal(obs[1:], moved[1:])
    auto.unwrapped._prev_done[:] = mask  # what the end of an episode would have set
    auto_obs, *_ = auto.step(actions)
    np.testing.assert_array_equal(obs[0], auto_obs[0])
    # the pending autoreset is cancelled: the next step moves sub-env 0 normally
    _, reward, *_ = masked.step(actions)
    assert reward[0] != 0.0


def test_vector_render_rgb_array_gives_one_frame_per_env() -> None:
    """The vector env renders (N, H, W, 3) uint8 frames."""
    venv = gym.make_vec(
        "rlgan/Pursuit-v0",
        num_envs=3,
        vectorization_mode="vector_entry_point",
        render_mode="rgb_array",
    )
    venv.reset(seed=0)
    frames = venv.render()
    assert frames.shape == (3, 256, 256, 3) and frames.dtype == np.uint8
    assert not np.array_equal(frames[0], frames[1])


@pytest.mark.parametrize("env_id", ["rlgan/Pursuit-v0", "rlgan/Maze-v0"])
def test_sb3_native_adapter_matches_dummy_vec_env(env_id: str) -> None:
    """Through rlgan's NativeVecEnv, SB3 sees exactly DummyVecEnv's transitions."""
    from stable_baselines3.common.vec_env import DummyVecEnv

    from rlgan.rl.vec_env import NativeVecEnv

    kwargs = {"max_episode_steps": 25}
    native = NativeVecEnv(env_id, 4, 5, kwargs)
    dummy = DummyVecEnv([lambda: gym.make(env_id, **kwargs)] * 4)
    dummy.seed(5)
    np.testing.assert_array_equal(native.reset(), dummy.reset())
    rng = np.random.default_rng(1)
    finished = 0
    for _ in range(80):
        actions = rng.integers(0, 4, size=4)
        n_obs, n_rew, n_done, n_infos = native.step(actions)
        d_obs, d_rew, d_done, d_infos = dummy.step(actions)
        np.testing.assert_array_equal(n_obs, d_obs)
        np.testing.assert_array_equal(n_rew, d_rew)
        np.testing.assert_array_equal(n_done, d_done)
        for n_info, d_info, done in zip(n_infos, d_infos, d_done, strict=True):
            assert bool(n_info["is_success"]) == d_info["is_success"]
            if done:
                finished += 1
                np.testing.assert_array_equal(
                    n_info["terminal_observation"], d_info["terminal_observation"]
                )
    assert finished > 0
