"""Turn ``algo.hyperparams`` into SB3 constructor keyword arguments, validating them first.

Beyond plain values it understands schedules (``lin_2e-3``, see :mod:`rlgan.rl.schedules`),
``train_freq: [4, step]`` and ``action_noise: {type: normal|ornstein_uhlenbeck, sigma: 0.1}``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces
from omegaconf import DictConfig, ListConfig, OmegaConf
from stable_baselines3.common.noise import NormalActionNoise, OrnsteinUhlenbeckActionNoise

from rlgan.common.errors import ConfigError, invalid_choice, require, require_int
from rlgan.rl.algos import AlgoSpec, get_algo
from rlgan.rl.schedules import SCHEDULED_KNOBS, parse_schedule, schedule_start

NOISE_TYPES = ("normal", "ornstein_uhlenbeck")
#: Constructor arguments set by the runner itself, not through ``algo.hyperparams``.
RUNNER_OWNED = (
    "policy_kwargs",
    "seed",
    "device",
    "verbose",
    "tensorboard_log",
    "_init_setup_model",
)
#: Count-valued hyperparameters: name -> (minimum, other valid values, what it counts).
COUNT_HYPERPARAMS: dict[str, tuple[int, tuple[int, ...], str]] = {
    "n_steps": (1, (), "steps per env per rollout (on-policy) or n-step return length"),
    "batch_size": (1, (), "transitions per gradient step"),
    "n_epochs": (1, (), "passes over each rollout"),
    "buffer_size": (1, (), "transitions the replay buffer holds"),
    "learning_starts": (0, (), "env steps collected before the first gradient step"),
    "gradient_steps": (1, (-1,), "gradient steps per rollout; -1: as many as env steps"),
    "target_update_interval": (1, (), "env steps between target-network updates"),
    "policy_delay": (1, (), "critic updates per actor update"),
    "stats_window_size": (1, (), "episodes averaged in the rollout statistics"),
    "sde_sample_freq": (
        1,
        (-1, 0),
        "steps between gSDE noise resamples; -1 or 0: only at the start of a rollout",
    ),
}
TRAIN_FREQ_UNITS = ("step", "episode")


def _plain(value: Any) -> Any:
    """Config nodes as plain Python containers."""
    if isinstance(value, (DictConfig, ListConfig)):
        return OmegaConf.to_container(value, resolve=True)
    return value


def check_hyperparams(
    algo: AlgoSpec | str, hyperparams: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Check names and obvious ranges of ``hyperparams``; return them as a plain dict."""
    spec = get_algo(algo)
    algo_name = spec.name
    params = dict(_plain(hyperparams) or {})
    allowed = [name for name in spec.constructor_arguments() if name not in RUNNER_OWNED]
    for name in params:
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=3)
            hint = f"Did you mean {', '.join(close)}?" if close else ""
            raise invalid_choice(f"algo.hyperparams.{name} (for {algo_name})", name, allowed, hint)
    for knob in SCHEDULED_KNOBS:
        if knob in params and params[knob] is not None:
            parse_schedule(knob, params[knob])
            start = schedule_start(params[knob])
            if knob == "learning_rate" and start is not None and start < 0:
                raise ConfigError(
                    f"Invalid algo.hyperparams.learning_rate={params[knob]!r}: "
                    "a learning rate must be >= 0 (e.g. 3e-4 or lin_2e-3)."
                )
    check_count_hyperparams(algo_name, params)
    for knob in ("gamma", "gae_lambda"):
        value = params.get(knob)
        if value is not None and not (isinstance(value, (int, float)) and 0 <= value <= 1):
            raise ConfigError(
                f"Invalid algo.hyperparams.{knob}={value!r}: it must be a number in [0, 1]."
            )
    noise = params.get("action_noise")
    if noise is not None:
        _check_noise(noise)
    return params


