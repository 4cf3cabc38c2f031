"""Build the environments a run trains and evaluates on, from the ``env`` config group.

``env`` config keys: ``id`` (any registered Gymnasium id), ``n_envs``, ``vectorization``
(``auto | dummy | subproc | native``), ``kwargs`` (passed to ``gymnasium.make``; any
constructor knob, ``env.kwargs.<knob>=...`` on the command line, checked by
:func:`rlgan.rl.knobs.check_env_kwargs`),
``max_episode_steps`` and ``reward_threshold`` (``null``: the Gymnasium spec's values),
``wrappers`` (Gymnasium wrappers, each ``{_target_: <dotted path>, <kwargs>}``) and, to bring
your own environment without registering it, ``_target_`` (a ``gymnasium.Env`` class or a
function returning one, called with ``env.kwargs``; ``env.id`` is then only its name).

Each environment is ``gymnasium.make``'s (with its checker and time limit), then SB3's
``Monitor`` (which measures the returns that evaluation and ``solved_at_timesteps`` use), then
``env.wrappers`` in order, as SB3's ``make_vec_env(wrapper_class=...)`` does. Wrappers and
``_target_`` envs act on one environment at a time, so ``vectorization=auto`` steps them with
``dummy`` (a log line says so when a native batched version exists) and ``native`` is refused.
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
from gymnasium.envs.registration import EnvSpec
from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecMonitor

from rlgan.common.errors import ConfigError, invalid_choice
from rlgan.common.mp_start import reset_loky_start_method
from rlgan.rl.knobs import check_env_kwargs
from rlgan.rl.targets import call_target, resolve_target, target_entries, target_partial

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
        raise ConfigError(
            f"Invalid env.id={env_id!r}: give a Gymnasium id such as "
            "CartPole-v1 (env.id=<id>) or pick a file in conf/env/ (env=<name>)."
        )
    register_project_envs()
    if env_id in gym.registry or ":" in env_id:
        return env_id
    names = sorted(gym.registry)
    lowered = {name.lower(): name for name in names}
    close = difflib.get_close_matches(env_id.lower(), list(lowered), n=5, cutoff=0.5)
    suggestions = [lowered[name] for name in close]
    hint = (
        f"Close matches: {', '.join(suggestions)}."
        if suggestions
        else f"Registered ids include {', '.join(names[:8])}, ..."
    )
    raise ConfigError(
        f"Invalid env.id={env_id!r}: no Gymnasium environment is registered "
        f"under that id. {hint} Any registered Gymnasium id works "
        "(env.id=<id>); our presets are in conf/env/ (env=<name>)."
    )


def reward_threshold(env_cfg: Mapping[str, Any] | DictConfig) -> float | None:
    """The score that counts as solved: ``env.reward_threshold`` or the Gymnasium spec's."""
    override = env_cfg.get("reward_threshold")
    if override is not None:
        return float(override)
    if env_cfg.get("_target_") is not None:
        return None  # your own env: only env.reward_threshold says what solved means
    spec = gym.spec(str(env_cfg["id"]))
    return None if spec.reward_threshold is None else float(spec.reward_threshold)


#: What ``env._target_`` and ``env.wrappers`` entries must name (for error messages).
ENV_TARGET = "a gymnasium.Env class or a function returning a gymnasium.Env"
WRAPPER_TARGET = "a Gymnasium wrapper class (or a function taking the env and returning one)"


def env_name(env_cfg: Mapping[str, Any] | DictConfig) -> str:
    """The env's name in logs and metrics: ``env.id``, else the ``_target_``'s last part."""
    env_id, target = env_cfg.get("id"), env_cfg.get("_target_")
    if env_id or target is None:
        return str(env_id)
    return str(target).rpartition(".")[2]


def check_env_source(env_cfg: Mapping[str, Any] | DictConfig) -> str:
    """Check ``env.id`` (a registered id) or ``env._target_`` (your env); return its name."""
    target = env_cfg.get("_target_")
    if target is None:
        return check_env_id(env_cfg.get("id"))
    resolve_target(target, "env._target_", ENV_TARGET)
    env_id = env_cfg.get("id")
    register_project_envs()
    if isinstance(env_id, str) and env_id in gym.registry:
        raise ConfigError(
            f"Invalid env._target_={target!r} with env.id={env_id!r}: {env_id} is a registered "
            "Gymnasium id, so the config names two environments. With env._target_, env.id is "
            "only a name for logs and metrics: set env.id=null (or a name of your own), or "
            "drop env._target_ to use the registered one."
        )
    return env_name(env_cfg)


def wrapper_partials(env_cfg: Mapping[str, Any] | DictConfig) -> list[tuple[str, Any]]:
    """``[(knob, prepared wrapper)]`` of ``env.wrappers`` (ConfigError for a bad entry)."""
    return [
        (knob, target_partial(spec, knob, WRAPPER_TARGET))
        for knob, spec in target_entries(env_cfg.get("wrappers"), "env.wrappers")
    ]


