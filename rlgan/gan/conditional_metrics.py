"""Metrics of class-conditional GANs: conditional accuracy, per-class KID, intra-class diversity.

A class-conditional run (``model.conditional=true``) generates its evaluation samples for
known labels (:func:`rlgan.gan.conditioning.stratified_labels`) and calls
:meth:`~rlgan.gan.evaluators.Evaluator.evaluate_conditional`. The evaluators here:

- :class:`ConditionalImageEvaluator` (labelled image sets, folders with class sub-folders):
  in the 64-d features of the metric classifier (:mod:`rlgan.gan.classifier`), the
  conditional accuracy (the classifier agrees with the requested label), a per-class KID
  with a bootstrap interval beside the same interval for real training images of the class
  (real vs real: both against the held-out images of the class) and the intra-class
  diversity. Why KID: a class of digits has about 45 held-out images, far too few for a
  64-d Fréchet distance (a covariance of 2,080 entries), while KID's unbiased estimator has
  no bias at any sample size (Bińkowski et al. 2018). The features are divided by one
  constant, the root-mean-square entry of the training images' features, so that KID's
  cubic kernel ``(x . y / d + 1) ** 3`` sees entries of order 1 (the classifier's raw
  features reach ~10, where the cubic makes the estimate hostage to a few outliers).
- :class:`StackedConditionalEvaluator` (stacked digits): each channel's digit against the
  requested one.
- :class:`MixtureConditionalEvaluator` (2-D mixtures): samples near their requested mode,
  and their spread around it.

Each writes a per-class table (:meth:`~rlgan.gan.evaluators.Evaluator.details`, key
``eval_per_class`` of ``metrics.json``); the scalar metrics (declared in
:mod:`rlgan.gan.metric_names`) summarise it with the mean and the worst class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from rlgan.gan.evaluators import Evaluator
from rlgan.gan.metric_names import (
    COND_ACCURACY,
    COND_ACCURACY_WORST,
    COND_CLASSES_ABOVE_REAL,
    COND_DIVERSITY,
    COND_DIVERSITY_WORST,
    COND_KID,
    COND_KID_GAP_WORST,
    COND_KID_WORST,
    CONDITIONAL_IMAGE_METRICS,
    CONDITIONAL_MIXTURE_METRICS,
    CONDITIONAL_STACKED_METRICS,
)

if TYPE_CHECKING:
    from rlgan.gan.data2d import MixtureData
    from rlgan.gan.image_data import ImageData
    from rlgan.gan.stacked_digits import StackedDigits, StackedModesEvaluator

#: Bootstrap replicates of a KID interval, and its coverage (5th to 95th percentile).
KID_REPLICATES = 200
KID_LEVEL = 0.90
#: Most images of one class a per-class metric uses (generated or real, a fixed subset).
MAX_PER_CLASS = 1000
#: Key of the per-class table in ``metrics.json``.
DETAILS_KEY = "eval_per_class"
#: Channel names of stacked digits, in the order of the mode's digits.
CHANNEL_NAMES = ("red", "green", "blue")


# ---- KID ------------------------------------------------------------------------------------
def polynomial_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """KID's kernel ``(a . b / d + 1) ** 3`` between the rows of ``a`` and ``b`` (float64)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def kid_from_counts(
    kxx: np.ndarray, kyy: np.ndarray, kxy: np.ndarray, cx: np.ndarray, cy: np.ndarray
) -> np.ndarray:
    """The unbiased squared MMD of weighted samples, one value per row of ``cx`` / ``cy``.

    ``kxx`` ``(m, m)``, ``kyy`` ``(n, n)``, ``kxy`` ``(m, n)`` are kernel matrices; ``cx``
    ``(R, m)`` and ``cy`` ``(R, n)`` say how often each sample is taken (all ones: the
    plain unbiased estimator; multinomial counts: a bootstrap resample). Within a set, pairs
    of copies of the same sample are left out, as the unbiased estimator leaves out
    ``i == j``. NaN where a set has fewer than two distinct samples.
    """
    cx, cy = np.atleast_2d(cx).astype(np.float64), np.atleast_2d(cy).astype(np.float64)
    off_x = kxx - np.diag(np.diag(kxx))
    off_y = kyy - np.diag(np.diag(kyy))
    sx, sy = cx.sum(1), cy.sum(1)
    pairs_x = sx**2 - (cx**2).sum(1)
    pairs_y = sy**2 - (cy**2).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xx = ((cx @ off_x) * cx).sum(1) / pairs_x
        yy = ((cy @ off_y) * cy).sum(1) / pairs_y
        xy = ((cx @ kxy) * cy).sum(1) / (sx * sy)
    value = xx + yy - 2.0 * xy
    return np.where((pairs_x > 0) & (pairs_y > 0), value, np.nan)


