"""The algorithms ``rlgan-rl`` can train: name -> SB3 class, and what action spaces each takes."""

from __future__ import annotations

import inspect

from gymnasium import spaces
from sb3_contrib import QRDQN
from stable_baselines3 import A2C, DQN, PPO, SAC, TD3
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

from rlgan.common.errors import ConfigError, invalid_choice

#: Algorithm name (the ``algo.name`` config value) -> SB3 / sb3-contrib class.
ALGOS: dict[str, type[BaseAlgorithm]] = {
    "a2c": A2C,
    "dqn": DQN,
    "ppo": PPO,
    "qrdqn": QRDQN,
    "sac": SAC,
    "td3": TD3,
}

#: Action-space kinds each algorithm supports ("discrete" or "continuous").
ACTION_KINDS: dict[str, tuple[str, ...]] = {
    "a2c": ("discrete", "continuous"),
    "dqn": ("discrete",),
    "ppo": ("discrete", "continuous"),
    "qrdqn": ("discrete",),
    "sac": ("continuous",),
    "td3": ("continuous",),
}


def get_algo_class(name: str) -> type[BaseAlgorithm]:
    """Return the SB3 class for ``name`` or raise a :class:`ConfigError` listing the choices."""
    key = str(name).lower()
    if key not in ALGOS:
        raise invalid_choice("algo.name", name, sorted(ALGOS),
                             "Pick one with algo=<name> (a file in conf/algo/).")
    return ALGOS[key]


def is_off_policy(name: str) -> bool:
    """True for replay-buffer algorithms (DQN, QR-DQN, SAC, TD3)."""
    return issubclass(get_algo_class(name), OffPolicyAlgorithm)


def action_kind(action_space: spaces.Space) -> str:
    """Classify an action space as ``"discrete"``, ``"continuous"`` or ``"other"``."""
    if isinstance(action_space, spaces.Discrete):
        return "discrete"
    if isinstance(action_space, spaces.Box):
        return "continuous"
    return "other"


def check_action_space(name: str, action_space: spaces.Space, env_id: str) -> None:
    """Raise a :class:`ConfigError` when algorithm ``name`` cannot act in ``action_space``."""
    kind = action_kind(action_space)
    supported = ACTION_KINDS[str(name).lower()]
    if kind in supported:
        return
    fitting = sorted(algo for algo, kinds in ACTION_KINDS.items() if kind in kinds)
    suggestion = (f"algorithms that support it: {', '.join(fitting)}" if fitting
                  else "no built-in algorithm supports it")
    raise ConfigError(
        f"Invalid algo.name={name!r} for env.id={env_id!r}: {name} needs a "
        f"{' or '.join(supported)} action space but {env_id} has a {kind} one "
        f"({action_space}); {suggestion}. Pick another algo=... or env=...")


def constructor_arguments(name: str) -> list[str]:
    """Keyword arguments accepted by the algorithm's constructor (for config validation)."""
    params = inspect.signature(get_algo_class(name).__init__).parameters
    return [p for p in params if p not in ("self", "policy", "env")]
