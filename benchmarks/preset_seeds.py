"""A preset on many seeds: steps until it first solves and until it is stably solved.

A learning preset's quality must hold on every seed, and a seed's exact trajectory is not
portable between CPUs (float rounding differs), so the margin of a preset's budget is judged
on many seeds: for each, the env steps at the first evaluation reaching the env's threshold,
the step at which the run stopped (``stop_on_solve``: that many evaluations in a row at the
threshold) or ran out of budget, and the final evaluation. Variants (extra overrides) run on
the same seeds, so a recipe change is compared seed by seed.

    .venv/bin/python benchmarks/preset_seeds.py +experiment=dqn_cartpole --seeds 0-15
    .venv/bin/python benchmarks/preset_seeds.py +experiment=dqn_cartpole --seeds 0-9 \
        --variant one_step=~algo.hyperparams.n_steps
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import torch

from rlgan.common.app import compose_config
from rlgan.common.run_dir import read_metrics
from rlgan.rl.run_summary import eval_history
from rlgan.rl.train import train


def parse_seeds(text: str) -> list[int]:
    """``0-4`` or ``0,3,7`` as a list of seeds."""
    if "-" in text:
        first, last = text.split("-", 1)
        return list(range(int(first), int(last) + 1))
    return [int(part) for part in text.split(",")]


def run_seed(overrides: list[str], seed: int, folder: Path) -> dict[str, float | None]:
    """Train one seed quietly; the steps of its first solve and of its end, and its result."""
    cfg = compose_config(
        "rl",
        [
            *overrides,
            f"seed={seed}",
            "progress_bar=false",
            "log.tensorboard=false",
            "checkpoint.freq=0",
        ],
    )
    train(cfg, run_dir=folder)
    metrics = read_metrics(folder)
    threshold = metrics.get("reward_threshold")
    in_a_row = max(1, int(cfg.stop_on_solve))
    first, stable_at, streak = None, None, 0
    for step, mean, *_ in eval_history(folder):
        solved = threshold is not None and mean >= threshold
        streak = streak + 1 if solved else 0
        first = step if solved and first is None else first
        if streak >= in_a_row and stable_at is None:
            stable_at = step
    return {
        "first": first,
        "end": stable_at if stable_at is not None else metrics["timesteps"],
        "stable": stable_at is not None,
        "final": metrics.get("eval/mean_reward"),
        "budget": metrics["total_timesteps"],
    }


def main() -> None:
    """Run each variant on each seed and print a table per variant with its worst seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="+", help="rlgan-rl overrides, e.g. +experiment=...")
    parser.add_argument("--seeds", default="0-9", help="e.g. 0-15 or 0,3,7 (default 0-9)")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=OVERRIDE[,OVERRIDE...]",
        help="extra overrides compared on the same seeds (repeatable)",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    variants = {"preset": []}
    for text in args.variant:
        name, _, extra = text.partition("=")
        variants[name] = [part for part in extra.split(",") if part]
    seeds = parse_seeds(args.seeds)
    for name, extra in variants.items():
        rows = []
        with tempfile.TemporaryDirectory(prefix="rlgan-preset-seeds-") as tmp:
            for seed in seeds:
                result = run_seed([*args.overrides, *extra], seed, Path(tmp) / f"s{seed}")
                rows.append((seed, result))
                print(f"# {name} seed {seed}: {result}", flush=True)
        stable_ends = [r["end"] for _, r in rows if r["stable"]]
        print(f"\n{name}: {' '.join([*args.overrides, *extra])}\n")
        print("| seed | first solved at | stably solved at | final evaluation |")
        print("|---:|---:|---:|---:|")
        for seed, r in rows:
            end = f"{r['end']:,}" if r["stable"] else f"not by {r['budget']:,}"
            first = f"{r['first']:,}" if r["first"] is not None else "never"
            print(f"| {seed} | {first} | {end} | {r['final']} |")
        if stable_ends:
            print(
                f"\nStably solved on {len(stable_ends)} of {len(rows)} seeds; median "
                f"{statistics.median(stable_ends):,.0f} steps, worst {max(stable_ends):,} "
                f"of a {rows[0][1]['budget']:,} budget.\n"
            )
        else:
            print(f"\nStably solved on none of {len(rows)} seeds.\n")


if __name__ == "__main__":
    main()
