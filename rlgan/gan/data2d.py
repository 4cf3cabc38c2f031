"""2-D toy data sets: the PacGAN/VEEGAN Gaussian mixtures and a few classic shapes.

Each is one small class named by ``conf/data/<name>.yaml``. 2-D data is scored by a
:class:`~rlgan.gan.evaluators.PointEvaluator` (mixture metrics for mixtures, the sliced
Wasserstein distance for all), drawn as real vs generated points over the discriminator's
heat map, and shown that way in the live view. The mixtures are labelled: a sample's class is
the mode it was drawn from, so a class-conditional run (``model.conditional=true``) learns
one mode per label and adds :class:`~rlgan.gan.conditional_metrics.MixtureConditionalEvaluator`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rlgan.common.errors import require_positive
from rlgan.common.imaging import heatmap_points
from rlgan.gan import toy2d
from rlgan.gan.data import GanDataSet, ModelView, view_live_labels
from rlgan.gan.evaluators import Evaluator, PointEvaluator, combine
from rlgan.gan.settings import EvalSettings

#: Points in a saved sample picture and in a live-view update.
PICTURE_POINTS = 1000
LIVE_POINTS = 500


def critic_heatmap(
    view: ModelView,
    real: np.ndarray,
    fake: np.ndarray,
    resolution: int = 80,
    label: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, sigmoid(D))`` on a grid covering the real and generated points.

    The grid spans the 0.5-99.5 percentiles of all points plus a margin; the probabilities
    have shape ``(len(ys), len(xs))``. ``label``: a conditional discriminator's class (None:
    the view's default, the average over the classes).
    """
    points = np.concatenate([real, fake])
    low, high = np.percentile(points, 0.5, axis=0), np.percentile(points, 99.5, axis=0)
    margin = 0.15 * (high - low).max() + 0.1
    bounds = (low[0] - margin, high[0] + margin, low[1] - margin, high[1] + margin)
    xs, ys, grid = heatmap_points(bounds, resolution)
    points = torch.from_numpy(grid)
    if label is None:
        probs = view.critic_probabilities(points).numpy()
    else:
        probs = view.critic_probabilities(points, torch.full((len(points),), int(label))).numpy()
    return xs, ys, probs.reshape(len(ys), len(xs))


