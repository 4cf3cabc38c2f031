"""Class-conditional runs (``model.conditional=true``): labels, displayed classes, checks.

A conditional run trains on labelled data (:attr:`rlgan.gan.data.GanDataSet.has_labels`
with two or more classes): digits and the other labelled image sets, stacked digits (the
1,000 three-digit classes), image folders with one sub-folder per class, and the 2-D
mixtures (the mode index is the class). The trainer draws each real batch with its labels
and the fakes' labels from the data's class frequencies; evaluations request
:func:`stratified_labels` (each class in proportion to its frequency), and pictures show one
row per class of :func:`display_classes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from rlgan.common.errors import ConfigError

if TYPE_CHECKING:
    from rlgan.gan.data import GanDataSet

#: Most classes a picture shows, one row each (the live view's number keys pick among them).
MAX_DISPLAY_CLASSES = 10
#: Samples per row of a class grid: the columns of the image sample grids.
GRID_COLUMNS = 8


def is_conditional(model_cfg: Any) -> bool:
    """Whether a ``conf/model`` node asks for a class-conditional GAN."""
    return bool(model_cfg.get("conditional", False)) if model_cfg is not None else False


def display_classes(num_classes: int, limit: int = MAX_DISPLAY_CLASSES) -> list[int]:
    """The classes pictures show: all of them up to ``limit``, else ``limit`` spread evenly.

    Spread evenly means ``round(linspace(0, K - 1, limit))``: for stacked digits' 1,000
    classes that is 000, 111, ..., 999, so every digit appears in every channel.
    """
    if num_classes <= limit:
        return list(range(num_classes))
    return [int(c) for c in np.round(np.linspace(0, num_classes - 1, limit))]


def sample_labels(n: int, frequencies: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """``n`` labels drawn independently from the class ``frequencies``."""
    return torch.multinomial(frequencies, n, replacement=True, generator=generator)


def stratified_labels(
    n: int, frequencies: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """``n`` labels, each class ``round(n * frequency)`` times (largest remainders), shuffled.

    Evaluations use them so that every class gets its share of the samples exactly (the
    per-class metrics need samples of each class); the order is a permutation drawn from
    ``generator`` (none: class order).
    """
    p = frequencies.double() / frequencies.double().sum()
    exact = p * n
    counts = exact.floor().long()
    short = n - int(counts.sum())
    if short > 0:
        counts[torch.argsort(exact - counts, descending=True)[:short]] += 1
    labels = torch.repeat_interleave(torch.arange(len(p)), counts)
    if generator is not None:
        labels = labels[torch.randperm(n, generator=generator)]
    return labels


def check_conditional_data(data: GanDataSet, model_name: str = "model") -> None:
    """Refuse a conditional run on data without two or more classes (one-paragraph error)."""
    if data.has_labels and data.num_classes >= 2:
        return
    why = (
        "its images have one class (a folder needs one sub-folder per class)"
        if data.has_labels
        else "its samples have no class labels"
    )
    raise ConfigError(unlabelled_message(data.name, why, model_name))


def unlabelled_message(data_name: str, why: str, model_name: str = "model") -> str:
    """The error for ``model.conditional=true`` on data ``data_name`` that has no classes."""
    from rlgan.gan.data import labelled_data_options

    return (
        f"Invalid model.conditional=true for data={data_name}: {why}. A class-conditional "
        f"GAN needs labelled data with two or more classes: data="
        f"{', '.join(labelled_data_options())} (folder: one sub-folder per class; "
        "ring8/grid25: the mode is the class). Set model.conditional=false to train "
        f"{model_name} unconditionally."
    )
