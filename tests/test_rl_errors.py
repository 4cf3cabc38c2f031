"""Bad input to rlgan-rl: one-paragraph ConfigErrors naming the value and the choices,
raised before any training starts (nothing is written), and through the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.rl.train import train


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["algo.name=foo"], ["algo.name='foo'", "ppo", "qrdqn"]),
        (["env.id=CartPol-v1"], ["env.id='CartPol-v1'", "CartPole-v1"]),
        (["algo=dqn", "env=pendulum"], ["dqn", "Pendulum-v1", "continuous", "sac", "td3"]),
        (["algo=qrdqn", "env=pendulum"], ["qrdqn", "continuous"]),
        (["algo=sac"], ["sac", "CartPole-v1", "discrete", "dqn", "ppo"]),
        (["algo=td3", "env=acrobot"], ["td3", "Acrobot-v1", "discrete"]),
        (["total_timesteps=0"], ["total_timesteps=0", "positive"]),
        (["total_timesteps=-5"], ["total_timesteps=-5"]),
        (["env.n_envs=0"], ["env.n_envs=0", ">= 1"]),
        (["algo.hyperparams.learning_rate=-0.001"], ["learning_rate=-0.001", ">= 0"]),
        (["algo.hyperparams.learning_rate=lin_-2e-3"], ["learning_rate='lin_-2e-3'"]),
        (["algo.hyperparams.learning_rate=fast"], ["learning_rate='fast'", "lin_<start>"]),
        (["+algo.hyperparams.n_step=8"], ["n_step", "n_steps"]),
        (["env.vectorization=threads"], ["env.vectorization='threads'", "dummy", "subproc"]),
        (
            ["algo=sac", "env=pendulum", "env.vectorization=native"],
            ["native", "Pendulum-v1", "dummy"],
        ),
        (["algo.policy=CnnPolicyX"], ["algo.policy", "CnnPolicyX", "MlpPolicy"]),
        (["objective=reward"], ["objective='reward'", "eval/mean_reward"]),
        (["device=tpu"], ["device='tpu'", "cpu"]),
        (["eval.episodes=0"], ["eval.episodes=0"]),
        (["+env.kwargs.bogus=1"], ["env.kwargs", "bogus"]),
        (["progress_bar=sometimes"], ["progress_bar='sometimes'", "auto, true, false"]),
    ],
)
def test_bad_config_raises_clear_error_before_training(tmp_path, overrides, expected):
    cfg = compose_config("rl", overrides)
    with pytest.raises(ConfigError) as info:
        train(cfg, run_dir=tmp_path)
    message = str(info.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, (part, message)
    assert not any(tmp_path.iterdir())  # nothing written: the error came before any work


def test_resume_folder_that_is_not_a_run(tmp_path):
    for target in (tmp_path / "missing", tmp_path):
        with pytest.raises(ConfigError, match="resume="):
            train(compose_config("rl", [f"resume={target}"]))
    with pytest.raises(ConfigError, match="evaluate="):
        train(compose_config("rl", [f"evaluate={tmp_path}"]))


def _cli(tmp_path, *args, env=None):
    command = [sys.executable, "-m", "rlgan.rl.cli", f"hydra.run.dir={tmp_path / 'run'}", *args]
    environ = {key: value for key, value in os.environ.items() if key != "HYDRA_FULL_ERROR"}
    environ.update(env or {})
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=environ, cwd=tmp_path
    )


def test_cli_unknown_algorithm_name_is_one_paragraph_without_traceback(tmp_path):
    proc = _cli(tmp_path, "algo.name=foo")
    assert proc.returncode == 2, proc.stderr
    assert "rlgan-rl: error: Invalid algo.name='foo'" in proc.stderr
    assert "ppo" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "run" / "model.zip").exists()


def test_cli_unknown_env_id_lists_close_matches(tmp_path):
    proc = _cli(tmp_path, "env.id=Acrobat-v1", "algo=dqn")
    assert proc.returncode == 2, proc.stderr
    assert "Acrobot-v1" in proc.stderr and "Traceback" not in proc.stderr
    full = _cli(tmp_path, "env.id=Acrobat-v1", env={"HYDRA_FULL_ERROR": "1"})
    assert full.returncode != 0 and "Traceback" in full.stderr
