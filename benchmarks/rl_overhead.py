"""Overhead of the ``rlgan-rl`` runner over a plain SB3 script doing the same training.

Both sides train the same algorithm with the same hyperparameters for the same number of
steps on the same environments (rlgan's ``NativeVecEnv`` CartPole, so that only the runner's
own cost differs), evaluate 10 episodes on 10 envs every 5k steps, run a final 10-episode
evaluation and save the model. The runner additionally writes what a run folder holds
(``progress.csv``, TensorBoard, checkpoints, ``metrics.json``, the learning-curve plot) and
validates its config. Early stopping is off on both sides. Runs alternate; medians over repeats.

    .venv/bin/python benchmarks/rl_overhead.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from stable_baselines3 import DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.logger import configure
from stable_baselines3.common.utils import LinearSchedule
from stable_baselines3.common.vec_env import VecEnv, VecMonitor

from rlgan.rl.vec_env import NativeVecEnv

ENV_ID = "CartPole-v1"
EVAL_FREQ = 5_000
EVAL_EPISODES = 10

#: algo -> (rlgan-rl overrides, plain SB3 constructor keywords); the values are the same.
SETUPS: dict[str, tuple[list[str], dict[str, Any], int]] = {
    "ppo": (
        ["+experiment=ppo_cartpole"],
        {
            "n_steps": 32,
            "batch_size": 256,
            "n_epochs": 10,
            "gamma": 0.98,
            "gae_lambda": 0.8,
            "ent_coef": 0.0,
            "learning_rate": LinearSchedule(3e-3, 0.0, 1.0),
            "clip_range": LinearSchedule(0.2, 0.0, 1.0),
        },
        16,
    ),
    "dqn": (
        ["algo=dqn", "env.n_envs=1", "env.vectorization=native"],
        {
            "learning_rate": 2.3e-3,
            "batch_size": 64,
            "buffer_size": 100_000,
            "learning_starts": 1000,
            "gamma": 0.99,
            "target_update_interval": 10,
            "train_freq": 256,
            "gradient_steps": 128,
            "exploration_fraction": 0.16,
            "exploration_final_eps": 0.04,
            "policy_kwargs": {"net_arch": [256, 256]},
        },
        1,
    ),
}


#: Steps per run: the full budgets of RL Zoo's CartPole-v1 entries (PPO 1e5, which is also the
#: ``ppo_cartpole`` preset's ``total_timesteps``; DQN 5e4). The runner's fixed cost per run
#: (config composition, logs, checkpoints, the learning-curve plot: ~0.3 s for PPO, see
#: benchmarks/RESULTS.md) weighs more on shorter runs: ``--steps`` measures any other length.
DEFAULT_STEPS = {"ppo": 100_000, "dqn": 50_000}


class _PeriodicEval(BaseCallback):
    """The plain script's evaluation: every ``freq`` steps, 10 episodes on the eval envs."""

    def __init__(self, eval_env: VecEnv, freq: int) -> None:
        super().__init__()
        self.eval_env, self.freq, self.next = eval_env, freq, freq

    def _on_step(self) -> bool:
        if self.num_timesteps >= self.next:
            self.next += self.freq
            evaluate_policy(self.model, self.eval_env, n_eval_episodes=EVAL_EPISODES, warn=False)
        return True


