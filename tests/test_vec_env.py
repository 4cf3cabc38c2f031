"""NativeVecEnv gives SB3 exactly the transitions DummyVecEnv would give (same-step autoreset)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv

from rlgan.common.errors import ConfigError
from rlgan.rl.run_logger import silent_logger
from rlgan.rl.vec_env import NativeVecEnv, VectorEnvAdapter, has_native_vector

WALK_ID = "rlgan_test/Walk-v0"
WALK_LIMIT = 9


# -- a tiny environment with a native vector version seeded like SyncVectorEnv ----------------
def _walk_space() -> gym.spaces.Box:
    """Observation space of the walk: position and a random number."""
    return gym.spaces.Box(-10.0, 10.0, (2,), np.float32)


class Walk(gym.Env):
    """1-D walk from a random start; ends at |position| >= 4; reward = position + noise."""

    observation_space = _walk_space()
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple:
        """Draw the start position."""
        super().reset(seed=seed)
        self.pos = int(self.np_random.integers(-2, 3))
        return np.array([self.pos, self.np_random.random()], np.float32), {}

    def step(self, action: int) -> tuple:
        """Move left (0) or right (1)."""
        self.pos += 1 if action == 1 else -1
        noise = self.np_random.random()
        terminated = abs(self.pos) >= 4
        info = {"is_success": self.pos >= 4} if terminated else {}
        obs = np.array([self.pos, noise], np.float32)
        return obs, float(self.pos + noise), terminated, False, info


class WalkVector(VectorEnv):
    """Batched :class:`Walk` with next-step autoreset; sub-env i seeded ``seed + i``."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "reset_mask": True}

    def __init__(self, num_envs: int = 1, max_episode_steps: int = WALK_LIMIT) -> None:
        """Allocate the batch."""
        self.num_envs = num_envs
        self.max_episode_steps = max_episode_steps
        self.single_observation_space = _walk_space()
        self.single_action_space = gym.spaces.Discrete(2)
        self.observation_space = gym.vector.utils.batch_space(_walk_space(), num_envs)
        self.action_space = gym.spaces.MultiDiscrete([2] * num_envs)
        self.rngs = [seeding.np_random()[0] for _ in range(num_envs)]
        self.pos = np.zeros(num_envs, np.int64)
        self.noise = np.zeros(num_envs)
        self.steps = np.zeros(num_envs, np.int64)
        self.prev_done = np.zeros(num_envs, bool)

    def _start(self, i: int) -> None:
        """Start sub-env ``i``'s episode."""
        self.pos[i] = self.rngs[i].integers(-2, 3)
        self.noise[i] = self.rngs[i].random()
        self.steps[i] = 0

    def _obs(self) -> np.ndarray:
        """Batched observation."""
        return np.stack([self.pos, self.noise], axis=1).astype(np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple:
        """Reset all sub-envs, or only ``options["reset_mask"]``."""
        mask = (options or {}).get("reset_mask", np.ones(self.num_envs, bool))
        if seed is not None:
            self.rngs = [seeding.np_random(seed + i)[0] for i in range(self.num_envs)]
        for i in np.flatnonzero(mask):
            self._start(i)
        self.prev_done[mask] = False
        return self._obs(), {}

    def step(self, actions: np.ndarray) -> tuple:
        """Step all sub-envs; those that finished last step restart instead."""
        restart = self.prev_done.copy()
        self.pos += np.where(np.asarray(actions) == 1, 1, -1)
        self.noise = np.array([rng.random() for rng in self.rngs])
        self.steps += 1
        rewards = self.pos + self.noise
        terminated = np.abs(self.pos) >= 4
        truncated = self.steps >= self.max_episode_steps
        for i in np.flatnonzero(restart):
            self._start(i)
        rewards[restart] = 0.0
        terminated[restart] = False
        truncated[restart] = False
        self.prev_done = terminated | truncated
        info = {"is_success": self.pos >= 4, "_is_success": terminated.copy()}
        return self._obs(), rewards, terminated, truncated, info


class WalkVectorNoMask(WalkVector):
    """The same batch without any way to reset a subset: not adaptable."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP}


if WALK_ID not in gym.registry:
    gym.register(
        WALK_ID, entry_point=Walk, vector_entry_point=WalkVector, max_episode_steps=WALK_LIMIT
    )


# -- helpers -------------------------------------------------------------------------------
def _compare(
    ours: VecEnv, ref: VecEnv, n_steps: int, seed: int, after_ours: Callable[[], None] | None = None
) -> dict[str, int]:
    """Step both with the same random actions; assert identical transitions; count events."""
    space = ours.action_space
    space.seed(seed)
    obs_a = ours.reset()
    obs_b = ref.reset()
    np.testing.assert_array_equal(obs_a, obs_b)
    counts = {"terminated": 0, "truncated": 0, "success": 0}
    for _ in range(n_steps):
        actions = np.array([space.sample() for _ in range(ours.num_envs)])
        obs_a, rew_a, done_a, infos_a = ours.step(actions)
        if after_ours is not None:
            after_ours()
        obs_b, rew_b, done_b, infos_b = ref.step(actions)
        np.testing.assert_array_equal(obs_a, obs_b)
        np.testing.assert_array_equal(rew_a, rew_b)
        np.testing.assert_array_equal(done_a, done_b)
        for info_a, info_b in zip(infos_a, infos_b, strict=True):
            assert info_a["TimeLimit.truncated"] == info_b["TimeLimit.truncated"]
            assert info_a.get("is_success") == info_b.get("is_success")
            assert ("terminal_observation" in info_a) == ("terminal_observation" in info_b)
            if "terminal_observation" in info_b:
                np.testing.assert_array_equal(
                    info_a["terminal_observation"], info_b["terminal_observation"]
                )
                counts["truncated" if info_b["TimeLimit.truncated"] else "terminated"] += 1
            counts["success"] += bool(info_b.get("is_success"))
    return counts


def _dummy(
    env_id: str,
    n: int,
    seed: int,
    wrap: Callable[[gym.Env, int], gym.Env] | None = None,
    **kwargs: Any,
) -> DummyVecEnv:
    """SB3's reference: DummyVecEnv over gymnasium.make single envs, seeded seed + i."""

    def factory(i: int) -> Callable[[], gym.Env]:
        def make() -> gym.Env:
            env = gym.make(env_id, **kwargs)
            return env if wrap is None else wrap(env, i)

        return make

    vec = DummyVecEnv([factory(i) for i in range(n)])
    vec.seed(seed)
    return vec


class StartFrom(gym.Wrapper):
    """Start each episode from a given CartPole state (instead of the env's own draw)."""

    def __init__(self, env: gym.Env, state: Callable[[], np.ndarray]) -> None:
        """``state()`` returns the float64 start state to use at the next reset."""
        super().__init__(env)
        self._state = state

    def reset(self, **kwargs: Any) -> tuple:
        """Reset, then overwrite the start state."""
        _, info = self.env.reset(**kwargs)
        state = np.array(self._state(), dtype=np.float64)
        self.env.unwrapped.state = state
        return state.astype(np.float32), info


# -- tests ---------------------------------------------------------------------------------
def test_cartpole_native_matches_dummy_vec_env() -> None:
    """CartPole's native batch through the adapter == DummyVecEnv, terminations and truncations.

    CartPoleVectorEnv draws every sub-env's start state from one shared generator, so no
    seeding of single envs can reproduce its draws: each single env starts its episodes from
    the state the native env drew (StartFrom); everything after that -- the dynamics, rewards,
    dones, terminal observations and truncation flags -- must match exactly.
    """
    n = 6
    ours = NativeVecEnv("CartPole-v1", n, seed=3, env_kwargs={"max_episode_steps": 25})
    raw = ours.vector_env.unwrapped

    def start(i: int) -> Callable[[], np.ndarray]:
        return lambda: raw.state[:, i]

    ref = _dummy(
        "CartPole-v1", n, 3, wrap=lambda env, i: StartFrom(env, start(i)), max_episode_steps=25
    )
    counts = _compare(ours, ref, n_steps=400, seed=0)
    assert counts["terminated"] >= 10 and counts["truncated"] >= 10, counts
    ours.close()
    ref.close()


def test_native_walk_matches_dummy_vec_env_exactly() -> None:
    """A native env seeded like SyncVectorEnv: identical to DummyVecEnv with no help at all."""
    ours = NativeVecEnv(WALK_ID, 5, seed=11)
    ref = _dummy(WALK_ID, 5, 11)
    counts = _compare(ours, ref, n_steps=300, seed=1)
    assert min(counts.values()) >= 10, counts


@pytest.mark.parametrize("env_id", ["rlgan/Pursuit-v0", "rlgan/Maze-v0"])
def test_rlgan_envs_match_dummy_vec_env_exactly(env_id: str) -> None:
    """Our own environments' native batches through the adapter == DummyVecEnv of singles."""
    import rlgan.envs  # noqa: F401 - registers the rlgan/ ids

    ours = NativeVecEnv(env_id, 4, seed=7)
    ref = _dummy(env_id, 4, 7)
    counts = _compare(ours, ref, n_steps=600, seed=3)
    assert counts["terminated"] + counts["truncated"] >= 10, counts
    ours.close()
    ref.close()


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_sync_vector_env_modes_match_dummy_vec_env(mode: AutoresetMode) -> None:
    """Gymnasium's SyncVectorEnv in both autoreset modes (reset_mask / final_obs paths)."""
    sync = SyncVectorEnv(
        [lambda: gym.make("CartPole-v1", max_episode_steps=30)] * 4, autoreset_mode=mode
    )
    ours = VectorEnvAdapter(sync, seed=5)
    ref = _dummy("CartPole-v1", 4, 5, max_episode_steps=30)
    counts = _compare(ours, ref, n_steps=300, seed=2)
    assert counts["terminated"] >= 5 and counts["truncated"] >= 5, counts


def test_seed_reproduces_and_changes_episodes() -> None:
    """seed() before reset() reproduces the same start; another seed gives another one."""
    env = NativeVecEnv("CartPole-v1", 8, seed=0)
    first = env.reset()
    env.seed(0)
    again = env.reset()
    env.seed(1)
    other = env.reset()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_attributes_methods_and_rendering() -> None:
    """get_attr/set_attr/env_method/env_is_wrapped and rgb_array rendering work."""
    env = NativeVecEnv("CartPole-v1", 4, seed=0, env_kwargs={"render_mode": "rgb_array"})
    env.reset()
    assert env.get_attr("max_episode_steps") == [500] * 4
    assert env.get_attr("render_mode", indices=[1, 2]) == ["rgb_array"] * 2
    env.set_attr("force_mag", 20.0)
    assert env.get_attr("force_mag", indices=0) == [20.0]
    with pytest.raises(ConfigError, match="indices"):
        env.set_attr("force_mag", 5.0, indices=[0])
    assert env.env_is_wrapped(gym.Wrapper) == [False] * 4
    assert len(env.env_method("render")) == 4
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.shape[0] >= 400
    env.close()


def test_has_native_vector() -> None:
    """True only for ids with an adaptable native vector implementation."""
    assert has_native_vector("CartPole-v1")
    assert has_native_vector(WALK_ID)
    assert not has_native_vector("Acrobot-v1")
    assert not has_native_vector("NoSuchEnv-v0")


def test_bad_input_is_a_clear_config_error() -> None:
    """n_envs < 1, envs without a native batch and unadaptable batches are rejected early."""
    with pytest.raises(ConfigError, match="n_envs=0"):
        NativeVecEnv("CartPole-v1", 0, seed=0)
    with pytest.raises(ConfigError, match=r"Acrobot-v1.*CartPole-v1.*vectorization=dummy"):
        NativeVecEnv("Acrobot-v1", 2, seed=0)
    with pytest.raises(ConfigError, match="WalkVectorNoMask.*reset_mask"):
        VectorEnvAdapter(WalkVectorNoMask(3), seed=0)


def test_sb3_ppo_trains_on_the_adapter() -> None:
    """SB3 PPO runs on the adapter and records finished episodes through VecMonitor."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import VecMonitor

    env = VecMonitor(NativeVecEnv("CartPole-v1", 8, seed=0))
    model = PPO("MlpPolicy", env, n_steps=32, batch_size=128, n_epochs=1, seed=0, device="cpu")
    model.set_logger(silent_logger())  # plain SB3 would leave an empty /tmp/SB3-* folder
    model.learn(1024)
    assert model.num_timesteps == 1024
    lengths = [ep["l"] for ep in model.ep_info_buffer]
    assert lengths and all(1 <= length <= 500 for length in lengths)
