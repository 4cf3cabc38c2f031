"""env.normalize (SB3's VecNormalize): checks, statistics saved with every model, used everywhere.

One tiny normalized PPO run on Pendulum is trained per module; the tests copy its folder.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.loading import DamagedFileError
from rlgan.common.run_dir import checkpoint_path, list_checkpoints
from rlgan.rl.env_factory import make_env
from rlgan.rl.foreign import load_policy
from rlgan.rl.knobs import check_run_knobs, normalize_settings
from rlgan.rl.model_io import load_checkpoint
from rlgan.rl.normalization import (
    NORMALIZE_SUFFIX,
    NormalizationStats,
    PipelineSpec,
    find_vec_normalize,
    normalization_path,
    sync_normalization,
    wrap_vec_env,
)
from rlgan.rl.train import train

torch.set_num_threads(1)

RUN = [
    "env=pendulum",
    "algo=ppo",
    "hyperparams_source=defaults",
    "env.normalize={norm_obs: true, norm_reward: true, clip_obs: 5.0}",
    "algo.n_envs=2",
    "algo.hyperparams.n_steps=64",
    "algo.hyperparams.batch_size=64",
    "algo.hyperparams.n_epochs=1",
    "total_timesteps=512",
    "checkpoint.freq=128",
    "checkpoint.keep=3",
    "eval.freq=256",
    "eval.episodes=1",
    "eval.final_episodes=1",
    "eval.n_envs=1",
    "progress_bar=false",
    "log.tensorboard=false",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished, normalized PPO run on Pendulum with three checkpoints."""
    folder = tmp_path_factory.mktemp("normalized") / "run"
    train(compose_config("rl", RUN), run_dir=folder, overrides=RUN)
    return folder


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / "run"))


# ---- the knob ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yes", r"env.normalize='yes'.*false, true"),
        ({"norm_obs": "yes"}, r"env.normalize.norm_obs='yes'.*true or false"),
        ({"norm_ob": True}, r"norm_ob.*valid keys are norm_obs, norm_reward"),
        ({"gamma": 1.5}, r"gamma=1.5.*\(0, 1\].*null"),
        ({"clip_obs": -1}, r"clip_obs=-1.*> 0"),
    ],
)
def test_bad_normalize_values_are_one_paragraph_errors(value, message):
    with pytest.raises(ConfigError, match=message) as err:
        normalize_settings(value)
    assert "\n" not in str(err.value)


def test_normalize_values():
    assert normalize_settings(False) is None and normalize_settings(None) is None
    assert normalize_settings(True)["norm_reward"] is True
    only_obs = normalize_settings({"norm_reward": False})
    assert only_obs["norm_obs"] is True and only_obs["gamma"] is None
    assert normalize_settings({"norm_obs": False, "norm_reward": False}) is None


def test_cheap_checks_refuse_a_bad_normalize_before_torch():
    cfg = compose_config("rl", ["env.normalize=maybe"])
    with pytest.raises(ConfigError, match="env.normalize='maybe'"):
        check_run_knobs(cfg)


def test_normalize_on_a_discrete_observation_is_refused(tmp_path):
    from rlgan.rl.validate import check_config

    cfg = compose_config("rl", ["env.id=FrozenLake-v1", "env.normalize=true"])
    with pytest.raises(ConfigError, match=r"Discrete.*Box observations only.*norm_obs: false"):
        check_config(cfg)
    check_config(compose_config("rl", ["env.id=FrozenLake-v1", "env.normalize={norm_obs: false}"]))


# ---- training, checkpoints and models --------------------------------------------------------
def test_every_model_file_has_its_statistics_pruned_with_the_checkpoints(run):
    steps = [step for step, _ in list_checkpoints(run, ".zip")]
    assert len(steps) == 3  # checkpoint.keep=3
    assert [step for step, _ in list_checkpoints(run, NORMALIZE_SUFFIX)] == steps
    for name in ("model", "best_model"):
        assert (run / f"{name}{NORMALIZE_SUFFIX}").is_file()
    stats = NormalizationStats.load(run / f"model{NORMALIZE_SUFFIX}")
    gamma = compose_config("rl", RUN).algo.hyperparams.gamma
    assert stats.settings["clip_obs"] == 5.0 and stats.settings["gamma"] == gamma  # PPO's
    assert stats.obs_rms.count > 512 and stats.obs_rms.mean.shape == (3,)
    with np.load(run / f"model{NORMALIZE_SUFFIX}", allow_pickle=False) as archive:
        assert "meta" in archive.files  # plain arrays and a JSON text, no pickles


def test_a_crafted_statistics_file_with_objects_is_damaged(tmp_path):
    path = tmp_path / f"x{NORMALIZE_SUFFIX}"
    np.savez(path, format=np.array("rlgan-vecnormalize-1"), meta=np.array([{}], dtype=object))
    with pytest.raises(DamagedFileError, match="allow_pickle=False"):
        NormalizationStats.load(path)