def run_plain(algo: str, steps: int, seed: int, out: Path) -> tuple[float, float]:
    """Plain SB3 script; returns its wall-clock and CPU seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    _, kwargs, n_envs = SETUPS[algo]
    env = VecMonitor(NativeVecEnv(ENV_ID, n_envs, seed))
    eval_env = VecMonitor(NativeVecEnv(ENV_ID, EVAL_EPISODES, seed + 10_000))
    cls: type[BaseAlgorithm] = PPO if algo == "ppo" else DQN
    model = cls("MlpPolicy", env, seed=seed, device="cpu", **kwargs)
    model.set_logger(configure(None, []))
    model.learn(steps, callback=_PeriodicEval(eval_env, EVAL_FREQ))
    evaluate_policy(model, eval_env, n_eval_episodes=EVAL_EPISODES, warn=False)
    model.save(out / "model.zip")
    env.close()
    eval_env.close()
    return time.perf_counter() - start, time.process_time() - cpu


def run_rlgan(algo: str, steps: int, seed: int, out: Path) -> tuple[float, float]:
    """``rlgan-rl`` through its ``train()``; returns its wall-clock and CPU seconds."""
    from rlgan.common.app import compose_config
    from rlgan.rl.train import train

    start, cpu = time.perf_counter(), time.process_time()
    overrides, _, _ = SETUPS[algo]
    cfg = compose_config(
        "rl",
        [
            *overrides,
            f"seed={seed}",
            f"total_timesteps={steps}",
            "stop_on_solve=0",
            "progress_bar=false",
            f"eval.freq={EVAL_FREQ}",
            f"eval.episodes={EVAL_EPISODES}",
            f"eval.final_episodes={EVAL_EPISODES}",
            f"eval.n_envs={EVAL_EPISODES}",
            "device=cpu",
            "threads=1",
        ],
    )
    _check_same_hyperparams(algo, cfg.algo.hyperparams)
    if cfg.env.n_envs != SETUPS[algo][2]:
        raise SystemExit(
            f"{algo}: n_envs is {cfg.env.n_envs} in rlgan-rl, {SETUPS[algo][2]} in "
            "the plain script: update SETUPS in benchmarks/rl_overhead.py"
        )
    lr = str(cfg.algo.hyperparams.get("learning_rate"))
    plain_lr = SETUPS[algo][1]["learning_rate"]
    if lr.startswith("lin_") and float(lr[4:]) != getattr(plain_lr, "start", plain_lr):
        raise SystemExit(
            f"{algo}: learning_rate is {lr} in rlgan-rl, {plain_lr} in the plain "
            "script: update SETUPS in benchmarks/rl_overhead.py"
        )
    train(cfg, run_dir=out)
    return time.perf_counter() - start, time.process_time() - cpu


def _check_same_hyperparams(algo: str, configured: Any) -> None:
    """Fail loudly if the runner's config drifted from the plain script's numbers."""
    for key, value in SETUPS[algo][1].items():
        if isinstance(value, (int, float)) and configured[key] != value:
            raise SystemExit(
                f"{algo}: {key} is {configured[key]} in rlgan-rl, {value} in "
                "the plain script: update SETUPS in benchmarks/rl_overhead.py"
            )


def main() -> None:
    """Alternate the two sides per algorithm and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="default 7 (quick 1)")
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="default 100000 for PPO and 50000 for DQN (quick: a fifth)",
    )
    parser.add_argument("--algos", nargs="+", default=["ppo", "dqn"], choices=list(SETUPS))
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 7)
    torch.set_num_threads(1)
    print(
        f"# {platform.node()}, {os.cpu_count()} CPUs, torch threads 1, load avg "
        f"{os.getloadavg()[0]:.2f}; {repeats} repeats",
        flush=True,
    )
    rows = []
    for algo in args.algos:
        steps = args.steps or DEFAULT_STEPS[algo] // (5 if args.quick else 1)
        wall: dict[str, list[float]] = {"plain": [], "rlgan": []}
        cpu: dict[str, list[float]] = {"plain": [], "rlgan": []}
        for rep in range(repeats):
            order = ["plain", "rlgan"] if rep % 2 == 0 else ["rlgan", "plain"]
            for side in order:
                with tempfile.TemporaryDirectory(prefix="rlgan-overhead-") as tmp:
                    runner = run_plain if side == "plain" else run_rlgan
                    seconds, cpu_seconds = runner(algo, steps, rep, Path(tmp))
                    wall[side].append(seconds)
                    cpu[side].append(cpu_seconds)
            print(
                f"#   {algo} repeat {rep}: plain {wall['plain'][-1]:.1f} s "
                f"(CPU {cpu['plain'][-1]:.1f} s), rlgan {wall['rlgan'][-1]:.1f} s "
                f"(CPU {cpu['rlgan'][-1]:.1f} s)",
                flush=True,
            )
        cells = []
        for measured in (wall, cpu):
            plain, ours = statistics.median(measured["plain"]), statistics.median(measured["rlgan"])
            paired = statistics.median(
                o / p for o, p in zip(measured["rlgan"], measured["plain"], strict=True)
            )
            cells.append(f"{plain:.1f} | {ours:.1f} | {ours / plain:.3f} | {paired:.3f}")
        rows.append(f"| {algo} | {steps} | {' | '.join(cells)} |")
    print(f"# load avg at end {os.getloadavg()[0]:.2f}")
    print(
        "Wall clock (the goal's measure), then CPU time of the process (less sensitive to "
        "other tenants of a shared machine); ratios: of the medians, and the median of the "
        "per-repeat ratios."
    )
    print(
        "| algo | steps | plain wall (s) | rlgan wall (s) | ratio | paired ratio | "
        "plain CPU (s) | rlgan CPU (s) | CPU ratio | paired CPU ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
