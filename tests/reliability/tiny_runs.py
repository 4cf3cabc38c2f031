"""Overrides for tiny runs that leave several checkpoints, shared by the reliability tests."""

from __future__ import annotations


def rl_fast(total_timesteps: int) -> list[str]:
    """A short RL run with a checkpoint every 128 timesteps and no periodic evaluation."""
    return [
        f"total_timesteps={total_timesteps}",
        "checkpoint.freq=128",
        "checkpoint.keep=0",
        "eval.freq=0",
        "eval.final_episodes=1",
        "eval.n_envs=1",
        "progress_bar=false",
        "log.tensorboard=false",
    ]


def ppo(total_timesteps: int) -> list[str]:
    """A tiny PPO run on CartPole."""
    return [
        "algo=ppo",
        "algo.n_envs=2",
        "algo.hyperparams.n_steps=64",
        "algo.hyperparams.batch_size=64",
        "algo.hyperparams.n_epochs=1",
        *rl_fast(total_timesteps),
    ]


def dqn(total_timesteps: int) -> list[str]:
    """A tiny DQN run on CartPole whose checkpoints carry a replay buffer."""
    return [
        "algo=dqn",
        "net=mlp",
        "algo.hyperparams.learning_starts=64",
        "algo.hyperparams.buffer_size=1000",
        "algo.hyperparams.train_freq=64",
        "algo.hyperparams.gradient_steps=2",
        "algo.hyperparams.batch_size=32",
        *rl_fast(total_timesteps),
    ]
