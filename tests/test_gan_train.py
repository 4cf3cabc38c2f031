"""The GAN runner end to end on tiny budgets: artefacts, resume, interrupts, divergence, CLI."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rlgan.common.app import compose_config
from rlgan.common.csv_log import read_csv
from rlgan.common.errors import ConfigError
from rlgan.common.metrics import metric_spec
from rlgan.common.run_dir import latest_checkpoint, list_checkpoints
from rlgan.gan.data import build_data
from rlgan.gan.losses import NonSaturatingLoss
from rlgan.gan.settings import EvalSettings
from rlgan.gan.train import available_metrics, train
from rlgan.gan.trainer import GanTrainer, TrainingDivergedError

TINY_2D = [
    "data=grid25",
    "model=mlp",
    "model.g_hidden=[32,32]",
    "model.d_hidden=[32,32]",
    "train.batch_size=64",
    "train.log_every=5",
    "eval.freq=10",
    "train.sample_every=20",
    "checkpoint.freq=10",
    "eval.n_samples=500",
    "progress_bar=false",
    "log.tensorboard=false",
]


@pytest.fixture(scope="session")
def gan_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One classifier cache for the whole session."""
    return tmp_path_factory.mktemp("gan_cache")


def _tiny(iterations: int, *extra: str) -> list[str]:
    return TINY_2D + [f"train.iterations={iterations}", *extra]


def _assert_every_objective_is_finite(cfg, run_dir: Path) -> list[str]:  # noqa: ANN001
    """Every name ``available_metrics`` offers as an objective is declared and finite."""
    data = build_data(cfg.data)
    names = available_metrics(data.evaluator(EvalSettings.from_config(cfg.eval)))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for name in names:
        assert metric_spec(name) is not None, name
        assert isinstance(metrics.get(name), (int, float)), (name, metrics)
        assert math.isfinite(metrics[name]), (name, metrics[name])
    return list(names)


