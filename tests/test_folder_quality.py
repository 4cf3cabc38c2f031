"""The folder quality metric: sanity on drawn shapes, the encoder cache, too few images.

The data are drawn here: 480 RGB 16x16 images of six shapes (disc, square, ring, cross,
diamond, triangle) in six colours at random places and sizes on a dark background, written
as PNG files and read back by the folder loader. A quarter is held out. Every row of the
sanity table scores a generator of as many images as one evaluation takes: random draws of
the training images (repeats included) score the floor, 1.0x; real images the encoder never
saw score a little below it; blurred, noised and mode-dropped random draws of the training
images score worse, and worse as the corruption grows. ``benchmarks/folder_quality.py``
prints the same table.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from PIL import Image

from rlgan.common.errors import ConfigError
from rlgan.common.metrics import metric_spec
from rlgan.gan import folder_quality
from rlgan.gan.folder_quality import (
    FOLDER_METRICS,
    MIN_TRAIN_IMAGES,
    EncoderSettings,
    FolderQualityEvaluator,
    precision_recall,
)
from rlgan.gan.images import load_folder
from rlgan.gan.metrics import FLOOR_DRAWS, floor_draws

SIDE = 16
SHAPES = 6
N_IMAGES = 480
HOLDOUT = 0.25
#: Encoder training steps of the sanity tests (the shipped default is 1000).
SANITY_STEPS = 300
PALETTE = np.array(
    [
        [0.9, 0.2, 0.2],
        [0.2, 0.8, 0.3],
        [0.25, 0.4, 0.95],
        [0.95, 0.85, 0.2],
        [0.8, 0.3, 0.9],
        [0.2, 0.85, 0.9],
    ]
)
#: The corruptions and their three strengths, weakest first.
BLURS = (0.75, 1.25, 2.0)  # Gaussian blur sigma, pixels
NOISES = (0.15, 0.3, 0.6)  # Gaussian noise std (images in [-1, 1])
KEPT_SHAPES = (5, 3, 1)  # shapes kept of six (the others are dropped)
#: Seeds of the sanity table's random draws of training images and of its unseen images.
DRAW_SEED = 11
FRESH_SEED = 7


def shape_mask(kind: int, cx: float, cy: float, r: float, side: int) -> np.ndarray:
    """Coverage in [0, 1] of shape ``kind`` (0-5) on a ``side`` grid, 4x4 supersampled."""
    ss = 4
    y, x = (np.mgrid[0 : side * ss, 0 : side * ss] + 0.5) / ss
    dx, dy = x - cx, y - cy
    d = np.hypot(dx, dy)
    masks = {
        0: d < r,
        1: (abs(dx) < 0.8 * r) & (abs(dy) < 0.8 * r),
        2: abs(d - 0.8 * r) < 0.9,
        3: ((abs(dx) < 0.9) & (abs(dy) < r)) | ((abs(dy) < 0.9) & (abs(dx) < r)),
        4: abs(dx) + abs(dy) < r,
        5: (dy > -r) & (dy < 0.7 * r) & (abs(dx) < 0.6 * (dy + r)),
    }
    return masks[kind].reshape(side, ss, side, ss).mean(axis=(1, 3))


def draw_shapes(n: int, seed: int, side: int = SIDE) -> tuple[np.ndarray, np.ndarray]:
    """``(images (n, 3, side, side) in [0, 1], shape labels (n,))``, drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, SHAPES, n)
    images = np.zeros((n, 3, side, side), np.float32)
    for i, kind in enumerate(labels):
        r = rng.uniform(0.22, 0.35) * side
        cx, cy = rng.uniform(r, side - r, 2)
        mask = shape_mask(int(kind), cx, cy, r, side)
        colour = PALETTE[rng.integers(len(PALETTE))][:, None, None]
        background = rng.uniform(0.0, 0.25)
        images[i] = background * (1 - mask) + mask * colour
    return images, labels


