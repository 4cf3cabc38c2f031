"""Stacked digits: three 8x8 digits as the RGB channels of one image, 1,000 modes.

The small-image counterpart of Stacked MNIST (the mode-collapse benchmark of Metz et al.'s
Unrolled GAN, VEEGAN and PacGAN): every real sample stacks three digits drawn independently
from the digits' training split, so its mode is the triple of their classes (000-999). Real
samples are stacked afresh for every batch. :class:`StackedModesEvaluator` classifies each
channel with the digits' metric classifier (:mod:`rlgan.gan.classifier`, trained on the
training split and shared with ``data=digits``) and reports, on ``eval.n_samples``
generated images (26,000 by default, as the papers use), the modes covered and the reverse
KL of the mode histogram from uniform, beside the same KL for as many real stacked samples
(the floor: finite samples, unequal class frequencies and classifier errors keep it above
zero).

A class-conditional run (``model.conditional=true``) uses the 1,000 modes as its classes: the
label of a stack is its three digits' classes read as a number (red, green, blue: hundreds,
tens, units), and :class:`~rlgan.gan.conditional_metrics.StackedConditionalEvaluator` checks
each channel against the requested digit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from rlgan.common.errors import ConfigError
from rlgan.gan import images as loaders
from rlgan.gan.evaluators import Evaluator, combine
from rlgan.gan.image_data import Digits
from rlgan.gan.metric_names import (
    STACKED_METRICS,
    STACKED_MODES,
    STACKED_REVERSE_KL,
    STACKED_REVERSE_KL_REAL,
)
from rlgan.gan.settings import EvalSettings

#: Digits per image (one per channel) and the number of modes, 10 ** STACK.
STACK = 3
MODES = 10**STACK
#: The place value of each channel's digit in a mode (red: hundreds, green: tens, blue: units).
PLACES = tuple(10 ** (STACK - 1 - k) for k in range(STACK))


def stack_indices(pool: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """Indices ``(n, 3)`` into ``pool`` of the digits of ``n`` stacks, drawn uniformly."""
    return torch.randint(len(pool), (n, STACK), generator=generator)


def stack_of(pool: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """The images ``(n, 3, H, W)`` whose channels are ``pool[index]`` (``index`` ``(n, 3)``)."""
    return pool[index.flatten(), 0].reshape(len(index), STACK, *pool.shape[-2:])


def stack_digits(pool: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` images ``(n, 3, H, W)``, each channel a random image of ``pool`` ``(N, 1, H, W)``."""
    return stack_of(pool, stack_indices(pool, n, generator))


def modes_of(digit_classes: torch.Tensor) -> torch.Tensor:
    """The modes (0-999) of stacks whose channels' digits are ``digit_classes`` ``(n, 3)``."""
    return (digit_classes.long() * torch.tensor(PLACES)).sum(1)


