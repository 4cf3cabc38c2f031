"""The algorithms ``rlgan-rl`` can train: one table, one row (:class:`AlgoSpec`) per algorithm.

Each row says where the SB3 / sb3-contrib class lives (imported only when first used), which
action spaces the algorithm can act in, how :func:`rlgan.nets.sb3.sb3_policy_kwargs` puts the
``net`` config into its policy (its network family) and how it learns (on- or off-policy).
Validation (:mod:`rlgan.rl.validate`), the policy builder (:mod:`rlgan.rl.policy`), the
network adapter and model loading all read this table; nothing else lists algorithms.

Adding an algorithm is one row in :data:`ALGOS` (or :func:`register_algo` at run time) plus
one ``conf/algo/<name>.yaml``; see docs/extending.md.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from rlgan.common.errors import ConfigError, invalid_choice
from rlgan.nets.sb3 import (  # network families: how the net config goes into the policy
    ACTOR_CRITIC,
    CONTINUOUS_ACTOR_CRITIC,
    DIRECT_MLP,
    NET_FAMILIES,
    Q_NETWORK,
    RECURRENT_ACTOR_CRITIC,
)

#: Action-space kinds (see :func:`action_kind`).
DISCRETE, CONTINUOUS = "discrete", "continuous"
#: How an algorithm learns: from fresh rollouts, from a replay buffer, or neither (e.g. ARS).
ON_POLICY, OFF_POLICY, OTHER = "on_policy", "off_policy", "other"
LEARNING_KINDS = (ON_POLICY, OFF_POLICY, OTHER)


@dataclass(frozen=True)
class AlgoSpec:
    """One algorithm ``rlgan-rl`` can train (a row of :data:`ALGOS`).

    ``class_path`` is ``"module.Class"`` (e.g. ``"sb3_contrib.TRPO"``), imported lazily;
    ``action_kinds`` lists :data:`DISCRETE` / :data:`CONTINUOUS`; ``net_family`` is one of
    :data:`rlgan.nets.sb3.NET_FAMILIES`; ``learning`` one of :data:`LEARNING_KINDS`.
    ``action_masks`` marks algorithms that need the env's ``action_masks()`` (MaskablePPO).
    An algorithm is recurrent (its policies carry a hidden state, e.g. an LSTM) when its
    family is :data:`rlgan.nets.sb3.RECURRENT_ACTOR_CRITIC`.
    """

    name: str
    class_path: str
    action_kinds: tuple[str, ...]
    net_family: str
    learning: str
    action_masks: bool = False

    def __post_init__(self) -> None:
        if self.learning not in LEARNING_KINDS:
            raise ValueError(
                f"AlgoSpec {self.name!r}: learning={self.learning!r} is not one "
                f"of {', '.join(LEARNING_KINDS)}"
            )
        if self.net_family not in NET_FAMILIES:
            raise ValueError(
                f"AlgoSpec {self.name!r}: net_family={self.net_family!r} is not "
                f"one of {', '.join(NET_FAMILIES)}"
            )

    @property
    def algo_class(self) -> Any:
        """The SB3 class (``type[BaseAlgorithm]``), imported on first use."""
        return _import_class(self.class_path, self.name)

    @property
    def on_policy(self) -> bool:
        """True for rollout-based algorithms (PPO, A2C, TRPO, RecurrentPPO, MaskablePPO)."""
        return self.learning == ON_POLICY

    @property
    def off_policy(self) -> bool:
        """True for replay-buffer algorithms (DQN, QR-DQN, SAC, TD3, DDPG, TQC, CrossQ)."""
        return self.learning == OFF_POLICY

    @property
    def recurrent(self) -> bool:
        """True when the policy carries a hidden state across steps (RecurrentPPO)."""
        return self.net_family == RECURRENT_ACTOR_CRITIC

    def policies(self) -> list[str]:
        """The policy names (``algo.policy``) the class accepts, e.g. ``MlpPolicy``."""
        return sorted(getattr(self.algo_class, "policy_aliases", {}))

    def constructor_arguments(self) -> list[str]:
        """Keyword arguments of the class's constructor (besides ``policy`` and ``env``)."""
        params = inspect.signature(self.algo_class.__init__).parameters
        return [p for p in params if p not in ("self", "policy", "env")]

    def default(self, knob: str) -> Any:
        """The constructor's default for ``knob`` (None when it has no such argument)."""
        parameter = inspect.signature(self.algo_class.__init__).parameters.get(knob)
        return None if parameter is None else parameter.default


