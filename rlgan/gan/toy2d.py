"""2-D toy data sets: the PacGAN/VEEGAN Gaussian mixtures and a few classic shapes.

``ring8`` (8 Gaussians on a circle of radius 1, std 0.01) and ``grid25`` (25 Gaussians at
{-4, -2, 0, 2, 4}^2, std 0.05) are the mode-collapse benchmarks of VEEGAN and PacGAN; they
come with their mode centres and standard deviation so that :mod:`rlgan.gan.metrics` can
count covered modes. ``spiral``, ``moons``, ``circles`` and ``swissroll`` are shapes without
modes (scikit-learn generators where they exist). The data sets built on them are in
:mod:`rlgan.gan.data2d`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GaussianMixture2D:
    """Equal-weight isotropic Gaussian mixture in the plane."""

    centers: np.ndarray
    std: float

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` points, shape ``(n, 2)``, float32."""
        modes = rng.integers(0, len(self.centers), size=n)
        points = self.centers[modes] + self.std * rng.standard_normal((n, 2))
        return points.astype(np.float32)


def ring8(radius: float = 1.0, std: float = 0.01) -> GaussianMixture2D:
    """Eight Gaussians evenly spaced on a circle (VEEGAN/PacGAN ``2D-ring``)."""
    angles = 2 * np.pi * np.arange(8) / 8
    centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture2D(centers=centers, std=std)


def grid25(spacing: float = 2.0, std: float = 0.05) -> GaussianMixture2D:
    """25 Gaussians on the grid {-4, -2, 0, 2, 4}^2 (VEEGAN/PacGAN ``2D-grid``)."""
    axis = spacing * np.arange(-2, 3)
    xs, ys = np.meshgrid(axis, axis, indexing="ij")
    centers = np.stack([xs.ravel(), ys.ravel()], axis=1)
    return GaussianMixture2D(centers=centers, std=std)


def _sklearn_seed(rng: np.random.Generator) -> int:
    """The seed handed to scikit-learn's generators (drawn first by every shape)."""
    return int(rng.integers(0, 2**31 - 1))


def moons(n: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Two interleaved half circles (scikit-learn's ``make_moons``), shape ``(n, 2)``."""
    from sklearn import datasets

    points, _ = datasets.make_moons(n, noise=noise, random_state=_sklearn_seed(rng))
    return np.asarray(points, dtype=np.float32)


def circles(n: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Two concentric circles of radii 2 and 1 (``make_circles``), shape ``(n, 2)``."""
    from sklearn import datasets

    points, _ = datasets.make_circles(n, noise=noise, factor=0.5, random_state=_sklearn_seed(rng))
    return np.asarray(points * 2.0, dtype=np.float32)


def swissroll(n: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    """The 2-D swiss roll (``make_swiss_roll``'s x and z, scaled by 1/5), shape ``(n, 2)``."""
    from sklearn import datasets

    rolled, _ = datasets.make_swiss_roll(n, noise=noise * 10, random_state=_sklearn_seed(rng))
    return np.asarray(rolled[:, [0, 2]] / 5.0, dtype=np.float32)


def spiral(n: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Two opposite spiral arms of 1.5 turns, shape ``(n, 2)``."""
    _sklearn_seed(rng)  # unused; drawn so that a seed gives the points of earlier versions
    turns = np.sqrt(rng.uniform(0, 1, n)) * 3 * np.pi
    arm = np.where(rng.uniform(size=n) < 0.5, 1.0, -1.0)
    points = np.stack([arm * turns * np.cos(turns), arm * turns * np.sin(turns)], axis=1)
    points = points / 4.0 + noise * rng.standard_normal((n, 2))
    return np.asarray(points, dtype=np.float32)
