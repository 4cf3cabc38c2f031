"""Check an ``rlgan-rl`` config completely before any training starts.

Every problem becomes a one-paragraph :class:`~rlgan.common.errors.ConfigError` naming the bad
value and the valid choices. :func:`check_config` also returns what it learnt on the way
(spaces, vectorization, reward threshold) so the runner does not probe twice.
"""

from __future__ import annotations

import inspect
import logging
import math
from dataclasses import dataclass
from typing import Any

from gymnasium import spaces
from omegaconf import DictConfig
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm

from rlgan.common.config_keys import ClosedNode, check_known_keys
from rlgan.common.device import resolve_device
from rlgan.common.errors import ConfigError, invalid_choice, require, require_int
from rlgan.common.progress import check_progress
from rlgan.rl.algos import check_action_space, get_algo_class, is_off_policy
from rlgan.rl.env_factory import (
    check_env_id,
    probe_spaces,
    resolve_vectorization,
    reward_threshold,
)
from rlgan.rl.hyperparams import check_hyperparams, check_train_freq
from rlgan.rl.policy import build_policy_kwargs

log = logging.getLogger(__name__)

#: Metric names a run can return to a sweeper (``objective=...``).
OBJECTIVES = ("eval/mean_reward", "eval/best_mean_reward", "eval/std_reward", "eval/success_rate",
              "solved_at_timesteps", "timesteps", "wall_time_s")

#: Nodes of the ``rl`` config whose keys are checked (``+eval.episods=...`` is refused);
#: ``algo.hyperparams`` (checked against the SB3 signature), ``algo.policy_kwargs`` and
#: ``env.kwargs`` stay open.
RL_NODES: tuple[ClosedNode, ...] = (
    ClosedNode("", extra=("net",)),
    ClosedNode("eval"),
    ClosedNode("checkpoint"),
    ClosedNode("log"),
    ClosedNode("algo", group="algo", extra=("optimizer",)),
    ClosedNode("env", group="env"),
    ClosedNode("net", group="net"),
)


@dataclass
class CheckedConfig:
    """What validation found out about a run's config."""

    algo_name: str
    env_id: str
    vectorization: str
    observation_space: spaces.Space
    action_space: spaces.Space
    reward_threshold: float | None


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


def check_run_knobs(cfg: DictConfig) -> None:
    """Check the top-level knobs (timesteps, seeds, threads, eval, checkpoint, objective)."""
    require_int("total_timesteps", cfg.get("total_timesteps"), 1,
                meaning="a positive number of environment steps to train for, e.g. "
                        "total_timesteps=100000")
    for knob, minimum, meaning in RUN_COUNTS:
        require_int(knob, _select(cfg, knob), minimum, meaning=meaning)
    if cfg.get("objective") not in OBJECTIVES:
        raise invalid_choice("objective", cfg.get("objective"), OBJECTIVES,
                             "It names the metric the run returns to a Hydra sweeper.")
    check_progress(cfg.get("progress_bar", "auto"))
    resolve_device(cfg.get("device", "auto"))


def check_env_knobs(cfg: DictConfig) -> tuple[str, str]:
    """Check ``env.*``; return ``(env_id, resolved vectorization)``."""
    env_id = check_env_id(cfg.env.get("id"))
    require_int("env.n_envs", cfg.env.get("n_envs"), 1,
                meaning="the number of environments stepped side by side, e.g. env.n_envs=8")
    threshold = cfg.env.get("reward_threshold")
    if threshold is not None:
        require(isinstance(threshold, (int, float)) and not isinstance(threshold, bool),
                f"Invalid env.reward_threshold={threshold!r}: it must be a number or null "
                "(null: the Gymnasium spec's threshold).")
    require_int("env.max_episode_steps", cfg.env.get("max_episode_steps"), 1, nullable=True,
                meaning="steps before an episode is truncated; null: the registered limit")
    vectorization = resolve_vectorization(env_id, str(cfg.env.get("vectorization", "auto")))
    return env_id, vectorization


def _hyperparam(algo_name: str, params: dict[str, Any], knob: str) -> Any:
    """``params[knob]``, else the SB3 constructor's default for it."""
    if params.get(knob) is not None:
        return params[knob]
    algo_class = get_algo_class(algo_name)
    parameter = inspect.signature(algo_class.__init__).parameters.get(knob)
    return None if parameter is None else parameter.default


