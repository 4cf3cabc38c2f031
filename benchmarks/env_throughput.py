"""Env steps per second of rlgan's own environments, four ways, side by side in one run.

For ``rlgan/Pursuit-v0`` and ``rlgan/Maze-v0`` (default knobs), with random actions drawn
before timing:

- ``single``: one ``gymnasium.make`` env stepped in a Python loop (reset by hand at the end);
- ``dummy64``: SB3's ``DummyVecEnv`` over 64 single envs;
- ``native64`` / ``native1024``: the native batched env
  (``gymnasium.make_vec(..., vectorization_mode="vector_entry_point")``) with 64 / 1024 envs.

The contenders are alternated within each repeat; the table shows medians over repeats and
the ratio native64 / dummy64 (goal: >= 20x).

    .venv/bin/python benchmarks/env_throughput.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env import DummyVecEnv

import rlgan  # noqa: F401  (registers the rlgan/ ids)

ENV_IDS = ("rlgan/Pursuit-v0", "rlgan/Maze-v0")


def time_single(env_id: str, steps: int) -> float:
    """Steps/s of one env in a Python loop."""
    env = gym.make(env_id)
    env.reset(seed=0)
    actions = [env.action_space.sample() for _ in range(steps)]
    start = time.perf_counter()
    for action in actions:
        _, _, term, trunc, _ = env.step(action)
        if term or trunc:
            env.reset()
    return steps / (time.perf_counter() - start)


def time_dummy(env_id: str, n: int, steps: int) -> float:
    """Steps/s of SB3's DummyVecEnv over ``n`` single envs."""
    vec = DummyVecEnv([lambda: gym.make(env_id)] * n)
    vec.seed(0)
    vec.reset()
    actions = np.stack([vec.action_space.sample() for _ in range(n * steps)]).reshape(steps, n)
    start = time.perf_counter()
    for row in actions:
        vec.step(row)
    return n * steps / (time.perf_counter() - start)


def time_native(env_id: str, n: int, steps: int) -> float:
    """Steps/s of the native batched env with ``n`` sub-environments."""
    env = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point")
    env.reset(seed=0)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(steps)]
    start = time.perf_counter()
    for row in actions:
        env.step(row)
    return n * steps / (time.perf_counter() - start)


def main() -> None:
    """Run the comparison and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1 repeat, fewer steps")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    scale = 0.2 if args.quick else 1.0
    contenders: dict[str, Callable[[str], float]] = {
        "single": lambda e: time_single(e, int(5000 * scale)),
        "dummy64": lambda e: time_dummy(e, 64, int(150 * scale)),
        "native64": lambda e: time_native(e, 64, int(2000 * scale)),
        "native1024": lambda e: time_native(e, 1024, int(300 * scale)),
    }
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, gymnasium {gym.__version__}; {repeats} repeats (median)"
    )
    print("| env | single | DummyVecEnv 64 | native 64 | native 1024 | native64 / dummy64 |")
    print("|---|---|---|---|---|---|")
    for env_id in ENV_IDS:
        runs: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(repeats):
            for name, fn in contenders.items():
                runs[name].append(fn(env_id))
        med = {name: statistics.median(values) for name, values in runs.items()}
        cells = " | ".join(f"{med[name]:,.0f}" for name in contenders)
        print(f"| {env_id} | {cells} | {med['native64'] / med['dummy64']:.1f}x |")


if __name__ == "__main__":
    main()
