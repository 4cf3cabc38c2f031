"""CartPole-v1 time to solve: rlgan's tuned presets vs plain SB3 with RL Zoo's hyperparameters.

For each seed, side by side in one process and alternating the order, it runs

- ``ppo`` (ours): ``rlgan-rl``'s ``train()`` with ``+experiment=ppo_cartpole``;
- ``ppo_anchor``: plain SB3 PPO with RL Zoo's CartPole-v1 entry (8 ``DummyVecEnv`` envs,
  n_steps 32, batch 256, gae 0.8, gamma 0.98, 20 epochs, lr 1e-3 and clip 0.2 linear to 0,
  100k steps) evaluated by SB3's ``EvalCallback`` (10 episodes on one env every 5k steps);
- ``dqn`` / ``dqn_anchor``: the same for ``+experiment=dqn_cartpole`` and RL Zoo's DQN
  CartPole-v1 entry (50k steps, same evaluation protocol);

and reports, per contender, the wall-clock seconds and env steps until an evaluation mean
first reaches 475 (counted from the start of model construction), the total wall clock and the
final evaluation (10 deterministic episodes), with medians over seeds.

    .venv/bin/python benchmarks/rl_time_to_solve.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import torch
from stable_baselines3 import DQN, PPO
from stable_baselines3.common.callbacks import BaseCallback, EvalCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.logger import KVWriter, configure
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.utils import LinearSchedule

SOLVED = 475.0
ENV_ID = "CartPole-v1"
EVAL_FREQ = 5_000
EVAL_EPISODES = 10


@dataclass
class Outcome:
    """What one training run achieved."""

    solve_s: float = math.inf  # wall clock until an evaluation first reached 475
    solve_steps: float = math.inf  # env steps at that evaluation
    total_s: float = 0.0  # wall clock of the whole run
    steps: int = 0  # env steps trained
    final: float = math.nan  # final evaluation mean
    evals: list[float] = field(default_factory=list)


class _EvalClock(KVWriter):
    """Logger output that notes the time of every logged ``eval/mean_reward``."""

    def __init__(self, outcome: Outcome, start: float) -> None:
        self.outcome, self.start = outcome, start

    def write(
        self, key_values: dict[str, Any], key_excluded: dict[str, Any], step: int = 0
    ) -> None:
        """Record an evaluation; the first one at or above 475 is the solve."""
        if "eval/mean_reward" not in key_values:
            return
        mean = float(key_values["eval/mean_reward"])
        self.outcome.evals.append(round(mean, 1))
        if mean >= SOLVED and math.isinf(self.outcome.solve_s):
            self.outcome.solve_s = time.perf_counter() - self.start
            self.outcome.solve_steps = step

    def close(self) -> None:
        """Nothing to release."""


class _WatchEvals(BaseCallback):
    """Attach :class:`_EvalClock` to the model's logger when training starts."""

    def __init__(self, clock: _EvalClock) -> None:
        super().__init__()
        self.clock = clock

    def _on_training_start(self) -> None:
        self.model.logger.output_formats.append(self.clock)

    def _on_step(self) -> bool:
        return True