def write_folder(root: Path, images: np.ndarray) -> Path:
    """Write ``images`` (in [0, 1]) as ``root/img_00000.png``, ... (sorted = drawn order)."""
    root.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images):
        pixels = np.round(image.transpose(1, 2, 0) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(root / f"img_{i:05d}.png")
    return root


def blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur (edges replicated)."""
    radius = int(np.ceil(2 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-(t**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    c = images.shape[1]
    out = F.pad(images, (radius, radius, 0, 0), mode="replicate")
    out = F.conv2d(out, kernel.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    out = F.pad(out, (0, 0, radius, radius), mode="replicate")
    return F.conv2d(out, kernel.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def add_noise(images: torch.Tensor, std: float, seed: int = 5) -> torch.Tensor:
    """Gaussian pixel noise, clipped to [-1, 1]."""
    noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(seed))
    return (images + std * noise).clamp(-1, 1)


def random_draws(images: torch.Tensor, size: int, seed: int = DRAW_SEED) -> torch.Tensor:
    """``size`` of ``images`` drawn at random, repeats included: a generator that copies."""
    generator = torch.Generator().manual_seed(seed)
    return images[torch.randint(len(images), (size,), generator=generator)]


def drop_modes(
    images: torch.Tensor, labels: torch.Tensor, kept: int, size: int, seed: int = DRAW_SEED
) -> torch.Tensor:
    """``size`` random draws of those of ``images`` that show the first ``kept`` shapes."""
    return random_draws(images[labels < kept], size, seed)


def corruptions(
    train: torch.Tensor, labels: torch.Tensor, size: int
) -> dict[str, list[torch.Tensor]]:
    """Each corruption at its three strengths, weakest first, of ``size`` random draws.

    Blur and noise corrupt the draws that the table's floor row scores; mode dropping draws
    from the kept shapes' training images only.
    """
    drawn = random_draws(train, size)
    return {
        "blur": [blur(drawn, s) for s in BLURS],
        "noise": [add_noise(drawn, s) for s in NOISES],
        "drop": [drop_modes(train, labels, k, size) for k in KEPT_SHAPES],
    }


def split(images: np.ndarray, labels: np.ndarray) -> dict[str, torch.Tensor]:
    """A fixed split into training and held-out images (in [-1, 1]) and the training labels."""
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    held = round(HOLDOUT * len(images))
    scaled = torch.from_numpy(images) * 2 - 1
    return {
        "train": scaled[order[held:]],
        "labels": torch.from_numpy(labels)[order[held:]],
        "heldout": scaled[order[:held]],
    }


def fresh_images(size: int, seed: int = FRESH_SEED) -> torch.Tensor:
    """``size`` images drawn afresh (in [-1, 1]): what a generator that generalises returns."""
    return torch.from_numpy(draw_shapes(size, seed=seed)[0]) * 2 - 1


def sanity_table(evaluator: FolderQualityEvaluator, data: dict[str, torch.Tensor]) -> dict:
    """The metrics of one evaluation's worth of images from each generator of the table.

    ``train``: random draws of the training images (the floor's generator); ``fresh``:
    unseen real images; ``blur`` / ``noise`` / ``drop``: each corruption at every strength.
    """
    size = evaluator.max_samples
    table = {
        "train": evaluator.evaluate(random_draws(data["train"], size)),
        "fresh": evaluator.evaluate(fresh_images(size)),
    }
    for name, versions in corruptions(data["train"], data["labels"], size).items():
        table[name] = [evaluator.evaluate(v) for v in versions]
    return table


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, torch.Tensor]:
    """The drawn shapes, through PNG files and the folder loader, split."""
    images, labels = draw_shapes(N_IMAGES, seed=1)
    root = write_folder(tmp_path_factory.mktemp("shapes"), images)
    arrays = load_folder(str(root), SIDE, 3)
    assert arrays.images.shape == (N_IMAGES, 3, SIDE, SIDE)
    assert np.abs(arrays.images - images).max() < 1 / 255 + 1e-6  # PNG round trip
    return split(arrays.images, labels)


@pytest.fixture(scope="module")
def table(shapes: dict[str, torch.Tensor], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sanity table of an evaluator trained for :data:`SANITY_STEPS` steps."""
    evaluator = FolderQualityEvaluator(
        shapes["train"],
        shapes["heldout"],
        tmp_path_factory.mktemp("encoder_cache"),
        name="shapes",
        settings=EncoderSettings(steps=SANITY_STEPS),
    )
    return sanity_table(evaluator, shapes)


def test_every_metric_is_declared_once_with_a_direction() -> None:
    names = [spec.name for spec in FOLDER_METRICS]
    assert len(set(names)) == len(names)
    for spec in FOLDER_METRICS:
        assert metric_spec(spec.name) == spec and spec.meaning
    assert FolderQualityEvaluator.metrics == FOLDER_METRICS


def test_random_draws_of_training_images_score_about_the_floor(table: dict) -> None:
    # The floor's generator on other draws than the floor's: encoder seeds 0-2 of
    # benchmarks/folder_quality.py (300 and 1000 steps) score 0.87-0.92 on this draw and
    # 0.87-1.05 on six others.
    copied = table["train"]
    assert 0.75 < copied["eval/encoder_fd_ratio"] < 1.25, copied
    for key in ("eval/encoder_precision", "eval/encoder_recall"):
        assert copied[key] == pytest.approx(copied[f"{key}_train"], abs=0.05), copied
        assert copied[f"{key}_train"] > 0.8, copied


def test_the_floors_average_fixed_draws_with_repeats(tmp_path: Path) -> None:
    images, _ = draw_shapes(150, seed=3, side=8)
    data = split(images, np.zeros(150, dtype=np.int64))
    n = len(data["train"])

    def scored(draws: int) -> dict[str, float]:
        """Metrics of the floor's first ``draws`` draws, one evaluation chunk each."""
        evaluator = FolderQualityEvaluator(
            data["train"],
            data["heldout"],
            tmp_path,
            settings=EncoderSettings(steps=5),
            max_samples=draws * n,
        )
        assert (evaluator.n_samples, evaluator.chunks) == (n, draws)
        return evaluator.evaluate(data["train"][floor_draws(n, n)[:draws].flatten()])

    every = scored(FLOOR_DRAWS)  # exactly the floor's draws: exactly the floor
    assert every["eval/encoder_fd_ratio"] == pytest.approx(1.0, rel=1e-6)
    first = scored(folder_quality.PR_FLOOR_DRAWS)
    for key in ("eval/encoder_precision", "eval/encoder_recall"):
        assert first[key] == pytest.approx(first[f"{key}_train"], abs=1e-9), first
    assert first["eval/encoder_fd_train"] == every["eval/encoder_fd_train"]
    # Every training image once (no repeats) scores lower than a sampler of them can.
    once = FolderQualityEvaluator(
        data["train"], data["heldout"], tmp_path, settings=EncoderSettings(steps=5)
    ).evaluate(data["train"])
    assert once["eval/encoder_fd_ratio"] < 0.95, once


def test_unseen_real_images_score_at_or_below_the_floor(table: dict) -> None:
    # Unseen images have no repeats, so they score below random draws of the training
    # images: 0.76-1.05 over encoder seeds 0-2 and six draws (0.66 at the least with twice
    # the images), with a higher recall (0.92-0.96 against 0.81-0.87 for random draws).
    fresh = table["fresh"]
    assert 0.55 < fresh["eval/encoder_fd_ratio"] < 1.15, fresh
    assert fresh["eval/encoder_precision"] > 0.85, fresh
    assert fresh["eval/encoder_recall"] > fresh["eval/encoder_recall_train"] + 0.03, fresh


@pytest.mark.parametrize("name", ["blur", "noise", "drop"])
def test_corruptions_score_worse_than_the_floor_and_worse_as_they_grow(
    table: dict, name: str
) -> None:
    # Seeds 0-2 of benchmarks/folder_quality.py (300 and 1000 encoder steps) score at least
    # 2.12x (blur), 1.24x (noise) and 1.02x (one shape of six dropped) at the weakest
    # strength, and grow at least 1.8x from one strength to the next. One dropped shape
    # barely moves the ratio (1.02-1.09, within the floor's draw-to-draw spread): recall
    # is what sees it (test_recall_drops_with_mode_dropping).
    weakest = {"blur": 1.5, "noise": 1.1, "drop": 0.95}[name]
    ratios = [m["eval/encoder_fd_ratio"] for m in table[name]]
    assert ratios[0] > weakest, ratios
    assert ratios[1] > 1.4 * max(ratios[0], 1.0) and ratios[2] > 1.4 * ratios[1], ratios


def test_precision_drops_with_noise(table: dict) -> None:
    floor = table["train"]["eval/encoder_precision_train"]
    precision = [m["eval/encoder_precision"] for m in table["noise"]]
    # The mildest noise leaves precision at its floor (the k-NN balls of 120 held-out images
    # in 48-d are wide); it falls as the noise grows, far below the floor at the strongest.
    assert all(a >= b - 0.03 for a, b in zip(precision, precision[1:], strict=False)), precision
    assert precision[1] < floor + 0.03, (floor, precision)
    assert precision[2] < floor - 0.3, (floor, precision)


def test_recall_drops_with_mode_dropping(table: dict) -> None:
    # Encoder seeds 0-2: random draws of the training images 0.83-0.85; one, three, five
    # shapes of six dropped 0.74-0.78, 0.57-0.63, 0.06-0.08.
    floor = table["train"]["eval/encoder_recall_train"]
    recall = [floor] + [m["eval/encoder_recall"] for m in table["drop"]]
    assert recall[1] < floor - 0.03, recall
    assert recall[1] > recall[2] + 0.05 and recall[2] > recall[3] + 0.05, recall
    assert recall[-1] < 0.4, recall


def test_precision_and_recall_on_known_points() -> None:
    real = torch.tensor([[0.0], [1.0], [2.0], [3.0]])  # k=1: every real ball has radius 1
    assert precision_recall(real, real + 0.5, k=1) == (1.0, 1.0)
    collapsed = torch.tensor([[0.0], [0.1], [0.2], [0.3]])  # fake balls of radius 0.1
    assert precision_recall(real, collapsed, k=1) == (1.0, 0.25)
    outlier = torch.tensor([[0.0], [1.0], [2.0], [9.0]])  # 9.0 lies in no real ball
    assert precision_recall(real, outlier, k=1) == (0.75, 1.0)


# ---- the cache -------------------------------------------------------------------------------
def _cache_evaluator(shapes: dict[str, torch.Tensor], cache: Path) -> FolderQualityEvaluator:
    """An evaluator with a quickly trained encoder cached in ``cache``."""
    return FolderQualityEvaluator(
        shapes["train"], shapes["heldout"], cache, settings=EncoderSettings(steps=20)
    )


def _count_training(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count calls of :func:`folder_quality.train_encoder` (one entry per call)."""
    calls: list[int] = []
    train = folder_quality.train_encoder

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a transparent wrapper
        calls.append(1)
        return train(*args, **kwargs)

    monkeypatch.setattr(folder_quality, "train_encoder", counted)
    return calls


def test_second_prepare_loads_the_cache(
    shapes: dict[str, torch.Tensor], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_training(monkeypatch)
    first = _cache_evaluator(shapes, tmp_path)
    first.prepare()
    (path,) = (tmp_path / "encoders").glob("*.pt")
    stamp = path.stat().st_mtime_ns
    second = _cache_evaluator(shapes, tmp_path)
    second.prepare()
    assert (first.trained, second.trained, len(calls)) == (True, False, 1)
    assert path.stat().st_mtime_ns == stamp
    fake = add_noise(shapes["train"], 0.2)
    assert first.evaluate(fake) == second.evaluate(fake)
    other = FolderQualityEvaluator(
        shapes["train"][:-1], shapes["heldout"], tmp_path, settings=EncoderSettings(steps=20)
    )
    other.prepare()  # other images: another key, another encoder
    assert other.trained and len(list((tmp_path / "encoders").glob("*.pt"))) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "other_object"])
def test_a_damaged_cache_is_retrained(
    shapes: dict[str, torch.Tensor],
    tmp_path: Path,
    damage: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _cache_evaluator(shapes, tmp_path).prepare()
    (path,) = (tmp_path / "encoders").glob("*.pt")
    good = path.read_bytes()
    damaged = {
        "garbage": b"not a torch file at all" * 10,
        "truncated": good[: len(good) // 2],
        "empty": b"",
        "other_object": None,
    }[damage]
    if damaged is None:
        torch.save({"format": "something else", "state": {}}, path)
    else:
        path.write_bytes(damaged)
    calls = _count_training(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="rlgan.gan.folder_quality"):
        again = _cache_evaluator(shapes, tmp_path)
        again.prepare()
    assert again.trained and len(calls) == 1
    assert "retraining the folder encoder" in caplog.text and str(path) in caplog.text
    reloaded = _cache_evaluator(shapes, tmp_path)
    reloaded.prepare()
    assert reloaded.trained is False


# ---- bad input -------------------------------------------------------------------------------
def test_too_few_images_is_a_config_error_before_training(tmp_path: Path) -> None:
    images, _ = draw_shapes(60, seed=2)
    data = split(images, np.zeros(60, dtype=np.int64))
    with pytest.raises(ConfigError) as err:
        FolderQualityEvaluator(data["train"], data["heldout"], tmp_path, name="folder")
    message = str(err.value)
    assert "45 training" in message and f"at least {MIN_TRAIN_IMAGES}" in message
    assert "\n" not in message and "data.encoder_steps=0" in message
    assert not (tmp_path / "encoders").exists()  # nothing trained, nothing written


def test_too_few_held_out_images_is_a_config_error(tmp_path: Path) -> None:
    images = torch.zeros(150, 3, 8, 8)
    with pytest.raises(ConfigError, match=r"5 held-out image\(s\).*at least 10 held-out"):
        FolderQualityEvaluator(images[:145], images[145:], tmp_path)


def test_too_few_samples_per_evaluation_is_a_config_error(tmp_path: Path) -> None:
    images = torch.zeros(150, 3, 8, 8)
    with pytest.raises(ConfigError, match="eval.n_samples=3"):
        FolderQualityEvaluator(images[:120], images[120:], tmp_path, max_samples=3)


def test_tiny_images_are_a_config_error(tmp_path: Path) -> None:
    images = torch.zeros(150, 3, 2, 2)
    with pytest.raises(ConfigError, match="2x2 images"):
        FolderQualityEvaluator(images[:120], images[120:], tmp_path)


@pytest.mark.parametrize("side", [8, 12, 32])
def test_other_image_sizes_train_and_score(tmp_path: Path, side: int) -> None:
    images, _ = draw_shapes(150, seed=3, side=side)
    data = split(images, np.zeros(150, dtype=np.int64))
    evaluator = FolderQualityEvaluator(
        data["train"], data["heldout"], tmp_path, settings=EncoderSettings(steps=5)
    )
    scores = evaluator.evaluate(add_noise(data["train"], 0.5))
    assert set(scores) == {spec.name for spec in FOLDER_METRICS}
    assert all(np.isfinite(v) for v in scores.values())


# ---- the data set's hook ---------------------------------------------------------------------
def test_a_folder_without_classes_is_scored_by_the_folder_metric(tmp_path: Path) -> None:
    from rlgan.common.app import compose_config
    from rlgan.gan.data import build_data
    from rlgan.gan.settings import EvalSettings
    from rlgan.gan.train import available_metrics

    images, _ = draw_shapes(200, seed=4)

    def folder_data(root: Path, *overrides: str):  # noqa: ANN202 - (cfg, data set)
        cfg = compose_config(
            "gan",
            [
                "data=folder",
                f"data.root={root}",
                f"data.image_size={SIDE}",
                f"data.cache_dir={tmp_path / 'cache'}",
                "data.encoder_steps=20",
                *overrides,
            ],
        )
        return cfg, build_data(cfg.data)

    cfg, data = folder_data(write_folder(tmp_path / "pictures", images))
    assert data.num_classes < 2 and cfg.objective == "eval/encoder_fd_ratio"
    evaluator = data.evaluator(EvalSettings.from_config(cfg.eval))
    assert cfg.objective in available_metrics(evaluator)
    drawn = random_draws(data.images, evaluator.max_samples)
    scores = evaluator.evaluate(drawn)  # random draws of the training images: the floor
    assert 0.8 < scores["eval/encoder_fd_ratio"] < 1.2, scores
    assert list((tmp_path / "cache" / "encoders").glob("folder_*.pt"))

    few = write_folder(tmp_path / "few", images[:50])
    cfg, data = folder_data(few)
    with pytest.raises(ConfigError, match="too few images"):
        data.evaluator(EvalSettings.from_config(cfg.eval))
    cfg, data = folder_data(few, "data.encoder_steps=0", "objective=loss/g")
    assert data.evaluator(EvalSettings.from_config(cfg.eval)).metric_names == ()
