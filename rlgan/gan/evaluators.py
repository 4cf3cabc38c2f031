"""Evaluators: what a data set measures on generated samples.

A data set chooses its evaluator (:meth:`rlgan.gan.data.GanDataSet.evaluator`). An
:class:`Evaluator` declares the metrics it reports (:attr:`~Evaluator.metrics`, specs from
:mod:`rlgan.gan.metric_names`), which are the valid ``objective`` values of a run besides the
losses; constructing one is cheap, and :meth:`~Evaluator.prepare` does the heavy setup (a
feature classifier, real features) once the run has started.

A class-conditional run calls :meth:`~Evaluator.evaluate_conditional` with the labels the
samples were generated for (evaluators that do not look at labels score the samples as
usual), and writes :meth:`~Evaluator.details` (e.g. a per-class table) to ``metrics.json``.

Here: :class:`PointEvaluator` (2-D data: mixture metrics and/or the sliced Wasserstein
distance), :class:`NoMetrics` and :class:`CombinedEvaluator`. The image evaluators are
:class:`rlgan.gan.classifier.ClassifierEvaluator` and
:class:`rlgan.gan.inception_metrics.InceptionEvaluator`; the conditional ones live in
:mod:`rlgan.gan.conditional_metrics`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from rlgan.common.metrics import MetricSpec
from rlgan.gan.metric_names import MIXTURE_METRICS, SHAPE_METRICS, SLICED_W1
from rlgan.gan.metrics import mixture_metrics, sliced_wasserstein
from rlgan.gan.toy2d import GaussianMixture2D

#: Draws ``n`` real samples with a CPU generator (``GanDataSet.sample``).
RealSampler = Callable[[int, torch.Generator], torch.Tensor]


class Evaluator:
    """Scores generated samples; declares the metrics it reports (``eval/*`` names)."""

    #: The metrics :meth:`evaluate` returns.
    metrics: tuple[MetricSpec, ...] = ()

    @property
    def max_samples(self) -> int | None:
        """Most generated samples one evaluation can use (None: no limit)."""
        return None

    def prepare(self) -> None:
        """Heavy one-time setup (train a classifier, embed real data); idempotent."""

    def evaluate(self, fake: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        """The declared metrics of ``fake`` (CPU tensor); ``generator`` draws real samples."""
        raise NotImplementedError

    def evaluate_conditional(
        self, fake: torch.Tensor, labels: torch.Tensor, generator: torch.Generator
    ) -> dict[str, float]:
        """The metrics of ``fake`` generated for class ``labels`` (here: labels unused)."""
        return self.evaluate(fake, generator)

    def details(self) -> dict[str, Any]:
        """Structured results of the latest evaluation for ``metrics.json`` (none here)."""
        return {}

    @property
    def metric_names(self) -> tuple[str, ...]:
        """The names of :attr:`metrics`."""
        return tuple(spec.name for spec in self.metrics)


class NoMetrics(Evaluator):
    """An evaluator that measures nothing (unlabelled images without FID/KID)."""

    def evaluate(self, fake: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        """No metrics: an empty dict."""
        return {}


class CombinedEvaluator(Evaluator):
    """Several evaluators' metrics side by side (e.g. classifier features plus FID/KID)."""

    def __init__(self, parts: Sequence[Evaluator]) -> None:
        self.parts = tuple(parts)
        self.metrics = tuple(spec for part in self.parts for spec in part.metrics)

    @property
    def max_samples(self) -> int | None:
        """The smallest limit of the parts (None when none has one)."""
        limits = [p.max_samples for p in self.parts if p.max_samples is not None]
        return min(limits) if limits else None

    def prepare(self) -> None:
        """Prepare every part."""
        for part in self.parts:
            part.prepare()

    def evaluate(self, fake: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        """Every part's metrics of ``fake``, in order."""
        out: dict[str, float] = {}
        for part in self.parts:
            out.update(part.evaluate(fake, generator))
        return out

    def evaluate_conditional(
        self, fake: torch.Tensor, labels: torch.Tensor, generator: torch.Generator
    ) -> dict[str, float]:
        """Every part's metrics of ``fake`` generated for ``labels``, in order."""
        out: dict[str, float] = {}
        for part in self.parts:
            out.update(part.evaluate_conditional(fake, labels, generator))
        return out

    def details(self) -> dict[str, Any]:
        """Every part's details, merged."""
        out: dict[str, Any] = {}
        for part in self.parts:
            out.update(part.details())
        return out


def combine(parts: Sequence[Evaluator]) -> Evaluator:
    """One evaluator for ``parts``: :class:`NoMetrics`, the single part, or a combination."""
    if not parts:
        return NoMetrics()
    return parts[0] if len(parts) == 1 else CombinedEvaluator(parts)


class PointEvaluator(Evaluator):
    """2-D samples against real ones.

    VEEGAN/PacGAN mixture metrics (for a mixture) and the sliced Wasserstein-1 distance
    (always).
    """

    def __init__(self, sample_real: RealSampler, mixture: GaussianMixture2D | None = None) -> None:
        self.sample_real = sample_real
        self.mixture = mixture
        self.metrics = MIXTURE_METRICS if mixture is not None else SHAPE_METRICS

    def evaluate(self, fake: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        """Metrics of ``fake`` against as many real samples drawn with ``generator``."""
        fake_np = fake.numpy()
        real = self.sample_real(len(fake_np), generator).numpy()
        if not np.isfinite(fake_np).all():
            fake_np = np.nan_to_num(fake_np, nan=1e6, posinf=1e6, neginf=-1e6)
        out: dict[str, float] = {}
        if self.mixture is not None:
            out.update({f"eval/{k}": v for k, v in mixture_metrics(fake_np, self.mixture).items()})
        out[SLICED_W1.name] = sliced_wasserstein(real, fake_np)
        return {k: float(v) for k, v in out.items()}
