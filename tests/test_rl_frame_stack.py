"""env.frame_stack (SB3's VecFrameStack): checks, training, evaluate=, watch and resume."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from stable_baselines3.common.running_mean_std import RunningMeanStd
from stable_baselines3.common.vec_env import DummyVecEnv

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.run_dir import read_metrics
from rlgan.rl.env_factory import make_env
from rlgan.rl.foreign import load_policy
from rlgan.rl.knobs import check_run_knobs, normalize_settings
from rlgan.rl.normalization import (
    NormalizationStats,
    ObservationPipeline,
    PipelineSpec,
    wrap_vec_env,
)
from rlgan.rl.train import train

torch.set_num_threads(1)

RUN = [
    "env.frame_stack=3",
    "algo.n_envs=2",
    "algo.hyperparams.n_steps=64",
    "algo.hyperparams.batch_size=64",
    "algo.hyperparams.n_epochs=1",
    "total_timesteps=256",
    "checkpoint.freq=128",
    "eval.freq=128",
    "eval.episodes=1",
    "eval.final_episodes=1",
    "eval.n_envs=1",
    "progress_bar=false",
    "log.tensorboard=false",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny PPO run on CartPole seeing its last 3 observations."""
    folder = tmp_path_factory.mktemp("stacked") / "run"
    train(compose_config("rl", RUN), run_dir=folder, overrides=RUN)
    return folder


@pytest.mark.parametrize("value", [0, -2, 2.5, "'four'"])
def test_bad_frame_stack_is_refused_by_the_cheap_checks(value):
    with pytest.raises(ConfigError, match=r"env.frame_stack=.*integer >= 1"):
        check_run_knobs(compose_config("rl", [f"env.frame_stack={value}"]))


def test_the_policy_sees_the_stacked_observations_everywhere(run, capsys):
    loaded = load_policy(run)
    assert loaded.model.observation_space.shape == (12,)  # 3 x CartPole's 4
    mean = train(compose_config("rl", [f"evaluate={run}", "eval.final_episodes=2"]))
    assert np.isfinite(mean) and "PPO on CartPole-v1" in capsys.readouterr().out
    train(compose_config("rl", [f"resume={run}", "total_timesteps=384"]))
    assert read_metrics(run)["timesteps"] >= 384


def test_watch_stacks_the_observations_of_a_run(run):
    from test_watch import watch_config

    from rlgan.apps.watch import WatchSession

    session = WatchSession(watch_config(f"run={run}", "max_frames=30", "episodes=0"))
    agent = session.agent
    assert agent.pipeline is not None
    first = agent.view(session.obs)
    assert first.shape == (12,) and np.all(first[:8] == 0)  # the stack starts empty
    assert agent.view(session.obs) is first  # asked again: the same view, no new frame
    assert session.run().steps == 30


def test_recurrent_policies_accept_frame_stack(tmp_path):
    overrides = [
        "algo=recurrent_ppo",
        "env.frame_stack=2",
        "algo.n_envs=2",
        "algo.hyperparams.n_steps=32",
        "algo.hyperparams.batch_size=32",
        "algo.hyperparams.n_epochs=1",
        "total_timesteps=64",
        "eval.freq=0",
        "eval.final_episodes=1",
        "checkpoint.freq=0",
        "progress_bar=false",
        "log.tensorboard=false",
        "hyperparams_source=defaults",
    ]
    train(compose_config("rl", overrides), run_dir=tmp_path / "run", overrides=overrides)
    assert load_policy(tmp_path / "run").model.observation_space.shape == (8,)


def test_one_env_pipeline_matches_the_vector_pipeline():
    """rlgan-watch's single-env pipeline gives what VecNormalize + VecFrameStack give."""
    rms = RunningMeanStd(shape=(3,))
    rms.mean, rms.var, rms.count = np.array([0.1, -0.2, 0.5]), np.array([0.3, 0.4, 2.0]), 50.0
    settings = {**normalize_settings(True), "gamma": 0.99}
    stats = NormalizationStats(settings, rms, RunningMeanStd(shape=()))
    spec = PipelineSpec(settings, frame_stack=4)
    env_cfg = {"id": "Pendulum-v1"}
    vec = wrap_vec_env(
        DummyVecEnv([lambda: make_env(env_cfg, 7)]), spec, training=False, stats=stats
    )
    single = make_env(env_cfg, 7)
    pipeline = ObservationPipeline(spec, single.observation_space, stats)
    assert pipeline.observation_space == vec.observation_space
    vec.seed(7)
    expected = vec.reset()[0]
    seen = pipeline.start(single.reset(seed=7)[0])
    np.testing.assert_allclose(seen, expected, rtol=1e-6)
    for step in range(6):
        action = np.array([np.sin(step)], dtype=np.float32)
        expected = vec.step(action[None])[0][0]
        seen = pipeline.step(single.step(action)[0])
        np.testing.assert_allclose(seen, expected, rtol=1e-6)