def test_digits_default_run_leaves_every_artefact(tmp_path: Path, gan_cache: Path) -> None:
    cfg = compose_config(
        "gan",
        [
            "train.iterations=20",
            "train.log_every=5",
            "eval.freq=10",
            "train.sample_every=10",
            "checkpoint.freq=10",
            "model.base_channels=16",
            f"data.cache_dir={gan_cache}",
            "data.classifier_steps=150",
        ],
    )
    assert cfg.data.name == "digits" and cfg.model.name == "dcgan"
    value = train(cfg, run_dir=tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["app"] == "gan" and metrics["seed"] == 0
    assert metrics["objective"] == "eval/fd_ratio"
    assert value == pytest.approx(metrics["eval/fd_ratio"])
    assert value == pytest.approx(metrics["eval/fd_classifier"] / metrics["eval/fd_train"])
    for key in ("eval/fd_train", "eval/class_coverage", "eval/class_kl", "wall_time_s"):
        assert key in metrics
    assert metrics["eval/fd_train"] < metrics["eval/fd_classifier"]
    names = _assert_every_objective_is_finite(cfg, tmp_path)
    assert {"eval/fd_ratio", "eval/fd_classifier", "eval/class_kl", "loss/d", "loss/g"} <= set(
        names
    )
    for rel in (
        ".hydra/config.yaml",
        "samples/step_000000.png",
        "samples/step_000020.png",
        "samples/timeline.gif",
        "samples/interpolation.gif",
        "plots/losses.png",
        "plots/metrics.png",
        "progress.csv",
    ):
        assert (tmp_path / rel).is_file(), rel
    assert list((tmp_path / "tb").iterdir())
    rows = read_csv(tmp_path / "progress.csv")
    assert [int(r["step"]) for r in rows] == [5, 10, 15, 20]
    state = torch.load(latest_checkpoint(tmp_path, ".pt")[1], weights_only=True)
    assert state["step"] == 20 and {
        "generator",
        "discriminator",
        "ema",
        "opt_g",
        "opt_d",
        "rng",
    } <= set(state)
    assert (gan_cache / "classifiers").is_dir()


def _final_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return torch.load(latest_checkpoint(run_dir, ".pt")[1], weights_only=True)["generator"]


def test_interrupt_then_resume_matches_an_uninterrupted_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    straight = tmp_path / "straight"
    train(compose_config("gan", _tiny(30)), run_dir=straight)

    original = GanTrainer.train_step

    def interrupted_step(self: GanTrainer) -> dict[str, float]:
        if self.step == 15:
            os.kill(os.getpid(), signal.SIGTERM)  # the real path: SIGTERM -> interrupt
        return original(self)

    broken = tmp_path / "broken"
    monkeypatch.setattr(GanTrainer, "train_step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):  # checkpointed and recorded, then re-raised
        train(compose_config("gan", _tiny(30)), run_dir=broken)
    metrics = json.loads((broken / "metrics.json").read_text())
    # The signal came during iteration 16: it finishes, then the run stops at the boundary.
    assert metrics["status"] == "interrupted" and metrics["step"] == 16
    assert latest_checkpoint(broken, ".pt")[0] == 16
    monkeypatch.setattr(GanTrainer, "train_step", original)

    value = train(compose_config("gan", [f"resume={broken}"]))
    metrics = json.loads((broken / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["step"] == 30
    assert value == pytest.approx(metrics["eval/high_quality_frac"])
    steps = [int(r["step"]) for r in read_csv(broken / "progress.csv")]
    assert steps == [5, 10, 15, 20, 25, 30]
    expected, resumed = _final_weights(straight), _final_weights(broken)
    for key, tensor in expected.items():
        assert torch.equal(tensor, resumed[key]), key


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            "grid25",
            {"eval/modes_covered", "eval/high_quality_frac", "eval/reverse_kl", "eval/sliced_w1"},
        ),
        ("moons", {"eval/sliced_w1"}),
    ],
)
def test_every_2d_objective_comes_back_finite(
    tmp_path: Path, data: str, expected: set[str]
) -> None:
    cfg = compose_config("gan", _tiny(5, f"data={data}", "eval.n_samples=200"))
    train(cfg, run_dir=tmp_path)
    names = _assert_every_objective_is_finite(cfg, tmp_path)
    assert set(names) == expected | {"loss/d", "loss/g"}


def test_interrupt_then_resume_matches_with_batchnorm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gan_cache: Path
) -> None:
    """The digits DCGAN (BatchNorm in G, generator EMA) resumes bit for bit."""
    overrides = [
        "model=dcgan",
        "model.base_channels=8",
        "model.g_norm=batch",  # the default's; this test is about BatchNorm's state
        "train.iterations=12",
        "train.batch_size=32",
        "train.log_every=4",
        "eval.freq=6",
        "train.sample_every=6",
        "checkpoint.freq=6",
        "eval.n_samples=100",
        "progress_bar=false",
        "log.tensorboard=false",
        "data.classifier_steps=50",
        f"data.cache_dir={gan_cache}",
    ]
    straight = tmp_path / "straight"
    train(compose_config("gan", overrides), run_dir=straight)

    original = GanTrainer.train_step

    def interrupted_step(self: GanTrainer) -> dict[str, float]:
        if self.step == 7:
            os.kill(os.getpid(), signal.SIGTERM)
        return original(self)

    broken = tmp_path / "broken"
    monkeypatch.setattr(GanTrainer, "train_step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):
        train(compose_config("gan", overrides), run_dir=broken)
    assert latest_checkpoint(broken, ".pt")[0] == 8
    monkeypatch.setattr(GanTrainer, "train_step", original)
    train(compose_config("gan", [f"resume={broken}"]))
    expected = torch.load(latest_checkpoint(straight, ".pt")[1], weights_only=True)
    resumed = torch.load(latest_checkpoint(broken, ".pt")[1], weights_only=True)
    assert resumed["step"] == expected["step"] == 12
    for part in ("generator", "discriminator", "ema"):
        assert any("running_mean" in key for key in expected["generator"])
        for key, tensor in expected[part].items():
            assert torch.equal(tensor, resumed[part][key]), (part, key)


def test_nan_loss_stops_with_failed_status_and_keeps_good_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = GanTrainer.train_step

    def poisoned(self: GanTrainer) -> dict[str, float]:
        if self.step == 14:
            monkeypatch.setattr(
                NonSaturatingLoss, "generator_loss", lambda _self, s, _r: s.mean() * float("nan")
            )
        return original(self)

    monkeypatch.setattr(GanTrainer, "train_step", poisoned)
    with pytest.raises(TrainingDivergedError, match="iteration 15.*lower learning rates"):
        train(compose_config("gan", _tiny(30)), run_dir=tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["status"] == "failed" and "diverged" in metrics["error"]
    steps = [step for step, _ in list_checkpoints(tmp_path, ".pt")]
    assert steps == [10]
    state = torch.load(latest_checkpoint(tmp_path, ".pt")[1], weights_only=True)
    assert all(torch.isfinite(t).all() for t in state["generator"].values())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["data=grid25", "model=dcgan"], "model=mlp"),
        (["model.base_channels=8", "data.image_size=10"], "data.image_size"),
        (["train.lr_schedule=cosine"], "constant, linear"),
        (["train.lr_schedule_d=cosine"], "train.lr_schedule_d='cosine'"),
        (["train.ema=1.5"], "train.ema"),
        (["train.batch_size=0"], "train.batch_size"),
        (["progress_bar=yes"], "progress_bar='yes'.*auto, true, false"),
        (["data=ring8", "model=mlp", "loss.r1_every=0"], "loss.r1_every=0"),
        (["objective=eval/fid"], "eval/fd_classifier"),
        (["resume=/nonexistent/run"], "no such folder"),
    ],
)
def test_bad_config_fails_before_training(
    tmp_path: Path, overrides: list[str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        train(compose_config("gan", overrides), run_dir=tmp_path)
    assert not (tmp_path / "progress.csv").exists()


def test_cli_prints_one_paragraph_for_bad_input(tmp_path: Path) -> None:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rlgan.gan.cli",
            "data=folder",
            f"data.root={tmp_path}",
            f"hydra.run.dir={tmp_path / 'run'}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "rlgan-gan: error: Invalid data.root" in result.stderr
    assert "holds no images" in result.stderr and "Traceback" not in result.stderr


def test_loss_variants_run_with_penalties(tmp_path: Path) -> None:
    for i, extra in enumerate(
        (
            ["loss=wgan_gp", "train.d_steps=2"],
            ["loss=hinge", "model.spectral_norm=true"],
            ["loss=lsgan", "train.ema=0.9"],
            ["loss=ns", "loss.r1_gamma=1.0", "data=moons"],
            ["loss=rpgan", "model.conditional=true"],
            ["loss=rpgan", "loss.r1_every=1", "data=moons"],
        )
    ):
        run = tmp_path / str(i)
        train(compose_config("gan", _tiny(6, *extra)), run_dir=run)
        rows = read_csv(run / "progress.csv")
        assert rows[-1]["step"] == "6" and float(rows[-1]["loss/d"]) == float(rows[-1]["loss/d"])
    assert float(read_csv(tmp_path / "0" / "progress.csv")[-1]["loss/penalty"]) > 0


def test_live_view_hook_is_called(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict] = []

    class FakeView:
        def __init__(self, every: int) -> None:
            self.every = every

        def due(self, step: int) -> bool:
            return step % self.every == 0

        def update(self, step: int, **kwargs: object) -> None:
            calls.append({"step": step, **kwargs})

        def close(self) -> None:
            calls.append({"closed": True})

    import types

    fake_module = types.ModuleType("rlgan.render.live")
    fake_module.LiveGANView = FakeView  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rlgan.render.live", fake_module)
    train(compose_config("gan", _tiny(10, "render.live=true", "render.every=5")), run_dir=tmp_path)
    assert [c["step"] for c in calls if "step" in c] == [5, 10]
    first = calls[0]
    assert first["real"].shape == (500, 2) and first["heatmap"][2].shape == (80, 80)
    assert "loss/d" in first["losses"] and calls[-1] == {"closed": True}


def test_real_live_view_runs_headless(tmp_path: Path) -> None:
    pytest.importorskip("pygame")
    from rlgan.render import live

    drawn: list[int] = []
    original = live.LiveGANView.update

    def counting(self: live.LiveGANView, step: int, **kwargs: object) -> None:
        original(self, step, **kwargs)
        drawn.append(self.draw_count)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(live.LiveGANView, "update", counting)
        cfg = compose_config(
            "gan",
            [
                "train.iterations=4",
                "model.base_channels=8",
                "render.live=true",
                "render.every=2",
                "progress_bar=false",
                "log.tensorboard=false",
                f"data.cache_dir={tmp_path / 'cache'}",
                "data.classifier_steps=5",
            ],
        )
        train(cfg, run_dir=tmp_path / "run")
    assert drawn and drawn[-1] >= 1


def test_old_knob_spellings_still_work_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = [
        o
        for o in _tiny(10)
        if not o.startswith(("eval.freq", "checkpoint.freq", "log.tensorboard"))
    ]
    cfg = compose_config(
        "gan",
        [
            *old,
            "train.eval_every=5",
            "train.checkpoint_every=5",
            "train.keep_checkpoints=0",
            "train.tensorboard=false",
        ],
    )
    with caplog.at_level("WARNING"):
        train(cfg, run_dir=tmp_path)
    assert "train.eval_every is deprecated" in caplog.text
    assert [step for step, _ in list_checkpoints(tmp_path, ".pt")] == [5, 10]
    assert [
        int(r["step"])
        for r in read_csv(tmp_path / "progress.csv")
        if r.get("eval/high_quality_frac")
    ] == [5, 10]
    assert not (tmp_path / "tb").exists()
    saved = (tmp_path / ".hydra" / "config.yaml").read_text()
    assert "freq: 5" in saved and "eval_every: null" in saved


def test_a_run_saved_with_the_old_spellings_still_resumes(tmp_path: Path) -> None:
    import yaml

    train(compose_config("gan", _tiny(10)), run_dir=tmp_path)
    config = tmp_path / ".hydra" / "config.yaml"
    saved = yaml.safe_load(config.read_text())
    saved["train"].update(
        eval_every=saved["eval"].pop("freq"),
        checkpoint_every=saved.pop("checkpoint")["freq"],
        keep_checkpoints=0,
        tensorboard=saved.pop("log")["tensorboard"],
    )
    config.write_text(yaml.safe_dump(saved))  # as an older rlgan wrote it
    train(compose_config("gan", [f"resume={tmp_path}", "train.iterations=20"]))
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["step"] == 20
    assert [step for step, _ in list_checkpoints(tmp_path, ".pt")][-1] == 20
