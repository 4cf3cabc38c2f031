"""Check an ``rlgan-rl`` config completely before any training starts.

Every problem becomes a one-paragraph :class:`~rlgan.common.errors.ConfigError` naming the bad
value and the valid choices. :func:`check_config` returns what it resolved on the way (the
algorithm's row, the env's name, spaces, vectorization and reward threshold, the checked
hyperparameters, the policy kwargs, the user's callbacks) as a :class:`CheckedConfig`, which
the build steps use as they are instead of deriving or checking them again.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from gymnasium import spaces
from omegaconf import DictConfig
from stable_baselines3.common.callbacks import BaseCallback

from rlgan.common.config_keys import ClosedNode, check_known_keys
from rlgan.common.device import resolve_device
from rlgan.common.errors import ConfigError, require, require_int
from rlgan.rl.algos import ALGOS, AlgoSpec, check_action_space, check_policy, get_algo
from rlgan.rl.callbacks import build_user_callbacks
from rlgan.rl.env_factory import (
    check_env_source,
    make_env,
    probe_spaces,
    resolve_env_vectorization,
    reward_threshold,
    wrapper_partials,
)
from rlgan.rl.hyperparams import check_hyperparams, check_train_freq
from rlgan.rl.knobs import check_run_knobs
from rlgan.rl.normalization import PipelineSpec, check_normalizable
from rlgan.rl.policy import build_policy_kwargs, has_custom_net

log = logging.getLogger(__name__)

#: Nodes of the ``rl`` config whose keys are checked (``+eval.episods=...`` is refused);
#: ``algo.hyperparams`` (checked against the SB3 signature), ``algo.policy_kwargs`` and
#: ``env.kwargs``, ``env.wrappers`` and ``callbacks`` stay open; so does ``net`` when its
#: ``_target_`` is your own class (its keys are that class's arguments).
RL_NODES: tuple[ClosedNode, ...] = (
    ClosedNode("", extra=("net",)),
    ClosedNode("eval"),
    ClosedNode("checkpoint"),
    ClosedNode("log"),
    ClosedNode("algo", group="algo", extra=("optimizer",)),
    ClosedNode("env", group="env", extra=("_target_",)),
    ClosedNode("net", group="net"),
)


def rl_nodes(cfg: DictConfig) -> tuple[ClosedNode, ...]:
    """:data:`RL_NODES`, without ``net`` when ``net._target_`` is a class of your own."""
    if has_custom_net(cfg):
        return tuple(node for node in RL_NODES if node.path != "net")
    return RL_NODES


@dataclass
class CheckedConfig:
    """What validation resolved: everything the build steps need, checked once."""

    algo: AlgoSpec
    #: The env's name: its Gymnasium id, or its ``env.id`` / class name with ``env._target_``.
    env_id: str
    #: ``dummy``, ``subproc`` or ``native`` (``auto`` resolved).
    vectorization: str
    observation_space: spaces.Space
    action_space: spaces.Space
    reward_threshold: float | None
    #: ``algo.policy``, e.g. ``MlpPolicy``.
    policy: str = "MlpPolicy"
    #: ``algo.hyperparams`` checked, as plain values (schedules still in their config form).
    hyperparams: dict[str, Any] = field(default_factory=dict)
    #: SB3 ``policy_kwargs``: the net's, ``algo.optimizer``'s and ``algo.policy_kwargs``.
    policy_kwargs: dict[str, Any] = field(default_factory=dict)
    #: The ``callbacks`` of the config, instantiated.
    callbacks: list[BaseCallback] = field(default_factory=list)
    #: ``env.normalize`` and ``env.frame_stack``, checked.
    pipeline: PipelineSpec = field(default_factory=PipelineSpec)
    #: The algorithm's discount (``algo.hyperparams.gamma`` or its default; None: it has none).
    gamma: float | None = None

    @property
    def algo_name(self) -> str:
        """The algorithm's name (``algo.name``, canonical)."""
        return self.algo.name


