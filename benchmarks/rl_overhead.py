"""Overhead of the ``rlgan-rl`` runner over a plain SB3 script doing the same training.

Both sides train the same algorithm with the same hyperparameters for the same number of
steps on the same environments (rlgan's ``NativeVecEnv`` CartPole, so that only the runner's
own cost differs), evaluate 10 episodes on 10 envs every 5k steps, run a final 10-episode
evaluation and save the model. The runner additionally writes what a run folder holds
(``progress.csv``, TensorBoard, checkpoints, ``metrics.json``, the learning-curve plot) and
validates its config. Early stopping is off on both sides. Runs alternate; medians over repeats.

Per-part timings point a regression at its cause: each side's time is split into the parts
below (exclusive seconds: a checkpoint saved inside an evaluation counts as checkpoint time),
measured by wrapping the functions that do them for the duration of one run; what is left is
training (SB3's rollouts and updates, the same code on both sides).

- ``config``: composing, validating and planning the run (run folder, resume checks);
- ``evaluation``: the periodic and final evaluation episodes;
- ``eval records``: after an evaluation, the best model and ``metrics.json``;
- ``logging``: ``progress.csv`` and TensorBoard rows (``--no-tensorboard-side`` adds a third
  contender, the runner with ``log.tensorboard=false``, to price TensorBoard's writer thread);
- ``checkpoints`` and ``final model``; ``plot``: the learning-curve PNG;
- ``lifecycle``: ``provenance.json``, status records, closing loggers and envs.

The fixed cost per run is measured apart: the same pair at a budget of one rollout
(``--fixed-steps``, no periodic evaluation), where the difference is almost all fixed cost.

    .venv/bin/python benchmarks/rl_overhead.py [--quick] [--algos ppo] [--repeats 9]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


class PartTimer:
    """Exclusive wall-clock seconds per part, from functions wrapped for one run."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[list[float]] = []  # [start, seconds of nested parts]

    def wrap(self, part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` with its time (less that of nested parts) added to ``part``."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append([time.perf_counter(), 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                start, nested = self._stack.pop()
                elapsed = time.perf_counter() - start
                self.seconds[part] += elapsed - nested
                if self._stack:
                    self._stack[-1][1] += elapsed

        return timed

    @contextlib.contextmanager
    def patched(self, targets: list[tuple[Any, str, str]]) -> Iterator[PartTimer]:
        """Wrap ``getattr(owner, name)`` as ``part`` for each target, restored on exit."""
        saved = [(owner, name, getattr(owner, name)) for owner, _, name in targets]
        try:
            for owner, part, name in targets:
                setattr(owner, name, self.wrap(part, getattr(owner, name)))
            yield self
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)


def rlgan_parts() -> list[tuple[Any, str, str]]:
    """(module or class, part, attribute) of everything the runner does beyond training.

    A renamed function makes this fail loudly (``getattr``), never silently time nothing.
    """
    import rlgan.rl.callbacks as callbacks
    import rlgan.rl.run_logger as run_logger
    import rlgan.rl.train as train
    from rlgan.common.lifecycle import RunLifecycle

    return [
        (train, "config", "check_config"),
        (type(train.RL_RUNS), "config", "start"),
        (callbacks, "evaluation", "evaluate_model"),
        (train, "evaluation", "evaluate_model"),
        (callbacks.PeriodicEvalCallback, "eval records", "record"),
        (train._Run, "eval records", "_on_evaluation"),
        (run_logger.ProgressCSVWriter, "logging", "write"),
        (run_logger.TensorBoardScalarsFormat, "logging", "write"),
        (train, "logging", "make_run_logger"),
        (run_logger.TensorBoardScalarsFormat, "logging", "close"),
        (callbacks.PeriodicCheckpointCallback, "checkpoints", "save"),
        (train, "checkpoints", "save_checkpoint"),
        (train, "final model", "save_model"),
        (train, "plot", "plot_learning_curve"),
        (RunLifecycle, "lifecycle", "__enter__"),
        (RunLifecycle, "lifecycle", "__exit__"),
        (RunLifecycle, "lifecycle", "finish"),
    ]


class _PeriodicEval(BaseCallback):
    """The plain script's evaluation: every ``freq`` steps, 10 episodes on the eval envs."""

    def __init__(self, eval_env: VecEnv, freq: int, evaluate: Callable[..., Any]) -> None:
        super().__init__()
        self.eval_env, self.freq, self.next = eval_env, freq, freq
        self.evaluate = evaluate

    def _on_step(self) -> bool:
        if self.freq > 0 and self.num_timesteps >= self.next:
            self.next += self.freq
            self.evaluate(self.model, self.eval_env, n_eval_episodes=EVAL_EPISODES, warn=False)
        return True


@dataclass
class Timing:
    """One run of one side: wall-clock and CPU seconds, and wall seconds per part."""

    wall: float
    cpu: float
    parts: dict[str, float]


def run_plain(
    algo: str, steps: int, seed: int, out: Path, eval_freq: int = EVAL_FREQ, **_: Any
) -> Timing:
    """Plain SB3 script; its evaluation and model saving are timed as parts."""
    timer = PartTimer()
    evaluate = timer.wrap("evaluation", evaluate_policy)
    start, cpu = time.perf_counter(), time.process_time()
    _, kwargs, n_envs = SETUPS[algo]
    env = VecMonitor(NativeVecEnv(ENV_ID, n_envs, seed))
    eval_env = VecMonitor(NativeVecEnv(ENV_ID, EVAL_EPISODES, seed + 10_000))
    cls: type[BaseAlgorithm] = PPO if algo == "ppo" else DQN
    model = cls("MlpPolicy", env, seed=seed, device="cpu", **kwargs)
    model.set_logger(configure(None, []))
    model.learn(steps, callback=_PeriodicEval(eval_env, eval_freq, evaluate))
    evaluate(model, eval_env, n_eval_episodes=EVAL_EPISODES, warn=False)
    timer.wrap("final model", model.save)(out / "model.zip")
    env.close()
    eval_env.close()
    return Timing(time.perf_counter() - start, time.process_time() - cpu, dict(timer.seconds))


def run_rlgan(
    algo: str,
    steps: int,
    seed: int,
    out: Path,
    eval_freq: int = EVAL_FREQ,
    tensorboard: bool = True,
) -> Timing:
    """``rlgan-rl`` through its ``train()``, its parts timed (see the module docstring)."""
    from rlgan.common.app import compose_config
    from rlgan.rl.train import train

    timer = PartTimer()
    start, cpu = time.perf_counter(), time.process_time()
    overrides, _, _ = SETUPS[algo]
    compose = timer.wrap("config", compose_config)
    cfg = compose(
        "rl",
        [
            *overrides,
            f"seed={seed}",
            f"total_timesteps={steps}",
            "stop_on_solve=0",
            "progress_bar=false",
            f"log.tensorboard={str(tensorboard).lower()}",
            f"eval.freq={eval_freq}",
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
    with timer.patched(rlgan_parts()):
        train(cfg, run_dir=out)
    return Timing(time.perf_counter() - start, time.process_time() - cpu, dict(timer.seconds))


def _check_same_hyperparams(algo: str, configured: Any) -> None:
    """Fail loudly if the runner's config drifted from the plain script's numbers."""
    for key, value in SETUPS[algo][1].items():
        if isinstance(value, (int, float)) and configured[key] != value:
            raise SystemExit(
                f"{algo}: {key} is {configured[key]} in rlgan-rl, {value} in "
                "the plain script: update SETUPS in benchmarks/rl_overhead.py"
            )


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else what ``platform`` knows)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


#: side name -> (runner, keyword arguments)
SIDES: dict[str, tuple[Callable[..., Timing], dict[str, Any]]] = {
    "plain": (run_plain, {}),
    "rlgan": (run_rlgan, {}),
    "rlgan_no_tb": (run_rlgan, {"tensorboard": False}),
}
PART_ORDER = [
    "config",
    "evaluation",
    "eval records",
    "logging",
    "checkpoints",
    "final model",
    "plot",
    "lifecycle",
]


def measure(
    algo: str, steps: int, sides: list[str], repeats: int, eval_freq: int, label: str
) -> dict[str, list[Timing]]:
    """Run every side ``repeats`` times, rotating their order per repeat."""
    timings: dict[str, list[Timing]] = {side: [] for side in sides}
    for rep in range(repeats):
        order = sides[rep % len(sides) :] + sides[: rep % len(sides)]
        for side in order:
            runner, kwargs = SIDES[side]
            with tempfile.TemporaryDirectory(prefix="rlgan-overhead-") as tmp:
                timings[side].append(runner(algo, steps, rep, Path(tmp), eval_freq, **kwargs))
        cells = ", ".join(
            f"{side} {timings[side][-1].wall:.2f} s (CPU {timings[side][-1].cpu:.2f} s)"
            for side in sides
        )
        print(f"#   {algo} {label} repeat {rep}: {cells}", flush=True)
    return timings


def paired(ours: list[Timing], plain: list[Timing], field: str) -> float:
    """Median over repeats of ours / plain for ``field`` (wall or cpu)."""
    return statistics.median(
        getattr(o, field) / getattr(p, field) for o, p in zip(ours, plain, strict=True)
    )


def part_table(timings: dict[str, list[Timing]]) -> list[str]:
    """Markdown rows: median seconds per part and side, and the training left over."""
    sides = list(timings)
    rows = [
        "| part | " + " | ".join(f"{side} (s)" for side in sides) + " |",
        "|---|" + "---:|" * len(sides),
    ]
    for part in [*PART_ORDER, "training (the rest)", "total"]:
        cells = []
        for side in sides:
            values = []
            for timing in timings[side]:
                if part == "total":
                    values.append(timing.wall)
                elif part == "training (the rest)":
                    values.append(timing.wall - sum(timing.parts.values()))
                else:
                    values.append(timing.parts.get(part, 0.0))
            cells.append(f"{statistics.median(values):.2f}")
        rows.append(f"| {part} | " + " | ".join(cells) + " |")
    return rows


def main() -> None:
    """Alternate the sides per algorithm; print the ratios, per-part and fixed-cost tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="default 9 (quick 1)")
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="default 100000 for PPO and 50000 for DQN (quick: a fifth)",
    )
    parser.add_argument(
        "--fixed-steps",
        type=int,
        default=1024,
        help="budget of the fixed-cost pair (default 1024: about one PPO rollout; 0: skip)",
    )
    parser.add_argument("--algos", nargs="+", default=["ppo", "dqn"], choices=list(SETUPS))
    parser.add_argument(
        "--no-tensorboard-side",
        action="store_true",
        help="also run the runner with log.tensorboard=false as a third contender",
    )
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 9)
    sides = ["plain", "rlgan"] + (["rlgan_no_tb"] if args.no_tensorboard_side else [])
    torch.set_num_threads(1)
    print(
        f"# {cpu_model()}, {os.cpu_count()} CPUs, torch threads 1, load avg "
        f"{os.getloadavg()[0]:.2f}; {repeats} repeats",
        flush=True,
    )
    rows, parts, fixed_rows = [], [], []
    for algo in args.algos:
        # One unmeasured short run per side first: imports, allocator and first-call costs
        # would otherwise fall on whichever side runs first.
        measure(algo, 1024, sides, 1, 0, "warm-up")
        steps = args.steps or DEFAULT_STEPS[algo] // (5 if args.quick else 1)
        timings = measure(algo, steps, sides, repeats, EVAL_FREQ, "full")
        plain = timings["plain"]
        for side in sides[1:]:
            cells = []
            for field in ("wall", "cpu"):
                p = statistics.median(getattr(t, field) for t in plain)
                o = statistics.median(getattr(t, field) for t in timings[side])
                slower = sum(
                    getattr(a, field) > getattr(b, field)
                    for a, b in zip(timings[side], plain, strict=True)
                )
                cells.append(
                    f"{p:.1f} | {o:.1f} | {o / p:.3f} | "
                    f"{paired(timings[side], plain, field):.3f} | {slower}/{repeats}"
                )
            rows.append(f"| {algo} | {side} | {steps} | {' | '.join(cells)} |")
        parts.append((algo, steps, part_table(timings)))
        if args.fixed_steps > 0:
            fixed = measure(algo, args.fixed_steps, sides[:2], repeats, 0, "fixed-cost")
            diffs = [o.wall - p.wall for o, p in zip(fixed["rlgan"], fixed["plain"], strict=True)]
            fixed_rows.append(
                f"| {algo} | {args.fixed_steps} | "
                f"{statistics.median(t.wall for t in fixed['plain']):.2f} | "
                f"{statistics.median(t.wall for t in fixed['rlgan']):.2f} | "
                f"{statistics.median(diffs):.2f} |"
            )
            parts.append((algo, args.fixed_steps, part_table(fixed)))
    print(f"# load avg at end {os.getloadavg()[0]:.2f}")
    print(
        "\nWall clock (the goal's measure), then CPU time of the process (all its threads; "
        "less sensitive to other tenants of a shared machine); ratios: of the medians, the "
        "median of the per-repeat ratios, and in how many repeats the side was slower.\n"
    )
    print(
        "| algo | side | steps | plain wall (s) | side wall (s) | ratio | paired ratio | "
        "slower | plain CPU (s) | side CPU (s) | CPU ratio | paired CPU ratio | slower |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    if fixed_rows:
        print("\nFixed cost per run: median of the paired wall-clock differences.\n")
        print("| algo | steps | plain wall (s) | rlgan wall (s) | fixed cost (s) |")
        print("|---|---:|---:|---:|---:|")
        print("\n".join(fixed_rows))
    for algo, steps, table in parts:
        print(f"\nWhere the time goes, {algo} at {steps} steps (medians, wall seconds):\n")
        print("\n".join(table))


if __name__ == "__main__":
    main()