def test_evaluation_uses_the_training_statistics_frozen():
    venv = DummyVecEnv([lambda: make_env({"id": "Pendulum-v1"}, 0)])
    spec = PipelineSpec(normalize_settings(True))
    train_env = wrap_vec_env(venv, spec, training=True, gamma=0.9)
    eval_env = wrap_vec_env(
        DummyVecEnv([lambda: make_env({"id": "Pendulum-v1"}, 1)]), spec, training=False
    )
    assert train_env.gamma == 0.9 and eval_env.training is False and not eval_env.norm_reward
    train_env.reset()
    for _ in range(5):
        train_env.step(np.zeros((1, 1), dtype=np.float32))
    sync_normalization(train_env, eval_env)
    np.testing.assert_array_equal(eval_env.obs_rms.mean, train_env.obs_rms.mean)
    assert eval_env.obs_rms is not train_env.obs_rms
    before = eval_env.obs_rms.count
    eval_env.reset()
    eval_env.step(np.zeros((1, 1), dtype=np.float32))
    assert eval_env.obs_rms.count == before  # frozen


def test_evaluate_and_watch_use_the_saved_statistics(run, capsys):
    loaded = load_policy(run)
    assert loaded.normalization is not None and loaded.path.name == "best_model.zip"
    env = loaded.make_vec_env(1, seed=0)
    try:
        normalizer = find_vec_normalize(env)
        assert normalizer.training is False and normalizer.norm_reward is False
        np.testing.assert_array_equal(normalizer.obs_rms.mean, loaded.normalization.obs_rms.mean)
    finally:
        env.close()
    mean = train(compose_config("rl", [f"evaluate={run}", "eval.final_episodes=2"]))
    assert np.isfinite(mean) and "best_model.zip" in capsys.readouterr().out


# ---- damaged or missing statistics ------------------------------------------------------------
def test_a_model_without_its_statistics_is_skipped_for_the_next(run, tmp_path, capsys, caplog):
    folder = _copy(run, tmp_path)
    normalization_path(folder / "best_model.zip").unlink()
    with caplog.at_level(logging.WARNING):
        loaded = load_policy(folder)
    assert loaded.path.name == "model.zip"
    err = [line for line in capsys.readouterr().err.splitlines() if "skipped" in line]
    assert len(err) == 1 and "best_model.vecnormalize.npz are missing" in err[0]
    for path in folder.rglob(f"*{NORMALIZE_SUFFIX}"):
        path.write_bytes(b"garbage")
    with pytest.raises(ConfigError, match=r"No loadable PPO model.*normalization statistics"):
        load_policy(folder)


def test_resume_restores_the_statistics_and_skips_a_damaged_checkpoint(run, tmp_path, capsys):
    folder = _copy(run, tmp_path)
    steps = [step for step, _ in list_checkpoints(folder, ".zip")]
    newest, older = steps[-1], steps[-2]
    saved = NormalizationStats.load(checkpoint_path(folder, older, NORMALIZE_SUFFIX))
    checkpoint_path(folder, newest, NORMALIZE_SUFFIX).write_bytes(b"\x00" * 10)
    cfg = compose_config("rl", RUN)
    venv = DummyVecEnv([lambda: make_env(cfg.env, 0)] * 2)
    env = wrap_vec_env(venv, PipelineSpec.from_env_config(cfg.env), training=True)
    model, _, path = load_checkpoint(folder, "ppo", env, "cpu")
    assert path == checkpoint_path(folder, older, ".zip")
    assert f"step_{newest:09d}.vecnormalize.npz" in capsys.readouterr().err
    np.testing.assert_array_equal(find_vec_normalize(env).obs_rms.mean, saved.obs_rms.mean)
    assert find_vec_normalize(env).obs_rms.count == saved.obs_rms.count

    counts = []

    class Count(BaseCallback):
        def _on_training_start(self) -> None:
            counts.append(self.model.get_vec_normalize_env().obs_rms.count)

        def _on_step(self) -> bool:
            return True

    checkpoint_path(folder, newest, NORMALIZE_SUFFIX).unlink()
    checkpoint_path(folder, newest, ".zip").unlink()
    checkpoint_path(folder, newest, ".state.json").unlink()
    (folder / "metrics.json").write_text('{"status": "interrupted"}')
    train(
        compose_config("rl", [f"resume={folder}", "total_timesteps=640"]),
        callbacks=[Count()],
    )
    assert counts and counts[0] >= saved.obs_rms.count  # continued, not restarted at zero


def test_sb3_vecnormalize_and_the_saved_statistics_agree(run):
    stats = NormalizationStats.load(run / f"model{NORMALIZE_SUFFIX}")
    env = VecNormalize(DummyVecEnv([lambda: make_env({"id": "Pendulum-v1"}, 0)]), training=False)
    stats.apply_to(env)
    obs = np.array([[0.5, -0.5, 3.0]], dtype=np.float32)
    np.testing.assert_allclose(env.normalize_obs(obs), stats.normalize_observation(obs))