def check_env_knobs(cfg: DictConfig) -> tuple[str, str]:
    """Check ``env.*``; return ``(env name, resolved vectorization)``."""
    PipelineSpec.from_env_config(cfg.env)  # env.normalize and env.frame_stack
    env_id = check_env_source(cfg.env)
    wrapper_partials(cfg.env)  # each env.wrappers entry, before anything is built
    require_int(
        "env.n_envs",
        cfg.env.get("n_envs"),
        1,
        meaning="the number of environments stepped side by side, e.g. env.n_envs=8",
    )
    threshold = cfg.env.get("reward_threshold")
    if threshold is not None:
        require(
            isinstance(threshold, (int, float)) and not isinstance(threshold, bool),
            f"Invalid env.reward_threshold={threshold!r}: it must be a number or null "
            "(null: the Gymnasium spec's threshold).",
        )
    require_int(
        "env.max_episode_steps",
        cfg.env.get("max_episode_steps"),
        1,
        nullable=True,
        meaning="steps before an episode is truncated; null: the registered limit",
    )
    return env_id, resolve_env_vectorization(cfg.env)


#: What the error for an env without masks suggests (sb3-contrib's wrapper takes a method name).
MASKER_HINT = (
    "+env.wrappers=[{_target_: sb3_contrib.common.wrappers.ActionMasker, "
    "action_mask_fn: <name of the env's mask method>}]"
)


def read_action_masks(env: Any) -> Any:
    """The env's ``action_masks()`` through its wrappers; ``None`` when it has none."""
    try:
        method = env.get_wrapper_attr("action_masks")
    except AttributeError:
        return None
    return method() if callable(method) else None


def check_action_masks(env_cfg: DictConfig, algo: AlgoSpec, env_id: str, action_space: Any) -> None:
    """Raise a ConfigError unless the env gives one bool per action from ``action_masks()``.

    Builds one environment (as :func:`rlgan.rl.env_factory.probe_spaces` does), only for the
    algorithms that need masks (MaskablePPO).
    """
    env = make_env(env_cfg, seed=0)
    try:
        masks = read_action_masks(env)
    finally:
        env.close()
    if masks is None:
        raise ConfigError(
            f"Invalid algo.name={algo.name!r} for env.id={env_id!r}: {algo.name} needs the "
            "env to say which actions are valid, through a method action_masks() returning "
            f"one bool per action, and {env_id} has none (rlgan/Maze-v0 has one). Pick "
            f"algo=ppo for this env, or give it masks, e.g. {MASKER_HINT}."
        )
    n_actions = getattr(action_space, "n", None)
    shape = getattr(masks, "shape", None)
    if n_actions is not None and tuple(shape or ()) != (int(n_actions),):
        raise ConfigError(
            f"Invalid action_masks() of env.id={env_id!r} for algo.name={algo.name!r}: it "
            f"returned shape {shape}, but {algo.name} needs one bool per action, shape "
            f"({int(n_actions)},)."
        )


def _hyperparam(algo: AlgoSpec | str, params: dict[str, Any], knob: str) -> Any:
    """``params[knob]``, else the SB3 constructor's default for it."""
    if params.get(knob) is not None:
        return params[knob]
    return get_algo(algo).default(knob)


def on_policy_budget_warning(
    algo_name: str, total: int, n_envs: int, params: dict[str, Any]
) -> str | None:
    """The warning for an on-policy budget smaller than one rollout (None when it fits)."""
    n_steps = _hyperparam(algo_name, params, "n_steps")
    if not isinstance(n_steps, int):
        return None  # an on-policy algorithm without rollouts of n_steps
    n_steps = int(n_steps)
    rollout = n_steps * n_envs
    if total >= rollout:
        return None
    return (
        f"total_timesteps={total} is smaller than one {algo_name} rollout (n_steps x "
        f"env.n_envs = {n_steps} x {n_envs} = {rollout} steps): SB3 always collects whole "
        f"rollouts, so the run trains for {rollout} steps (one rollout, one policy "
        f"update), not {total}. Raise total_timesteps or lower n_steps / env.n_envs."
    )