def check_count_hyperparams(algo_name: str, params: Mapping[str, Any]) -> None:
    """Refuse count-valued hyperparameters that are not integers in range (no truncation)."""
    for knob, (minimum, special, meaning) in COUNT_HYPERPARAMS.items():
        if params.get(knob) is None:
            continue
        if knob == "batch_size" and algo_name == "ppo":
            minimum, meaning = 2, meaning + "; PPO needs at least 2"
        require_int(
            f"algo.hyperparams.{knob}", params[knob], minimum, special=special, meaning=meaning
        )
    if params.get("train_freq") is not None:
        check_train_freq(params["train_freq"])


def check_train_freq(value: Any) -> tuple[int, str]:
    """Check ``train_freq`` (``4`` or ``[4, step]`` / ``[1, episode]``); return it as a pair."""
    if isinstance(value, (list, tuple)):
        ok = len(value) == 2 and value[1] in TRAIN_FREQ_UNITS
        require(
            ok,
            f"Invalid algo.hyperparams.train_freq={value!r}: it must be an integer >= 1 "
            "(env steps between updates) or a pair [<integer >= 1>, step|episode], "
            "e.g. [1, episode].",
        )
        require_int(
            "algo.hyperparams.train_freq[0]",
            value[0],
            1,
            meaning="steps or episodes between updates",
        )
        return int(value[0]), str(value[1])
    require_int(
        "algo.hyperparams.train_freq",
        value,
        1,
        meaning="env steps between updates, or a pair such as [1, episode]",
    )
    return int(value), "step"


def build_hyperparams(
    algo: AlgoSpec | str, hyperparams: Mapping[str, Any] | None, action_space: spaces.Space
) -> dict[str, Any]:
    """Check ``hyperparams`` for ``algo``, then :func:`sb3_hyperparams` of them."""
    return sb3_hyperparams(check_hyperparams(algo, hyperparams), action_space)


def sb3_hyperparams(checked: Mapping[str, Any], action_space: spaces.Space) -> dict[str, Any]:
    """SB3 keyword arguments from checked hyperparameters: schedules and noise objects built.

    ``checked`` is :func:`check_hyperparams`'s result (validation carries it in
    :class:`rlgan.rl.validate.CheckedConfig`), so nothing is checked again here.
    """
    params = dict(checked)
    for knob in SCHEDULED_KNOBS:
        if knob in params and params[knob] is not None:
            params[knob] = parse_schedule(knob, params[knob])
    if isinstance(params.get("train_freq"), list):
        params["train_freq"] = tuple(params["train_freq"])
    if params.get("action_noise") is not None:
        params["action_noise"] = _make_noise(params["action_noise"], action_space)
    return params


def _check_noise(noise: Any) -> None:
    """Raise a ConfigError unless ``noise`` is ``{type: <noise type>, sigma: <float>}``."""
    if not isinstance(noise, Mapping) or noise.get("type") not in NOISE_TYPES:
        kind = noise.get("type") if isinstance(noise, Mapping) else noise
        raise invalid_choice(
            "algo.hyperparams.action_noise.type",
            kind,
            NOISE_TYPES,
            "Write action_noise: {type: normal, sigma: 0.1}.",
        )
    sigma = noise.get("sigma", 0.1)
    if not isinstance(sigma, (int, float)) or sigma < 0:
        raise ConfigError(
            f"Invalid algo.hyperparams.action_noise.sigma={sigma!r}: it must be a number >= 0."
        )


def _make_noise(noise: Mapping[str, Any], action_space: spaces.Space) -> Any:
    """The SB3 action-noise object for a Box action space."""
    dim = int(np.prod(action_space.shape))
    mean, sigma = np.zeros(dim), float(noise.get("sigma", 0.1)) * np.ones(dim)
    if noise["type"] == "normal":
        return NormalActionNoise(mean=mean, sigma=sigma)
    return OrnsteinUhlenbeckActionNoise(mean=mean, sigma=sigma)
