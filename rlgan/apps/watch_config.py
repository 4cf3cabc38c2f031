"""The cheap checks of ``rlgan-watch``'s options, run before any model or environment loads."""

from __future__ import annotations

from omegaconf import DictConfig

from rlgan.apps.watch_arena import check_arena_knobs, is_arena_run
from rlgan.common.errors import invalid_choice, require, require_positive

WHICH_CHOICES = ("best", "final")
#: Frame-rate limit when ``fps`` is null: watching an agent, and playing a real-time game
#: (slow enough for a person to follow; ``+``/``-`` change it live, ``fps=`` overrides it).
WATCH_FPS, PLAY_FPS = 30, 10


def env_id_of(cfg: DictConfig) -> object:
    """The Gymnasium id given with ``env.id`` (None when watching a run)."""
    env = cfg.get("env")
    return env.get("id") if isinstance(env, DictConfig) else env


def check_watch_config(cfg: DictConfig) -> None:
    """Validate the cheap options before any model or environment is loaded."""
    from rlgan.common.device import resolve_device
    from rlgan.render.recorder import check_video_path

    env_id = env_id_of(cfg)
    model, algo = cfg.get("model"), cfg.get("algo")
    require(
        cfg.run is not None or env_id is not None,
        "rlgan-watch needs run=<run folder> (watch a trained agent) or env.id=<Gymnasium id> "
        "(a random agent; add play=true to play it yourself; add model=<zip> to play a model "
        "saved by stable-baselines3), e.g. rlgan-watch env.id=CartPole-v1.",
    )
    require(
        cfg.run is None or model is None,
        f"Invalid model={model!r} with run={cfg.run!r}: give one of them. run= plays an "
        "rlgan-rl run or an RL Zoo agent folder, model= a .zip saved by stable-baselines3.",
    )
    require(
        cfg.run is None or env_id is None,
        f"Invalid run={cfg.run!r} with env.id={env_id!r}: give one of them. run= plays the "
        "environment the run was trained on.",
    )
    env = cfg.get("env") if isinstance(cfg.get("env"), DictConfig) else None
    kwargs = env.get("kwargs") if env is not None else None
    require(
        cfg.run is None or not kwargs,
        f"Invalid env.kwargs={dict(kwargs or {})!r} with run={cfg.run!r}: run= plays the "
        "environment as the run was trained; env.kwargs is for env.id=<id>.",
    )
    stack = env.get("frame_stack", 1) if env is not None else 1
    require(
        stack in (None, 1) or model is not None,
        f"Invalid env.frame_stack={stack!r}: it tells how a model= zip was trained; run= "
        "plays a run with its own settings, and a random agent or you need no stacking.",
    )
    require(
        algo is None or model is not None or cfg.run is not None,
        f"Invalid algo={algo!r}: it names the algorithm of model=<zip> (or of a run= folder) "
        "when the file cannot tell; add model=<zip> or drop algo=.",
    )
    arena = is_arena_run(cfg.run)
    check_arena_knobs(cfg, arena)
    trained = "run" if cfg.run is not None else "model" if model is not None else None
    require(
        not (cfg.play and trained) or arena,
        f"Invalid play=true with {trained}={cfg.get(trained) if trained else None!r}: "
        "play=true is for you to play env.id=<id> yourself (or one side of an rlgan-arena run "
        "with team=red|blue); drop it to watch the agent.",
    )
    if cfg.which not in WHICH_CHOICES:
        raise invalid_choice("which", cfg.which, WHICH_CHOICES)
    for knob, zero in (("episodes", "until the window is closed"), ("fps", "no limit")):
        value = cfg[knob]
        if knob == "fps" and value is None:
            continue
        require(
            isinstance(value, int) and not isinstance(value, bool) and value >= 0,
            f"Invalid {knob}={value!r}: it must be an integer >= 0 (0: {zero})"
            + (
                f", or null ({WATCH_FPS}; {PLAY_FPS} when you play a real-time game)."
                if knob == "fps"
                else "."
            ),
        )
    ready = cfg.get("ready", 0)
    require(
        isinstance(ready, int | float) and not isinstance(ready, bool) and ready >= 0,
        f"Invalid ready={ready!r}: the seconds of the 'ready' pause at the start of each "
        "episode you play, a number >= 0 (0: no pause).",
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
    if model is not None:
        from rlgan.rl.knobs import frame_stack_size

        frame_stack_size(stack)
    resolve_device(cfg.device)
