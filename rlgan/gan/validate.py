"""Check an ``rlgan-gan`` config before any heavy work: one-paragraph :class:`ConfigError`s."""

from __future__ import annotations

from omegaconf import DictConfig

from rlgan.common.errors import invalid_choice, require, require_positive
from rlgan.common.progress import check_progress
from rlgan.gan import inception_metrics
from rlgan.gan.losses import LOSS_NAMES

SCHEDULES = ("constant", "linear")


def validate(cfg: DictConfig) -> None:
    """Check the numbers and names of ``cfg`` that are cheap to check (ConfigError)."""
    train = cfg.train
    for knob in ("iterations", "batch_size", "lr_g", "lr_d", "d_steps", "log_every",
                 "eval_every", "sample_every", "checkpoint_every"):
        require_positive(f"train.{knob}", train.get(knob))
    require_positive("eval.n_samples", cfg.eval.get("n_samples"))
    require(0.0 <= float(train.get("ema") or 0.0) < 1.0,
            f"Invalid train.ema={train.get('ema')!r}: the EMA decay must be in [0, 1) "
            "(0 turns the generator EMA off; 0.999 is typical).")
    betas = list(train.get("betas") or [])
    require(len(betas) == 2 and all(0.0 <= float(b) < 1.0 for b in betas),
            f"Invalid train.betas={betas!r}: give two Adam betas in [0, 1), e.g. [0.5, 0.999].")
    if str(train.lr_schedule) not in SCHEDULES:
        raise invalid_choice("train.lr_schedule", train.lr_schedule, SCHEDULES)
    check_progress(cfg.get("progress_bar", "auto"))
    if str(cfg.loss.name) not in LOSS_NAMES:
        raise invalid_choice("loss", cfg.loss.name, LOSS_NAMES)
    require_positive("loss.r1_gamma", cfg.loss.get("r1_gamma", 0.0), allow_zero=True)
    r1_every = cfg.loss.get("r1_every", 1)
    require(isinstance(r1_every, int) and r1_every >= 1,
            f"Invalid loss.r1_every={r1_every!r}: apply the R1 penalty every k-th "
            "discriminator update, k an integer >= 1 (1: every update; 4 or 16: lazy R1).")
    inception_metrics.check_config(cfg)
