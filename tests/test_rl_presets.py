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


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS)
def test_preset_ends_solved(preset: str, tmp_path: Path) -> None:
    """A full preset run stops early, stably solved: final evaluation >= 475 (max 500)."""
    cfg = compose_config("rl", [f"+experiment={preset}", "seed=0", "progress_bar=false"])
    objective = train(cfg, run_dir=tmp_path)
    metrics = read_metrics(tmp_path)
    assert metrics["status"] == "ok"
    assert metrics["eval/episodes"] >= 10
    assert metrics["eval/mean_reward"] >= 475, metrics
    assert objective == metrics["eval/mean_reward"]
    assert metrics["solved_at_timesteps"] is not None
    assert metrics["timesteps"] < cfg.total_timesteps, "stop_on_solve should end the run early"


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