def off_policy_budget_warning(
    algo_name: str, total: int, n_envs: int, params: dict[str, Any]
) -> str | None:
    """The warning for an off-policy budget that never passes ``learning_starts``."""
    starts = _hyperparam(algo_name, params, "learning_starts")
    if not isinstance(starts, int):
        return None  # an off-policy algorithm without learning_starts
    starts = int(starts)
    if total > starts:
        return None
    freq, unit = check_train_freq(_hyperparam(algo_name, params, "train_freq"))
    head = (
        f"total_timesteps={total} <= learning_starts={starts} ({algo_name}): SB3 takes "
        f"gradient steps only once more than {starts} steps have been collected"
    )
    if unit == "step":
        chunk = freq * n_envs
        collected = math.ceil(total / chunk) * chunk
        if collected > starts:
            steps = _hyperparam(algo_name, params, "gradient_steps")
            return (
                f"{head}; collection goes in rounds of train_freq x env.n_envs = {freq} x "
                f"{n_envs} = {chunk} steps, so only the last round (ending at {collected} "
                f"steps) passes it and one round of gradient_steps={steps} updates is all "
                "the training this run does. Raise total_timesteps or lower "
                "learning_starts."
            )
    return (
        f"{head}, so no gradient step will be taken: the run only fills the replay buffer "
        "and the policy stays at its initial (random) weights. Raise total_timesteps or "
        "lower learning_starts."
    )


def warn_small_budget(cfg: DictConfig, algo: AlgoSpec | str, params: dict[str, Any]) -> str | None:
    """Log (warning) what happens when the budget is below one rollout or ``learning_starts``.

    Returns the message (None when the budget is fine).
    """
    spec = get_algo(algo)
    total, n_envs = int(cfg.total_timesteps), int(cfg.env.n_envs)
    if spec.on_policy:
        message = on_policy_budget_warning(spec.name, total, n_envs, params)
    elif spec.off_policy:
        message = off_policy_budget_warning(spec.name, total, n_envs, params)
    else:
        message = None
    if message:
        log.warning(message)
    return message


def check_config(cfg: DictConfig) -> CheckedConfig:
    """Validate the whole config (cheap: builds one env to read its spaces); return findings."""
    require(
        "algo" in cfg and cfg.algo.get("name") is not None,
        f"Invalid config: no algorithm selected; pick one with algo=<name> ({', '.join(ALGOS)}).",
    )
    algo = get_algo(cfg.algo.name)
    check_known_keys(cfg, "rl", rl_nodes(cfg))
    policy = check_policy(algo, cfg.algo.get("policy", "MlpPolicy"))
    check_run_knobs(cfg)
    resolve_device(cfg.get("device", "auto"))
    env_id, vectorization = check_env_knobs(cfg)
    observation_space, action_space = probe_spaces(cfg.env)
    pipeline = PipelineSpec.from_env_config(cfg.env)
    check_normalizable(pipeline, observation_space, env_id)
    check_action_space(algo, action_space, env_id)
    if algo.action_masks:
        check_action_masks(cfg.env, algo, env_id, action_space)
    policy_kwargs = build_policy_kwargs(cfg, algo)  # checks net.* and algo.optimizer
    params = check_hyperparams(algo, cfg.algo.get("hyperparams"))
    warn_small_budget(cfg, algo, params)
    return CheckedConfig(
        algo=algo,
        env_id=env_id,
        vectorization=vectorization,
        observation_space=observation_space,
        action_space=action_space,
        reward_threshold=reward_threshold(cfg.env),
        policy=str(policy),
        hyperparams=params,
        policy_kwargs=policy_kwargs,
        callbacks=build_user_callbacks(cfg.get("callbacks")),
        pipeline=pipeline,
        gamma=_discount(algo, params),
    )


def _discount(algo: AlgoSpec, params: dict[str, Any]) -> float | None:
    """The algorithm's ``gamma`` (the hyperparameter, else its default; None: it has none)."""
    gamma = _hyperparam(algo, params, "gamma")
    return float(gamma) if isinstance(gamma, (int, float)) and not isinstance(gamma, bool) else None
