"""A small CNN classifier whose features score generated images (``fd_classifier``).

It is trained once per data set (and image shape) on the training split and cached under
``<data.cache_dir>/classifiers/``, keyed by a hash of the training images, so later runs on
the same data reuse it. :class:`ClassifierEvaluator`, the evaluator of labelled image sets,
holds the classifier plus the real features and reports the Fréchet distance of generated
samples to the held-out split beside that of the training split (what a generator that
returns its training images at random scores), their ratio, and the class coverage and
class KL of the generated images.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from rlgan.common.atomic import atomic_torch_save
from rlgan.gan.evaluators import Evaluator
from rlgan.gan.metric_names import (
    CLASS_COVERAGE,
    CLASS_KL,
    CLASSIFIER_METRICS,
    FD_CLASSIFIER,
    FD_RATIO,
    FD_TRAIN,
)
from rlgan.gan.metrics import FrechetReference, class_metrics, floor_scores

if TYPE_CHECKING:
    from rlgan.gan.image_data import ImageData

log = logging.getLogger(__name__)
CLASSIFIER_VERSION = 3  # 3: trained on the training split only


class SmallClassifier(nn.Module):
    """Three conv layers, global average pooling, a 64-unit feature layer, class logits."""

    def __init__(
        self, channels: int, num_classes: int, width: int = 16, features: int = 64
    ) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(2 * width, 2 * width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(2 * width, features),
            nn.ReLU(),
        )
        self.head = nn.Linear(features, num_classes)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features, shape ``(B, features)``."""
        return self.body(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class logits, shape ``(B, num_classes)``."""
        return self.head(self.body(images))


@torch.no_grad()
def classifier_features(classifier: SmallClassifier, images: torch.Tensor) -> torch.Tensor:
    """``classifier``'s features of ``images`` (in [-1, 1]), 512 at a time, on the CPU."""
    chunks = [
        classifier.features(images[i : i + 512].cpu().float()) for i in range(0, len(images), 512)
    ]
    return torch.cat(chunks)


def _data_key(data: ImageData) -> str:
    """A short hash identifying the training images, labels and classifier version."""
    assert data.images is not None and data.labels is not None
    digest = hashlib.sha1(f"v{CLASSIFIER_VERSION}".encode())
    digest.update(data.images.numpy().tobytes())
    digest.update(data.labels.numpy().tobytes())
    return digest.hexdigest()[:16]


def train_classifier(
    data: ImageData,
    steps: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    num_classes: int | None = None,
) -> SmallClassifier:
    """Train a :class:`SmallClassifier` on ``data`` for ``steps`` Adam steps (CPU).

    Gradients are enabled even inside ``torch.no_grad()``, and torch's global random state is
    left as it was (the classifier's initial weights come from ``seed``).
    """
    assert data.images is not None and data.labels is not None
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]), torch.enable_grad():
        torch.manual_seed(seed)
        model = SmallClassifier(data.images.shape[1], num_classes or data.num_classes)
        optimiser = torch.optim.Adam(model.parameters(), lr=lr)
        for _ in range(steps):
            index = torch.randint(len(data.images), (batch_size,), generator=generator)
            loss = nn.functional.cross_entropy(model(data.images[index]), data.labels[index])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    return model.eval()


def cached_classifier(
    data: ImageData,
    cache_dir: str | Path,
    steps: int,
    name: str | None = None,
    num_classes: int | None = None,
) -> SmallClassifier:
    """Load the classifier of ``data``'s training images from the cache, or train and cache it.

    It classifies images shaped as ``data.images`` into ``num_classes`` classes (default
    ``data.num_classes``); ``name`` (default ``data.name``) names the cache file, so data
    sets built on the same images (stacked digits on digits) share one classifier.
    """
    classes = num_classes or data.num_classes
    path = (
        Path(cache_dir).expanduser() / "classifiers" / f"{name or data.name}_{_data_key(data)}.pt"
    )
    if path.is_file():
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            model = SmallClassifier(data.images.shape[1], classes)
            model.load_state_dict(state)
            return model.eval()
        except (RuntimeError, OSError, KeyError) as err:
            log.warning("ignoring unreadable classifier cache %s (%s)", path, err)
    log.info("training the %s feature classifier (%d steps; cached in %s)", data.name, steps, path)
    model = train_classifier(data, steps, num_classes=classes)
    atomic_torch_save(path, model.state_dict())
    return model


