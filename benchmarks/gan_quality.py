"""Sample quality of the shipped GAN recipes over several seeds (median and worst seed),
against the published PacGAN/VEEGAN numbers (2-D mixtures, stacked digits), the
training-split floor (digits) and the class-conditional goals (conditional digits).

    .venv/bin/python benchmarks/gan_quality.py --seeds 0 1 2 3 4
    .venv/bin/python benchmarks/gan_quality.py --experiments digits_dcgan --jobs 2
    .venv/bin/python benchmarks/gan_quality.py --experiments digits_dcgan -- train.iterations=6000
    .venv/bin/python benchmarks/gan_quality.py --experiments digits_conditional --seeds 0 1 2

Each (experiment, seed) is one `rlgan-gan <overrides> seed=<s>` run (through `train()`) with
`--threads` torch threads; `--jobs N` runs N of them at a time, each in a fresh process
(default 1: one after another in this process); a failed run, Ctrl-C or SIGTERM stops the
runs still going too. Per-run metrics, wall time and the run's
CPU time (all its threads; with one torch thread about one core's worth, and a fairer
budget measure than wall time on a shared, loaded machine) are printed as they finish, then,
once an experiment's seeds are all done, the objective of every seed, the median and the
worst seed of each metric (worst by the metric's declared direction). With `--out`, the run
folders are kept there and every run's figures go to `<out>/gan_quality.json`. Bad input (an
unknown experiment, a bad override, `--jobs 0`) stops before any run with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from rlgan.common.app import compose_config
from rlgan.common.child_process import sigterm_as_exit
from rlgan.common.errors import ConfigError, invalid_choice
from rlgan.common.metrics import higher_is_better
from rlgan.common.writable import require_writable_dir
from rlgan.gan.train import train
from rlgan.gan.validate import validate
from rlgan.notebook import compose

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


def run_overrides(name: str, seed: int, threads: int, extra: Sequence[str]) -> list[str]:
    """The ``rlgan-gan`` overrides of one run: the experiment's, the seed's, then ``extra``."""
    return [
        *EXPERIMENTS[name][0],
        f"seed={seed}",
        "progress_bar=false",
        f"threads={threads}",
        *extra,
    ]


def check_args(args: argparse.Namespace) -> Path | None:
    """Refuse bad input before any run (:class:`ConfigError`); return ``--out`` made ready.

    Every experiment's config is composed with the overrides and validated as
    ``rlgan-gan`` would, so a typo stops the benchmark before its first run, not after it.
    """
    for name in args.experiments:
        if name not in EXPERIMENTS:
            raise invalid_choice("--experiments", name, EXPERIMENTS)
    for flag, value, least in (("--jobs", args.jobs, 1), ("--threads", args.threads, 0)):
        if value < least:
            raise ConfigError(f"Invalid {flag}={value}: it must be an integer >= {least}.")
    if len(set(args.seeds)) != len(args.seeds):
        raise ConfigError(f"Invalid --seeds {args.seeds}: each seed may be named once.")
    for name in args.experiments:
        cfg, _ = compose("gan", run_overrides(name, args.seeds[0], args.threads, args.overrides))
        validate(cfg)
    return require_writable_dir(args.out, "--out") if args.out is not None else None


def run_one(name: str, seed: int, threads: int, extra: Sequence[str], run_dir: str) -> dict:
    """Train one (experiment, seed) into ``run_dir``; its final metrics, wall and CPU time.

    Runs in this process or in a worker of ``--jobs``; the CPU time is this run's alone.
    ``train()`` sets the torch threads from the config's ``threads``.
    """
    cfg = compose_config("gan", run_overrides(name, seed, threads, extra))
    start, cpu_start = time.perf_counter(), time.process_time()
    train(cfg, run_dir=run_dir)
    metrics = json.loads((Path(run_dir) / "metrics.json").read_text())
    metrics["total_s"] = time.perf_counter() - start
    metrics["cpu_s"] = time.process_time() - cpu_start
    return metrics


def _run_job(job: tuple[str, int, int, list[str], str]) -> tuple[str, int, dict]:
    """:func:`run_one` in a worker process of ``--jobs``: ``(experiment, seed, metrics)``."""
    name, seed, threads, extra, run_dir = job
    return name, seed, run_one(name, seed, threads, extra, run_dir)


def _run_all(args: argparse.Namespace, root: Path) -> dict[str, dict[int, dict[str, Any]]]:
    """Every (experiment, seed) run, ``--jobs`` at a time.

    A row is printed as each run finishes, and an experiment's summary as its last seed does.
    """
    jobs = [(name, seed) for name in args.experiments for seed in args.seeds]
    results: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in args.experiments}

    def report(name: str, seed: int, metrics: dict[str, Any]) -> None:
        results[name][seed] = metrics
        shown = {k.removeprefix("eval/"): round(metrics[k], 4) for k in EXPERIMENTS[name][1]}
        print(
            f"{name} seed {seed}: {shown}, {metrics['total_s']:.0f} s wall, "
            f"{metrics['cpu_s']:.0f} s CPU",
            flush=True,
        )
        if len(results[name]) == len(args.seeds):
            print(summarise(name, results[name]), flush=True)

    def folder(name: str, seed: int) -> str:
        return str(root / f"{name}_seed{seed}")

    if args.jobs == 1:
        for name, seed in jobs:
            report(
                name, seed, run_one(name, seed, args.threads, args.overrides, folder(name, seed))
            )
        return results
    spawn = multiprocessing.get_context("spawn")  # no forked torch thread pools
    pool = spawn.Pool(args.jobs, maxtasksperchild=1)  # a fresh process for every run
    try:
        work = [
            (name, seed, args.threads, list(args.overrides), folder(name, seed))
            for name, seed in jobs
        ]
        for name, seed, metrics in pool.imap_unordered(_run_job, work):
            report(name, seed, metrics)
        pool.close()
    finally:
        pool.terminate()  # after a failed run or a stop signal, the other runs stop too
        pool.join()
    return results


def summarise(name: str, by_seed: dict[int, dict[str, Any]]) -> str:
    """The lines closing one experiment: objective per seed, medians, worst seed, times."""
    keys = EXPERIMENTS[name][1]
    seeds = sorted(by_seed)
    runs = [by_seed[s] for s in seeds]
    medians = {
        k.removeprefix("eval/"): round(statistics.median(r[k] for r in runs), 4) for k in keys
    }
    worst = {k.removeprefix("eval/"): round(_worst(k, [r[k] for r in runs]), 4) for k in keys}
    seconds = [r["total_s"] for r in runs]
    cpu = [r["cpu_s"] for r in runs]
    objective = str(runs[0]["objective"])  # the name metrics.json records, e.g. eval/fd_ratio
    per_seed = ", ".join(f"{s}: {by_seed[s][objective]:.4g}" for s in seeds)
    return (
        f"** {name} over seeds {seeds}: median {medians}; worst seed {worst}; "
        f"{statistics.median(seconds):.0f} s/run wall (max {max(seconds):.0f} s), "
        f"{statistics.median(cpu):.0f} s/run CPU (max {max(cpu):.0f} s)\n"
        f"   {objective.removeprefix('eval/')} (the objective) per seed: {per_seed}\n"
        f"   published/goal: {PUBLISHED[name]}"
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--experiments", nargs="+", default=list(EXPERIMENTS))
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run (0: torch's)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time, one process each")
    parser.add_argument("--out", type=Path, default=None, help="keep the run folders here")
    parser.add_argument("overrides", nargs="*", default=[], help="extra rlgan-gan overrides")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run every (experiment, seed), print per-run rows and summaries; the exit status."""
    args = build_parser().parse_args(argv)
    try:
        out = check_args(args)
    except ConfigError as err:
        print(f"gan_quality: error: {err}", file=sys.stderr)
        return 2
    print(
        f"machine: {platform.machine()}, torch {torch.__version__}, {args.threads} thread(s) "
        f"per run, {args.jobs} run(s) at a time",
        flush=True,
    )
    with sigterm_as_exit(), tempfile.TemporaryDirectory() as scratch:
        results = _run_all(args, out or Path(scratch))
    if out is not None:
        record = {
            "overrides": list(args.overrides),
            "threads": args.threads,
            "jobs": args.jobs,
            "runs": {
                name: {str(s): m for s, m in sorted(r.items())} for name, r in results.items()
            },
        }
        (out / "gan_quality.json").write_text(json.dumps(record, indent=1))
        print(f"Wrote {out / 'gan_quality.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
