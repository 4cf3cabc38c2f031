"""Sample quality of the shipped GAN recipes over several seeds (median), against the
published PacGAN/VEEGAN numbers (2-D mixtures) and the real-vs-real scale (digits).

    .venv/bin/python benchmarks/gan_quality.py --seeds 0 1 2 3 4

Each (experiment, seed) is one `rlgan-gan +experiment=gan_<name> seed=<s>` run (through
`train()`); per-run metrics and wall time are printed as they finish, then medians.
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
from rlgan.gan.train import train

METRICS = {
    "grid25": ("eval/modes_covered", "eval/high_quality_frac", "eval/reverse_kl"),
    "ring8": ("eval/modes_covered", "eval/high_quality_frac", "eval/reverse_kl"),
    "digits": ("eval/fd_classifier", "eval/fd_real", "eval/class_coverage", "eval/class_kl"),
}
PUBLISHED = {
    "grid25": "PacGAN4 24.8 modes / 93.6% / rKL 0.04; VEEGAN 24.6 / 40%; goal 25 / 95% / 0.03",
    "ring8": "PacGAN2 7.9 modes / 95.6% / rKL 0.07; goal 8 / 98% / 0.02",
    "digits": "goal: fd_classifier <= 2x fd_real, 10/10 classes",
}


def main() -> None:
    """Run every (experiment, seed) and print per-run rows and medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--experiments", nargs="+", default=list(METRICS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="keep the run folders here")
    parser.add_argument("overrides", nargs="*", default=[], help="extra rlgan-gan overrides")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"machine: {platform.machine()}, torch {torch.__version__}, {args.threads} thread(s)")
    with tempfile.TemporaryDirectory() as scratch:
        root = args.out or Path(scratch)
        for name in args.experiments:
            results = []
            for seed in args.seeds:
                cfg = compose_config(
                    "gan",
                    [
                        f"+experiment=gan_{name}",
                        f"seed={seed}",
                        "progress_bar=false",
                        *args.overrides,
                    ],
                )
                run_dir = root / f"{name}_seed{seed}"
                start = time.perf_counter()
                train(cfg, run_dir=run_dir)
                metrics = json.loads((run_dir / "metrics.json").read_text())
                metrics["total_s"] = time.perf_counter() - start
                results.append(metrics)
                shown = {k.removeprefix("eval/"): round(metrics[k], 4) for k in METRICS[name]}
                print(f"{name} seed {seed}: {shown}, {metrics['total_s']:.0f} s", flush=True)
            medians = {
                k.removeprefix("eval/"): round(statistics.median(r[k] for r in results), 4)
                for k in METRICS[name]
            }
            seconds = statistics.median(r["total_s"] for r in results)
            print(f"** {name} median over seeds {args.seeds}: {medians}, {seconds:.0f} s/run")
            print(f"   published/goal: {PUBLISHED[name]}", flush=True)


if __name__ == "__main__":
    main()
