"""The RL runner's public helpers: env factory, schedules, model loading, logging hygiene."""

from __future__ import annotations

import tempfile

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.run_dir import read_metrics
from rlgan.rl.env_factory import make_env, make_vec_env, resolve_vectorization, reward_threshold
from rlgan.rl.model_io import load_run_model
from rlgan.rl.run_logger import silent_logger
from rlgan.rl.schedules import parse_schedule
from rlgan.rl.train import choose_device, train


def test_make_env_is_a_seeded_monitored_env():
    cfg = compose_config("rl", ["env=acrobot"]).env
    env = make_env(cfg, seed=3)
    assert isinstance(env, Monitor) and env.spec.id == "Acrobot-v1"
    first = env.reset(seed=3)[0]
    again = make_env(cfg, seed=3).reset(seed=3)[0]
    np.testing.assert_allclose(first, again)
    rgb = make_env(compose_config("rl", []).env, seed=0, render_mode="rgb_array")
    assert rgb.render().ndim == 3


def test_make_vec_env_modes_and_errors():
    cfg = compose_config("rl", []).env
    vec = make_vec_env(cfg, 3, seed=0, vectorization="dummy")
    assert isinstance(vec, DummyVecEnv) and vec.num_envs == 3
    obs = vec.reset()
    assert obs.shape == (3, 4) and not np.allclose(obs[0], obs[1])  # seeds differ per env
    vec.close()
    assert resolve_vectorization("Pendulum-v1", "auto") == "dummy"
    with pytest.raises(ConfigError, match="Pendulum-v1"):
        resolve_vectorization("Pendulum-v1", "native")


def test_native_vectorization_for_cartpole_matches_dummy_interface():
    cfg = compose_config("rl", []).env
    assert resolve_vectorization("CartPole-v1", "auto") == "native"
    vec = make_vec_env(cfg, 4, seed=0, vectorization="native")
    assert vec.num_envs == 4 and vec.reset().shape == (4, 4)
    vec.close()


def test_reward_threshold_from_spec_or_override():
    assert reward_threshold(compose_config("rl", []).env) == 475.0
    assert reward_threshold(compose_config("rl", ["env.reward_threshold=100"]).env) == 100.0
    assert reward_threshold(compose_config("rl", ["env=pendulum", "algo=sac"]).env) == -200.0
    assert reward_threshold(compose_config("rl", ["env.id=Pendulum-v1", "algo=sac"]).env) is None


def test_schedules():
    assert parse_schedule("learning_rate", 3e-4) == 3e-4
    linear = parse_schedule("learning_rate", "lin_2e-3")
    assert linear(1.0) == pytest.approx(2e-3) and linear(0.5) == pytest.approx(1e-3)
    assert linear(0.0) == pytest.approx(0.0)
    ranged = parse_schedule("clip_range", {"schedule": "linear", "start": 0.3, "end": 0.1})
    assert ranged(0.0) == pytest.approx(0.1)
    with pytest.raises(ConfigError, match="lin_abc"):
        parse_schedule("learning_rate", "lin_abc")


def test_device_auto_is_cpu_without_gpu_and_explicit_cuda_is_checked():
    cfg = compose_config("rl", [])
    if not torch.cuda.is_available():
        assert choose_device(cfg) == "cpu"
        with pytest.raises(ConfigError, match="device='cuda'"):
            choose_device(compose_config("rl", ["device=cuda"]))


@pytest.mark.cuda
def test_device_auto_keeps_mlp_on_cpu_but_cuda_is_honoured():
    assert choose_device(compose_config("rl", [])) == "cpu"
    assert choose_device(compose_config("rl", ["device=cuda"])).startswith("cuda")


def test_short_run_writes_the_run_folder_and_leaves_no_tmp_litter(
    tmp_path, tmp_path_factory, monkeypatch
):
    tmp = tmp_path_factory.mktemp("tmp")  # private: other processes' SB3 folders stay out
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    before = set(tmp.glob("SB3-*"))
    objective = train(
        compose_config(
            "rl",
            [
                "algo.n_envs=4",
                "total_timesteps=1024",
                "eval.freq=512",
                "eval.episodes=2",
                "eval.final_episodes=2",
            ],
        ),
        run_dir=tmp_path,
    )
    assert set(tmp.glob("SB3-*")) == before
    metrics = read_metrics(tmp_path)
    for key in (
        "app",
        "algo",
        "env_id",
        "seed",
        "timesteps",
        "wall_time_s",
        "eval/mean_reward",
        "eval/std_reward",
        "eval/episodes",
        "solved_at_timesteps",
        "status",
        "objective",
    ):
        assert key in metrics, key
    assert metrics["app"] == "rl" and metrics["objective"] == "eval/mean_reward"
    assert objective == metrics["eval/mean_reward"] and metrics["eval/episodes"] == 2
    assert (tmp_path / ".hydra" / "config.yaml").is_file()
    assert (tmp_path / "plots" / "learning_curve.png").stat().st_size > 1000
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()  # everything is on disk once train() returns (the logger was closed)
    assert [e.step for e in events.Scalars("eval/mean_reward")] == [512, 1024]
    assert "train/loss" in events.Tags()["scalars"]
    model, cfg = load_run_model(tmp_path, which="final")
    assert cfg.algo.name == "ppo"
    action, _ = model.predict(np.zeros(4, dtype=np.float32), deterministic=True)
    assert gym.spaces.Discrete(2).contains(int(action))
    with pytest.raises(ConfigError, match="which"):
        load_run_model(tmp_path, which="latest")


