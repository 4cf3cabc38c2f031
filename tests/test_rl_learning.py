"""Learning tests: the default `rlgan-rl` config solves CartPole with PPO; DQN learns it."""

from __future__ import annotations

import pytest

from rlgan.common.app import compose_config
from rlgan.common.run_dir import read_metrics
from rlgan.rl.env_factory import make_vec_env
from rlgan.rl.evaluate import evaluate_model
from rlgan.rl.model_io import load_run_model
from rlgan.rl.train import train

RANDOM_POLICY_CARTPOLE = 22.0  # mean return of uniformly random actions on CartPole-v1


@pytest.mark.slow
def test_default_config_trains_ppo_to_solve_cartpole(tmp_path):
    cfg = compose_config("rl", [])
    assert cfg.algo.name == "ppo" and cfg.env.id == "CartPole-v1"
    objective = train(cfg, run_dir=tmp_path)
    metrics = read_metrics(tmp_path)
    assert metrics["status"] == "ok"
    assert objective == metrics["eval/mean_reward"]
    assert objective >= 475.0, metrics  # CartPole-v1's reward threshold: solved
    assert metrics["solved_at_timesteps"] is not None
    assert metrics["timesteps"] < cfg.total_timesteps  # stop_on_solve ended it early


@pytest.mark.slow
def test_dqn_learns_cartpole(tmp_path):
    cfg = compose_config(
        "rl",
        [
            "algo=dqn",
            "total_timesteps=20000",
            "eval.freq=2500",
            "net=mlp",
            "net.activation=relu",
            "objective=eval/best_mean_reward",
        ],
    )
    best = train(cfg, run_dir=tmp_path)
    assert best >= 150.0, read_metrics(tmp_path)
    # The kept best model really is that good: evaluate it afresh on other seeds.
    model, run_cfg = load_run_model(tmp_path, which="best")
    env = make_vec_env(run_cfg.env, 5, seed=123, vectorization="dummy")
    result = evaluate_model(model, env, episodes=10)
    env.close()
    assert result.mean >= 100.0 > 4 * RANDOM_POLICY_CARTPOLE
