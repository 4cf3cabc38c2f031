"""Damaged run files are skipped with a one-line warning; the newest loadable one is used.

RL checkpoints (zip + .state.json + replay buffer), RL run models (best_model.zip,
model.zip) and GAN checkpoints: a file that is empty, truncated, garbage, from another
algorithm or not finite is skipped; when nothing loads, one ConfigError lists every file.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from tiny_runs import dqn, ppo

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.run_dir import checkpoint_path, list_checkpoints
from rlgan.gan.checkpoints import load_gan_checkpoint, save_gan_checkpoint
from rlgan.gan.data import build_data
from rlgan.gan.models import build_models
from rlgan.gan.train import train as train_gan
from rlgan.gan.trainer import GanTrainer
from rlgan.rl.evaluate import evaluate_run
from rlgan.rl.model_io import (
    REPLAY_SUFFIX,
    STATE_SUFFIX,
    load_checkpoint,
    load_run_model,
    load_run_model_with_path,
)
from rlgan.rl.train import train as train_rl

PPO = ppo(512)
DQN = dqn(512)
GAN = [
    "data=moons",
    "model=mlp",
    "model.g_hidden=[16,16]",
    "model.d_hidden=[16,16]",
    "train.iterations=20",
    "checkpoint.freq=5",
    "checkpoint.keep=0",
    "train.batch_size=32",
    "train.log_every=5",
    "eval.freq=10",
    "train.sample_every=20",
    "eval.n_samples=200",
    "progress_bar=false",
    "log.tensorboard=false",
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny PPO, DQN and GAN runs with four checkpoints each, trained once per module."""
    root = tmp_path_factory.mktemp("damaged_runs")
    train_rl(compose_config("rl", PPO), run_dir=root / "ppo")
    train_rl(compose_config("rl", DQN), run_dir=root / "dqn")
    train_gan(compose_config("gan", GAN), run_dir=root / "gan")
    return {name: root / name for name in ("ppo", "dqn", "gan")}


def _copy(runs: dict[str, Path], name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(runs[name], tmp_path / name))


def _steps(run: Path, suffix: str) -> list[int]:
    return [step for step, _ in list_checkpoints(run, suffix)]


def _zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "zero_bytes": _zero_bytes,
    "truncated": _truncate,
    "garbage": _garbage,
}


