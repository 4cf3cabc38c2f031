"""The same 8 short rlgan-rl jobs as a multirun: basic launcher (one after the other) vs joblib
with 2 workers, side by side, alternating, median wall clock over repeats.

    .venv/bin/python benchmarks/sweep_parallel.py --repeats 3

Wall clock covers the whole ``rlgan-rl -m`` command (start-up included, the same for both).
Prints the machine's load average before each measurement: the ratio means little on a busy
machine. Expect close to 2x on 2 idle cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rlgan.common.child_process import run_group, sigterm_as_exit

LAUNCHERS = {"basic": [], "joblib_2": ["hydra/launcher=joblib_2"]}


def job_overrides(jobs: int, timesteps: int) -> list[str]:
    """Overrides of the benchmark's jobs: PPO on CartPole, seeds 0..jobs-1, no early stop."""
    seeds = ",".join(str(s) for s in range(jobs))
    return [
        f"seed={seeds}",
        f"total_timesteps={timesteps}",
        "stop_on_solve=0",
        "eval.freq=0",
        "eval.final_episodes=5",
        "eval.n_envs=5",
        "checkpoint.freq=0",
        "log.tensorboard=false",
    ]


def run_sweep(launcher: str, jobs: int, timesteps: int, root: Path) -> float:
    """Run one multirun; return its wall clock in seconds (all jobs must end ok)."""
    sweep = root / f"{launcher}_{time.time_ns()}"
    cmd = [
        sys.executable,
        "-m",
        "rlgan.rl.cli",
        "-m",
        *job_overrides(jobs, timesteps),
        *LAUNCHERS[launcher],
        f"hydra.sweep.dir={sweep}",
    ]
    start = time.perf_counter()
    proc = run_group(cmd, capture_output=True, text=True, cwd=root)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{launcher} sweep failed:\n{proc.stderr[-3000:]}")
    statuses = [
        json.loads((sweep / str(i) / "metrics.json").read_text())["status"] for i in range(jobs)
    ]
    if statuses != ["ok"] * jobs:
        raise SystemExit(f"{launcher} sweep: job statuses {statuses}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--timesteps", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; {args.jobs} jobs of PPO CartPole "
        f"{args.timesteps} steps; {args.repeats} repeats"
    )
    times: dict[str, list[float]] = {name: [] for name in LAUNCHERS}
    with tempfile.TemporaryDirectory(prefix="rlgan-sweep-bench-") as tmp:
        for repeat in range(args.repeats):
            order = list(LAUNCHERS) if repeat % 2 == 0 else list(reversed(LAUNCHERS))
            for name in order:
                load = os.getloadavg()[0]
                wall = run_sweep(name, args.jobs, args.timesteps, Path(tmp))
                times[name].append(wall)
                print(
                    f"repeat {repeat}: {name:9s} {wall:6.1f} s   (load avg 1 min before: "
                    f"{load:.2f})",
                    flush=True,
                )
    basic, parallel = (statistics.median(times[n]) for n in LAUNCHERS)
    print(
        f"median wall clock: basic {basic:.1f} s, joblib_2 {parallel:.1f} s; "
        f"speed-up {basic / parallel:.2f}x"
    )


if __name__ == "__main__":
    with sigterm_as_exit():  # kill or a time limit stops the sweep's jobs too
        main()
