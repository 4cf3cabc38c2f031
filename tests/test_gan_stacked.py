"""Stacked digits (1,000 modes): the data set, the mode metrics and their real-data floor."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.gan.data import build_data
from rlgan.gan.settings import EvalSettings
from rlgan.gan.stacked_digits import MODES, mode_histogram, mode_metrics, stack_digits
from rlgan.gan.train import train
from rlgan.gan.validate import validate


@pytest.fixture(scope="module")
def stacked(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - (data, evaluator)
    """The stacked digits and a prepared evaluator on 26,000 samples."""
    cache = tmp_path_factory.mktemp("gan_stacked_cache")
    cfg = compose_config(
        "gan", ["data=stacked_digits", f"data.cache_dir={cache}", "data.classifier_steps=300"]
    )
    assert cfg.eval.n_samples == 26000
    data = build_data(cfg.data)
    evaluator = data.evaluator(EvalSettings.from_config(cfg.eval))
    evaluator.prepare()
    return data, evaluator


def test_mode_metrics_of_uniform_empty_and_collapsed_histograms() -> None:
    assert mode_metrics(np.full(MODES, 3)) == (1000.0, pytest.approx(0.0, abs=1e-12))
    assert mode_metrics(np.zeros(MODES)) == (0.0, pytest.approx(math.log(MODES)))
    covered, kl = mode_metrics(mode_histogram(np.arange(100).repeat(7)))
    assert covered == 100 and kl == pytest.approx(math.log(10))


def test_samples_stack_three_training_digits(stacked) -> None:  # noqa: ANN001
    data, _ = stacked
    assert data.shape == (3, 8, 8) and data.size is None and data.num_classes == MODES
    images = data.sample(50, torch.Generator().manual_seed(0))
    assert images.shape == (50, 3, 8, 8)
    pool = {row.numpy().tobytes() for row in data.digits[:, 0]}
    assert all(c.numpy().tobytes() in pool for image in images for c in image)
    again = stack_digits(data.digits, 50, torch.Generator().manual_seed(0))
    assert torch.equal(images, again)


def test_real_stacks_set_the_floor_and_collapse_is_caught(stacked) -> None:  # noqa: ANN001
    data, evaluator = stacked
    real = evaluator.evaluate(data.sample(26000, torch.Generator().manual_seed(5)))
    assert real["eval/stacked_modes"] == 1000
    # finite samples, class frequencies and classifier errors: small but not zero
    assert 0.0 < real["eval/stacked_reverse_kl_real"] < 0.1
    assert real["eval/stacked_reverse_kl"] == pytest.approx(
        real["eval/stacked_reverse_kl_real"], abs=0.02
    )
    collapsed = data.sample(26000, torch.Generator().manual_seed(6))
    collapsed[:, 0] = collapsed[0, 0]  # one digit in the red channel: 100 modes
    scores = evaluator.evaluate(collapsed)
    assert scores["eval/stacked_modes"] <= 110 and scores["eval/stacked_reverse_kl"] > 2.0


def test_bad_stacked_configs_are_refused() -> None:
    cfg = compose_config("gan", ["data=stacked_digits"])
    node = dict(cfg.data)
    with pytest.raises(ConfigError, match="data.channels=3"):
        build_data({**node, "channels": 3})
    with pytest.raises(ConfigError, match="eval.inception"):
        validate(compose_config("gan", ["data=stacked_digits", "eval.inception=true"]))


def test_a_stacked_run_reports_its_modes(tmp_path: Path) -> None:
    cfg = compose_config(
        "gan",
        [
            "+experiment=gan_stacked_digits",
            "train.iterations=4",
            "train.log_every=2",
            "eval.freq=4",
            "eval.n_samples=2000",
            "train.sample_every=4",
            "checkpoint.freq=4",
            "model.base_channels=8",
            "progress_bar=false",
            "log.tensorboard=false",
            f"data.cache_dir={tmp_path / 'cache'}",
            "data.classifier_steps=50",
        ],
    )
    value = train(cfg, run_dir=tmp_path / "run")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert (
        metrics["objective"] == "eval/stacked_reverse_kl"
        and value == metrics["eval/stacked_reverse_kl"]
    )
    assert 1 <= metrics["eval/stacked_modes"] <= MODES
    assert (tmp_path / "run" / "samples" / "interpolation.gif").is_file()