@cache
def _import_class(class_path: str, name: str) -> Any:
    """Import ``module.Class``; a one-paragraph ConfigError naming the row when it fails."""
    module_name, _, class_name = class_path.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as err:
        raise ConfigError(
            f"Invalid algo.name={name!r}: its class {class_path} cannot be "
            f"imported ({type(err).__name__}: {err}). Install the package that "
            "provides it or fix the row in rlgan.rl.algos.ALGOS."
        ) from None


def _table(rows: Iterable[AlgoSpec]) -> dict[str, AlgoSpec]:
    """Rows by name."""
    return {row.name: row for row in rows}


#: Algorithm name (the ``algo.name`` config value) -> its row.
ALGOS: dict[str, AlgoSpec] = _table(
    (
        AlgoSpec("ppo", "stable_baselines3.PPO", (DISCRETE, CONTINUOUS), ACTOR_CRITIC, ON_POLICY),
        AlgoSpec("a2c", "stable_baselines3.A2C", (DISCRETE, CONTINUOUS), ACTOR_CRITIC, ON_POLICY),
        AlgoSpec("dqn", "stable_baselines3.DQN", (DISCRETE,), Q_NETWORK, OFF_POLICY),
        AlgoSpec("qrdqn", "sb3_contrib.QRDQN", (DISCRETE,), Q_NETWORK, OFF_POLICY),
        AlgoSpec(
            "sac", "stable_baselines3.SAC", (CONTINUOUS,), CONTINUOUS_ACTOR_CRITIC, OFF_POLICY
        ),
        AlgoSpec(
            "td3", "stable_baselines3.TD3", (CONTINUOUS,), CONTINUOUS_ACTOR_CRITIC, OFF_POLICY
        ),
        AlgoSpec(
            "ddpg", "stable_baselines3.DDPG", (CONTINUOUS,), CONTINUOUS_ACTOR_CRITIC, OFF_POLICY
        ),
        AlgoSpec("trpo", "sb3_contrib.TRPO", (DISCRETE, CONTINUOUS), ACTOR_CRITIC, ON_POLICY),
        AlgoSpec(
            "recurrent_ppo",
            "sb3_contrib.RecurrentPPO",
            (DISCRETE, CONTINUOUS),
            RECURRENT_ACTOR_CRITIC,
            ON_POLICY,
        ),
        AlgoSpec(
            "maskable_ppo",
            "sb3_contrib.MaskablePPO",
            (DISCRETE,),
            ACTOR_CRITIC,
            ON_POLICY,
            action_masks=True,
        ),
        AlgoSpec("ars", "sb3_contrib.ARS", (DISCRETE, CONTINUOUS), DIRECT_MLP, OTHER),
        AlgoSpec("tqc", "sb3_contrib.TQC", (CONTINUOUS,), CONTINUOUS_ACTOR_CRITIC, OFF_POLICY),
        AlgoSpec(
            "crossq", "sb3_contrib.CrossQ", (CONTINUOUS,), CONTINUOUS_ACTOR_CRITIC, OFF_POLICY
        ),
    )
)


def register_algo(spec: AlgoSpec) -> AlgoSpec:
    """Add (or replace) a row of :data:`ALGOS` at run time; return it."""
    ALGOS[spec.name] = spec
    return spec


