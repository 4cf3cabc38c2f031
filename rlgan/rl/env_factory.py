"""Build the environments a run trains and evaluates on, from the ``env`` config group.

``env`` config keys: ``id`` (any registered Gymnasium id), ``n_envs``, ``vectorization``
(``auto | dummy | subproc | native``), ``kwargs`` (passed to ``gymnasium.make``),
``max_episode_steps`` and ``reward_threshold`` (``null``: the Gymnasium spec's values).
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import importlib
import logging
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecMonitor

from rlgan.common.errors import ConfigError, invalid_choice
from rlgan.common.mp_start import reset_loky_start_method

log = logging.getLogger(__name__)

VECTORIZATIONS = ("auto", "dummy", "subproc", "native")


def _plain(env_cfg: Mapping[str, Any] | DictConfig) -> dict[str, Any]:
    """The env config as a plain, picklable dict."""
    if isinstance(env_cfg, DictConfig):
        return OmegaConf.to_container(env_cfg, resolve=True)  # type: ignore[return-value]
    return dict(env_cfg)


def register_project_envs() -> None:
    """Import ``rlgan.envs`` (our own environments) so their ids are registered, if present."""
    with contextlib.suppress(ImportError):
        importlib.import_module("rlgan.envs")


def check_env_id(env_id: Any) -> str:
    """Return ``env_id`` if Gymnasium knows it; else raise a ConfigError with close matches."""
    if not isinstance(env_id, str) or not env_id:
        raise ConfigError(f"Invalid env.id={env_id!r}: give a Gymnasium id such as "
                          "CartPole-v1 (env.id=<id>) or pick a file in conf/env/ (env=<name>).")
    register_project_envs()
    if env_id in gym.registry or ":" in env_id:
        return env_id
    names = sorted(gym.registry)
    lowered = {name.lower(): name for name in names}
    close = difflib.get_close_matches(env_id.lower(), list(lowered), n=5, cutoff=0.5)
    suggestions = [lowered[name] for name in close]
    hint = (f"Close matches: {', '.join(suggestions)}." if suggestions
            else f"Registered ids include {', '.join(names[:8])}, ...")
    raise ConfigError(f"Invalid env.id={env_id!r}: no Gymnasium environment is registered "
                      f"under that id. {hint} Any registered Gymnasium id works "
                      "(env.id=<id>); our presets are in conf/env/ (env=<name>).")


def reward_threshold(env_cfg: Mapping[str, Any] | DictConfig) -> float | None:
    """The score that counts as solved: ``env.reward_threshold`` or the Gymnasium spec's."""
    override = env_cfg.get("reward_threshold")
    if override is not None:
        return float(override)
    spec = gym.spec(str(env_cfg["id"]))
    return None if spec.reward_threshold is None else float(spec.reward_threshold)


def make_env(env_cfg: Mapping[str, Any] | DictConfig, seed: int,
             render_mode: str | None = None) -> gym.Env:
    """One environment wrapped as in training (``Monitor``), reset with ``seed``."""
    cfg = _plain(env_cfg)
    kwargs = dict(cfg.get("kwargs") or {})
    if cfg.get("max_episode_steps") is not None:
        kwargs["max_episode_steps"] = int(cfg["max_episode_steps"])
    env = gym.make(check_env_id(cfg["id"]), render_mode=render_mode, **kwargs)
    env = Monitor(env)
    env.reset(seed=int(seed))
    env.action_space.seed(int(seed))
    return env


def native_vector_available(env_id: str) -> bool:
    """True when ``rlgan.rl.vec_env`` exists and has a native vector version of ``env_id``."""
    try:
        from rlgan.rl import vec_env
    except ImportError:
        return False
    return bool(vec_env.has_native_vector(env_id))


def resolve_vectorization(env_id: str, vectorization: str, knob: str = "env.vectorization"
                          ) -> str:
    """Validate ``vectorization``; ``auto`` becomes ``native`` when available, else ``dummy``."""
    if vectorization not in VECTORIZATIONS:
        raise invalid_choice(knob, vectorization, VECTORIZATIONS,
                             "auto picks native when the env has a native vector version.")
    if vectorization == "auto":
        return "native" if native_vector_available(env_id) else "dummy"
    if vectorization == "native" and not native_vector_available(env_id):
        raise ConfigError(
            f"Invalid {knob}='native' for env.id={env_id!r}: {env_id} has no native "
            "(batched) vector implementation here. Use env.vectorization=dummy (one process, "
            "fastest for cheap envs), subproc (one process per env) or auto.")
    return vectorization


def make_vec_env(env_cfg: Mapping[str, Any] | DictConfig, n_envs: int, seed: int,
                 vectorization: str = "auto") -> VecEnv:
    """``n_envs`` environments as one SB3 ``VecEnv``; env ``i`` is seeded with ``seed + i``."""
    cfg = _plain(env_cfg)
    env_id = check_env_id(cfg["id"])
    mode = resolve_vectorization(env_id, vectorization)
    if mode == "native":
        from rlgan.rl.vec_env import NativeVecEnv

        kwargs = dict(cfg.get("kwargs") or {})
        if cfg.get("max_episode_steps") is not None:
            kwargs["max_episode_steps"] = int(cfg["max_episode_steps"])
        return VecMonitor(NativeVecEnv(env_id, int(n_envs), int(seed), env_kwargs=kwargs))
    thunks = [functools.partial(make_env, cfg, int(seed) + i) for i in range(int(n_envs))]
    if mode == "subproc":
        reset_loky_start_method()  # inside a joblib sweep worker, children need a real method
        vec: VecEnv = SubprocVecEnv(thunks)
    else:
        vec = DummyVecEnv(thunks)
    vec.seed(int(seed))
    return vec


def probe_spaces(env_cfg: Mapping[str, Any] | DictConfig) -> tuple[gym.Space, gym.Space]:
    """``(observation_space, action_space)`` of the env, from one short-lived instance."""
    env = make_env(env_cfg, seed=0)
    try:
        return env.observation_space, env.action_space
    finally:
        env.close()
