"""The tuned CartPole presets (``+experiment=ppo_cartpole`` / ``dqn_cartpole``) end solved."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlgan.common.app import compose_config
from rlgan.common.run_dir import read_metrics
from rlgan.rl.train import train

PRESETS = ["ppo_cartpole", "dqn_cartpole"]


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_composes_onto_the_native_cartpole(preset: str) -> None:
    """Each preset selects its algorithm on CartPole with the native env and early stopping."""
    cfg = compose_config("rl", [f"+experiment={preset}"])
    assert cfg.algo.name == preset.split("_")[0]
    assert cfg.env.id == "CartPole-v1"
    assert cfg.env.vectorization == "native"
    assert cfg.stop_on_solve >= 2
    assert cfg.eval.final_episodes >= 10


def _solve(preset: str, seed: int, folder: Path) -> dict:
    """Train ``preset`` with ``seed`` in ``folder``; return its metrics."""
    cfg = compose_config(
        "rl",
        [f"+experiment={preset}", f"seed={seed}", "progress_bar=false", "log.tensorboard=false"],
    )
    objective = train(cfg, run_dir=folder)
    metrics = read_metrics(folder)
    assert metrics["status"] == "ok"
    assert objective == metrics["eval/mean_reward"]
    return metrics


@pytest.mark.slow
def test_ppo_preset_ends_solved_early(tmp_path: Path) -> None:
    """PPO solves far inside its budget (10k-22.5k of 100k steps on seeds 0-4), so one seed
    is robust: it reaches 475, keeps a best model at >= 475 and stops early."""
    metrics = _solve("ppo_cartpole", 0, tmp_path)
    assert metrics["solved_at_timesteps"] is not None, metrics
    assert metrics["eval/best_mean_reward"] >= 475, metrics
    assert metrics["eval/mean_reward"] >= 475, metrics
    assert metrics["timesteps"] < metrics["total_timesteps"], "stop_on_solve ends the run early"


@pytest.mark.slow
def test_dqn_preset_solves_on_most_seeds(tmp_path: Path) -> None:
    """DQN's trajectory is chaotic: a float rounding difference between CPUs (or a change as
    small as how the lr schedule is computed) moves its first solve by tens of thousands of
    steps, and about one trajectory in ten does not solve within the budget. So the check is
    on what is robust: at least 2 of 3 seeds reach 475 and keep a best model at >= 475."""
    solved = []
    for seed in (0, 1, 2):
        metrics = _solve("dqn_cartpole", seed, tmp_path / f"seed{seed}")
        if metrics["solved_at_timesteps"] is not None:
            assert metrics["eval/best_mean_reward"] >= 475, metrics
            solved.append(seed)
    assert len(solved) >= 2, f"only seeds {solved} of 0, 1, 2 solved"


def test_lunarlander_preset_trains(tmp_path: Path) -> None:
    """The LunarLander preset (RL Zoo's settings) builds and trains; shortened for CI."""
    pytest.importorskip("Box2D", reason="LunarLander needs gymnasium[box2d]")
    cfg = compose_config(
        "rl",
        [
            "+experiment=ppo_lunarlander",
            "total_timesteps=2048",
            "algo.hyperparams.n_steps=128",
            "eval.freq=0",
            "eval.final_episodes=2",
            "progress_bar=false",
        ],
    )
    assert cfg.env.id == "LunarLander-v3" and cfg.env.n_envs == 16
    train(cfg, run_dir=tmp_path)
    metrics = read_metrics(tmp_path)
    assert metrics["status"] == "ok"
    assert metrics["timesteps"] == 2048
    assert metrics["eval/episodes"] == 2


#: Key values of each preset's composed config, pinned when the presets were cut down to what
#: differs from the groups they start from (the full composed configs were compared before and
#: after with OmegaConf.to_yaml; only the new env.wrappers / callbacks keys differed).
PINNED: dict[str, dict] = {
    "ppo_cartpole": {
        "algo.name": "ppo",
        "env.id": "CartPole-v1",
        "env.n_envs": 16,
        "env.vectorization": "native",
        "total_timesteps": 100000,
        "stop_on_solve": 3,
        "threads": 1,
        "net.hidden_sizes": [64, 64],
        "algo.hyperparams.learning_rate": "lin_3e-3",
        "algo.hyperparams.batch_size": 256,
        "algo.hyperparams.gamma": 0.98,
        "algo.hyperparams.n_steps": 32,
        "algo.hyperparams.n_epochs": 10,
        "algo.hyperparams.clip_range": "lin_0.2",
        "eval.freq": 2500,
        "eval.episodes": 10,
        "eval.final_episodes": 10,
        "eval.n_envs": 10,
        "checkpoint.freq": 20000,
    },
    "dqn_cartpole": {
        "algo.name": "dqn",
        "env.id": "CartPole-v1",
        "env.n_envs": 16,
        "env.vectorization": "native",
        "total_timesteps": 60000,
        "stop_on_solve": 2,
        "threads": 1,
        "net.hidden_sizes": [256, 256],
        "algo.hyperparams.learning_rate": "lin_2.3e-3",
        "algo.hyperparams.batch_size": 128,
        "algo.hyperparams.buffer_size": 100000,
        "algo.hyperparams.gamma": 0.99,
        "algo.hyperparams.learning_starts": 1000,
        "algo.hyperparams.train_freq": 16,
        "algo.hyperparams.gradient_steps": 32,
        "algo.hyperparams.target_update_interval": 16,
        "algo.hyperparams.exploration_fraction": 0.16,
        "eval.freq": 2500,
        "eval.episodes": 10,
        "eval.final_episodes": 10,
        "eval.n_envs": 10,
    },
    "dqn_maze": {
        "algo.name": "dqn",
        "env.id": "rlgan/Maze-v0",
        "env.n_envs": 8,
        "env.vectorization": "native",
        "env.kwargs.size": 3,
        "total_timesteps": 30000,
        "stop_on_solve": 0,
        "threads": 1,
        "net.hidden_sizes": [256, 256],
        "algo.hyperparams.learning_rate": 0.0005,
        "algo.hyperparams.batch_size": 128,
        "algo.hyperparams.gamma": 0.95,
        "algo.hyperparams.learning_starts": 1000,
        "algo.hyperparams.target_update_interval": 250,
        "eval.freq": 10000,
        "eval.episodes": 50,
        "eval.final_episodes": 100,
        "eval.n_envs": 50,
        "checkpoint.freq": 10000,
    },
    "ppo_lunarlander": {
        "algo.name": "ppo",
        "env.id": "LunarLander-v3",
        "env.n_envs": 16,
        "env.vectorization": "dummy",
        "total_timesteps": 1000000,
        "stop_on_solve": 2,
        "threads": 1,
        "algo.hyperparams.learning_rate": 0.0003,
        "algo.hyperparams.batch_size": 64,
        "algo.hyperparams.gamma": 0.999,
        "algo.hyperparams.n_steps": 1024,
        "algo.hyperparams.ent_coef": 0.01,
        "eval.freq": 25000,
        "eval.episodes": 10,
        "eval.n_envs": 10,
        "checkpoint.freq": 100000,
    },
    "ppo_pursuit": {
        "algo.name": "ppo",
        "env.id": "rlgan/Pursuit-v0",
        "env.n_envs": 64,
        "env.vectorization": "native",
        "env.kwargs.num_pursuers": 1,
        "env.kwargs.pursuer_speed": 0.5,
        "total_timesteps": 150000,
        "stop_on_solve": 0,
        "threads": 1,
        "net.hidden_sizes": [128, 128],
        "algo.hyperparams.learning_rate": "lin_1e-3",
        "algo.hyperparams.batch_size": 1024,
        "algo.hyperparams.gamma": 0.98,
        "algo.hyperparams.n_steps": 32,
        "algo.hyperparams.n_epochs": 5,
        "eval.freq": 50000,
        "eval.episodes": 50,
        "eval.final_episodes": 100,
        "eval.n_envs": 50,
        "checkpoint.freq": 50000,
    },
}


@pytest.mark.parametrize("preset", sorted(PINNED))
def test_preset_key_values_are_pinned(preset: str) -> None:
    """Presets hold only what differs from their groups; their composed values stay put."""
    from omegaconf import OmegaConf

    cfg = compose_config("rl", [f"+experiment={preset}"])
    for key, expected in PINNED[preset].items():
        value = OmegaConf.select(cfg, key)
        value = OmegaConf.to_container(value) if OmegaConf.is_config(value) else value
        assert value == expected, (preset, key, value)