def algo_key(name: Any) -> str:
    """The table key for a user-written name: lower case, ``-`` and ``_`` dropped."""
    return str(name).strip().lower().replace("-", "").replace("_", "")


def get_algo(name: Any) -> AlgoSpec:
    """The row for ``name`` (``"QR-DQN"`` finds ``qrdqn``) or a ConfigError listing the rows."""
    if isinstance(name, AlgoSpec):
        return name
    key = algo_key(name)
    for row in ALGOS.values():
        if algo_key(row.name) == key:
            return row
    raise invalid_choice(
        "algo.name", name, list(ALGOS), "Pick one with algo=<name> (a file in conf/algo/)."
    )


def get_algo_class(name: Any) -> Any:
    """The SB3 class of ``name`` (``type[BaseAlgorithm]``); ConfigError for unknown names."""
    return get_algo(name).algo_class


def is_off_policy(name: Any) -> bool:
    """True for replay-buffer algorithms (DQN, QR-DQN, SAC, TD3, DDPG, TQC, CrossQ)."""
    return get_algo(name).off_policy


def action_kind(action_space: Any) -> str:
    """Classify a Gymnasium action space as ``"discrete"``, ``"continuous"`` or ``"other"``."""
    from gymnasium import spaces

    if isinstance(action_space, spaces.Discrete):
        return DISCRETE
    if isinstance(action_space, spaces.Box):
        return CONTINUOUS
    return "other"


def check_action_space(algo: AlgoSpec | str, action_space: Any, env_id: str) -> None:
    """Raise a :class:`ConfigError` when ``algo`` cannot act in ``action_space``."""
    spec = get_algo(algo)
    kind = action_kind(action_space)
    if kind in spec.action_kinds:
        return
    fitting = [row.name for row in ALGOS.values() if kind in row.action_kinds]
    suggestion = (
        f"algorithms that support it: {', '.join(sorted(fitting))}"
        if fitting
        else "no built-in algorithm supports it"
    )
    raise ConfigError(
        f"Invalid algo.name={spec.name!r} for env.id={env_id!r}: {spec.name} needs a "
        f"{' or '.join(spec.action_kinds)} action space but {env_id} has a {kind} one "
        f"({action_space}); {suggestion}. Pick another algo=... or env=..."
    )


def constructor_arguments(name: Any) -> list[str]:
    """Keyword arguments accepted by the algorithm's constructor (for config validation)."""
    return get_algo(name).constructor_arguments()


def is_recurrent_policy(policy: Any) -> bool:
    """True for a recurrent policy name (``MlpLstmPolicy``, ``CnnLstmPolicy``, ...)."""
    return "lstm" in str(policy).lower()


def check_policy(algo: AlgoSpec | str, policy: Any) -> str:
    """Return ``policy`` when ``algo`` accepts it, else a one-paragraph ConfigError.

    The error says when the mismatch is one of memory: a recurrent algorithm given a
    feed-forward policy, or a recurrent policy given to a feed-forward algorithm.
    """
    spec = get_algo(algo)
    choices = spec.policies()
    if policy in choices:
        return str(policy)
    hint = ""
    if spec.recurrent and not is_recurrent_policy(policy):
        hint = (
            f"{spec.name} is recurrent: its policy carries an LSTM state from step to step, "
            "so it needs one of the recurrent policies listed. For a policy without memory "
            "use algo=ppo."
        )
    elif is_recurrent_policy(policy) and not spec.recurrent:
        recurrent = sorted(row.name for row in ALGOS.values() if row.recurrent)
        hint = (
            f"{policy} is a recurrent policy and {spec.name} is not a recurrent algorithm; "
            f"recurrent algorithms: {', '.join(recurrent) or 'none'} "
            f"(e.g. algo={recurrent[0] if recurrent else '...'})."
        )
    raise invalid_choice(f"algo.policy (for {spec.name})", policy, choices, hint)
