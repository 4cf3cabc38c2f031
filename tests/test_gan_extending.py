"""A new GAN data set is one class plus one config node (docs/extending.md, "Custom data set").

The classes here are named by ``_target_`` as a user's would be (pytest puts tests/ on
``sys.path``, so ``test_gan_extending.<Name>`` is an importable dotted path).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.gan import toy2d
from rlgan.gan.data2d import MixtureData, ShapeData
from rlgan.gan.train import train

TINY = [
    "model=mlp",
    "model.g_hidden=[16]",
    "model.d_hidden=[16]",
    "train.iterations=6",
    "train.batch_size=32",
    "train.log_every=3",
    "eval.freq=3",
    "train.sample_every=6",
    "checkpoint.freq=6",
    "eval.n_samples=200",
    "progress_bar=false",
    "log.tensorboard=false",
]


class Triangle(MixtureData):
    """Three Gaussians on the corners of a triangle: a mixture is its layout only."""

    def layout(self) -> toy2d.GaussianMixture2D:
        """Corners at angles 90, 210 and 330 degrees, std 0.02."""
        angles = np.deg2rad([90.0, 210.0, 330.0])
        return toy2d.GaussianMixture2D(np.stack([np.cos(angles), np.sin(angles)], 1), 0.02)


class Square(ShapeData):
    """Points on the edges of the unit square: a shape is its ``draw`` only."""

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform on the perimeter, plus noise."""
        t = rng.uniform(0, 4, n)
        side, u = np.floor(t).astype(int), t % 1
        corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=np.float64)
        points = corners[side] + (corners[side + 1] - corners[side]) * u[:, None]
        return (points + self.noise * rng.standard_normal((n, 2))).astype(np.float32)


@pytest.mark.parametrize(
    ("target", "base", "expected"),
    [
        (
            "test_gan_extending.Triangle",
            "ring8",
            {"eval/modes_covered", "eval/high_quality_frac", "eval/reverse_kl", "eval/sliced_w1"},
        ),
        ("test_gan_extending.Square", "moons", {"eval/sliced_w1"}),
    ],
)
def test_a_user_data_set_trains_evaluates_and_draws(
    tmp_path: Path, target: str, base: str, expected: set[str]
) -> None:
    cfg = compose_config("gan", [f"data={base}", f"data._target_={target}", *TINY])
    train(cfg, run_dir=tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["data"] == base
    for name in expected:
        assert math.isfinite(metrics[name]), name
    assert (tmp_path / "samples" / "step_000006.png").is_file()


def test_a_target_that_is_not_a_data_set_is_refused(tmp_path: Path) -> None:
    cfg = compose_config("gan", ["data=moons", "data._target_=torch.nn.Linear", *TINY])
    with pytest.raises(ConfigError, match="data._target_='torch.nn.Linear'.*GanDataSet"):
        train(cfg, run_dir=tmp_path)
    assert not (tmp_path / "progress.csv").exists()