def _base_env(cfg: Mapping[str, Any], render_mode: str | None) -> gym.Env:
    """``gymnasium.make`` of the registered id, or of an EnvSpec around ``env._target_``."""
    kwargs = dict(cfg.get("kwargs") or {})
    steps = cfg.get("max_episode_steps")
    target = cfg.get("_target_")
    if target is None:
        if steps is not None:
            kwargs["max_episode_steps"] = int(steps)
        return gym.make(check_env_id(cfg["id"]), render_mode=render_mode, **kwargs)
    creator = target_partial({"_target_": target, **kwargs}, "env", ENV_TARGET)
    spec = EnvSpec(
        id=env_name(cfg),
        entry_point=creator,
        max_episode_steps=None if steps is None else int(steps),
    )
    return gym.make(spec, **({"render_mode": render_mode} if render_mode else {}))


def make_env(
    env_cfg: Mapping[str, Any] | DictConfig, seed: int, render_mode: str | None = None
) -> gym.Env:
    """One environment wrapped as in training (``Monitor``, then ``env.wrappers``), seeded."""
    cfg = _plain(env_cfg)
    env: gym.Env = Monitor(_base_env(cfg, render_mode))
    for knob, wrapper in wrapper_partials(cfg):
        env = call_target(wrapper, knob, env)
        if not isinstance(env, gym.Env):
            raise ConfigError(
                f"Invalid {knob}: it returned a {type(env).__name__}, not a "
                "gymnasium.Env (a wrapper takes the env and returns the wrapped "
                "env)."
            )
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


def resolve_vectorization(env_id: str, vectorization: str, knob: str = "env.vectorization") -> str:
    """Validate ``vectorization``; ``auto`` becomes ``native`` when available, else ``dummy``."""
    if vectorization not in VECTORIZATIONS:
        raise invalid_choice(
            knob,
            vectorization,
            VECTORIZATIONS,
            "auto picks native when the env has a native vector version.",
        )
    if vectorization == "auto":
        return "native" if native_vector_available(env_id) else "dummy"
    if vectorization == "native" and not native_vector_available(env_id):
        raise ConfigError(
            f"Invalid {knob}='native' for env.id={env_id!r}: {env_id} has no native "
            "(batched) vector implementation here. Use env.vectorization=dummy (one process, "
            "fastest for cheap envs), subproc (one process per env) or auto."
        )
    return vectorization


def per_env_reason(env_cfg: Mapping[str, Any] | DictConfig) -> str | None:
    """Why the env must be built one at a time (``_target_`` or wrappers), else None."""
    if env_cfg.get("_target_") is not None:
        return "env._target_ builds one environment at a time"
    if target_entries(env_cfg.get("wrappers"), "env.wrappers"):
        return "env.wrappers wrap each environment on its own"
    return None


def resolve_env_vectorization(
    env_cfg: Mapping[str, Any] | DictConfig, vectorization: str | None = None
) -> str:
    """Like :func:`resolve_vectorization`, knowing ``env._target_`` and ``env.wrappers``.

    Those act on single environments: ``auto`` then gives ``dummy`` (saying so in the log when
    the env has a native batched version) and ``native`` is a ConfigError.
    """
    mode = str(vectorization or env_cfg.get("vectorization") or "auto")
    reason = per_env_reason(env_cfg)
    if reason is None:
        return resolve_vectorization(str(env_cfg.get("id")), mode)
    if mode not in VECTORIZATIONS:
        raise invalid_choice(
            "env.vectorization",
            mode,
            VECTORIZATIONS,
            "auto picks native when the env has a native vector version.",
        )
    if mode == "native":
        raise ConfigError(
            f"Invalid env.vectorization='native' for env {env_name(env_cfg)!r}: {reason}, "
            "which the native batched environment cannot do. Use env.vectorization=auto "
            "(dummy here), dummy or subproc, or drop env.wrappers."
        )
    if mode == "auto":
        if env_cfg.get("_target_") is None and native_vector_available(str(env_cfg.get("id"))):
            log.info(
                "env.vectorization=auto: stepping %s with dummy (one env at a time), not "
                "its native batched version, because %s.",
                env_cfg.get("id"),
                reason,
            )
        return "dummy"
    return mode


def make_vec_env(
    env_cfg: Mapping[str, Any] | DictConfig, n_envs: int, seed: int, vectorization: str = "auto"
) -> VecEnv:
    """``n_envs`` environments as one SB3 ``VecEnv``; env ``i`` is seeded with ``seed + i``.

    ``vectorization`` may be ``auto`` (resolved here) or the mode validation resolved.
    """
    cfg = _plain(env_cfg)
    env_id = check_env_source(cfg)
    mode = resolve_env_vectorization(cfg, vectorization)
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
    """``(observation_space, action_space)`` of the env (wrappers applied), from one instance.

    A bad ``env.kwargs`` argument (checked against the env's constructor first, with close
    matches: :func:`rlgan.rl.knobs.check_env_kwargs`) or an env (or wrapper) that fails to
    build is a ConfigError.
    """
    check_env_kwargs(env_cfg)
    try:
        env = make_env(env_cfg, seed=0)
    except ConfigError:
        raise
    except TypeError as err:
        kwargs = dict(env_cfg.get("kwargs") or {})
        raise ConfigError(
            f"Invalid env.kwargs={kwargs!r} for env {env_name(env_cfg)!r}: "
            f"{err}. Remove or fix the unknown argument."
        ) from None
    try:
        return env.observation_space, env.action_space
    finally:
        env.close()
