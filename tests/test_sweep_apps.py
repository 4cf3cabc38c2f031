"""Multiruns of the real apps (rlgan-rl, rlgan-gan) with tiny budgets, and the report on them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rlgan.sweep.report import make_report

#: Keep RL jobs tiny: a few hundred steps, small evaluations, no TensorBoard.
RL_TINY = [
    "total_timesteps=512",
    "eval.freq=256",
    "eval.episodes=2",
    "eval.final_episodes=2",
    "eval.n_envs=2",
    "checkpoint.freq=0",
    "log.tensorboard=false",
    "env.n_envs=4",
    "algo.hyperparams.n_steps=64",
]
GAN_TINY = [
    "data=grid25",
    "model=mlp",
    "train.iterations=20",
    "eval.freq=10",
    "train.log_every=10",
    "train.sample_every=20",
    "checkpoint.freq=20",
    "eval.n_samples=500",
    "log.tensorboard=false",
]


def multirun(
    module: str, sweep_dir: Path, *overrides: str, timeout: float = 240
) -> subprocess.CompletedProcess:
    """``python -m <module> -m <overrides>`` into ``sweep_dir``; the sweep itself must succeed."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    proc = subprocess.run(
        [sys.executable, "-m", module, "-m", *overrides, f"hydra.sweep.dir={sweep_dir}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=sweep_dir.parent,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc


def statuses(sweep_dir: Path) -> list[str]:
    """Status of each job, in job order."""
    jobs = sorted((p for p in sweep_dir.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    return [json.loads((job / "metrics.json").read_text())["status"] for job in jobs]


def test_rl_multirun_2x2_basic_launcher_and_report(tmp_path: Path) -> None:
    sweep = tmp_path / "rl_basic"
    multirun("rlgan.rl.cli", sweep, "algo=ppo,a2c", "seed=0,1", *RL_TINY)
    assert statuses(sweep) == ["ok"] * 4
    report = make_report([str(sweep)])
    (section,) = report.sections
    assert section.app == "rl" and section.metrics[0] == "eval/mean_reward"
    assert sorted(g.label for g in section.groups) == ["algo=a2c", "algo=ppo"]
    assert all(len(g.ok_runs) == 2 for g in section.groups)
    means = [g.stat("eval/mean_reward").mean for g in section.groups]
    assert means == sorted(means, reverse=True)
    assert (sweep / "report" / "plots" / "rl_curves_eval_mean_reward.png").is_file()


def test_rl_multirun_2x2_joblib_launcher(tmp_path: Path) -> None:
    sweep = tmp_path / "rl_joblib"
    multirun("rlgan.rl.cli", sweep, "algo=ppo,a2c", "seed=0,1", "hydra/launcher=joblib_2", *RL_TINY)
    assert statuses(sweep) == ["ok"] * 4
    overrides = yaml.safe_load((sweep / "multirun.yaml").read_text())["hydra"]["launcher"]
    assert overrides["n_jobs"] == 2


def test_failing_rl_job_is_recorded_and_reported(tmp_path: Path) -> None:
    sweep = tmp_path / "rl_fail"
    multirun("rlgan.rl.cli", sweep, "algo.hyperparams.learning_rate=-1,1e-3", *RL_TINY)
    assert statuses(sweep) == ["failed", "ok"]
    error = json.loads((sweep / "0" / "metrics.json").read_text())["error"]
    assert "learning_rate" in error
    report = make_report([str(sweep)], plots=False)
    (section,) = report.sections
    assert [run.path.name for run in section.failed] == ["0"]
    assert "learning_rate" in (sweep / "report" / "report.md").read_text()


def test_gan_multirun_losses(tmp_path: Path) -> None:
    sweep = tmp_path / "gan"
    multirun("rlgan.gan.cli", sweep, "loss=ns,hinge,wgan_gp", "seed=0", *GAN_TINY)
    assert statuses(sweep) == ["ok"] * 3
    report = make_report([str(sweep)], plots=False)
    (section,) = report.sections
    assert section.app == "gan" and section.metrics[0] == "eval/high_quality_frac"
    assert sorted(g.label for g in section.groups) == ["loss=hinge", "loss=ns", "loss=wgan_gp"]


def test_ppo_cartpole_preset_bayesian_search(tmp_path: Path) -> None:
    sweep = tmp_path / "search"
    multirun(
        "rlgan.rl.cli", sweep, "+hparams_search=ppo_cartpole", "hydra.sweeper.n_trials=2", *RL_TINY
    )
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert results["n_trials"] == 2 and results["n_failed"] == 0
    assert set(results["best_params"]) == {
        "algo.hyperparams.learning_rate",
        "algo.hyperparams.n_epochs",
        "algo.hyperparams.gae_lambda",
        "net.activation",
    }
    config = yaml.safe_load((sweep / "0" / ".hydra" / "config.yaml").read_text())
    assert config["net"]["activation"] == results["trials"][0]["params"]["net.activation"]
    assert config["total_timesteps"] == 512  # the command line beats the preset


def test_reset_loky_start_method_lets_subprocesses_start_in_joblib_workers() -> None:
    from joblib import Parallel, delayed

    # One call after the other: the fix changes the (reused) worker for good.
    (broken,) = Parallel(n_jobs=2)([delayed(_subproc_in_worker)(False)])
    (fixed,) = Parallel(n_jobs=2)([delayed(_subproc_in_worker)(True)])
    assert broken[0] == "loky" and broken[1] != "ok"
    assert fixed == ("loky", "ok")


def _subproc_in_worker(fix: bool) -> tuple[str | None, str]:
    """Start SB3's SubprocVecEnv in a joblib worker, with or without the start-method fix."""
    import multiprocessing

    import gymnasium as gym
    from stable_baselines3.common.vec_env import SubprocVecEnv

    from rlgan.common.mp_start import reset_loky_start_method

    method = multiprocessing.get_start_method(allow_none=True)
    if fix:
        assert reset_loky_start_method()
    try:
        vec = SubprocVecEnv([lambda: gym.make("CartPole-v1")] * 2)
        vec.reset()
        vec.close()
        return method, "ok"
    except Exception as err:  # noqa: BLE001 - the broken case is expected to fail
        return method, type(err).__name__


@pytest.mark.parametrize("args", [["--sort", "sideways", "x"]])
def test_report_rejects_bad_option(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rlgan.sweep.report", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "invalid choice: 'sideways'" in proc.stderr


def test_optimizer_knob_for_tuning_studies() -> None:
    import torch

    from rlgan.common.app import compose_config
    from rlgan.common.errors import ConfigError
    from rlgan.rl.policy import build_policy_kwargs

    kwargs = build_policy_kwargs(compose_config("rl", ["+algo.optimizer=rmsprop"]))
    assert kwargs["optimizer_class"] is torch.optim.RMSprop
    assert "optimizer_class" not in build_policy_kwargs(compose_config("rl", []))
    with pytest.raises(ConfigError, match="algo.optimizer='lbfgs'"):
        build_policy_kwargs(compose_config("rl", ["+algo.optimizer=lbfgs"]))
