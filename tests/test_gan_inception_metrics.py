"""Optional FID/KID (eval.inception=true) through a tiny injected feature net: no network."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

pytest.importorskip("torchmetrics")

from rlgan.common.app import compose_config  # noqa: E402
from rlgan.common.csv_log import read_csv  # noqa: E402
from rlgan.common.errors import ConfigError  # noqa: E402
from rlgan.gan import inception_metrics  # noqa: E402
from rlgan.gan.data import build_data  # noqa: E402
from rlgan.gan.inception_metrics import InceptionMetrics  # noqa: E402
from rlgan.gan.train import train  # noqa: E402


class TinyFeatures(nn.Module):
    """A fixed random conv + ReLU + average pooling: 32 features of (B, 3, H, W) in [0, 1]."""

    def __init__(self) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(0)
        self.conv = nn.Conv2d(3, 32, 3, padding=1)
        with torch.no_grad():
            self.conv.weight.copy_(torch.randn(self.conv.weight.shape, generator=generator))
            self.conv.bias.zero_()
        self.seen = 0

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        assert images.shape[1] == 3 and images.dtype == torch.float32
        assert images.min() >= 0 and images.max() <= 1
        self.seen += len(images)
        return torch.relu(self.conv(images)).mean((2, 3))


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    return build_data(compose_config("gan", ["data=digits"]).data).images[:400]


def _noise(n: int) -> torch.Tensor:
    return torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1


def test_fid_and_kid_separate_real_from_noise(digits: torch.Tensor) -> None:
    metrics = InceptionMetrics(digits, TinyFeatures(), kid_subset_size=100)
    same = metrics.evaluate(digits)
    noise = metrics.evaluate(_noise(400))
    assert set(same) == {"eval/fid", "eval/kid_mean", "eval/kid_std"}
    assert noise["eval/fid"] > 1.0 and noise["eval/kid_mean"] > 0.1
    assert abs(same["eval/fid"]) < 1e-3 * noise["eval/fid"]
    assert abs(same["eval/kid_mean"]) < 1e-2 * noise["eval/kid_mean"]
    # A half-real half-noise batch lies in between.
    mixed = metrics.evaluate(torch.cat([digits[:200], _noise(200)]))
    assert same["eval/fid"] < mixed["eval/fid"] < noise["eval/fid"]


def test_real_features_are_computed_once_and_kid_subsets_are_clamped(digits: torch.Tensor) -> None:
    net = TinyFeatures()
    metrics = InceptionMetrics(digits, net, kid_subset_size=1000)
    assert net.seen == 400
    state = torch.get_rng_state()
    first = metrics.evaluate(_noise(30))
    second = metrics.evaluate(_noise(30))
    assert net.seen == 400 + 2 * 30
    assert metrics.kid.subset_size == 30  # 1000 > 30 fake samples
    assert first == second  # seeded KID subsets: reproducible
    assert torch.equal(torch.get_rng_state(), state)  # and training's RNG is untouched
    with pytest.raises(ValueError, match="at least 2"):
        metrics.evaluate(_noise(1))


def test_grey_images_are_repeated_to_three_channels(digits: torch.Tensor) -> None:
    metrics = InceptionMetrics(digits[:50], TinyFeatures())
    grey = digits[50:80]
    assert torch.allclose(metrics.features(grey), metrics.features(grey.repeat(1, 3, 1, 1)))
    rgb = torch.rand(20, 3, 8, 8, generator=torch.Generator().manual_seed(2)) * 2 - 1
    assert metrics.evaluate(rgb)["eval/fid"] > 0
    assert inception_metrics.to_unit_rgb(torch.full((1, 1, 2, 2), -3.0)).eq(0).all()


@pytest.fixture
def no_hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty TORCH_HOME, so no cached Inception weights are found."""
    home = tmp_path / "torch_home"
    monkeypatch.setenv("TORCH_HOME", str(home))
    return home