class ClassifierEvaluator(Evaluator):
    """Scores generated images against held-out real ones in a classifier's feature space.

    The classifier is trained on the training split only (:attr:`ImageData.images`); the
    reference is the held-out split (:attr:`ImageData.heldout_images`), which neither the GAN
    nor the classifier sees. Every evaluation scores chunks of ``n`` generated images
    (``eval/fd_classifier``, the mean over the chunks) against that reference, beside the
    floor ``eval/fd_train``: the mean score of :data:`~rlgan.gan.metrics.FLOOR_DRAWS` fixed
    draws of ``n`` training images with repeats (what a generator that returns its training
    images at random scores; :func:`~rlgan.gan.metrics.floor_draws`), and reports their ratio
    (``eval/fd_ratio``). ``n`` is the training split's size, at most ``max_samples``;
    ``max_samples // n`` chunks (at least one) are scored, so a larger ``eval.n_samples``
    lowers the noise of the estimate, not its scale (the Fréchet distance of ``n`` samples is
    biased by ``n``, which the floor shares).
    Cheap to construct; :meth:`prepare` (called by the first :meth:`evaluate` if not before)
    loads or trains the classifier and embeds the real images.
    """

    metrics = CLASSIFIER_METRICS

    def __init__(
        self, data: ImageData, cache_dir: str | Path, steps: int, max_samples: int = 2500
    ) -> None:
        assert data.images is not None and data.labels is not None
        self.data, self.cache_dir, self.steps = data, cache_dir, int(steps)
        self.n_samples = min(len(data.images), int(max_samples))
        self.chunks = max(1, int(max_samples) // self.n_samples)
        self.classifier: SmallClassifier | None = None

    @property
    def max_samples(self) -> int:
        """Generated images one evaluation scores: :attr:`chunks` chunks of :attr:`n_samples`.

        ``n_samples`` is the training split's size, capped by ``eval.n_samples``; the floor
        ``fd_train`` uses as many training images.
        """
        return self.n_samples * self.chunks

    def prepare(self) -> None:
        """Load or train the classifier; embed the held-out split and the floor's images."""
        if self.classifier is not None:
            return
        data = self.data
        self.classifier = cached_classifier(data, self.cache_dir, self.steps)
        self.reference = self._features(data.heldout_images)
        self.fitted_reference = FrechetReference(self.reference)
        train = self._features(data.images)
        distance = self.fitted_reference.distance
        floor = floor_scores(train, self.n_samples, lambda rows: {"fd": distance(rows)})
        self.fd_train = floor["fd"]
        self.data_hist = np.bincount(data.labels.numpy(), minlength=data.num_classes)

    @torch.no_grad()
    def _features(self, images: torch.Tensor) -> np.ndarray:
        """Classifier features of ``images`` (in [-1, 1]), in chunks, as a NumPy array."""
        assert self.classifier is not None
        return classifier_features(self.classifier, images).numpy()

    @torch.no_grad()
    def evaluate(
        self, fake: torch.Tensor, generator: torch.Generator | None = None
    ) -> dict[str, float]:
        """The classifier metrics of ``fake`` (its first :attr:`max_samples` images).

        ``eval/fd_classifier`` (mean over the whole chunks of ``n_samples`` images in
        ``fake``), ``eval/fd_train``, ``eval/fd_ratio``, ``eval/class_coverage``,
        ``eval/class_kl``.
        """
        self.prepare()
        assert self.classifier is not None
        fake = fake[: self.max_samples].cpu().float()
        if len(fake) < self.n_samples:
            log.warning(
                "scoring %d generated images against a floor of %d training images: the "
                "Frechet distance grows as samples shrink, so fd_ratio is biased upwards",
                len(fake),
                self.n_samples,
            )
        probs = torch.cat(
            [self.classifier(fake[i : i + 512]).softmax(1) for i in range(0, len(fake), 512)]
        )
        classes = class_metrics(probs, self.data_hist)
        features = self._features(fake)
        size = min(self.n_samples, len(features))
        distance = float(
            np.mean(
                [
                    self.fitted_reference.distance(features[i : i + size])
                    for i in range(0, len(features) - size + 1, size)
                ]
            )
        )
        return {
            FD_CLASSIFIER.name: distance,
            FD_TRAIN.name: self.fd_train,
            FD_RATIO.name: distance / max(self.fd_train, 1e-12),
            CLASS_COVERAGE.name: classes["class_coverage"],
            CLASS_KL.name: classes["class_kl"],
        }
