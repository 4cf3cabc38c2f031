"""Evaluate a policy for N episodes, run side by side on a vector env of several copies.

Single-env evaluation was about half the wall clock of a CartPole PPO run (FINDINGS.md), so
the N episodes are spread evenly over the sub-environments of one ``VecEnv`` (SB3's
``evaluate_policy`` splits them statically, so short episodes do not bias the mean).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import VecEnv


@dataclass
class EvalResult:
    """Returns and lengths of the evaluated episodes, with their summary statistics."""

    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    successes: list[bool] = field(default_factory=list)

    @property
    def mean(self) -> float:
        """Mean episode return."""
        return float(np.mean(self.returns)) if self.returns else float("nan")

    @property
    def std(self) -> float:
        """Standard deviation of the episode returns."""
        return float(np.std(self.returns)) if self.returns else float("nan")

    @property
    def episodes(self) -> int:
        """Number of evaluated episodes."""
        return len(self.returns)

    @property
    def success_rate(self) -> float | None:
        """Fraction of episodes ending with ``info["is_success"]`` true (None: env has none)."""
        return float(np.mean(self.successes)) if self.successes else None

    @property
    def mean_length(self) -> float:
        """Mean episode length in steps."""
        return float(np.mean(self.lengths)) if self.lengths else float("nan")

    def summary(self) -> dict[str, Any]:
        """The ``eval/*`` metrics of this evaluation."""
        return {"eval/mean_reward": self.mean, "eval/std_reward": self.std,
                "eval/episodes": self.episodes, "eval/success_rate": self.success_rate}


def eval_env_count(episodes: int, max_envs: int) -> int:
    """How many parallel envs to evaluate ``episodes`` episodes on (at most ``max_envs``)."""
    return max(1, min(int(episodes), int(max_envs)))


def evaluate_model(model: BaseAlgorithm, env: VecEnv, episodes: int,
                   deterministic: bool = True) -> EvalResult:
    """Run ``episodes`` full episodes of ``model`` on ``env`` (no training); return them.

    Environments that report ``info["is_success"]`` at the end of an episode also get a
    success rate.
    """
    successes: list[bool] = []

    def record_success(local_vars: dict[str, Any], _globals: dict[str, Any]) -> None:
        """Collect ``is_success`` of every finished episode."""
        info = local_vars["info"]
        if local_vars["done"] and "is_success" in info and "episode" in info:
            successes.append(bool(info["is_success"]))

    with warnings.catch_warnings():
        # SB3 warns when the per-env episode counts differ; that split is intended here.
        warnings.simplefilter("ignore", UserWarning)
        returns, lengths = evaluate_policy(model, env, n_eval_episodes=int(episodes),
                                           deterministic=deterministic,
                                           callback=record_success,
                                           return_episode_rewards=True, warn=False)
    return EvalResult(returns=[float(r) for r in returns], lengths=[int(n) for n in lengths],
                      successes=successes)


def evaluate_run(run_dir: str, episodes: int, max_envs: int = 10, seed: int = 0,
                 which: str = "best") -> float:
    """``evaluate=<run dir>``: load a run's model, print mean ± std return; return the mean."""
    from rlgan.common.run_dir import load_run_config
    from rlgan.rl.env_factory import make_vec_env, native_vector_available
    from rlgan.rl.model_io import load_run_model, run_model_path

    load_run_config(run_dir, "evaluate")
    model, cfg = load_run_model(run_dir, which=which, device="cpu")
    vectorization = str(cfg.env.get("vectorization", "auto"))
    if vectorization == "native" and not native_vector_available(str(cfg.env.id)):
        vectorization = "auto"
    env = make_vec_env(cfg.env, eval_env_count(episodes, max_envs), seed + 20_000,
                       vectorization)
    try:
        result = evaluate_model(model, env, episodes,
                                bool(cfg.get("eval", {}).get("deterministic", True)))
    finally:
        env.close()
    print(f"rlgan-rl: {run_model_path(run_dir, which)}: {str(cfg.algo.name).upper()} on "
          f"{cfg.env.id}: mean return {result.mean:.2f} ± {result.std:.2f} over "
          f"{result.episodes} episodes (mean length {result.mean_length:.1f}"
          + ("" if result.success_rate is None else f", success {result.success_rate:.0%}")
          + ")")
    return result.mean
