"""Where ``rlgan-watch``'s environment and agent come from: a Gymnasium id or a trained model.

This is the app's link to the RL runner: loading a model (:func:`rlgan.rl.foreign.load_policy`:
an rlgan-rl run, an RL Zoo agent folder, or a plain SB3 zip with ``model=``, each with its
observation pipeline) and making its environment (:mod:`rlgan.rl.env_factory`). Everything
heavy is imported inside the functions, so importing this module costs nothing. Every failure
is a :class:`~rlgan.common.errors.ConfigError` that says what to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from rlgan.apps.watch_config import env_id_of
from rlgan.common.errors import ConfigError

if TYPE_CHECKING:
    from rlgan.apps.agents import PolicyAgent


def check_watch_env_id(env_id: Any) -> str:
    """Return ``env_id`` if Gymnasium knows it, else a ConfigError with close matches."""
    import difflib

    import gymnasium as gym

    import rlgan.envs  # noqa: F401 - registers rlgan/... ids

    if isinstance(env_id, str) and (env_id in gym.registry or ":" in env_id):
        return env_id
    names = sorted(gym.registry)
    close = difflib.get_close_matches(str(env_id), names, n=4, cutoff=0.5)
    hint = (
        f"Close matches: {', '.join(close)}."
        if close
        else f"Registered ids include {', '.join(names[:6])}, ..."
    )
    raise ConfigError(
        f"Invalid env.id={env_id!r}: no Gymnasium environment is registered under "
        f"that id. {hint} Any registered Gymnasium id works, e.g. "
        "env.id=CartPole-v1, env.id=rlgan/Pursuit-v0 or env.id=rlgan/Maze-v0."
    )


def load_run(cfg: DictConfig) -> tuple[dict[str, Any], PolicyAgent]:
    """The env config and the trained agent of ``cfg.run`` (or ``cfg.model`` on ``env.id``).

    The agent sees observations through the model's pipeline (normalization statistics,
    frame stacking); a model whose spaces do not fit the env, and broken folders or files,
    are one-paragraph ConfigErrors.
    """
    from rlgan.apps.agents import PolicyAgent
    from rlgan.common.device import resolve_device
    from rlgan.rl.env_factory import probe_spaces
    from rlgan.rl.foreign import load_policy

    knob = "model" if cfg.get("model") is not None else "run"
    source = Path(str(cfg.get(knob))).expanduser()
    env_cfg = None
    if knob == "model":
        env_cfg = {
            "id": check_watch_env_id(env_id_of(cfg)),
            "kwargs": dict(OmegaConf.to_container(cfg.env.kwargs) or {}),
            "frame_stack": cfg.env.get("frame_stack", 1),
        }
    try:  # refuses a folder that is not a run, skips damaged model files
        loaded = load_policy(
            source,
            which=str(cfg.which),
            device=str(resolve_device(cfg.device)),
            trust=bool(cfg.get("trust", False)),
            knob=knob,
            env_cfg=env_cfg,
            algo=cfg.get("algo"),
        )
    except (OSError, ValueError, KeyError, RuntimeError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(
            f"Invalid {knob}={str(source)!r}: its model could not be loaded "
            f"({type(err).__name__}: {err}). The file may be damaged or written by an "
            "incompatible version."
        ) from err
    try:
        env_cfg = loaded.env_config
    except Exception as err:  # noqa: BLE001 - any resolution failure is the folder's fault
        raise ConfigError(
            f"Invalid {knob}={str(source)!r}: its env config cannot be resolved here ({err})."
        ) from err
    observation_space, action_space = probe_spaces(env_cfg)
    pipeline = loaded.observation_pipeline(observation_space, action_space, knob)
    label = f"{loaded.algo_name.upper()} ({loaded.path.name})"
    return env_cfg, PolicyAgent(loaded.model, label, pipeline if loaded.pipeline.active else None)


def make_render_env(env_cfg: dict[str, Any], seed: int) -> Any:
    """The environment with ``render_mode="rgb_array"``; a ConfigError if it cannot render."""
    import gymnasium as gym
    import numpy as np

    from rlgan.rl.env_factory import check_env_source, make_env
    from rlgan.rl.knobs import check_env_kwargs

    env_id = check_env_source(env_cfg)  # a registered id, or the name of an env._target_
    check_env_kwargs(env_cfg)  # an unknown env.kwargs knob, with close matches
    declared = declared_render_modes(env_id) if env_cfg.get("_target_") is None else None
    if declared is not None and "rgb_array" not in declared:
        raise _cannot_render(env_id, declared)
    try:
        env = make_env(env_cfg, seed=seed, render_mode="rgb_array")
    except (TypeError, ValueError, gym.error.Error) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(
            f"Invalid env.id={env_id!r}: it could not be made with "
            f"render_mode='rgb_array' ({type(err).__name__}: {err})."
        ) from err
    modes = list(env.unwrapped.metadata.get("render_modes") or [])
    frame = env.render() if "rgb_array" in modes else None
    if not (isinstance(frame, np.ndarray) and frame.ndim == 3 and frame.shape[2] in (3, 4)):
        env.close()
        raise _cannot_render(env_id, modes)
    return env


def _cannot_render(env_id: str, modes: list[str]) -> ConfigError:
    """The error for an environment without RGB frames."""
    return ConfigError(
        f"Invalid env.id={env_id!r}: it cannot render RGB frames (its render "
        f"modes are {modes or 'none'}; rlgan-watch needs 'rgb_array'). "
        "Watch an environment that supports render_mode='rgb_array'."
    )


def declared_render_modes(env_id: str) -> list[str] | None:
    """The render modes an environment class declares in its metadata (None: unknown)."""
    import gymnasium as gym
    from gymnasium.envs.registration import load_env_creator

    try:
        entry = gym.spec(env_id).entry_point
        creator = load_env_creator(entry) if isinstance(entry, str) else entry
    except Exception:  # noqa: BLE001 - gym.make reports a broken entry point itself
        return None
    metadata = getattr(creator, "metadata", None)
    if not isinstance(metadata, dict) or "render_modes" not in metadata:
        return None
    return list(metadata["render_modes"] or [])
