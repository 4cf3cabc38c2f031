"""The honest image measure (a held-out split) and the latent interpolation GIF.

A generator is scored against images it never trained on, beside random draws of the
training images, so that a generator returning its training images at random scores the
floor (1.0x), not below it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.metrics import metric_spec
from rlgan.gan import latents
from rlgan.gan.classifier import ClassifierEvaluator
from rlgan.gan.data import build_data
from rlgan.gan.image_data import INTERPOLATION_ANCHORS, INTERPOLATION_STEPS, split_indices
from rlgan.gan.metrics import FLOOR_DRAWS, floor_draws
from rlgan.gan.visuals import save_gif


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - (data, evaluator)
    """The digits data set and a prepared evaluator (a quickly trained classifier)."""
    cache = tmp_path_factory.mktemp("gan_measure_cache")
    cfg = compose_config("gan", [f"data.cache_dir={cache}"])
    data = build_data(cfg.data)
    evaluator = ClassifierEvaluator(data, cache, steps=200)
    evaluator.prepare()
    return data, evaluator


def test_split_is_fixed_stratified_and_disjoint() -> None:
    labels = torch.arange(10).repeat_interleave(40)
    train, held = split_indices(len(labels), labels, 0.25)
    again = split_indices(len(labels), labels, 0.25)
    assert torch.equal(train, again[0]) and torch.equal(held, again[1])
    assert len(set(train.tolist()) & set(held.tolist())) == 0
    assert sorted(train.tolist() + held.tolist()) == list(range(len(labels)))
    assert torch.bincount(labels[held]).tolist() == [10] * 10
    train, held = split_indices(5, None, 0.1)
    assert len(held) == 2 and len(train) == 3


def test_digits_train_on_one_split_and_hold_out_the_other(digits) -> None:  # noqa: ANN001
    data, _ = digits
    assert len(data.images) + len(data.heldout_images) == 1797
    assert len(data.heldout_images) == pytest.approx(0.25 * 1797, abs=10)
    assert data.size == len(data.images)
    drawn = data.sample(5000, torch.Generator().manual_seed(0))
    train_rows = {row.numpy().tobytes() for row in data.images}
    assert all(row.numpy().tobytes() in train_rows for row in drawn)


@pytest.mark.parametrize("holdout", [0, 0.6, -0.1, True, "a"])
def test_bad_holdout_is_a_config_error(holdout: object) -> None:
    cfg = compose_config("gan", [])
    node = dict(cfg.data)
    node["holdout"] = holdout
    with pytest.raises(ConfigError, match="data.holdout"):
        build_data(node)


def test_a_generator_returning_training_images_at_random_scores_about_the_floor(
    digits,  # noqa: ANN001
) -> None:
    data, evaluator = digits
    n = len(data.images)
    many = ClassifierEvaluator(data, evaluator.cache_dir, steps=200, max_samples=16 * n)
    many.prepare()
    assert many.fd_train == pytest.approx(evaluator.fd_train)  # a property of the data set
    ratios = [
        many.evaluate(data.sample(many.max_samples, torch.Generator().manual_seed(seed)))
        for seed in range(3)
    ]
    for scores in ratios:  # 16 chunks: the noise of one estimate is about +-0.05
        assert 0.8 < scores["eval/fd_ratio"] < 1.2, scores
    # Every training image once (no repeats, the split's exact class counts) scores lower
    # than any sampler can: the old floor, about two thirds of the new one on digits.
    once = evaluator.evaluate(data.images.flip(0))["eval/fd_ratio"]
    assert once < 0.85, once
    noisy = (data.images + 0.3 * torch.randn_like(data.images)).clamp(-1, 1)
    assert evaluator.evaluate(noisy)["eval/fd_ratio"] > 2.0
    one_class = data.images[data.labels == 3]
    one_class = one_class.repeat(len(data.images) // len(one_class) + 1, 1, 1, 1)
    assert evaluator.evaluate(one_class)["eval/fd_ratio"] > 5.0


def test_the_floor_averages_fixed_draws_with_repeats() -> None:
    draws = floor_draws(100, 40)
    assert draws.shape == (FLOOR_DRAWS, 40)
    assert torch.equal(draws, floor_draws(100, 40))  # fixed: the same for every run
    assert int(draws.min()) >= 0 and int(draws.max()) < 100
    assert any(len(set(row.tolist())) < 40 for row in draws)  # repeats, as a sampler has


def test_more_samples_average_whole_chunks_of_the_floor_size(digits) -> None:  # noqa: ANN001
    data, evaluator = digits
    n = len(data.images)
    chunked = ClassifierEvaluator(data, evaluator.cache_dir, steps=200, max_samples=4 * n + 5)
    assert chunked.n_samples == n and chunked.chunks == 4 and chunked.max_samples == 4 * n
    copies = torch.cat([data.images.roll(k, 0) for k in range(4)])  # four exact copies
    once = evaluator.evaluate(data.images)["eval/fd_ratio"]
    assert chunked.evaluate(copies)["eval/fd_ratio"] == pytest.approx(once, rel=1e-6)
    half = torch.cat(
        [data.images, (data.images + 0.3 * torch.randn_like(data.images)).clamp(-1, 1)]
    )
    two = ClassifierEvaluator(data, evaluator.cache_dir, steps=200, max_samples=2 * n)
    noisy = evaluator.evaluate(half[n:])["eval/fd_ratio"]
    assert two.evaluate(half)["eval/fd_ratio"] == pytest.approx((once + noisy) / 2, rel=1e-6)


def test_the_ratio_is_declared_lower_is_better() -> None:
    for name in ("eval/fd_ratio", "eval/fd_classifier", "eval/fd_train"):
        spec = metric_spec(name)
        assert spec is not None and not spec.higher_is_better, name


def test_lerp_and_slerp_paths() -> None:
    a, b = torch.tensor([[3.0, 0.0]]), torch.tensor([[0.0, 3.0]])
    t = torch.tensor([0.0, 0.5, 1.0])
    straight, spherical = latents.lerp(a, b, t), latents.slerp(a, b, t)
    assert torch.allclose(straight[0, 1], torch.tensor([1.5, 1.5]))
    assert torch.allclose(spherical[0, [0, 2]], torch.cat([a, b]), atol=1e-6)
    assert torch.allclose(spherical.norm(dim=-1), torch.full((1, 3), 3.0), atol=1e-5)
    assert straight[0, 1].norm() < 2.2  # the straight line cuts inside the sphere
    same = latents.slerp(a, a.clone(), t)  # parallel: no division by zero
    assert torch.isfinite(same).all() and torch.allclose(same, a.expand(3, 2)[None])
    anchors = torch.randn(2, 3, 4)
    loop = latents.interpolation_paths(anchors, 5, "slerp")
    assert loop.shape == (2, 15, 4)
    assert torch.allclose(loop[:, ::5], anchors, atol=1e-5)
    with pytest.raises(ValueError, match="kind"):
        latents.interpolation_paths(anchors, 5, "cubic")


class _View:
    """A model view whose 'generator' shows the latent's first coordinate as brightness."""

    def latents(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return torch.randn(n, 3, generator=generator)

    def samples_of(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(z[:, :1, None, None]).expand(-1, 1, 8, 8).clone()


def test_interpolation_gif_has_a_lerp_and_a_slerp_row_per_frame(
    digits,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    data, _ = digits
    frames = data.interpolation_frames(_View(), seed=0)
    assert len(frames) == INTERPOLATION_ANCHORS * INTERPOLATION_STEPS
    assert all(f.shape == frames[0].shape and f.dtype == np.uint8 for f in frames)
    # two rows of 8 cells of 32 px (8x8 images upscaled), 1 px padding
    assert frames[0].shape == (2 * 33 + 1, 8 * 33 + 1, 3)
    first, middle = frames[0], frames[INTERPOLATION_STEPS // 2]
    assert np.array_equal(first[1:33], first[34:66])  # both paths start at the same latents
    assert not np.array_equal(middle[1:33], middle[34:66])  # and part ways in between
    assert not np.array_equal(first, middle)
    path = save_gif(tmp_path / "interpolation.gif", frames, 0.08)
    with Image.open(path) as gif:
        assert gif.n_frames == len(frames)
        assert gif.info["duration"] == 80
