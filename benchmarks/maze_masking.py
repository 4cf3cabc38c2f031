"""MaskablePPO against PPO on rlgan/Maze-v0: what masking the moves into walls is worth.

3x3 cells, a new maze every episode; the same settings (conf/algo/maskable_ppo.yaml holds
conf/algo/ppo.yaml's), the same budget, seeds 0-2. Prints, per run, the evaluation success
rate every 2,000 steps (40 deterministic episodes), the first step at which it reached 90%
and the final evaluation (100 episodes); then both side by side.

    .venv/bin/python benchmarks/maze_masking.py [--steps 30000] [--size 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from rlgan.common.app import compose_config
from rlgan.common.csv_log import read_csv
from rlgan.common.run_dir import read_metrics
from rlgan.rl.train import train


def run(algo: str, seed: int, steps: int, size: int) -> dict:
    """Train one agent; its success curve, first step at >= 90% and final success rate."""
    overrides = [
        f"algo={algo}",
        f"seed={seed}",
        "env=maze",
        f"env.kwargs.size={size}",
        f"total_timesteps={steps}",
        "stop_on_solve=0",
        "eval.freq=2000",
        "eval.episodes=40",
        "eval.n_envs=40",
        "eval.final_episodes=100",
        "checkpoint.freq=0",
        "log.tensorboard=false",
        "progress_bar=false",
    ]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        train(compose_config("rl", overrides), run_dir=folder)
        rows = [r for r in read_csv(f"{folder}/progress.csv") if r.get("eval/success_rate")]
        final = read_metrics(folder)["eval/success_rate"]
    curve = [(int(r["step"]), float(r["eval/success_rate"])) for r in rows]
    first = next((step for step, rate in curve if rate >= 0.9), None)
    return {"curve": curve, "first90": first, "final": final, "wall": time.perf_counter() - started}


def main() -> None:
    """Run both algorithms on seeds 0-2 and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30000)
    parser.add_argument("--size", type=int, default=3)
    args = parser.parse_args()
    results = {}
    for algo in ("ppo", "maskable_ppo"):
        results[algo] = [run(algo, seed, args.steps, args.size) for seed in range(3)]
        for seed, r in enumerate(results[algo]):
            rates = " ".join(f"{rate:.2f}" for _, rate in r["curve"])
            print(
                f"{algo:13s} seed {seed}: final {r['final']:.2f}, >=90% at {r['first90']}, "
                f"{r['wall']:.0f} s; every 2k steps: {rates}"
            )
    for algo, runs in results.items():
        finals = [r["final"] for r in runs]
        at10k = [dict(r["curve"]).get(10000, float("nan")) for r in runs]
        print(
            f"SUMMARY {algo}: final success median {statistics.median(finals):.2f} "
            f"({', '.join(f'{f:.2f}' for f in finals)}); at 10k steps "
            f"{', '.join(f'{v:.2f}' for v in at10k)}; >=90% at "
            f"{[r['first90'] for r in runs]}"
        )


if __name__ == "__main__":
    main()
