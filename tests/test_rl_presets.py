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
    cfg = compose_config("rl", [f"+experiment={preset}", f"seed={seed}", "progress_bar=false",
                                "log.tensorboard=false"])
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
    cfg = compose_config("rl", ["+experiment=ppo_lunarlander", "total_timesteps=2048",
                                "algo.hyperparams.n_steps=128", "eval.freq=0",
                                "eval.final_episodes=2", "progress_bar=false"])
    assert cfg.env.id == "LunarLander-v3" and cfg.env.n_envs == 16
    train(cfg, run_dir=tmp_path)
    metrics = read_metrics(tmp_path)
    assert metrics["status"] == "ok"
    assert metrics["timesteps"] == 2048
    assert metrics["eval/episodes"] == 2
