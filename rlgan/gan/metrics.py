"""Sample-quality metrics: mode coverage on 2-D mixtures, Fréchet distance, class histograms.

Mixture metrics follow VEEGAN/PacGAN: a generated sample is *high quality* when it lies
within 3 standard deviations of its nearest mode; ``modes_covered`` counts modes with at
least one high-quality sample; ``reverse_kl`` is KL(q || uniform) of the histogram q of the
high-quality samples over the modes (log K, the worst value, when there are none).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from scipy import linalg

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
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # A small ridge keeps the product's square root stable when features are degenerate
    # (dead ReLUs make the covariances singular).
    eps = 1e-6 * np.eye(len(cov_a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        covmean = linalg.sqrtm((cov_a + eps) @ (cov_b + eps))
    covmean = np.real(covmean)
    value = ((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(covmean)
    return float(max(value, 0.0))


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
