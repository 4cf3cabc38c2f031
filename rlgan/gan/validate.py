"""Check an ``rlgan-gan`` config before any heavy work: one-paragraph :class:`ConfigError`s.

:func:`validate` refuses unknown keys (``+train.batch_szie=...``, with a close-match hint),
counts that are not integers in range (``train.batch_size=64.5`` is never truncated) and bad
numbers, builds the loss object (cheap; it checks its own weights) and returns the typed
settings of the run (:class:`RunSettings`). :func:`warn_batch_vs_data` warns, once the data
set is built, when a batch is larger than the data set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from omegaconf import DictConfig, OmegaConf

from rlgan.common.config_keys import ClosedNode, check_known_keys
from rlgan.common.errors import ConfigError, invalid_choice, require_int
from rlgan.common.progress import check_progress
from rlgan.gan import inception_metrics
from rlgan.gan.building import build_object
from rlgan.gan.conditioning import unlabelled_message
from rlgan.gan.data import data_class
from rlgan.gan.losses import GanLoss
from rlgan.gan.settings import EvalSettings, TrainSettings, train_node
from rlgan.nets.mlp import check_sizes

log = logging.getLogger(__name__)

IMAGE_CHANNELS = (1, 3)

#: Nodes of the ``gan`` config whose keys are checked; ``data``, ``model`` and ``loss`` against
#: the selected option's file (``conf/<group>/<option>.yaml``).
GAN_NODES: tuple[ClosedNode, ...] = (
    ClosedNode(""),
    ClosedNode("train"),
    ClosedNode("eval"),
    ClosedNode("sampling"),
    ClosedNode("checkpoint"),
    ClosedNode("log"),
    ClosedNode("render"),
    ClosedNode("data", group="data"),
    ClosedNode("model", group="model"),
    ClosedNode("loss", group="loss"),
)

_ABSENT = object()


@dataclass(frozen=True)
class IntKnob:
    """An integer knob of the ``gan`` config and its valid range."""

    path: str
    minimum: int
    meaning: str
    nullable: bool = False
    required: bool = True


@dataclass(frozen=True)
class RunSettings:
    """The typed settings of a run, as :func:`validate` checked them."""

    train: TrainSettings
    eval: EvalSettings


#: Counts outside ``train`` / ``eval`` (those are checked by the typed settings), checked
#: before anything is built: the model and the data set check them again when built.
INT_KNOBS: tuple[IntKnob, ...] = (
    IntKnob("seed", 0, "the run's random seed"),
    IntKnob(
        "threads", 0, "torch CPU threads; 0 or null: torch's default", nullable=True, required=False
    ),
    IntKnob("render.every", 1, "iterations between live-view updates", required=False),
    IntKnob(
        "sampling.cluster_match",
        0,
        "k-means clusters whose training shares samples are drawn in (0: off)",
        required=False,
    ),
    IntKnob("model.z_dim", 1, "latent dimensions"),
    IntKnob("model.base_channels", 1, "DCGAN channel width", required=False),
    IntKnob(
        "model.d_minibatch_std",
        0,
        "images per group of D's minibatch standard deviation (0: none)",
        required=False,
    ),
    IntKnob(
        "data.image_size",
        1,
        "side of the square images after resizing; null: native",
        nullable=True,
        required=False,
    ),
    IntKnob(
        "data.max_images",
        1,
        "images kept from the data set; null: all",
        nullable=True,
        required=False,
    ),
    IntKnob("data.classifier_steps", 1, "training steps of the metric classifier", required=False),
)


def _select(cfg: DictConfig, path: str) -> Any:
    """The value at dotted ``path`` of ``cfg``, or ``_ABSENT`` when a key is missing."""
    node: Any = cfg
    for part in path.split("."):
        if not isinstance(node, DictConfig) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def check_counts(cfg: DictConfig) -> None:
    """Refuse counts that are not integers in range (fractions are never truncated)."""
    for knob in INT_KNOBS:
        value = _select(cfg, knob.path)
        if value is _ABSENT:
            if not knob.required:
                continue
            value = None
        require_int(knob.path, value, knob.minimum, nullable=knob.nullable, meaning=knob.meaning)
    channels = _select(cfg, "data.channels")
    if channels is not _ABSENT and channels is not None and channels not in IMAGE_CHANNELS:
        raise invalid_choice(
            "data.channels", channels, IMAGE_CHANNELS, "It is an integer: 1 (grey) or 3 (RGB)."
        )
    for side in ("g_hidden", "d_hidden"):
        sizes = _select(cfg, f"model.{side}")
        if sizes is not _ABSENT:
            plain = OmegaConf.to_container(sizes) if OmegaConf.is_config(sizes) else sizes
            check_sizes(f"model.{side}", plain)


def check_conditional(cfg: DictConfig) -> bool:
    """Check ``model.conditional`` / ``model.conditioning``; return whether the run is conditional.

    A conditional run on a data set whose class has no labels (the 2-D shapes) is refused
    here; one whose data turns out to have fewer than two classes (an image folder without
    class sub-folders) is refused as soon as the data is loaded
    (:func:`rlgan.gan.conditioning.check_conditional_data`).
    """
    from rlgan.gan.models import check_conditioning

    model = cfg.model
    if "conditional" not in model and "conditioning" not in model:
        return False
    conditional = check_conditioning(
        model.get("conditional", False), model.get("conditioning", "projection")
    )
    if conditional and not data_class(cfg.data).has_labels:
        name = str(cfg.data.get("name", "?"))
        raise ConfigError(
            unlabelled_message(name, "its samples have no class labels", str(model.get("name")))
        )
    return conditional


def validate(cfg: DictConfig) -> RunSettings:
    """Check the keys, numbers and objects of ``cfg`` that are cheap to check (ConfigError).

    Returns the typed train/eval settings; the loss is built once here to check it (the
    model and the data set need the data, so they are built by the run).
    """
    check_known_keys(cfg, "gan", GAN_NODES)
    check_counts(cfg)
    settings = RunSettings(
        train=TrainSettings.from_config(train_node(cfg)), eval=EvalSettings.from_config(cfg.eval)
    )
    check_progress(cfg.get("progress_bar", "auto"))
    build_object(cfg.loss, "loss", GanLoss)
    data_class(cfg.data)
    conditional = check_conditional(cfg)
    inception_metrics.check_config(cfg)
    return replace(settings, eval=replace(settings.eval, conditional=conditional))


def batch_vs_data_warning(
    batch_size: int, data_size: int | None, data_name: str = "data"
) -> str | None:
    """The warning for a batch larger than the data set (None when it fits or is unbounded)."""
    if data_size is None or data_size <= 0 or batch_size <= data_size:
        return None
    return (
        f"train.batch_size={batch_size} is larger than the data set ({data_name}: "
        f"{data_size} samples): real batches are drawn uniformly with replacement (no "
        f"epochs), so every batch of {batch_size} repeats samples, about "
        f"{batch_size / data_size:.1f} copies of each; training runs as configured, but "
        "a smaller batch (or more data) gives more varied batches."
    )


def warn_batch_vs_data(cfg: DictConfig, data_size: int | None) -> str | None:
    """Warn (module logger) when ``train.batch_size`` exceeds the built data set's size.

    Call it after building the data: ``data_size`` is the number of images, or None for the
    2-D toy sets, which are sampled afresh every batch (never too small). Returns the message
    (None when there is nothing to warn about).
    """
    batch_size = cfg.train.batch_size
    if not isinstance(batch_size, int) or isinstance(batch_size, bool):
        raise ConfigError(
            f"Invalid train.batch_size={batch_size!r}: it must be an integer "
            ">= 1 (call validate(cfg) first)."
        )
    name = str(cfg.data.get("name", "data")) if "data" in cfg else "data"
    message = batch_vs_data_warning(batch_size, data_size, name)
    if message:
        log.warning(message)
    return message
