"""The cheap checks of ``rlgan-watch``'s options, run before any model or environment loads."""

from __future__ import annotations

from omegaconf import DictConfig

from rlgan.common.errors import invalid_choice, require, require_positive

WHICH_CHOICES = ("best", "final")


def check_watch_config(cfg: DictConfig) -> None:
    """Validate the cheap options before any model or environment is loaded."""
    from rlgan.common.device import resolve_device
    from rlgan.render.recorder import check_video_path

    require(
        cfg.run is not None or cfg.env is not None,
        "rlgan-watch needs run=<run folder> (watch a trained agent) or env=<Gymnasium id> "
        "(a random agent; add play=true to play it yourself), e.g. "
        "rlgan-watch env=CartPole-v1.",
    )
    require(
        cfg.run is None or cfg.env is None,
        f"Invalid run={cfg.run!r} with env={cfg.env!r}: give one of them. run= plays the "
        "environment the run was trained on.",
    )
    require(
        not (cfg.play and cfg.run is not None),
        f"Invalid play=true with run={cfg.run!r}: play=true is for you to play "
        "env=<id> yourself; drop it to watch the run's agent.",
    )
    if cfg.which not in WHICH_CHOICES:
        raise invalid_choice("which", cfg.which, WHICH_CHOICES)
    for knob in ("episodes", "fps"):
        value = cfg[knob]
        require(
            isinstance(value, int) and not isinstance(value, bool) and value >= 0,
            f"Invalid {knob}={value!r}: it must be an integer >= 0 (0: "
            f"{'until the window is closed' if knob == 'episodes' else 'no limit'}).",
        )
    if cfg.scale is not None:
        require_positive("scale", cfg.scale)
    if cfg.max_frames is not None:
        require(
            isinstance(cfg.max_frames, int) and cfg.max_frames > 0,
            f"Invalid max_frames={cfg.max_frames!r}: it must be an integer >= 1 or null.",
        )
    if cfg.record is not None:
        check_video_path(cfg.record)
    resolve_device(cfg.device)