def _assert_warned(
    path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """One stderr line and one log warning name the skipped file."""
    lines = [line for line in capsys.readouterr().err.splitlines() if "skipped" in line]
    assert len(lines) == 1 and str(path) in lines[0], lines
    assert any(str(path) in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


# ---- RL checkpoints -------------------------------------------------------------------------
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_newest_rl_checkpoint_falls_back_to_the_older_one(
    runs: dict[str, Path],
    tmp_path: Path,
    damage: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = _copy(runs, "ppo", tmp_path)
    newest, older = _steps(run, ".zip")[-1], _steps(run, ".zip")[-2]
    DAMAGE[damage](checkpoint_path(run, newest, ".zip"))
    model, state, path = load_checkpoint(run, "ppo", None)
    assert path == checkpoint_path(run, older, ".zip") and model.num_timesteps == older
    assert "next_checkpoint" in state and "replay_buffer_file" not in state
    _assert_warned(checkpoint_path(run, newest, ".zip"), capsys, caplog)


def test_checkpoint_of_another_algorithm_is_skipped(
    runs: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = _copy(runs, "ppo", tmp_path)
    newest, older = _steps(run, ".zip")[-1], _steps(run, ".zip")[-2]
    dqn_zip = list_checkpoints(runs["dqn"], ".zip")[-1][1]
    shutil.copyfile(dqn_zip, checkpoint_path(run, newest, ".zip"))
    _, _, path = load_checkpoint(run, "ppo", None)
    assert path == checkpoint_path(run, older, ".zip")
    err = capsys.readouterr().err
    assert "DQNPolicy, not a PPO policy" in err
    assert any("DQNPolicy" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "companion", ["replay_truncated", "replay_missing", "state_garbage", "state_missing"]
)
def test_damaged_companion_makes_the_checkpoint_count_as_damaged(
    runs: dict[str, Path], tmp_path: Path, companion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _copy(runs, "dqn", tmp_path)
    newest, older = _steps(run, ".zip")[-1], _steps(run, ".zip")[-2]
    replay = checkpoint_path(run, newest, REPLAY_SUFFIX)
    state = checkpoint_path(run, newest, STATE_SUFFIX)
    {
        "replay_truncated": lambda: _truncate(replay),
        "replay_missing": replay.unlink,
        "state_garbage": lambda: state.write_text("{not json"),
        "state_missing": state.unlink,
    }[companion]()
    model, _, path = load_checkpoint(run, "dqn", None)
    assert path == checkpoint_path(run, older, ".zip")
    assert model.replay_buffer.pos > 0 or model.replay_buffer.full  # resumed with its buffer
    name = (replay if companion.startswith("replay") else state).name
    assert name in capsys.readouterr().err


def test_replay_buffer_round_trips_exactly(runs: dict[str, Path]) -> None:
    model, _, path = load_checkpoint(runs["dqn"], "dqn", None)
    assert path == list_checkpoints(runs["dqn"], ".zip")[-1][1]
    buffer = model.replay_buffer
    assert buffer.pos == 512 % buffer.buffer_size or buffer.full
    assert buffer.observations[: buffer.pos].any() and buffer.rewards[: buffer.pos].all()


def test_all_rl_checkpoints_damaged_is_one_config_error(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    run = _copy(runs, "ppo", tmp_path)
    zips = [path for _, path in list_checkpoints(run, ".zip")]
    for path, damage in zip(zips, [_zero_bytes, _truncate, _garbage, _zero_bytes], strict=False):
        damage(path)
    with pytest.raises(ConfigError) as caught:
        load_checkpoint(run, "ppo", None)
    message = str(caught.value)
    assert "\n" not in message and "start a new run" in message
    for path in zips:
        assert str(path) in message
    assert "empty (0 bytes)" in message and "not a zip archive" in message


def test_no_checkpoint_at_all_is_none(tmp_path: Path) -> None:
    assert load_checkpoint(tmp_path, "ppo", None) is None
    assert load_gan_checkpoint(tmp_path, "cpu") is None


# ---- RL run models --------------------------------------------------------------------------
def test_damaged_best_model_falls_back_to_the_final_model(
    runs: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = _copy(runs, "ppo", tmp_path)
    _truncate(run / "best_model.zip")
    loaded = load_run_model_with_path(run, which="best")
    assert loaded.path == run / "model.zip" and loaded.config.algo.name == "ppo"
    _assert_warned(run / "best_model.zip", capsys, caplog)
    model, cfg = load_run_model(run, which="best")
    assert model.num_timesteps == 512 and cfg.app == "rl"


def test_damaged_best_and_final_fall_back_to_the_newest_checkpoint(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _copy(runs, "dqn", tmp_path)
    _zero_bytes(run / "best_model.zip")
    _garbage(run / "model.zip")
    newest = list_checkpoints(run, ".zip")[-1][1]
    assert load_run_model_with_path(run, which="best").path == newest
    err = capsys.readouterr().err
    assert str(run / "best_model.zip") in err and str(run / "model.zip") in err


def test_evaluate_prints_the_model_file_actually_used(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _copy(runs, "ppo", tmp_path)
    _garbage(run / "best_model.zip")
    evaluate_run(str(run), episodes=1, max_envs=1)
    out = capsys.readouterr().out
    assert f"rlgan-rl: {run / 'model.zip'}:" in out


def test_no_loadable_model_lists_every_file(runs: dict[str, Path], tmp_path: Path) -> None:
    run = _copy(runs, "ppo", tmp_path)
    files = [run / "best_model.zip", run / "model.zip"] + [
        path for _, path in list_checkpoints(run, ".zip")
    ]
    for path in files:
        _zero_bytes(path)
    with pytest.raises(ConfigError) as caught:
        load_run_model(run, which="best")
    for path in files:
        assert str(path) in str(caught.value)


# ---- GAN checkpoints ------------------------------------------------------------------------
def _nan_weights(path: Path) -> None:
    state = torch.load(path, weights_only=True)
    next(iter(state["generator"].values())).fill_(float("nan"))
    torch.save(state, path)


@pytest.mark.parametrize("damage", [*sorted(DAMAGE), "nan_weights"])
def test_damaged_newest_gan_checkpoint_falls_back_to_the_older_one(
    runs: dict[str, Path],
    tmp_path: Path,
    damage: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = _copy(runs, "gan", tmp_path)
    steps = _steps(run, ".pt")
    assert steps == [5, 10, 15, 20]
    newest = checkpoint_path(run, steps[-1], ".pt")
    {**DAMAGE, "nan_weights": _nan_weights}[damage](newest)
    state, path = load_gan_checkpoint(run, "cpu")
    assert path == checkpoint_path(run, steps[-2], ".pt") and state["step"] == steps[-2]
    _assert_warned(newest, capsys, caplog)


def test_all_gan_checkpoints_damaged_is_one_config_error(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    run = _copy(runs, "gan", tmp_path)
    paths = [path for _, path in list_checkpoints(run, ".pt")]
    for path, damage in zip(paths, [_zero_bytes, _truncate, _garbage, _nan_weights], strict=True):
        damage(path)
    with pytest.raises(ConfigError) as caught:
        load_gan_checkpoint(run, "cpu")
    message = str(caught.value)
    assert "\n" not in message and "start a new run" in message
    for path in paths:
        assert str(path) in message


def _tiny_trainer() -> GanTrainer:
    cfg = compose_config("gan", GAN)
    data = build_data(cfg.data)
    torch.manual_seed(0)
    generator, discriminator = build_models(cfg.model, data.shape)
    return GanTrainer(
        generator,
        discriminator,
        data,
        cfg.train,
        cfg.loss,
        int(cfg.model.z_dim),
        torch.device("cpu"),
        seed=0,
    )


def test_gan_state_saves_weights_only_and_resumes_bit_for_bit(tmp_path: Path) -> None:
    import random

    import numpy as np

    straight = _tiny_trainer()
    for _ in range(6):
        straight.train_step()
    first = _tiny_trainer()
    for _ in range(3):
        first.train_step()
    save_gan_checkpoint(tmp_path, first.step, first.state_dict(), keep=0)
    expected_draws = (np.random.random(), random.random())
    np.random.seed(123)  # disturb the global RNGs before resuming
    random.seed(123)
    resumed = _tiny_trainer()
    state, _ = load_gan_checkpoint(tmp_path, "cpu")
    resumed.load_state_dict(state)
    assert (np.random.random(), random.random()) == expected_draws
    resumed.load_state_dict(state)
    for _ in range(3):
        resumed.train_step()
    for key, tensor in straight.generator.state_dict().items():
        assert torch.equal(tensor, resumed.generator.state_dict()[key]), key


def test_state_is_finite_checks_weights_and_optimiser_state() -> None:
    trainer = _tiny_trainer()
    trainer.train_step()
    assert trainer.state_is_finite()
    moments = next(iter(trainer.opt_d.state.values()))["exp_avg_sq"]
    moments.view(-1)[0] = float("inf")
    assert trainer.parameters_finite() and not trainer.state_is_finite()
