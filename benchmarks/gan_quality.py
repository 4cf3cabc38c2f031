"""Sample quality of the shipped GAN recipes over several seeds (median and worst seed),
against the published PacGAN/VEEGAN numbers (2-D mixtures, stacked digits), the
training-split floor (digits) and the class-conditional goals (conditional digits).

    .venv/bin/python benchmarks/gan_quality.py --seeds 0 1 2 3 4
    .venv/bin/python benchmarks/gan_quality.py --experiments digits_dcgan digits_mlp
    .venv/bin/python benchmarks/gan_quality.py --experiments digits_dcgan -- train.iterations=6000
    .venv/bin/python benchmarks/gan_quality.py --experiments digits_conditional --seeds 0 1 2

Each (experiment, seed) is one `rlgan-gan <overrides> seed=<s>` run (through `train()`),
one at a time, with `--threads` torch threads; per-run metrics, wall time and the process's
CPU time (all its threads; with one torch thread about one core's worth, and a fairer
budget measure than wall time on a shared, loaded machine) are printed as they finish, then
the median and the worst seed of each metric (worst by the metric's declared direction).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

from rlgan.common.app import compose_config
from rlgan.common.metrics import higher_is_better
from rlgan.gan.train import train

MIXTURE = ("eval/modes_covered", "eval/high_quality_frac", "eval/reverse_kl")
DIGITS = (
    "eval/fd_ratio",
    "eval/fd_classifier",
    "eval/fd_train",
    "eval/class_coverage",
    "eval/class_kl",
)
STACKED = ("eval/stacked_modes", "eval/stacked_reverse_kl", "eval/stacked_reverse_kl_real")
CONDITIONAL = (
    "eval/cond_accuracy",
    "eval/cond_accuracy_worst",
    "eval/cond_classes_above_real",
    "eval/cond_kid_gap_worst",
    "eval/cond_diversity",
    "eval/fd_ratio",
)
#: name -> (rlgan-gan overrides, metrics shown)
EXPERIMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "grid25": (("+experiment=gan_grid25",), MIXTURE),
    "ring8": (("+experiment=gan_ring8",), MIXTURE),
    "digits_dcgan": ((), DIGITS),  # `rlgan-gan` with no arguments
    "digits_mlp": (("+experiment=gan_digits",), DIGITS),
    "stacked_digits": (("+experiment=gan_stacked_digits",), STACKED),
    "digits_conditional": (("+experiment=gan_digits_conditional",), CONDITIONAL),
}
PUBLISHED = {
    "grid25": "PacGAN4 24.8 modes / 93.6% / rKL 0.04; VEEGAN 24.6 / 40%; goal 25 / 95% / 0.03",
    "ring8": "PacGAN2 7.9 modes / 95.6% / rKL 0.07; goal 8 / 98% / 0.02",
    "digits_dcgan": "goal: fd_ratio <= 1.0 median, <= 1.25 worst seed, < 2 min/run; "
    "beat digits_mlp",
    "digits_mlp": "the MLP preset the default DCGAN must beat",
    "stacked_digits": "28x28 Stacked MNIST, not like for like: DCGAN 99 modes / KL 3.40, "
    "VEEGAN 150 / 2.95, Unrolled GAN 48.7 / 4.32, PacGAN 1000 / 0.06-0.07; goal 1000 modes, "
    "KL <= floor (stacked_reverse_kl_real) + 0.03 on every seed, <= 10 min/run",
    "digits_conditional": "goal: cond_accuracy >= 0.95 and every class's KID interval "
    "overlapping or below its real-vs-real one (cond_classes_above_real 0, "
    "cond_kid_gap_worst <= 0)",
}


def _worst(name: str, values: list[float]) -> float:
    """The worst of ``values`` by ``name``'s declared direction."""
    return min(values) if higher_is_better(name) else max(values)


def main() -> None:
    """Run every (experiment, seed) and print per-run rows, medians and worst seeds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--experiments", nargs="+", default=list(EXPERIMENTS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="keep the run folders here")
    parser.add_argument("overrides", nargs="*", default=[], help="extra rlgan-gan overrides")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"machine: {platform.machine()}, torch {torch.__version__}, {args.threads} thread(s)")
    with tempfile.TemporaryDirectory() as scratch:
        root = args.out or Path(scratch)
        for name in args.experiments:
            overrides, keys = EXPERIMENTS[name]
            results = []
            for seed in args.seeds:
                cfg = compose_config(
                    "gan",
                    [
                        *overrides,
                        f"seed={seed}",
                        "progress_bar=false",
                        f"threads={args.threads}",
                        *args.overrides,
                    ],
                )
                run_dir = root / f"{name}_seed{seed}"
                start, cpu_start = time.perf_counter(), time.process_time()
                train(cfg, run_dir=run_dir)
                metrics = json.loads((run_dir / "metrics.json").read_text())
                metrics["total_s"] = time.perf_counter() - start
                metrics["cpu_s"] = time.process_time() - cpu_start
                results.append(metrics)
                shown = {k.removeprefix("eval/"): round(metrics[k], 4) for k in keys}
                print(
                    f"{name} seed {seed}: {shown}, {metrics['total_s']:.0f} s wall, "
                    f"{metrics['cpu_s']:.0f} s CPU",
                    flush=True,
                )
            medians = {
                k.removeprefix("eval/"): round(statistics.median(r[k] for r in results), 4)
                for k in keys
            }
            worst = {
                k.removeprefix("eval/"): round(_worst(k, [r[k] for r in results]), 4) for k in keys
            }
            seconds = [r["total_s"] for r in results]
            cpu = [r["cpu_s"] for r in results]
            print(
                f"** {name} over seeds {args.seeds}: median {medians}; worst seed {worst}; "
                f"{statistics.median(seconds):.0f} s/run wall (max {max(seconds):.0f} s), "
                f"{statistics.median(cpu):.0f} s/run CPU (max {max(cpu):.0f} s)"
            )
            print(f"   published/goal: {PUBLISHED[name]}", flush=True)


if __name__ == "__main__":
    main()