def test_success_rate_is_reported_for_envs_with_is_success(tmp_path):
    train(
        compose_config(
            "rl",
            [
                "env=maze",
                "algo.n_envs=4",
                "total_timesteps=256",
                "eval.freq=0",
                "eval.episodes=4",
                "eval.final_episodes=4",
                "eval.n_envs=4",
            ],
        ),
        run_dir=tmp_path,
    )
    metrics = read_metrics(tmp_path)
    assert 0.0 <= metrics["eval/success_rate"] <= 1.0
    assert metrics["eval/episodes"] == 4
    cartpole = compose_config(
        "rl", ["algo.n_envs=2", "total_timesteps=64", "eval.freq=0", "eval.final_episodes=2"]
    )
    train(cartpole, run_dir=tmp_path / "cartpole")
    assert read_metrics(tmp_path / "cartpole")["eval/success_rate"] is None


@pytest.mark.parametrize(
    ("env", "env_id"),
    [
        ("acrobot", "Acrobot-v1"),
        ("mountaincar", "MountainCar-v0"),
        ("pendulum", "Pendulum-v1"),
        ("lunarlander", "LunarLander-v3"),
    ],
)
def test_env_configs_build_their_envs(env, env_id):
    made = make_env(compose_config("rl", [f"env={env}", "algo=ppo"]).env, seed=0)
    assert made.spec.id == env_id
    made.step(made.action_space.sample())
    made.close()


def test_run_logger_writes_csv_rows_and_one_tensorboard_event_per_dump(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from rlgan.common.csv_log import read_csv
    from rlgan.rl.run_logger import make_run_logger

    logger = make_run_logger(tmp_path, tensorboard=True)
    for step, loss in ((512, 0.5), (1024, 0.25)):
        logger.record("train/loss", loss)
        logger.record("train/n_updates", np.int64(step // 256))
        logger.record("train/hidden", 9.0, exclude="tensorboard")
        logger.record("note/text", f"at {step}")
        logger.dump(step)
    logger.close()
    rows = read_csv(tmp_path / "progress.csv")
    assert [(r["step"], r["train/loss"]) for r in rows] == [("512", "0.5"), ("1024", "0.25")]
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    assert sorted(events.Tags()["scalars"]) == ["train/loss", "train/n_updates"]
    assert [(e.step, e.value) for e in events.Scalars("train/loss")] == [(512, 0.5), (1024, 0.25)]
    assert [e.value for e in events.Scalars("train/n_updates")] == [2.0, 4.0]
    assert events.Tags()["tensors"], "strings still reach TensorBoard (as text)"
    from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader

    scalar_events = [
        sorted(v.tag for v in e.summary.value if v.HasField("simple_value"))
        for event_file in sorted((tmp_path / "tb").iterdir())
        for e in LegacyEventFileLoader(str(event_file)).Load()
    ]
    assert scalar_events.count(["train/loss", "train/n_updates"]) == 2  # one event per dump


@pytest.mark.parametrize("vectorization", ["native", "dummy"])
def test_evaluate_model_plays_the_episodes_sb3s_evaluate_policy_plays(vectorization):
    from stable_baselines3 import PPO
    from stable_baselines3.common.evaluation import evaluate_policy

    from rlgan.rl.evaluate import evaluate_model

    cfg = compose_config("rl", []).env
    model = PPO(
        "MlpPolicy",
        make_vec_env(cfg, 1, 0, "dummy"),
        n_steps=64,
        batch_size=64,
        seed=0,
        device="cpu",
    )
    model.set_logger(silent_logger())  # plain SB3 would leave an empty /tmp/SB3-* folder
    model.learn(512)  # a policy whose episodes differ in length
    for deterministic in (True, False):
        torch.manual_seed(1)
        ours = evaluate_model(model, make_vec_env(cfg, 3, 5, vectorization), 7, deterministic)
        torch.manual_seed(1)
        returns, lengths = evaluate_policy(
            model,
            make_vec_env(cfg, 3, 5, vectorization),
            7,
            deterministic,
            return_episode_rewards=True,
        )
        assert ours.returns == returns and ours.lengths == lengths
        assert ours.episodes == 7 and len(set(ours.lengths)) > 1
        assert ours.success_rate is None  # CartPole reports no is_success


def test_event_file_writes_rows_on_flush_from_the_calling_thread(tmp_path):
    import threading

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from rlgan.common.tensorboard import EventFile

    threads = threading.active_count()
    events = EventFile(tmp_path, flush_secs=3600.0)
    assert threading.active_count() == threads, "no writer thread"
    events.add_scalars({"a": 1, "b": np.float32(0.5), "name": "skipped"}, step=10)
    events.add_scalars({"a": 2}, step=20)
    before = EventAccumulator(str(tmp_path))
    before.Reload()
    assert before.Tags()["scalars"] == [], "rows wait in memory until a flush is due"
    events.close()
    events.close()
    after = EventAccumulator(str(tmp_path))
    after.Reload()
    assert sorted(after.Tags()["scalars"]) == ["a", "b"]
    assert [(e.step, e.value) for e in after.Scalars("a")] == [(10, 1.0), (20, 2.0)]
