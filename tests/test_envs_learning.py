"""Agents learn rlgan's envs: short budgets beat a random policy; the presets reach >= 90%."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from stable_baselines3 import DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm

import rlgan  # noqa: F401  (registers the rlgan/ ids)
from rlgan.common.app import compose_config
from rlgan.rl.run_logger import silent_logger
from rlgan.rl.vec_env import NativeVecEnv

EVAL_EPISODES = 200
EVAL_SEED = 10_000


def success_rate(
    env_id: str, env_kwargs: dict[str, Any], model: BaseAlgorithm | None, episodes: int
) -> float:
    """Fraction of ``episodes`` that end with ``info["is_success"]`` (model None: random)."""
    env = NativeVecEnv(env_id, 50, EVAL_SEED, env_kwargs)
    env.action_space.seed(0)
    obs = env.reset()
    outcomes: list[bool] = []
    while len(outcomes) < episodes:
        if model is None:
            actions = np.array([env.action_space.sample() for _ in range(env.num_envs)])
        else:
            actions, _ = model.predict(obs, deterministic=True)
        obs, _, dones, infos = env.step(actions)
        ended = zip(infos, dones, strict=True)
        outcomes += [bool(info["is_success"]) for info, done in ended if done]
    env.close()
    return float(np.mean(outcomes[:episodes]))


def test_ppo_learns_pursuit_with_one_pursuer_in_a_short_budget() -> None:
    """60k steps of PPO (~3 s) reach the goal far more often than a random policy (0%)."""
    torch.set_num_threads(1)
    kwargs = {"num_pursuers": 1}
    env = NativeVecEnv("rlgan/Pursuit-v0", 32, 0, kwargs)
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=32,
        batch_size=512,
        n_epochs=5,
        learning_rate=2e-3,
        gamma=0.98,
        gae_lambda=0.9,
        ent_coef=0.005,
        policy_kwargs={"net_arch": [64, 64]},
        seed=0,
        device="cpu",
    )
    model.set_logger(silent_logger())  # plain SB3 would leave an empty /tmp/SB3-* folder
    model.learn(60_000)
    random = success_rate("rlgan/Pursuit-v0", kwargs, None, EVAL_EPISODES)
    trained = success_rate("rlgan/Pursuit-v0", kwargs, model, EVAL_EPISODES)
    print(f"Pursuit success: random {random:.3f}, PPO 60k steps {trained:.3f}")
    assert random < 0.1
    assert trained > random + 0.5, (random, trained)


def test_dqn_learns_a_small_maze_in_a_short_budget() -> None:
    """DQN on 3x3-cell mazes (a new maze every episode, ~3 s) escapes far more than random."""
    torch.set_num_threads(1)
    kwargs = {"size": 3}
    env = NativeVecEnv("rlgan/Maze-v0", 8, 0, kwargs)
    model = DQN(
        "MlpPolicy",
        env,
        learning_rate=1e-3,
        buffer_size=50_000,
        learning_starts=1_000,
        batch_size=64,
        gamma=0.95,
        train_freq=2,
        gradient_steps=2,
        target_update_interval=250,
        exploration_fraction=0.3,
        exploration_final_eps=0.02,
        policy_kwargs={"net_arch": [128, 128]},
        seed=0,
        device="cpu",
    )
    model.set_logger(silent_logger())
    model.learn(15_000)
    random = success_rate("rlgan/Maze-v0", kwargs, None, EVAL_EPISODES)
    trained = success_rate("rlgan/Maze-v0", kwargs, model, EVAL_EPISODES)
    print(f"Maze success: random {random:.3f}, DQN 15k steps {trained:.3f}")
    assert random < 0.1
    assert trained > random + 0.3, (random, trained)


def _train_preset(experiment: str, run_dir: Path) -> tuple[BaseAlgorithm, dict[str, Any]]:
    """Train ``rlgan-rl +experiment=<experiment>`` into ``run_dir``; return model, env kwargs."""
    from rlgan.rl.model_io import load_run_model
    from rlgan.rl.train import train

    cfg = compose_config("rl", [f"+experiment={experiment}", "log.tensorboard=false"])
    train(cfg, run_dir=run_dir)
    model, _ = load_run_model(run_dir, which="final")
    return model, dict(cfg.env.kwargs)


@pytest.mark.slow
def test_ppo_pursuit_preset_reaches_90_percent_success(tmp_path: Path) -> None:
    """The tuned preset ``+experiment=ppo_pursuit`` ends with >= 90% success."""
    model, kwargs = _train_preset("ppo_pursuit", tmp_path)
    rate = success_rate("rlgan/Pursuit-v0", kwargs, model, 300)
    print(f"ppo_pursuit success rate: {rate:.3f}")
    assert rate >= 0.9


@pytest.mark.slow
def test_dqn_maze_preset_reaches_90_percent_success(tmp_path: Path) -> None:
    """The tuned preset ``+experiment=dqn_maze`` ends with >= 90% success."""
    model, kwargs = _train_preset("dqn_maze", tmp_path)
    rate = success_rate("rlgan/Maze-v0", kwargs, model, 300)
    print(f"dqn_maze success rate: {rate:.3f}")
    assert rate >= 0.9
