"""Check an ``rlgan-rl`` config completely before any training starts.

Every problem becomes a one-paragraph :class:`~rlgan.common.errors.ConfigError` naming the bad
value and the valid choices. :func:`check_config` also returns what it learnt on the way
(spaces, vectorization, reward threshold) so the runner does not probe twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gymnasium import spaces
from omegaconf import DictConfig

from rlgan.common.device import resolve_device
from rlgan.common.errors import ConfigError, invalid_choice, require, require_positive
from rlgan.common.progress import check_progress
from rlgan.rl.algos import check_action_space, get_algo_class
from rlgan.rl.env_factory import (
    check_env_id,
    probe_spaces,
    resolve_vectorization,
    reward_threshold,
)
from rlgan.rl.hyperparams import check_hyperparams

#: Metric names a run can return to a sweeper (``objective=...``).
OBJECTIVES = ("eval/mean_reward", "eval/best_mean_reward", "eval/std_reward", "eval/success_rate",
              "solved_at_timesteps", "timesteps", "wall_time_s")


@dataclass
class CheckedConfig:
    """What validation found out about a run's config."""

    algo_name: str
    env_id: str
    vectorization: str
    observation_space: spaces.Space
    action_space: spaces.Space
    reward_threshold: float | None


def _require_int(knob: str, value: Any, minimum: int) -> None:
    """Raise unless ``value`` is an integer >= ``minimum``."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    require(ok, f"Invalid {knob}={value!r}: it must be an integer >= {minimum}.")


def check_run_knobs(cfg: DictConfig) -> None:
    """Check the top-level knobs (timesteps, seeds, threads, eval, checkpoint, objective)."""
    total = cfg.get("total_timesteps")
    require(isinstance(total, int) and not isinstance(total, bool) and total > 0,
            f"Invalid total_timesteps={total!r}: it must be a positive integer "
            "(environment steps to train for), e.g. total_timesteps=100000.")
    _require_int("seed", cfg.get("seed"), 0)
    _require_int("threads", cfg.get("threads", 1), 1)
    _require_int("stop_on_solve", cfg.get("stop_on_solve", 0), 0)
    _require_int("eval.freq", cfg.eval.freq, 0)
    _require_int("eval.episodes", cfg.eval.episodes, 1)
    _require_int("eval.final_episodes", cfg.eval.final_episodes, 0)
    _require_int("eval.n_envs", cfg.eval.n_envs, 1)
    _require_int("checkpoint.freq", cfg.checkpoint.freq, 0)
    _require_int("checkpoint.keep", cfg.checkpoint.keep, 0)
    if cfg.get("objective") not in OBJECTIVES:
        raise invalid_choice("objective", cfg.get("objective"), OBJECTIVES,
                             "It names the metric the run returns to a Hydra sweeper.")
    check_progress(cfg.get("progress_bar", "auto"))
    resolve_device(cfg.get("device", "auto"))


def check_env_knobs(cfg: DictConfig) -> tuple[str, str]:
    """Check ``env.*``; return ``(env_id, resolved vectorization)``."""
    env_id = check_env_id(cfg.env.get("id"))
    n_envs = cfg.env.get("n_envs")
    require(isinstance(n_envs, int) and not isinstance(n_envs, bool) and n_envs >= 1,
            f"Invalid env.n_envs={n_envs!r}: it must be an integer >= 1 (the number of "
            "environments stepped side by side), e.g. env.n_envs=8.")
    threshold = cfg.env.get("reward_threshold")
    if threshold is not None:
        require(isinstance(threshold, (int, float)) and not isinstance(threshold, bool),
                f"Invalid env.reward_threshold={threshold!r}: it must be a number or null "
                "(null: the Gymnasium spec's threshold).")
    max_steps = cfg.env.get("max_episode_steps")
    if max_steps is not None:
        require_positive("env.max_episode_steps", max_steps)
    vectorization = resolve_vectorization(env_id, str(cfg.env.get("vectorization", "auto")))
    return env_id, vectorization


def check_config(cfg: DictConfig) -> CheckedConfig:
    """Validate the whole config (cheap: builds one env to read its spaces); return findings."""
    require("algo" in cfg and cfg.algo.get("name") is not None,
            "Invalid config: no algorithm selected; pick one with algo=<name> "
            "(ppo, dqn, a2c, sac, td3, qrdqn).")
    algo_name = str(cfg.algo.name).lower()
    algo_class = get_algo_class(algo_name)
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
    check_hyperparams(algo_name, cfg.algo.get("hyperparams"))
    return CheckedConfig(algo_name=algo_name, env_id=env_id, vectorization=vectorization,
                         observation_space=observation_space, action_space=action_space,
                         reward_threshold=reward_threshold(cfg.env))
