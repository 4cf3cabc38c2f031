"""Cost of logging rows of scalars to TensorBoard: SB3's output format against rlgan's.

Both sides log the same rows (the 16 numbers SB3's PPO records per iteration) through an SB3
``Logger``, 217 dumps as in a 100k-step CartPole PPO run of ``+experiment=ppo_cartpole``, into
a fresh folder, and close the logger. SB3's ``TensorBoardOutputFormat`` writes one event per
number and flushes every dump; ``rlgan.rl.run_logger.TensorBoardScalarsFormat`` writes one
event per dump and flushes at most every 2 s. Sides alternate; medians over repeats.

    .venv/bin/python benchmarks/tensorboard_rows.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

from stable_baselines3.common.logger import KVWriter, Logger, TensorBoardOutputFormat

from rlgan.rl.run_logger import TensorBoardScalarsFormat

KEYS = (
    "time/fps",
    "time/iterations",
    "time/time_elapsed",
    "time/total_timesteps",
    "train/approx_kl",
    "train/clip_fraction",
    "train/clip_range",
    "train/entropy_loss",
    "train/explained_variance",
    "train/learning_rate",
    "train/loss",
    "train/n_updates",
    "train/policy_gradient_loss",
    "train/value_loss",
    "rollout/ep_len_mean",
    "rollout/ep_rew_mean",
)


def log_rows(make_format: type[KVWriter], dumps: int) -> float:
    """Seconds to log ``dumps`` rows through a logger with one TensorBoard format, and close."""
    with tempfile.TemporaryDirectory(prefix="rlgan-tb-") as folder:
        start = time.perf_counter()
        logger = Logger(folder=folder, output_formats=[make_format(folder)])
        for dump in range(dumps):
            for i, key in enumerate(KEYS):
                logger.record(key, 0.5 * i + dump)
            logger.dump(dump * 512)
        logger.close()
        return time.perf_counter() - start


def main() -> None:
    """Alternate the two formats and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--dumps", type=int, default=217)
    args = parser.parse_args()
    sides = {
        "SB3 TensorBoardOutputFormat": TensorBoardOutputFormat,
        "rlgan TensorBoardScalarsFormat": TensorBoardScalarsFormat,
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    for rep in range(args.repeats):
        order = list(sides) if rep % 2 == 0 else list(reversed(sides))
        for name in order:
            times[name].append(log_rows(sides[name], args.dumps))
    sb3, ours = (times[name] for name in sides)
    print(
        f"# {platform.node()}, {os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.2f}; "
        f"{args.dumps} dumps of {len(KEYS)} numbers, {args.repeats} repeats"
    )
    print("| format | seconds (median) |\n|---|---:|")
    for name in sides:
        print(f"| {name} | {statistics.median(times[name]):.3f} |")
    paired = statistics.median(s / o for s, o in zip(sb3, ours, strict=True))
    print(f"SB3 / rlgan, median of per-repeat ratios: {paired:.1f}x")


if __name__ == "__main__":
    main()