def kid_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """KID: the unbiased squared MMD between feature rows ``x`` and ``y`` (cubic kernel).

    ``mean_{i != j} k(x_i, x_j) + mean_{i != j} k(y_i, y_j) - 2 mean_{i, j} k(x_i, y_j)``;
    NaN with fewer than two rows on a side.
    """
    if len(x) < 2 or len(y) < 2:
        return math.nan
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    return float(kid_from_counts(kxx, kyy, kxy, np.ones(len(x)), np.ones(len(y)))[0])


@dataclass(frozen=True)
class KidInterval:
    """A KID estimate and its bootstrap interval ``[low, high]``."""

    value: float
    low: float
    high: float


def kid_interval(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    replicates: int = KID_REPLICATES,
    level: float = KID_LEVEL,
) -> KidInterval:
    """:func:`kid_unbiased` of ``x`` and ``y`` with a percentile bootstrap interval.

    Both sets are resampled with replacement ``replicates`` times (copies of one sample are
    never paired with each other, see :func:`kid_from_counts`); the interval spans the
    central ``level`` of the resampled estimates. NaNs with fewer than two rows on a side.
    """
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        return KidInterval(math.nan, math.nan, math.nan)
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    value = float(kid_from_counts(kxx, kyy, kxy, np.ones(m), np.ones(n))[0])
    cx = rng.multinomial(m, np.full(m, 1.0 / m), size=replicates)
    cy = rng.multinomial(n, np.full(n, 1.0 / n), size=replicates)
    boot = kid_from_counts(kxx, kyy, kxy, cx, cy)
    tail = 50.0 * (1.0 - level)
    low, high = np.nanpercentile(boot, [tail, 100.0 - tail])
    return KidInterval(value, float(low), float(high))


# ---- diversity and summaries ----------------------------------------------------------------
def mean_pairwise_distance(features: np.ndarray) -> float:
    """Mean Euclidean distance over all pairs of rows (NaN with fewer than two rows)."""
    if len(features) < 2:
        return math.nan
    rows = torch.as_tensor(np.asarray(features, dtype=np.float64))
    return float(torch.pdist(rows).mean())


def _nan_min(values: list[float]) -> float:
    """The smallest finite value (NaN when none is finite)."""
    finite = [v for v in values if math.isfinite(v)]
    return min(finite) if finite else math.nan


def _nan_max(values: list[float]) -> float:
    """The largest finite value (NaN when none is finite)."""
    finite = [v for v in values if math.isfinite(v)]
    return max(finite) if finite else math.nan


