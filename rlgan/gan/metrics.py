"""Sample-quality metrics: mode coverage on 2-D mixtures, Fréchet distance, class histograms.

Mixture metrics follow VEEGAN/PacGAN: a generated sample is *high quality* when it lies
within 3 standard deviations of its nearest mode; ``modes_covered`` counts modes with at
least one high-quality sample; ``reverse_kl`` is KL(q || uniform) of the histogram q of the
high-quality samples over the modes (log K, the worst value, when there are none).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TypeVar

import numpy as np
import torch

from rlgan.gan.toy2d import GaussianMixture2D


def mixture_metrics(samples: np.ndarray, mixture: GaussianMixture2D) -> dict[str, float]:
    """``modes_covered``, ``high_quality_frac`` and ``reverse_kl`` of 2-D ``samples``."""
    samples = np.asarray(samples, dtype=np.float64)
    distances = np.linalg.norm(samples[:, None, :] - mixture.centers[None], axis=2)
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(samples)), nearest] <= 3 * mixture.std
    k = len(mixture.centers)
    counts = np.bincount(nearest[high_quality], minlength=k).astype(np.float64)
    if counts.sum() == 0:
        reverse_kl = math.log(k)
    else:
        q = counts / counts.sum()
        nonzero = q > 0
        reverse_kl = float(np.sum(q[nonzero] * np.log(q[nonzero] * k)))
    return {
        "modes_covered": float((counts > 0).sum()),
        "high_quality_frac": float(high_quality.mean()),
        "reverse_kl": reverse_kl,
    }


#: Random draws of the training split whose mean score is an evaluator's floor.
FLOOR_DRAWS = 256
#: Feature rows: a NumPy array or a torch tensor (:func:`floor_scores` takes either).
RowsT = TypeVar("RowsT", np.ndarray, torch.Tensor)


def floor_draws(
    population: int, size: int, draws: int = FLOOR_DRAWS, seed: int = 0
) -> torch.Tensor:
    """``(draws, size)`` indices into a training split of ``population`` images, with repeats.

    Each row is what a generator that returns training images at random would produce:
    ``size`` independent uniform draws, repeats included, as any generator's samples are
    independent. The image evaluators (:class:`~rlgan.gan.classifier.ClassifierEvaluator`,
    :class:`~rlgan.gan.folder_quality.FolderQualityEvaluator`, through :func:`floor_scores`)
    score every row against the held-out split and take the mean as their floor, so that such
    a generator scores 1.0x on average. Taking each training image once instead scores lower
    than any sampler can (no repeats, and exactly the split's class counts): on digits,
    random draws score 1.5x that. The seed is fixed, so the floor is a property of the data
    set, the same for every run.
    """
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(int(population), (int(draws), int(size)), generator=generator)


def floor_scores(
    rows: RowsT,
    size: int,
    score: Callable[[RowsT], Mapping[str, float]],
    draws: int = FLOOR_DRAWS,
) -> dict[str, float]:
    """Each of ``score``'s values, averaged over fixed draws of ``size`` of ``rows``.

    ``rows`` (an array or tensor) holds the training split's features, one row per image;
    ``score`` is called once per draw (the first ``draws`` rows of :func:`floor_draws`, so a
    smaller count takes a prefix of the same draws) and the mean of each key is returned:
    an evaluator's floors, what a generator that returns training images at random scores.
    """
    if not 0 < int(draws) <= FLOOR_DRAWS:
        raise ValueError(f"draws must be in 1..{FLOOR_DRAWS}, got {draws}")
    index = floor_draws(len(rows), size)[: int(draws)]
    if isinstance(rows, np.ndarray):
        index = index.numpy()
    scored = [score(rows[row]) for row in index]
    return {key: float(np.mean([s[key] for s in scored])) for key in scored[0]}


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, projections: int = 64, seed: int = 0) -> float:
    """Mean 1-D Wasserstein-1 distance of ``a`` and ``b`` over random unit projections."""
    n = min(len(a), len(b))
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((a.shape[1], projections))
    directions /= np.linalg.norm(directions, axis=0, keepdims=True)
    pa = np.sort(np.asarray(a[:n], dtype=np.float64) @ directions, axis=0)
    pb = np.sort(np.asarray(b[:n], dtype=np.float64) @ directions, axis=0)
    return float(np.abs(pa - pb).mean())


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance of Gaussians fitted to feature rows ``a`` and ``b``."""
    return FrechetReference(a).distance(b)


class FrechetReference:
    """A fixed reference set of feature rows, fitted once, to score many sample sets against.

    :meth:`distance` is :func:`frechet_distance` of the reference and a sample set. The
    trace of the covariances' geometric mean uses ``Tr sqrt(A B) = Tr sqrt(sqrt(A) B
    sqrt(A))``, whose matrix is symmetric, so one symmetric eigendecomposition per sample set
    suffices (the evaluators score hundreds: every chunk and every floor draw).
    """

    def __init__(self, reference: np.ndarray) -> None:
        reference = np.asarray(reference, dtype=np.float64)
        self.mean = reference.mean(0)
        # A small ridge keeps the square roots stable when features are degenerate (dead
        # ReLUs make the covariances singular).
        self.ridge = 1e-6 * np.eye(reference.shape[1])
        self.cov = np.cov(reference, rowvar=False)
        values, vectors = np.linalg.eigh(self.cov + self.ridge)
        self.sqrt_cov = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T

    def distance(self, rows: np.ndarray) -> float:
        """Fréchet distance of Gaussians fitted to the reference and to ``rows``."""
        rows = np.asarray(rows, dtype=np.float64)
        cov = np.cov(rows, rowvar=False)
        product = self.sqrt_cov @ (cov + self.ridge) @ self.sqrt_cov
        cross = np.sqrt(np.clip(np.linalg.eigvalsh((product + product.T) / 2), 0.0, None)).sum()
        value = ((self.mean - rows.mean(0)) ** 2).sum() + np.trace(self.cov) + np.trace(cov)
        return float(max(value - 2 * cross, 0.0))


def class_metrics(
    probs: torch.Tensor, data_hist: np.ndarray, confidence: float = 0.5
) -> dict[str, float]:
    """``class_coverage`` and ``class_kl`` of generated samples' predicted classes.

    ``class_coverage`` counts classes predicted with probability >= ``confidence`` for at
    least one sample; ``class_kl`` is KL(q || p) of the predicted-class histogram q from the
    data's class frequencies p.
    """
    probs = probs.detach().cpu()
    top, predicted = probs.max(dim=1)
    k = probs.shape[1]
    confident = predicted[top >= confidence].numpy()
    coverage = float(len(np.unique(confident)))
    q = np.bincount(predicted.numpy(), minlength=k).astype(np.float64)
    q /= q.sum()
    p = np.asarray(data_hist, dtype=np.float64)
    p = p / p.sum()
    nonzero = q > 0
    kl = float(np.sum(q[nonzero] * np.log(q[nonzero] / np.maximum(p[nonzero], 1e-12))))
    return {"class_coverage": coverage, "class_kl": kl}