@pytest.fixture
def packages_present(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend torchmetrics and torch-fidelity are importable."""
    monkeypatch.setattr(inception_metrics, "module_available", lambda name: True)


def _refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overrides: list[str], message: str
) -> ConfigError:
    def no_data(cfg: object) -> None:
        raise AssertionError("the data was built before the config was checked")

    monkeypatch.setattr("rlgan.gan.train.build_data", no_data)
    with pytest.raises(ConfigError, match=message) as info:
        train(compose_config("gan", ["eval.inception=true", *overrides]), run_dir=tmp_path)
    assert not (tmp_path / "progress.csv").exists()
    return info.value


def test_inception_on_2d_data_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    err = _refused(
        tmp_path, monkeypatch, ["data=ring8", "model=mlp"], r"eval\.inception=true for data=ring8"
    )
    assert "digits" in str(err) and "cifar10" in str(err)


def test_missing_torchmetrics_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torchmetrics", None)
    assert not inception_metrics.module_available("torchmetrics")
    _refused(tmp_path, monkeypatch, [], r'pip install "rlgan\[metrics\]"')


def test_missing_torch_fidelity_names_the_vision_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch_fidelity", None)
    err = _refused(tmp_path, monkeypatch, [], "torch-fidelity")
    assert "torchvision" in str(err) and "vision" in str(err)


def test_missing_weights_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_hub_cache: Path, packages_present: None
) -> None:
    missing = tmp_path / "nowhere" / "inception.pth"
    err = _refused(
        tmp_path,
        monkeypatch,
        [f"eval.inception_weights={missing}"],
        r"Invalid eval\.inception_weights=.*nowhere/inception\.pth",
    )
    assert "never downloaded" in str(err) and inception_metrics.WEIGHTS_URL in str(err)
    err = _refused(tmp_path, monkeypatch, [], "eval.inception_weights is not set")
    assert str(no_hub_cache / "hub" / "checkpoints") in str(err)


def test_weights_default_to_the_hub_cache(no_hub_cache: Path, packages_present: None) -> None:
    cached = no_hub_cache / "hub" / "checkpoints" / inception_metrics.WEIGHTS_FILE
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert inception_metrics.check_config(compose_config("gan", ["eval.inception=true"])) == cached
    assert inception_metrics.check_config(compose_config("gan", [])) is None


def test_bad_kid_subset_size_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, packages_present: None
) -> None:
    _refused(tmp_path, monkeypatch, ["eval.kid_subset_size=1"], r"eval\.kid_subset_size=1")


def test_inception_network_feeds_bytes_and_names_unloadable_weights(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torchmetrics.image.fid as fid

    class FakeInception(nn.Module):
        def __init__(
            self, name: str, features_list: list[str], feature_extractor_weights_path: str
        ) -> None:
            super().__init__()
            if feature_extractor_weights_path.endswith("bad.pth"):
                raise RuntimeError("invalid load key")

        def forward(self, images: torch.Tensor) -> torch.Tensor:
            assert images.dtype == torch.uint8
            return images.float().mean((2, 3))

    monkeypatch.setattr(fid, "NoTrainInceptionV3", FakeInception)
    net = inception_metrics.InceptionFeatures("good.pth")
    assert net(torch.ones(2, 3, 4, 4)).eq(255).all()
    with pytest.raises(ConfigError, match=r"eval\.inception_weights='bad\.pth'.*invalid load"):
        inception_metrics.InceptionFeatures("bad.pth")


def test_short_digits_run_reports_fid_and_kid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, packages_present: None
) -> None:
    weights = tmp_path / "weights.pth"
    weights.write_bytes(b"")
    loaded: list[Path] = []

    def tiny_network(path: Path) -> nn.Module:
        loaded.append(path)
        return TinyFeatures()

    monkeypatch.setattr(inception_metrics, "InceptionFeatures", tiny_network)
    cfg = compose_config(
        "gan",
        [
            "train.iterations=20",
            "train.log_every=10",
            "eval.freq=10",
            "train.sample_every=20",
            "checkpoint.freq=20",
            "progress_bar=false",
            "model.base_channels=8",
            "eval.n_samples=200",
            f"data.cache_dir={tmp_path / 'cache'}",
            "data.classifier_steps=20",
            "eval.inception=true",
            f"eval.inception_weights={weights}",
            "eval.kid_subset_size=50",
            "objective=eval/fid",
        ],
    )
    value = train(cfg, run_dir=tmp_path / "run")
    assert loaded == [weights]
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["status"] == "ok"
    for key in ("eval/fid", "eval/kid_mean", "eval/kid_std", "eval/fd_classifier"):
        assert key in metrics, key
    assert metrics["eval/fid"] > 0 and value == pytest.approx(metrics["eval/fid"])
    rows = read_csv(tmp_path / "run" / "progress.csv")
    assert [int(r["step"]) for r in rows] == [10, 20]
    assert all(float(r["eval/fid"]) > 0 and r["eval/kid_mean"] != "" for r in rows)

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "run" / "tb"))
    events.Reload()
    assert [e.step for e in events.Scalars("eval/fid")] == [10, 20]