def digits_of(modes: torch.Tensor) -> torch.Tensor:
    """The channels' digits ``(n, 3)`` of ``modes`` (0-999), :func:`modes_of` reversed."""
    return torch.stack([(modes.long() // place) % 10 for place in PLACES], dim=1)


def mode_histogram(modes: np.ndarray) -> np.ndarray:
    """Counts of each of the :data:`MODES` modes in ``modes`` (integers 0-999)."""
    return np.bincount(np.asarray(modes, dtype=np.int64), minlength=MODES)


def mode_metrics(counts: np.ndarray) -> tuple[float, float]:
    """``(modes covered, KL(q || uniform))`` of a mode histogram (log 1000 when empty)."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total == 0:
        return 0.0, math.log(MODES)
    q = counts / total
    nonzero = q > 0
    return float(nonzero.sum()), float(np.sum(q[nonzero] * np.log(q[nonzero] * MODES)))


class StackedDigits(Digits):
    """Three digits of the training split stacked as RGB channels (1,000 modes, 8x8).

    The digits are split as ``data=digits`` is (``holdout``), and the metric classifier is
    that of ``data=digits``; real samples are stacked afresh from the training split's
    digits, so there is no fixed set of stacked images.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.class_names = [f"{i:03d}" for i in range(MODES)]
        #: The single digits of the training split the stacks are drawn from.
        self.digits = self.images
        self.shape = (STACK, *self.images.shape[-2:])

    def load(self) -> loaders.ImageArrays:
        """The digits themselves (:func:`rlgan.gan.images.load_digits`)."""
        arrays = loaders.load_digits()
        if self.channels != 1:
            raise ConfigError(
                f"Invalid data.channels={self.channels} for data=stacked_digits: its "
                "digits are grey (1); the three stacked digits make the 3 channels."
            )
        return arrays

    @property
    def size(self) -> None:
        """None: real samples are stacked afresh (no fixed set of images)."""
        return None

    @property
    def num_classes(self) -> int:
        """The modes (1,000)."""
        return MODES

    def sample(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> torch.Tensor:
        """``n`` stacks of three random training-split digits."""
        index = stack_indices(self.digits, n, generator)
        digits, _ = self.on_device(device)  # self.digits is the training split
        return stack_of(digits, index.to(digits.device))

    def sample_labelled(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(stacks, modes)``: :meth:`sample`'s draw and each stack's mode (0-999)."""
        assert self.labels is not None
        index = stack_indices(self.digits, n, generator)
        digits, _ = self.on_device(device)
        stacks = stack_of(digits, index.to(digits.device))
        return stacks, modes_of(self.labels[index]).to(device)

    def class_frequencies(self) -> torch.Tensor:
        """The modes' frequencies: products of the three digits' training-split frequencies."""
        assert self.labels is not None
        p = torch.bincount(self.labels, minlength=10).double()
        p = p / p.sum()
        return torch.einsum("i,j,k->ijk", p, p, p).flatten().float()

    def evaluator(
        self, settings: EvalSettings, device: torch.device | str = "cpu", seed: int = 0
    ) -> Evaluator:
        """:class:`StackedModesEvaluator` on ``eval.n_samples`` images.

        A class-conditional run puts the per-channel conditional accuracy first.
        """
        modes = StackedModesEvaluator(self, settings.n_samples)
        if not settings.conditional:
            return modes
        from rlgan.gan.conditional_metrics import StackedConditionalEvaluator

        return combine([StackedConditionalEvaluator(self, modes), modes])


class StackedModesEvaluator(Evaluator):
    """Modes covered and reverse KL over the 1,000 modes, with the real-data floor.

    Each channel is classified by the digits' cached metric classifier; :meth:`prepare`
    loads (or trains) it and scores ``n_samples`` real stacked images (the floor).
    """

    metrics = STACKED_METRICS

    def __init__(self, data: StackedDigits, n_samples: int) -> None:
        self.data, self.n_samples = data, int(n_samples)
        self.classifier: torch.nn.Module | None = None

    @property
    def max_samples(self) -> int:
        """The configured number of generated images per evaluation."""
        return self.n_samples

    def prepare(self) -> None:
        """Load or train the digits classifier; measure the floor on real stacked images."""
        if self.classifier is not None:
            return
        from rlgan.gan.classifier import cached_classifier

        data = self.data
        self.classifier = cached_classifier(
            data, data.cache_dir, data.classifier_steps, name="digits", num_classes=10
        )
        real = data.sample(self.n_samples, torch.Generator().manual_seed(0))
        self.real_modes, self.real_kl = mode_metrics(mode_histogram(self.modes(real)))

    @torch.no_grad()
    def channel_classes(self, images: torch.Tensor) -> torch.Tensor:
        """The digit class of each channel of ``(3, H, W)`` images, ``(n, 3)``."""
        assert self.classifier is not None
        digits = images.cpu().float().reshape(-1, 1, *images.shape[-2:])
        return torch.cat(
            [self.classifier(digits[i : i + 4096]).argmax(1) for i in range(0, len(digits), 4096)]
        ).reshape(-1, STACK)

    def modes(self, images: torch.Tensor) -> np.ndarray:
        """The mode (0-999) of each ``(3, H, W)`` image: its channels' classes as digits."""
        return modes_of(self.channel_classes(images)).numpy()

    def evaluate(
        self, fake: torch.Tensor, generator: torch.Generator | None = None
    ) -> dict[str, float]:
        """``eval/stacked_modes``, ``eval/stacked_reverse_kl`` and the real floor's KL."""
        self.prepare()
        covered, kl = mode_metrics(mode_histogram(self.modes(fake[: self.n_samples])))
        return {
            STACKED_MODES.name: covered,
            STACKED_REVERSE_KL.name: kl,
            STACKED_REVERSE_KL_REAL.name: self.real_kl,
        }