def _nan_mean(values: list[float]) -> float:
    """The mean of the finite values (NaN when none is finite)."""
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def _subset(rows: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """At most ``limit`` rows of ``rows``: a fixed random subset when there are more."""
    if len(rows) <= limit:
        return rows
    order = np.random.default_rng(seed).permutation(len(rows))[:limit]
    return rows[np.sort(order)]


def _accuracy(hits: torch.Tensor) -> float:
    """The mean of a boolean tensor (NaN when empty)."""
    return float(hits.float().mean()) if len(hits) else math.nan


class _TableEvaluator(Evaluator):
    """Base of the conditional evaluators: the latest per-class table for ``metrics.json``."""

    def __init__(self) -> None:
        self._table: dict[str, Any] = {}

    def evaluate(self, fake: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        """Refused: the conditional metrics need the labels the samples were generated for."""
        raise ValueError(
            f"{type(self).__name__} scores class-conditional samples: call "
            "evaluate_conditional(fake, labels, generator)"
        )

    def details(self) -> dict[str, Any]:
        """``{"eval_per_class": table}`` of the latest evaluation (empty before one)."""
        return {DETAILS_KEY: self._table} if self._table else {}


# ---- labelled images --------------------------------------------------------------------------
class ConditionalImageEvaluator(_TableEvaluator):
    """Conditional accuracy, per-class KID (with intervals) and intra-class diversity.

    In the metric classifier's features (the classifier of
    :class:`~rlgan.gan.classifier.ClassifierEvaluator`, trained on the training split and
    cached), for each class ``c`` with generated images ``G_c``, training images ``T_c`` and
    held-out images ``H_c`` (at most :data:`MAX_PER_CLASS` of each):

    - accuracy: the fraction of ``G_c`` the classifier assigns to ``c`` (beside its accuracy
      on ``H_c``, the ceiling);
    - KID(``G_c``, ``H_c``) with a :data:`KID_LEVEL` bootstrap interval, beside the
      real-vs-real KID(``T_c``, ``H_c``) and its interval (computed once);
    - diversity: the mean pairwise feature distance within ``G_c`` over that within ``H_c``.
    """

    metrics = CONDITIONAL_IMAGE_METRICS

    def __init__(self, data: ImageData, cache_dir: str | Path, steps: int) -> None:
        super().__init__()
        assert data.labels is not None and data.heldout_labels is not None
        self.data, self.cache_dir, self.steps = data, cache_dir, int(steps)
        self.classifier: torch.nn.Module | None = None

    def prepare(self) -> None:
        """Load or train the classifier; score the real images of every class once."""
        if self.classifier is not None:
            return
        from rlgan.gan.classifier import cached_classifier

        data = self.data
        assert data.labels is not None and data.heldout_labels is not None
        self.classifier = cached_classifier(data, self.cache_dir, self.steps)
        self.scale = 1.0
        train = self._features(data.images)
        self.scale = float(np.sqrt(np.mean(train**2))) or 1.0
        train = train / self.scale
        held = self._features(data.heldout_images)
        held_predicted = self._predict(data.heldout_images)
        self.held: list[np.ndarray] = []
        self.real: list[dict[str, float]] = []
        for c in range(data.num_classes):
            in_held = (data.heldout_labels == c).numpy()
            held_c = _subset(held[in_held], MAX_PER_CLASS, c)
            train_c = _subset(train[(data.labels == c).numpy()], MAX_PER_CLASS, c)
            interval = kid_interval(train_c, held_c, np.random.default_rng([0, c]))
            self.held.append(held_c)
            self.real.append(
                {
                    "n_heldout": int(in_held.sum()),
                    "accuracy_heldout": _accuracy(held_predicted[torch.from_numpy(in_held)] == c),
                    "kid_real": interval.value,
                    "kid_real_low": interval.low,
                    "kid_real_high": interval.high,
                    "spread_heldout": mean_pairwise_distance(held_c),
                }
            )

    @torch.no_grad()
    def _features(self, images: torch.Tensor) -> np.ndarray:
        """Classifier features of ``images`` (in [-1, 1]) over :attr:`scale`, float64."""
        from rlgan.gan.classifier import classifier_features

        assert self.classifier is not None
        return classifier_features(self.classifier, images).double().numpy() / self.scale

    @torch.no_grad()
    def _predict(self, images: torch.Tensor) -> torch.Tensor:
        """The classifier's predicted class of each image."""
        assert self.classifier is not None
        return torch.cat(
            [
                self.classifier(images[i : i + 512].cpu().float()).argmax(1)
                for i in range(0, len(images), 512)
            ]
        )

    def evaluate_conditional(
        self, fake: torch.Tensor, labels: torch.Tensor, generator: torch.Generator
    ) -> dict[str, float]:
        """The conditional metrics of ``fake`` generated for ``labels``; keeps the table."""
        self.prepare()
        labels = labels.cpu().long()
        predicted = self._predict(fake)
        features = self._features(fake)
        rows: dict[str, dict[str, float]] = {}
        accuracy, kid, gap, above, diversity = [], [], [], [], []
        for c in range(self.data.num_classes):
            mine = labels == c
            real = self.real[c]
            fake_c = _subset(features[mine.numpy()], MAX_PER_CLASS, c)
            interval = kid_interval(fake_c, self.held[c], np.random.default_rng([1, c]))
            spread = mean_pairwise_distance(fake_c)
            row = {
                "n_generated": int(mine.sum()),
                "accuracy": _accuracy(predicted[mine] == c),
                "kid": interval.value,
                "kid_low": interval.low,
                "kid_high": interval.high,
                **real,
                "diversity": spread / real["spread_heldout"]
                if real["spread_heldout"] > 0
                else math.nan,
            }
            row["kid_gap"] = row["kid_low"] - row["kid_real_high"]
            rows[self.data.class_name(c)] = row
            accuracy.append(row["accuracy"])
            kid.append(row["kid"])
            gap.append(row["kid_gap"])
            above.append(float(row["kid_gap"] > 0))
            diversity.append(row["diversity"])
        worst = max(rows, key=lambda name: _finite_or(rows[name]["kid_gap"], -math.inf))
        self._table = {"interval": KID_LEVEL, "worst_class": worst, "classes": rows}
        hits = predicted == labels
        return {
            COND_ACCURACY.name: _accuracy(hits),
            COND_ACCURACY_WORST.name: _nan_min(accuracy),
            COND_KID.name: _nan_mean(kid),
            COND_KID_WORST.name: _nan_max(kid),
            COND_KID_GAP_WORST.name: _nan_max(gap),
            COND_CLASSES_ABOVE_REAL.name: float(sum(above)),
            COND_DIVERSITY.name: _nan_mean(diversity),
            COND_DIVERSITY_WORST.name: _nan_min(diversity),
        }


def _finite_or(value: float, default: float) -> float:
    """``value`` when finite, else ``default``."""
    return value if math.isfinite(value) else default


# ---- stacked digits ---------------------------------------------------------------------------
class StackedConditionalEvaluator(_TableEvaluator):
    """Stacked digits: whether each channel shows the digit the label asked for.

    ``eval/cond_accuracy``: the fraction of generated stacks whose three channels all show
    the requested digits (the digits' metric classifier, shared with ``modes``);
    ``eval/cond_accuracy_worst``: the lowest accuracy of one digit in one channel. The table
    has one row per channel and digit (30 rows): with 26,000 samples each of the 1,000
    classes gets only about 26, too few for a per-class table of its own.
    """

    metrics = CONDITIONAL_STACKED_METRICS

    def __init__(self, data: StackedDigits, modes: StackedModesEvaluator) -> None:
        super().__init__()
        self.data, self.modes = data, modes

    def prepare(self) -> None:
        """Prepare the shared modes evaluator (its classifier)."""
        self.modes.prepare()

    def evaluate_conditional(
        self, fake: torch.Tensor, labels: torch.Tensor, generator: torch.Generator
    ) -> dict[str, float]:
        """The per-channel conditional accuracy of ``fake`` generated for modes ``labels``."""
        from rlgan.gan.stacked_digits import digits_of

        self.prepare()
        fake, labels = fake[: self.modes.max_samples], labels[: self.modes.max_samples]
        shown = self.modes.channel_classes(fake)
        wanted = digits_of(labels.cpu())
        rows: dict[str, dict[str, float]] = {}
        for k, channel in enumerate(CHANNEL_NAMES):
            for digit in range(10):
                mine = wanted[:, k] == digit
                rows[f"{channel} {digit}"] = {
                    "n_generated": int(mine.sum()),
                    "accuracy": _accuracy(shown[mine, k] == digit),
                }
        worst = min(rows, key=lambda name: _finite_or(rows[name]["accuracy"], math.inf))
        self._table = {"worst_class": worst, "classes": rows}
        return {
            COND_ACCURACY.name: _accuracy((shown == wanted).all(dim=1)),
            COND_ACCURACY_WORST.name: _nan_min([row["accuracy"] for row in rows.values()]),
        }


# ---- 2-D mixtures -----------------------------------------------------------------------------
class MixtureConditionalEvaluator(_TableEvaluator):
    """2-D mixtures: samples near the requested mode, and their spread around it.

    A sample is correct when it lies within 3 standard deviations of the mode it was
    generated for; the diversity of a mode is the root-mean-square distance of its correct
    samples to the mode's centre over the same for real samples of that mode (1.0: as
    spread as real, near 0: collapsed onto a point).
    """

    metrics = CONDITIONAL_MIXTURE_METRICS

    def __init__(self, data: MixtureData) -> None:
        super().__init__()
        self.data = data
        real, modes = data.sample_labelled(20_000, torch.Generator().manual_seed(0))
        self.real_spread = self._spreads(real.double(), modes)

    def _spreads(self, points: torch.Tensor, modes: torch.Tensor) -> list[float]:
        """Per mode: RMS distance to its centre of the samples within 3 std (NaN: none)."""
        centers = torch.as_tensor(self.data.mixture.centers, dtype=torch.float64)
        distance = (points.double() - centers[modes]).norm(dim=1)
        close = distance <= 3 * self.data.mixture.std
        spreads = []
        for c in range(len(centers)):
            mine = distance[(modes == c) & close]
            spreads.append(float(mine.pow(2).mean().sqrt()) if len(mine) else math.nan)
        return spreads

    def evaluate_conditional(
        self, fake: torch.Tensor, labels: torch.Tensor, generator: torch.Generator
    ) -> dict[str, float]:
        """Per-mode accuracy and spread of ``fake`` generated for modes ``labels``."""
        labels = labels.cpu().long()
        points = torch.nan_to_num(fake.cpu().double(), nan=1e6, posinf=1e6, neginf=-1e6)
        centers = torch.as_tensor(self.data.mixture.centers, dtype=torch.float64)
        close = (points - centers[labels]).norm(dim=1) <= 3 * self.data.mixture.std
        spreads = self._spreads(points, labels)
        rows: dict[str, dict[str, float]] = {}
        for c in range(len(centers)):
            mine = labels == c
            rows[self.data.class_name(c)] = {
                "n_generated": int(mine.sum()),
                "accuracy": _accuracy(close[mine]),
                "diversity": spreads[c] / self.real_spread[c],
            }
        worst = min(rows, key=lambda name: _finite_or(rows[name]["accuracy"], math.inf))
        self._table = {"worst_class": worst, "classes": rows}
        diversity = [row["diversity"] for row in rows.values()]
        return {
            COND_ACCURACY.name: _accuracy(close),
            COND_ACCURACY_WORST.name: _nan_min([row["accuracy"] for row in rows.values()]),
            COND_DIVERSITY.name: _nan_mean(diversity),
            COND_DIVERSITY_WORST.name: _nan_min(diversity),
        }
