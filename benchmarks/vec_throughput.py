"""CartPole env steps per second: SB3 DummyVecEnv vs rlgan's NativeVecEnv adapter.

Random actions (drawn before timing), the same number of env steps for every contender,
contenders alternated within each repeat, medians over repeats. The raw Gymnasium native vector
env (next-step autoreset, not usable by SB3 as it is) is shown too, to price the adapter.

    .venv/bin/python benchmarks/vec_throughput.py [--quick]
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

from rlgan.rl.vec_env import NativeVecEnv

ENV_ID = "CartPole-v1"


def _make_dummy(n: int) -> DummyVecEnv:
    """SB3's DummyVecEnv over ``n`` gymnasium.make CartPoles."""
    vec = DummyVecEnv([lambda: gym.make(ENV_ID)] * n)
    vec.seed(0)
    return vec


def _time_sb3(vec: object, actions: np.ndarray) -> float:
    """Seconds to step an SB3 VecEnv through ``actions`` (one row per step)."""
    vec.reset()
    start = time.perf_counter()
    for row in actions:
        vec.step(row)
    return time.perf_counter() - start


def _time_raw(n: int, actions: np.ndarray) -> float:
    """Seconds to step Gymnasium's raw native vector env through ``actions``."""
    env = gym.make_vec(ENV_ID, num_envs=n, vectorization_mode="vector_entry_point")
    env.reset(seed=0)
    start = time.perf_counter()
    for row in actions:
        env.step(row)
    elapsed = time.perf_counter() - start
    env.close()
    return elapsed


def measure(n_envs: int, env_steps: int, repeats: int) -> dict[str, float]:
    """Median steps/s of each contender at ``n_envs`` environments."""
    n_steps = max(1, env_steps // n_envs)
    rng = np.random.default_rng(n_envs)
    actions = rng.integers(0, 2, size=(n_steps, n_envs))
    contenders: dict[str, Callable[[], float]] = {
        "dummy": lambda: _time_sb3(_make_dummy(n_envs), actions),
        "native_adapter": lambda: _time_sb3(NativeVecEnv(ENV_ID, n_envs, seed=0), actions),
        "native_raw": lambda: _time_raw(n_envs, actions),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for rep in range(repeats):
        order = list(contenders) if rep % 2 == 0 else list(reversed(contenders))
        for name in order:
            times[name].append(contenders[name]())
    total = n_steps * n_envs
    return {name: total / statistics.median(values) for name, values in times.items()}


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (smoke test)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument(
        "--env-steps",
        type=int,
        default=None,
        help="env steps per timing (default 200000, quick 20000)",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 64, 256])
    args = parser.parse_args()
    repeats = args.repeats or (2 if args.quick else 5)
    env_steps = args.env_steps or (20_000 if args.quick else 200_000)

    print(
        f"# {platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.2f}; "
        f"{env_steps} env steps per timing, median of {repeats}"
    )
    print(
        "| n_envs | DummyVecEnv steps/s | NativeVecEnv steps/s | ratio | raw native steps/s |"
        " adapter / raw |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        r = measure(n, env_steps, repeats)
        print(
            f"| {n} | {r['dummy']:,.0f} | {r['native_adapter']:,.0f} | "
            f"{r['native_adapter'] / r['dummy']:.1f}x | {r['native_raw']:,.0f} | "
            f"{r['native_adapter'] / r['native_raw']:.2f} |",
            flush=True,
        )
    print(f"# load avg at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