# -- plain SB3 anchors (RL Zoo hyperparameters) ------------------------------------------------
def _anchor(algo: str, seed: int) -> Outcome:
    """Plain SB3 with RL Zoo's CartPole-v1 hyperparameters and SB3's EvalCallback."""
    outcome, start = Outcome(), time.perf_counter()
    if algo == "ppo":
        env = make_vec_env(ENV_ID, n_envs=8, seed=seed)
        model = PPO(
            "MlpPolicy",
            env,
            n_steps=32,
            batch_size=256,
            gae_lambda=0.8,
            gamma=0.98,
            n_epochs=20,
            ent_coef=0.0,
            learning_rate=LinearSchedule(1e-3, 0.0, 1.0),
            clip_range=LinearSchedule(0.2, 0.0, 1.0),
            seed=seed,
            device="cpu",
        )
        steps = 100_000
    else:
        env = make_vec_env(ENV_ID, n_envs=1, seed=seed)
        model = DQN(
            "MlpPolicy",
            env,
            learning_rate=2.3e-3,
            batch_size=64,
            buffer_size=100_000,
            learning_starts=1000,
            gamma=0.99,
            target_update_interval=10,
            train_freq=256,
            gradient_steps=128,
            exploration_fraction=0.16,
            exploration_final_eps=0.04,
            policy_kwargs={"net_arch": [256, 256]},
            seed=seed,
            device="cpu",
        )
        steps = 50_000
    model.set_logger(configure(None, []))  # no stdout table, no /tmp/SB3-* folder
    clock = _EvalClock(outcome, start)
    eval_env = Monitor(gym.make(ENV_ID))
    eval_env.reset(seed=seed + 10_000)
    evaluator = EvalCallback(
        eval_env,
        n_eval_episodes=EVAL_EPISODES,
        eval_freq=max(EVAL_FREQ // env.num_envs, 1),
        verbose=0,
    )
    model.learn(steps, callback=[_WatchEvals(clock), evaluator])
    outcome.final = float(
        evaluate_policy(model, eval_env, n_eval_episodes=EVAL_EPISODES, deterministic=True)[0]
    )
    outcome.total_s = time.perf_counter() - start
    outcome.steps = int(model.num_timesteps)
    env.close()
    return outcome


# -- ours: the rlgan-rl runner with a preset ---------------------------------------------------
def _ours(algo: str, seed: int) -> Outcome:
    """``rlgan-rl +experiment=<algo>_cartpole seed=<seed>`` through ``train()``."""
    from rlgan.common.app import compose_config
    from rlgan.common.run_dir import read_metrics
    from rlgan.rl.train import train

    outcome, start = Outcome(), time.perf_counter()
    cfg = compose_config(
        "rl", [f"+experiment={algo}_cartpole", f"seed={seed}", "progress_bar=false"]
    )
    with tempfile.TemporaryDirectory(prefix="rlgan-bench-") as run_dir:
        train(cfg, run_dir=run_dir, callbacks=[_WatchEvals(_EvalClock(outcome, start))])
        outcome.total_s = time.perf_counter() - start
        metrics = read_metrics(run_dir)
    outcome.final = float(metrics["eval/mean_reward"])
    outcome.steps = int(metrics["timesteps"])
    return outcome


def _median(values: list[float]) -> float:
    """Median that keeps ``inf`` (never solved) meaningful."""
    return float(statistics.median(values)) if values else math.nan


def _fmt(value: float, digits: int = 1) -> str:
    """Number for the table ('never' for inf)."""
    return "never" if math.isinf(value) else f"{value:,.{digits}f}"


def main() -> None:
    """Run the contenders, alternating per seed, and print a Markdown table plus JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed (smoke test)")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 5)")
    parser.add_argument("--algos", nargs="+", default=["ppo", "dqn"], choices=["ppo", "dqn"])
    args = parser.parse_args()
    n_seeds = args.seeds or (1 if args.quick else 5)
    torch.set_num_threads(1)

    contenders: dict[str, Callable[[int], Outcome]] = {}
    for algo in args.algos:
        contenders[algo] = lambda seed, a=algo: _ours(a, seed)
        contenders[f"{algo}_anchor"] = lambda seed, a=algo: _anchor(a, seed)
    results: dict[str, list[Outcome]] = {name: [] for name in contenders}
    print(
        f"# {platform.node()}, {os.cpu_count()} CPUs, torch threads 1, "
        f"load avg {os.getloadavg()[0]:.2f}; seeds 0..{n_seeds - 1}",
        flush=True,
    )
    for seed in range(n_seeds):
        names = list(contenders) if seed % 2 == 0 else list(reversed(contenders))
        for name in names:
            out = contenders[name](seed)
            results[name].append(out)
            print(
                f"#   seed {seed} {name}: solve {_fmt(out.solve_s)} s at "
                f"{_fmt(out.solve_steps, 0)} steps, total {out.total_s:.1f} s / {out.steps} "
                f"steps, final {out.final:.1f}, evals {out.evals}",
                flush=True,
            )
    print(f"# load avg at end {os.getloadavg()[0]:.2f}")
    print(
        "| contender | time to 475 (s) | steps to 475 | total wall (s) | final eval "
        "(per seed) | time-to-solve ratio vs anchor |"
    )
    print("|---|---:|---:|---:|---|---:|")
    summary: dict[str, Any] = {}
    for name, outs in results.items():
        solve = _median([o.solve_s for o in outs])
        anchor = results.get(f"{name}_anchor")
        ratio = (solve / _median([o.solve_s for o in anchor])) if anchor else math.nan
        finals = ", ".join(f"{o.final:.0f}" for o in outs)
        print(
            f"| {name} | {_fmt(solve)} | {_fmt(_median([o.solve_steps for o in outs]), 0)} | "
            f"{_median([o.total_s for o in outs]):.1f} | {finals} | "
            f"{'' if math.isnan(ratio) else f'{ratio:.2f}'} |"
        )
        summary[name] = {
            "solve_s": [o.solve_s for o in outs],
            "solve_steps": [o.solve_steps for o in outs],
            "total_s": [round(o.total_s, 2) for o in outs],
            "final": [o.final for o in outs],
        }
    print("# json", json.dumps(summary).replace("Infinity", "null"))


if __name__ == "__main__":
    main()