def on_policy_budget_warning(algo_name: str, total: int, n_envs: int,
                             params: dict[str, Any]) -> str | None:
    """The warning for an on-policy budget smaller than one rollout (None when it fits)."""
    n_steps = int(_hyperparam(algo_name, params, "n_steps"))
    rollout = n_steps * n_envs
    if total >= rollout:
        return None
    return (f"total_timesteps={total} is smaller than one {algo_name} rollout (n_steps x "
            f"env.n_envs = {n_steps} x {n_envs} = {rollout} steps): SB3 always collects whole "
            f"rollouts, so the run trains for {rollout} steps (one rollout, one policy "
            f"update), not {total}. Raise total_timesteps or lower n_steps / env.n_envs.")


def off_policy_budget_warning(algo_name: str, total: int, n_envs: int,
                              params: dict[str, Any]) -> str | None:
    """The warning for an off-policy budget that never passes ``learning_starts``."""
    starts = int(_hyperparam(algo_name, params, "learning_starts"))
    if total > starts:
        return None
    freq, unit = check_train_freq(_hyperparam(algo_name, params, "train_freq"))
    head = (f"total_timesteps={total} <= learning_starts={starts} ({algo_name}): SB3 takes "
            f"gradient steps only once more than {starts} steps have been collected")
    if unit == "step":
        chunk = freq * n_envs
        collected = math.ceil(total / chunk) * chunk
        if collected > starts:
            steps = _hyperparam(algo_name, params, "gradient_steps")
            return (f"{head}; collection goes in rounds of train_freq x env.n_envs = {freq} x "
                    f"{n_envs} = {chunk} steps, so only the last round (ending at {collected} "
                    f"steps) passes it and one round of gradient_steps={steps} updates is all "
                    "the training this run does. Raise total_timesteps or lower "
                    "learning_starts.")
    return (f"{head}, so no gradient step will be taken: the run only fills the replay buffer "
            "and the policy stays at its initial (random) weights. Raise total_timesteps or "
            "lower learning_starts.")


def warn_small_budget(cfg: DictConfig, algo_name: str, params: dict[str, Any]) -> str | None:
    """Log (warning) what happens when the budget is below one rollout or ``learning_starts``.

    Returns the message (None when the budget is fine).
    """
    total, n_envs = int(cfg.total_timesteps), int(cfg.env.n_envs)
    if issubclass(get_algo_class(algo_name), OnPolicyAlgorithm):
        message = on_policy_budget_warning(algo_name, total, n_envs, params)
    elif is_off_policy(algo_name):
        message = off_policy_budget_warning(algo_name, total, n_envs, params)
    else:
        message = None
    if message:
        log.warning(message)
    return message


def check_config(cfg: DictConfig) -> CheckedConfig:
    """Validate the whole config (cheap: builds one env to read its spaces); return findings."""
    require("algo" in cfg and cfg.algo.get("name") is not None,
            "Invalid config: no algorithm selected; pick one with algo=<name> "
            "(ppo, dqn, a2c, sac, td3, qrdqn).")
    algo_name = str(cfg.algo.name).lower()
    algo_class = get_algo_class(algo_name)
    check_known_keys(cfg, "rl", RL_NODES)
    policy = cfg.algo.get("policy", "MlpPolicy")
    aliases = sorted(getattr(algo_class, "policy_aliases", {}))
    if policy not in aliases:
        raise invalid_choice(f"algo.policy (for {algo_name})", policy, aliases)
    check_run_knobs(cfg)
    env_id, vectorization = check_env_knobs(cfg)
    try:
        observation_space, action_space = probe_spaces(cfg.env)
    except TypeError as err:
        kwargs = dict(cfg.env.get("kwargs") or {})
        raise ConfigError(f"Invalid env.kwargs={kwargs!r} for env.id={env_id!r}: {err}. "
                          "Remove or fix the unknown argument.") from None
    check_action_space(algo_name, action_space, env_id)
    build_policy_kwargs(cfg)  # checks net.* and algo.optimizer before any env is built
    params = check_hyperparams(algo_name, cfg.algo.get("hyperparams"))
    warn_small_budget(cfg, algo_name, params)
    return CheckedConfig(algo_name=algo_name, env_id=env_id, vectorization=vectorization,
                         observation_space=observation_space, action_space=action_space,
                         reward_threshold=reward_threshold(cfg.env))