class PointData(GanDataSet):
    """Base class of 2-D data: point pictures, point live view, a point evaluator."""

    def __init__(self, *, name: str, objective: str) -> None:
        super().__init__(name=name, objective=objective)
        self.shape = (2,)

    @property
    def mixture(self) -> toy2d.GaussianMixture2D | None:
        """The Gaussian mixture behind the data (None for shapes without modes)."""
        return None

    def evaluator(
        self, settings: EvalSettings, device: torch.device | str = "cpu", seed: int = 0
    ) -> Evaluator:
        """Mixture metrics (mixtures) and the sliced Wasserstein distance.

        A class-conditional run on a mixture adds the per-mode conditional metrics.
        """
        points = PointEvaluator(self.sample, self.mixture)
        if not (settings.conditional and self.mixture is not None):
            return points
        from rlgan.gan.conditional_metrics import MixtureConditionalEvaluator

        return combine([MixtureConditionalEvaluator(self), points])

    def _points(
        self, view: ModelView, n: int, step: int, seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(real, fake)``: ``n`` of each, drawn from a generator seeded by ``seed + step``."""
        generator = torch.Generator().manual_seed(seed + step)
        fake = view.generate(n, generator).numpy()
        real = self.sample(n, generator).numpy()
        return real, fake

    def _live_points(
        self, view: ModelView, n: int, step: int, seed: int
    ) -> tuple[np.ndarray, np.ndarray, torch.Tensor | None]:
        """``(real, fake, labels)`` for the live view: fakes of the picked class, if any."""
        labels = view_live_labels(view, n)
        if labels is None:
            return *self._points(view, n, step, seed), None
        generator = torch.Generator().manual_seed(seed + step)
        fake = view.generate(n, generator, labels).numpy()
        return self.sample(n, generator).numpy(), fake, labels

    def picture(self, view: ModelView, step: int, seed: int) -> np.ndarray:
        """Real vs generated points over the discriminator's sigmoid output."""
        from rlgan.gan.visuals import scatter_with_heatmap

        real, fake = self._points(view, PICTURE_POINTS, step, seed)
        return scatter_with_heatmap(
            real, fake, critic_heatmap(view, real, fake), title=f"{self.name}, iteration {step}"
        )

    def live_payload(self, view: ModelView, step: int, seed: int) -> dict[str, Any]:
        """Real and generated points plus the discriminator's heat map.

        With a class picked in the live view of a conditional run: the generated points and
        the heat map are that class's.
        """
        real, fake, labels = self._live_points(view, LIVE_POINTS, step, seed)
        picked = None if labels is None else int(labels[0])
        return {
            "real": real,
            "fake": fake,
            "heatmap": critic_heatmap(view, real, fake, label=picked),
            "images": None,
        }


class MixtureData(PointData):
    """An equal-weight Gaussian mixture (subclasses give its layout in :meth:`layout`).

    Labelled: a sample's class is the index of the mode it was drawn from.
    """

    has_labels = True

    def __init__(self, *, name: str, objective: str = "eval/high_quality_frac") -> None:
        super().__init__(name=name, objective=objective)
        self._mixture = self.layout()

    def layout(self) -> toy2d.GaussianMixture2D:
        """The mixture's centres and standard deviation."""
        raise NotImplementedError

    @property
    def mixture(self) -> toy2d.GaussianMixture2D:
        """The Gaussian mixture the samples come from."""
        return self._mixture

    @property
    def num_classes(self) -> int:
        """The number of modes."""
        return len(self._mixture.centers)

    def sample(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> torch.Tensor:
        """``n`` points: a uniformly drawn mode plus Gaussian noise."""
        return self.sample_labelled(n, generator, device)[0]

    def sample_labelled(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(points, modes)``: a uniformly drawn mode (the label) plus Gaussian noise."""
        centers = torch.as_tensor(self._mixture.centers, dtype=torch.float32)
        modes = torch.randint(len(centers), (n,), generator=generator)
        noise = torch.randn(n, 2, generator=generator) * self._mixture.std
        return (centers[modes] + noise).to(device), modes.to(device)


class Ring8(MixtureData):
    """Eight Gaussians on the unit circle, std 0.01 (VEEGAN/PacGAN ``2D-ring``)."""

    def layout(self) -> toy2d.GaussianMixture2D:
        """:func:`rlgan.gan.toy2d.ring8`."""
        return toy2d.ring8()


class Grid25(MixtureData):
    """25 Gaussians on {-4, -2, 0, 2, 4}^2, std 0.05 (VEEGAN/PacGAN ``2D-grid``)."""

    def layout(self) -> toy2d.GaussianMixture2D:
        """:func:`rlgan.gan.toy2d.grid25`."""
        return toy2d.grid25()


class ShapeData(PointData):
    """A 2-D shape without modes, with ``noise`` (subclasses draw it in :meth:`draw`)."""

    def __init__(
        self, *, name: str, noise: float = 0.05, objective: str = "eval/sliced_w1"
    ) -> None:
        super().__init__(name=name, objective=objective)
        require_positive("data.noise", noise, allow_zero=True)
        self.noise = float(noise)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` points of the shape, float32 ``(n, 2)``."""
        raise NotImplementedError

    def sample(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> torch.Tensor:
        """``n`` points, from a NumPy generator seeded by ``generator``."""
        seed = int(torch.randint(2**31 - 1, (1,), generator=generator))
        return torch.from_numpy(self.draw(n, np.random.default_rng(seed))).to(device)


class Moons(ShapeData):
    """Two interleaved half circles."""

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """:func:`rlgan.gan.toy2d.moons`."""
        return toy2d.moons(n, rng, self.noise)


class Circles(ShapeData):
    """Two concentric circles."""

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """:func:`rlgan.gan.toy2d.circles`."""
        return toy2d.circles(n, rng, self.noise)


class SwissRoll(ShapeData):
    """The 2-D swiss roll."""

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """:func:`rlgan.gan.toy2d.swissroll`."""
        return toy2d.swissroll(n, rng, self.noise)


class Spiral(ShapeData):
    """Two opposite spiral arms."""

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """:func:`rlgan.gan.toy2d.spiral`."""
        return toy2d.spiral(n, rng, self.noise)
