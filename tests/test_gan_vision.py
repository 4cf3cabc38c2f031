"""torchvision loaders (MNIST, Fashion-MNIST) on tiny idx files the test writes.

These run in CI's vision stage (`.ci/install-vision`, then `-m vision`): installing
torchvision would replace the main environment's CPU torch.
"""

from __future__ import annotations

import json
import struct
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.gan.data import build_data
from rlgan.gan.train import train

pytestmark = [
    pytest.mark.vision,
    pytest.mark.skipif(
        find_spec("torchvision") is None, reason="needs torchvision: runs in CI's vision stage"
    ),
]

FOLDERS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}


def _data(option: str, **overrides: object):  # noqa: ANN202 - a GanDataSet
    """Build ``conf/data/<option>.yaml`` with ``overrides``."""
    from omegaconf import OmegaConf

    node = OmegaConf.to_container(compose_config("gan", [f"data={option}"]).data, resolve=True)
    return build_data({**node, **overrides})


def _write_idx(raw: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Write MNIST-format idx files (uncompressed, as torchvision keeps them in raw/)."""
    n, rows, cols = images.shape
    (raw / f"{prefix}-images-idx3-ubyte").write_bytes(
        struct.pack(">IIII", 2051, n, rows, cols) + images.astype(np.uint8).tobytes()
    )
    (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(
        struct.pack(">II", 2049, n) + labels.astype(np.uint8).tobytes()
    )


def _make_mnist_root(root: Path, name: str, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    raw = root / FOLDERS[name] / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    labels = np.arange(n) % 10
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):  # a class-dependent bright bar plus noise
        images[i, 2 + 2 * label : 4 + 2 * label, 4:24] = 255
        images[i] |= rng.integers(0, 30, size=(28, 28), dtype=np.uint8)
    _write_idx(raw, "train", images, labels)
    _write_idx(raw, "t10k", images[:10], labels[:10])
    return images, labels


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_mnist_like_loaders_read_the_raw_folder(tmp_path: Path, name: str) -> None:
    images, labels = _make_mnist_root(tmp_path, name)
    data = _data(name, root=str(tmp_path), download=False, image_size=28)
    train, held = data.images, data.heldout_images  # the held-out split (data.holdout)
    assert data.shape == (1, 28, 28) and len(train) + len(held) == len(images) and len(held)
    read = sorted([*np.asarray(data.labels).tolist(), *np.asarray(data.heldout_labels).tolist()])
    assert read == sorted(labels.tolist()) and data.num_classes == 10
    scaled = images / 255 * 2 - 1
    for image in (train[0, 0], held[0, 0]):
        assert any(np.allclose(np.asarray(image), s, atol=1e-6) for s in scaled)


def test_missing_mnist_files_name_the_expected_layout(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"MNIST/raw/train-images-idx3-ubyte"):
        _data("mnist", root=str(tmp_path), download=False)


def test_short_dcgan_run_on_mnist_files(tmp_path: Path) -> None:
    _make_mnist_root(tmp_path / "data", "mnist")
    cfg = compose_config(
        "gan",
        [
            "data=mnist",
            f"data.root={tmp_path / 'data'}",
            "data.download=false",
            f"data.cache_dir={tmp_path / 'cache'}",
            "data.classifier_steps=20",
            "model.base_channels=8",
            "train.iterations=4",
            "train.batch_size=8",
            "progress_bar=false",
            "log.tensorboard=false",
        ],
    )
    train(cfg, run_dir=tmp_path / "run")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["step"] == 4
    assert metrics["eval/fd_classifier"] >= 0
