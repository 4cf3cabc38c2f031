"""The run's own knobs of ``rlgan-rl``, checked before the runner (torch, SB3) is imported.

``rlgan-rl total_timesteps=-5`` is refused by :func:`check_run_knobs` before the runner is
imported (:mod:`rlgan.rl.cli`), so a refused command costs Hydra's start-up only; the full
check (:func:`rlgan.rl.validate.check_config`) calls it again with everything else.

:func:`check_env_kwargs` checks ``env.kwargs`` against the env's constructor, found through
its Gymnasium registry entry point; it imports Gymnasium (and the env's module), never torch or
SB3, and only when ``env.kwargs`` is not empty.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import sys
from collections.abc import Callable, Mapping
from typing import Any

from omegaconf import DictConfig

from rlgan.common.errors import ConfigError, invalid_choice, require_int
from rlgan.common.metrics import check_objective
from rlgan.common.progress import check_progress
from rlgan.rl.metrics import OBJECTIVES

#: Integer knobs of the run: (knob, minimum, what it counts).
RUN_COUNTS: tuple[tuple[str, int, str], ...] = (
    ("seed", 0, "the run's random seed"),
    ("threads", 1, "torch CPU threads"),
    ("stop_on_solve", 0, "consecutive solved evaluations before stopping; 0: never stop"),
    ("eval.freq", 0, "timesteps between evaluations; 0: only the final one"),
    ("eval.episodes", 1, "episodes per periodic evaluation"),
    ("eval.final_episodes", 0, "episodes of the final evaluation; 0: skip it"),
    ("eval.n_envs", 1, "evaluation envs run side by side"),
    ("checkpoint.freq", 0, "timesteps between checkpoints; 0: only at the end"),
    ("checkpoint.keep", 0, "newest checkpoints kept; 0: all"),
    ("algo.n_envs", 1, "the algorithm's default for env.n_envs"),
)
_DEFAULTS = {"threads": 1, "stop_on_solve": 0, "algo.n_envs": 1}


def _select(cfg: DictConfig, knob: str) -> Any:
    """The value at a dotted ``knob`` (e.g. ``eval.freq``), or its default when absent."""
    node: Any = cfg
    for part in knob.split("."):
        if node is None or part not in node:
            return _DEFAULTS.get(knob)
        node = node[part]
    return node


#: Where ``algo.*``, ``net.*``, ``n_envs`` and the budget come from (docs/zoo.md).
HYPERPARAMS_SOURCES = ("auto", "ours", "zoo", "defaults")


def check_run_knobs(cfg: DictConfig) -> None:
    """Check the top-level knobs (timesteps, seeds, threads, eval, checkpoint, objective).

    ``device`` is checked by :func:`rlgan.rl.validate.check_config` (it needs torch).
    """
    require_int(
        "total_timesteps",
        cfg.get("total_timesteps"),
        1,
        meaning="a positive number of environment steps to train for, e.g. total_timesteps=100000",
    )
    for knob, minimum, meaning in RUN_COUNTS:
        require_int(knob, _select(cfg, knob), minimum, meaning=meaning)
    check_objective(cfg.get("objective"), OBJECTIVES)
    check_progress(cfg.get("progress_bar", "auto"))
    check_pipeline_knobs(cfg.get("env"))
    source = cfg.get("hyperparams_source", "auto")
    if source not in HYPERPARAMS_SOURCES:
        raise invalid_choice(
            "hyperparams_source",
            source,
            HYPERPARAMS_SOURCES,
            "auto: our settings for the algorithm and env, else RL Zoo's tuned ones, else the "
            "algorithm's defaults (docs/zoo.md).",
        )


# ---- the observation pipeline's knobs (rlgan.rl.normalization applies them) ------------------
#: ``env.normalize`` options and SB3's defaults (``gamma: None``: the algorithm's discount).
NORMALIZE_DEFAULTS: dict[str, Any] = {
    "norm_obs": True,
    "norm_reward": True,
    "clip_obs": 10.0,
    "clip_reward": 10.0,
    "gamma": None,
    "epsilon": 1e-8,
}
_FLAGS = ("norm_obs", "norm_reward")


def is_number(value: Any) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def normalize_settings(value: Any, knob: str = "env.normalize") -> dict[str, Any] | None:
    """The ``VecNormalize`` options ``value`` asks for (None: no normalization).

    ``value`` is ``false`` / ``null``, ``true`` or a mapping of :data:`NORMALIZE_DEFAULTS`'
    keys; anything else is a one-paragraph ConfigError naming the bad value.
    """
    if value is None or value is False:
        return None
    if value is True:
        return dict(NORMALIZE_DEFAULTS)
    if not hasattr(value, "items"):
        raise ConfigError(
            f"Invalid {knob}={value!r}: it must be false, true (SB3's VecNormalize with its "
            "defaults) or a mapping of its options, e.g. "
            f"{knob}={{norm_obs: true, norm_reward: false}}."
        )
    options = dict(value.items())
    unknown = sorted(set(options) - set(NORMALIZE_DEFAULTS))
    if unknown:
        raise ConfigError(
            f"Invalid {knob}.{unknown[0]}={options[unknown[0]]!r}: VecNormalize has no option "
            f"{unknown[0]!r}; valid keys are {', '.join(NORMALIZE_DEFAULTS)}."
        )
    settings = {**NORMALIZE_DEFAULTS, **options}
    for name in _FLAGS:
        if not isinstance(settings[name], bool):
            raise ConfigError(
                f"Invalid {knob}.{name}={settings[name]!r}: it must be true or false."
            )
    for name in ("clip_obs", "clip_reward", "epsilon"):
        if not (is_number(settings[name]) and settings[name] > 0):
            raise ConfigError(f"Invalid {knob}.{name}={settings[name]!r}: it must be a number > 0.")
        settings[name] = float(settings[name])
    gamma = settings["gamma"]
    if gamma is not None and not (is_number(gamma) and 0 < gamma <= 1):
        raise ConfigError(
            f"Invalid {knob}.gamma={gamma!r}: it must be a number in (0, 1], or null (the "
            "algorithm's discount factor)."
        )
    if not (settings["norm_obs"] or settings["norm_reward"]):
        return None
    return settings


def frame_stack_size(value: Any, knob: str = "env.frame_stack") -> int:
    """``env.frame_stack`` checked: an integer >= 1 (a missing key, None: 1, no stacking)."""
    if value is None:
        return 1
    require_int(knob, value, 1, meaning="observations stacked side by side; 1: none")
    return int(value)


def check_pipeline_knobs(env_cfg: Mapping[str, Any] | DictConfig | None) -> None:
    """Check ``env.normalize`` and ``env.frame_stack`` (absent keys: off)."""
    env_cfg = env_cfg or {}
    normalize_settings(env_cfg.get("normalize"))
    frame_stack_size(env_cfg.get("frame_stack"))


#: ``gymnasium.make`` arguments the runner sets itself: not knobs of ``env.kwargs``.
RUNNER_SET = {"render_mode": "the command chooses it (rlgan-watch renders the env)"}


def _params_fields(creator: Callable[..., Any]) -> set[str] | None:
    """The knobs of a constructor that takes ``**knobs``: its parameter dataclass's fields.

    The dataclass is the class's ``params_class`` attribute, else ``<Name>Params`` next to a
    ``<Name>Env`` class in its module (``PursuitEnv`` and ``PursuitParams``); None when neither
    exists (the constructor then accepts any keyword, and nothing is checked).
    """
    params = getattr(creator, "params_class", None)
    name = getattr(creator, "__name__", "")
    if params is None and name.endswith("Env"):
        module = sys.modules.get(getattr(creator, "__module__", ""))
        params = getattr(module, f"{name.removesuffix('Env')}Params", None)
    if params is None or not dataclasses.is_dataclass(params):
        return None
    return {f.name for f in dataclasses.fields(params)}


def constructor_knobs(env_id: str) -> set[str] | None:
    """Every keyword ``gymnasium.make(env_id, **kwargs)`` accepts, or None when unknowable.

    Read from the signature of the registry entry point's constructor (a ``**knobs`` catch-all
    is resolved through the env's parameter dataclass, see :func:`_params_fields`), plus
    ``gymnasium.make``'s own keywords and the spec's preset ``kwargs``. None when the id is not
    registered or its entry point cannot be loaded or inspected: the env then reports.
    """
    import gymnasium
    from gymnasium.envs.registration import load_env_creator

    if env_id not in gymnasium.registry:
        return None
    spec = gymnasium.spec(env_id)
    try:
        entry = spec.entry_point
        creator = load_env_creator(entry) if isinstance(entry, str) else entry
        signature = inspect.signature(creator)
    except Exception:  # noqa: BLE001 - a broken entry point is reported when the env is built
        return None
    names = set(spec.kwargs)
    catch_all = False
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            catch_all = True
        elif parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
            names.add(parameter.name)
    if catch_all:
        fields = _params_fields(creator)
        if fields is None:
            return None
        names |= fields
    make_keywords = inspect.signature(gymnasium.make).parameters
    names |= {name for name, p in make_keywords.items() if p.kind is p.POSITIONAL_OR_KEYWORD}
    names.discard("id")
    return names - set(RUNNER_SET)


def check_env_kwargs(env_cfg: Mapping[str, Any] | DictConfig) -> None:
    """Refuse an ``env.kwargs`` key the env's constructor does not take, with close matches.

    Registered ids only (``env._target_`` envs report a bad argument when they are built);
    nothing is imported when ``env.kwargs`` is empty.
    """
    kwargs = env_cfg.get("kwargs") or {}
    env_id = env_cfg.get("id")
    if not kwargs or env_cfg.get("_target_") is not None or not isinstance(env_id, str):
        return
    knobs = constructor_knobs(env_id)
    if knobs is None:
        return
    for name in kwargs:
        if name in RUNNER_SET:
            raise ConfigError(
                f"Invalid env.kwargs.{name}={kwargs[name]!r}: {name} is not a knob of "
                f"{env_id}: {RUNNER_SET[name]}. Remove it from env.kwargs."
            )
        if name in knobs:
            continue
        close = difflib.get_close_matches(str(name), sorted(knobs), n=3, cutoff=0.75)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise ConfigError(
            f"Invalid env.kwargs.{name}={kwargs[name]!r}: {env_id} has no knob {name!r}.{hint} "
            f"Its knobs: {', '.join(sorted(knobs - {'disable_env_checker'}))}. Set any with "
            "env.kwargs.<knob>=<value> (docs/envs.md lists the knobs of our environments)."
        )
