"""Typed settings of a GAN run: ``cfg.train`` and ``cfg.eval`` checked once, as dataclasses.

:meth:`TrainSettings.from_config` and :meth:`EvalSettings.from_config` validate their node
(one-paragraph :class:`~rlgan.common.errors.ConfigError` naming the bad value and what is
valid; counts are never truncated) and return frozen dataclasses, which is what the trainer
and the run take instead of raw mappings.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from rlgan.common.errors import invalid_choice, require, require_int, require_positive
from rlgan.common.progress import check_progress
from rlgan.gan.precision import check_precision

log = logging.getLogger(__name__)

SCHEDULES = ("constant", "linear")

#: ``(key, minimum, meaning)`` of the integer knobs of ``cfg.train``.
TRAIN_COUNTS: tuple[tuple[str, int, str], ...] = (
    ("iterations", 1, "generator updates to train for"),
    ("batch_size", 1, "real and generated samples per update"),
    ("d_steps", 1, "discriminator updates per generator update"),
    ("log_every", 1, "iterations between log rows"),
    ("eval_every", 1, "iterations between evaluations"),
    ("sample_every", 1, "iterations between sample images"),
    ("checkpoint_every", 1, "iterations between checkpoints"),
    ("keep_checkpoints", 0, "newest checkpoints kept; 0: all"),
)


def _number(knob: str, value: Any, rule: str) -> float:
    """``value`` as a float, or a ConfigError naming ``knob`` and the valid ``rule``."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    require(ok, f"Invalid {knob}={value!r}: it must be {rule}.")
    return float(value)


@dataclass(frozen=True)
class TrainSettings:
    """``cfg.train``: the budget, the optimisers and how often to log, evaluate and save."""

    iterations: int
    batch_size: int
    lr_g: float
    lr_d: float
    betas: tuple[float, float] = (0.5, 0.99)
    d_steps: int = 1
    lr_schedule: str = "linear"
    #: The discriminator's own schedule (None: ``lr_schedule``, for both networks).
    lr_schedule_d: str | None = None
    ema: float = 0.0
    log_every: int = 50
    eval_every: int = 500
    sample_every: int = 250
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    tensorboard: bool = True
    precision: str = "fp32"
    channels_last: bool = False
    compile: bool = False

    @classmethod
    def from_config(cls, node: Mapping[str, Any]) -> TrainSettings:
        """Check ``cfg.train`` (ConfigError) and return it typed; missing keys take defaults."""
        # null is "not given" (the deprecated spellings are null unless used), except for
        # the two knobs every run needs.
        values = {
            k: v
            for k, v in dict(node).items()
            if v is not None or k in ("iterations", "batch_size")
        }
        for key, minimum, meaning in TRAIN_COUNTS:
            if key in values or key in ("iterations", "batch_size"):
                require_int(f"train.{key}", values.get(key), minimum, meaning=meaning)
        for knob in ("lr_g", "lr_d"):
            require_positive(f"train.{knob}", values.get(knob))
        ema = values.get("ema") or 0.0
        rule = "the EMA decay, a number in [0, 1) (0 turns the generator EMA off; 0.999 is typical)"
        require(
            0.0 <= _number("train.ema", ema, rule) < 1.0,
            f"Invalid train.ema={ema!r}: it must be {rule}.",
        )
        betas = list(values.get("betas") or [])
        require(
            len(betas) == 2
            and all(
                isinstance(b, (int, float)) and not isinstance(b, bool) and 0.0 <= b < 1.0
                for b in betas
            ),
            f"Invalid train.betas={betas!r}: give two Adam betas in [0, 1), e.g. [0.5, 0.999].",
        )
        schedule = str(values.get("lr_schedule", "linear"))
        if schedule not in SCHEDULES:
            raise invalid_choice("train.lr_schedule", values.get("lr_schedule"), SCHEDULES)
        schedule_d = values.get("lr_schedule_d")  # absent or null: lr_schedule's
        if schedule_d is not None and str(schedule_d) not in SCHEDULES:
            raise invalid_choice(
                "train.lr_schedule_d",
                schedule_d,
                SCHEDULES,
                hint="Or null: the discriminator follows train.lr_schedule.",
            )
        # The device rule (fp16 needs CUDA) is checked once the device is known (train()).
        precision = check_precision(values.get("precision", "fp32"))
        for flag in ("channels_last", "compile"):
            value = values.get(flag, False)
            require(
                isinstance(value, bool),
                f"Invalid train.{flag}={value!r}: it must be true or false.",
            )
        known = {f for f in cls.__dataclass_fields__}
        kwargs = {k: v for k, v in values.items() if k in known}
        kwargs.update(
            lr_g=float(values["lr_g"]),
            lr_d=float(values["lr_d"]),
            betas=(float(betas[0]), float(betas[1])),
            ema=float(ema),
            lr_schedule=schedule,
            lr_schedule_d=None if schedule_d is None else str(schedule_d),
            precision=precision,
        )
        if "tensorboard" in kwargs:
            kwargs["tensorboard"] = bool(kwargs["tensorboard"])
        return cls(**kwargs)


