"""Where ``rlgan-watch``'s environment and agent come from: a Gymnasium id or an rlgan-rl run.

This is the app's link to the RL runner: loading a run's model (:mod:`rlgan.rl.model_io`) and
making its environment (:mod:`rlgan.rl.env_factory`). Everything heavy is imported inside the
functions, so importing this module costs nothing. Every failure is a
:class:`~rlgan.common.errors.ConfigError` that says what to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

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
    """The env config and the trained agent of ``cfg.run``; clear errors for broken folders."""
    from rlgan.apps.agents import PolicyAgent
    from rlgan.common.device import resolve_device
    from rlgan.rl.model_io import load_run_model_with_path

    try:  # refuses a folder that is not an rlgan-rl run, skips damaged model files
        loaded = load_run_model_with_path(
            Path(str(cfg.run)).expanduser(), str(cfg.which), str(resolve_device(cfg.device))
        )
    except (OSError, ValueError, KeyError, RuntimeError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(
            f"Invalid run={str(cfg.run)!r}: its model could not be loaded "
            f"({type(err).__name__}: {err}). The file may be damaged or written by an "
            "incompatible version."
        ) from err
    model, run_cfg = loaded.model, loaded.config
    try:
        env_cfg = OmegaConf.to_container(run_cfg.env, resolve=True)
    except Exception as err:  # noqa: BLE001 - any resolution failure is the folder's fault
        raise ConfigError(
            f"Invalid run={str(cfg.run)!r}: its env config cannot be resolved here ({err})."
        ) from err
    label = f"{str(run_cfg.algo.name).upper()} ({loaded.path.name})"
    return env_cfg, PolicyAgent(model, label)


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