@dataclass(frozen=True)
class EvalSettings:
    """``cfg.eval``: samples per evaluation and the optional FID/KID.

    ``conditional`` is ``model.conditional`` (set by :func:`rlgan.gan.validate.validate`):
    a class-conditional run's evaluator adds the conditional metrics.
    """

    n_samples: int = 2500
    inception: bool = False
    inception_weights: str | None = None
    kid_subset_size: int = 1000
    conditional: bool = False

    @classmethod
    def from_config(cls, node: Mapping[str, Any]) -> EvalSettings:
        """Check ``cfg.eval``'s counts (ConfigError) and return it typed.

        The FID/KID prerequisites (packages, weights file) are checked by
        :func:`rlgan.gan.inception_metrics.check_config`.
        """
        values = dict(node)
        require_int(
            "eval.n_samples",
            values.get("n_samples", 2500),
            1,
            meaning="generated samples per evaluation",
        )
        if "kid_subset_size" in values:
            require_int(
                "eval.kid_subset_size", values["kid_subset_size"], 2, meaning="KID subset size"
            )
        weights = values.get("inception_weights")
        return cls(
            n_samples=int(values.get("n_samples", 2500)),
            inception=bool(values.get("inception", False)),
            inception_weights=None if weights in (None, "") else str(weights),
            kid_subset_size=int(values.get("kid_subset_size", 1000)),
        )


_MISSING = object()

#: Knobs renamed to match rlgan-rl: old spelling -> new one. The old spellings still work
#: (with a warning), and run folders saved with them still resume.
RENAMED_KNOBS: dict[str, str] = {
    "train.eval_every": "eval.freq",
    "train.checkpoint_every": "checkpoint.freq",
    "train.keep_checkpoints": "checkpoint.keep",
    "train.tensorboard": "log.tensorboard",
}
#: ``(new knob, minimum, meaning, field of TrainSettings)`` of the run's cadence knobs.
CADENCE_KNOBS: tuple[tuple[str, int, str, str], ...] = (
    ("eval.freq", 1, "iterations between evaluations", "eval_every"),
    ("checkpoint.freq", 1, "iterations between checkpoints", "checkpoint_every"),
    ("checkpoint.keep", 0, "newest checkpoints kept; 0: all", "keep_checkpoints"),
)


def apply_renamed_knobs(cfg: DictConfig) -> DictConfig:
    """A copy of ``cfg`` with values given under deprecated spellings moved to their new keys.

    ``eval.freq=100`` becomes ``eval.freq=100`` with a one-line warning, and the old key
    is set to null, so that the saved config holds each value once.
    """
    moved = [old for old in RENAMED_KNOBS if OmegaConf.select(cfg, old, default=None) is not None]
    if not moved:
        return cfg
    cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=False))
    assert isinstance(cfg, DictConfig)
    for old in moved:
        new, value = RENAMED_KNOBS[old], OmegaConf.select(cfg, old)
        log.warning(
            "%s is deprecated (the knob is now named as in rlgan-rl): using %s=%r", old, new, value
        )
        OmegaConf.update(cfg, new, value, force_add=True)
        OmegaConf.update(cfg, old, None, force_add=True)
    return cfg


def train_node(cfg: DictConfig) -> dict[str, Any]:
    """``cfg.train`` with the cadence knobs that now live in ``eval``/``checkpoint``/``log``."""
    node = {
        k: v
        for k, v in OmegaConf.to_container(cfg.train).items()
        if f"train.{k}" not in RENAMED_KNOBS
    }
    for knob, minimum, meaning, field in CADENCE_KNOBS:
        value = OmegaConf.select(cfg, knob, default=_MISSING)
        if value is _MISSING:
            continue
        require_int(knob, value, minimum, meaning=meaning)
        node[field] = value
    tensorboard = OmegaConf.select(cfg, "log.tensorboard", default=None)
    if tensorboard is not None:
        node["tensorboard"] = bool(tensorboard)
    return node


def check_run_settings(cfg: DictConfig) -> None:
    """The cheap checks of a GAN config (counts, rates, schedules, evaluation, progress bar).

    They need no torch, so ``rlgan-gan train.batch_size=0`` is refused before the runner is
    imported (:mod:`rlgan.gan.cli`); :func:`rlgan.gan.validate.validate` checks them again
    with everything else.
    """
    cfg = apply_renamed_knobs(cfg)
    TrainSettings.from_config(train_node(cfg))
    EvalSettings.from_config(cfg.eval)
    check_progress(cfg.get("progress_bar", "auto"))
