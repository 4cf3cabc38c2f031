"""Partial observability: a memoryless MLP policy against frame stacking and an LSTM.

Two partially observable tasks, each trained with three policies on the same seeds and the
same step budget through rlgan's ``train()``:

- ``rlgan/CartPoleNoVel-v1`` (CartPole with the velocities hidden):
  ``+experiment=ppo_cartpole_novel`` with ``env.frame_stack=1`` (MLP PPO, no memory), the
  preset as it is (PPO on the last 4 observations) and ``+experiment=recurrent_ppo_cartpole_novel``
  (RecurrentPPO, an LSTM policy);
- ``rlgan/Pursuit-v0`` with ``view=partial`` (pursuers sensed only within a small radius):
  ``+experiment=ppo_pursuit_partial`` as it is (MLP PPO), with ``env.frame_stack=4`` and with
  ``algo=recurrent_ppo``; the same three with ``view=full`` (``+experiment=ppo_pursuit``) are
  the reference of what a policy that sees everything reaches.

Every run trains its whole budget (``stop_on_solve=0``) with one torch thread. Per run it
records the final evaluation (mean return; success rate on Pursuit), the evaluation curve of
its ``progress.csv`` and the wall time; it then writes, into ``--out``:

- ``runs.json``: every run (the same command with the same ``--out`` skips the runs already
  there, so an interrupted benchmark continues where it stopped);
- ``table.md``: per task and policy, the median and the worst seed of the final evaluation,
  the steps and the median wall time per run (also printed);
- ``partial_obs_cartpole.png``, ``partial_obs_pursuit.png``: learning curves, the median over
  seeds as a line and the lowest to highest seed as a band.

    .venv/bin/python benchmarks/partial_observability.py --out bench_partial_obs
    .venv/bin/python benchmarks/partial_observability.py --quick --out /tmp/po_quick
    .venv/bin/python benchmarks/partial_observability.py --replot --out bench_partial_obs
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from matplotlib.ticker import EngFormatter

from rlgan.common.app import compose_config
from rlgan.common.atomic import atomic_write_json, atomic_write_text
from rlgan.common.csv_log import read_csv
from rlgan.common.errors import ConfigError
from rlgan.common.run_dir import PROGRESS_FILE, read_metrics
from rlgan.common.writable import require_writable_dir
from rlgan.rl.train import train
from rlgan.sweep.plots import new_figure, save_figure

RETURN = "eval/mean_reward"
SUCCESS = "eval/success_rate"
#: Overrides of every run: whole budget, no checkpoints, quiet.
COMMON = (
    "stop_on_solve=0",
    "checkpoint.freq=0",
    "log.tensorboard=false",
    "progress_bar=false",
    "threads=1",
)
#: The three policies, by name: their label in the table and figures.
VARIANTS = {
    "mlp": "PPO, MLP (no memory)",
    "frame_stack": "PPO + frame_stack=4",
    "recurrent": "RecurrentPPO (LSTM)",
}


@dataclass(frozen=True)
class Task:
    """One environment setting and the overrides each policy trains it with."""

    name: str
    title: str
    figure: str
    column: str
    steps: int
    eval_freq: int
    variants: dict[str, tuple[str, ...]]
    threshold: float | None = None
    quick_steps: int = 10_000
    quick_eval_freq: int = 2_500


CARTPOLE = "ppo_cartpole_novel"
PURSUIT = "ppo_pursuit_partial"
TASKS = {
    "cartpole_novel": Task(
        name="cartpole_novel",
        title="CartPoleNoVel-v1 (velocities hidden)",
        figure="cartpole",
        column=RETURN,
        steps=100_000,
        eval_freq=5_000,
        threshold=475.0,
        variants={
            "mlp": (f"+experiment={CARTPOLE}", "env.frame_stack=1"),
            "frame_stack": (f"+experiment={CARTPOLE}",),
            "recurrent": ("+experiment=recurrent_ppo_cartpole_novel",),
        },
    ),
    "pursuit_partial": Task(
        name="pursuit_partial",
        title="Pursuit, view=partial (sensing_radius 1.0)",
        figure="pursuit",
        column=SUCCESS,
        steps=150_000,
        eval_freq=10_000,
        quick_steps=20_000,
        quick_eval_freq=10_000,
        variants={
            "mlp": (f"+experiment={PURSUIT}",),
            "frame_stack": (f"+experiment={PURSUIT}", "env.frame_stack=4"),
            "recurrent": (f"+experiment={PURSUIT}", "algo=recurrent_ppo"),
        },
    ),
    "pursuit_full": Task(
        name="pursuit_full",
        title="Pursuit, view=full (reference)",
        figure="pursuit",
        column=SUCCESS,
        steps=150_000,
        eval_freq=10_000,
        quick_steps=20_000,
        quick_eval_freq=10_000,
        variants={
            "mlp": ("+experiment=ppo_pursuit",),
            "frame_stack": ("+experiment=ppo_pursuit", "env.frame_stack=4"),
            "recurrent": ("+experiment=ppo_pursuit", "algo=recurrent_ppo"),
        },
    ),
}


@dataclass
class RunResult:
    """One trained seed: its final evaluation, its evaluation curves and its wall time."""

    task: str
    variant: str
    seed: int
    steps: int
    final_return: float
    final_success: float | None
    wall_s: float
    #: ``{column: [[step, value], ...]}`` of the periodic and final evaluations.
    curves: dict[str, list[list[float]]] = field(default_factory=dict)
    #: Trained with ``--quick``'s budgets.
    quick: bool = False

    @property
    def key(self) -> tuple[str, str, int]:
        """``(task, variant, seed)``: what identifies a run in ``runs.json``."""
        return self.task, self.variant, self.seed


def parse_seeds(text: str) -> list[int]:
    """``0-2`` or ``0,3,7`` as a list of seeds."""
    try:
        if "-" in text:
            first, last = text.split("-", 1)
            return list(range(int(first), int(last) + 1))
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise ConfigError(
            f"Invalid --seeds={text!r}: give a range such as 0-2 or a list such as 0,3,7."
        ) from None


def pick(text: str | None, choices: Sequence[str], option: str) -> list[str]:
    """The comma-separated names of ``text`` (all ``choices`` when None), each checked."""
    if text is None:
        return list(choices)
    names = [name for name in text.split(",") if name]
    bad = [name for name in names if name not in choices]
    if bad or not names:
        raise ConfigError(
            f"Invalid {option}={text!r}: valid names are {', '.join(choices)} (comma-separated)."
        )
    return names


def read_curves(run_dir: str | Path, columns: Iterable[str]) -> dict[str, list[list[float]]]:
    """``{column: [[step, value], ...]}`` from a run's progress.csv (last value per step)."""
    curves: dict[str, dict[float, float]] = {column: {} for column in columns}
    for row in read_csv(Path(run_dir) / PROGRESS_FILE):
        for column, points in curves.items():
            try:
                points[float(row["step"])] = float(row[column])
            except (KeyError, TypeError, ValueError):
                continue
    return {
        column: [[s, v] for s, v in sorted(points.items())] for column, points in curves.items()
    }


def train_one(task: Task, variant: str, seed: int, quick: bool) -> RunResult:
    """Train one seed of one policy on one task in a throwaway folder; its result."""
    steps = task.quick_steps if quick else task.steps
    freq = task.quick_eval_freq if quick else task.eval_freq
    overrides = [
        *task.variants[variant],
        *COMMON,
        f"seed={seed}",
        f"total_timesteps={steps}",
        f"eval.freq={freq}",
    ]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rlgan-partial-obs-") as folder:
        train(compose_config("rl", overrides), run_dir=folder, overrides=overrides)
        wall = time.perf_counter() - started
        metrics = read_metrics(folder)
        curves = read_curves(folder, (RETURN, SUCCESS))
    success = metrics.get(SUCCESS)
    return RunResult(
        task=task.name,
        variant=variant,
        seed=seed,
        steps=int(metrics["timesteps"]),
        final_return=float(metrics[RETURN]),
        final_success=None if success is None else float(success),
        wall_s=round(wall, 1),
        curves={column: points for column, points in curves.items() if points},
        quick=quick,
    )


def load_results(path: Path) -> list[RunResult]:
    """The runs saved in ``runs.json`` (none when it does not exist)."""
    if not path.is_file():
        return []
    try:
        return [RunResult(**row) for row in json.loads(path.read_text())]
    except (json.JSONDecodeError, TypeError) as err:
        raise ConfigError(
            f"Invalid --out={str(path.parent)!r}: its runs.json is not this benchmark's "
            f"({err}); pick another --out or remove the file."
        ) from None


def group_runs(results: Iterable[RunResult]) -> dict[tuple[str, str], list[RunResult]]:
    """Runs by ``(task, variant)``, in the order of :data:`TASKS` and :data:`VARIANTS`."""
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for result in results:
        groups.setdefault((result.task, result.variant), []).append(result)
    order = {(t, v): i for i, (t, v) in enumerate((t, v) for t in TASKS for v in VARIANTS)}
    return dict(sorted(groups.items(), key=lambda item: order.get(item[0], len(order))))


def _median_worst(values: Sequence[float | None], digits: int) -> str:
    """``median (worst)`` of the values that exist, ``-`` when none does."""
    present = [v for v in values if v is not None]
    if not present:
        return "-"
    return f"{statistics.median(present):.{digits}f} ({min(present):.{digits}f})"


def markdown_table(results: Iterable[RunResult]) -> str:
    """Per task and policy: median and worst seed of the final evaluation, steps, wall time."""
    lines = [
        "| task | policy | seeds | final return: median (worst) "
        "| success rate: median (worst) | steps | wall time per run, median |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (task, variant), runs in group_runs(results).items():
        title = TASKS[task].title if task in TASKS else task
        wall = statistics.median(r.wall_s for r in runs)
        lines.append(
            f"| {title} | {VARIANTS.get(variant, variant)} | {len(runs)} "
            f"| {_median_worst([r.final_return for r in runs], 1)} "
            f"| {_median_worst([r.final_success for r in runs], 2)} "
            f"| {max(r.steps for r in runs):,} | {wall:.0f} s |"
        )
    return "\n".join(lines) + "\n"


def band(curves: Sequence[Sequence[Sequence[float]]]) -> tuple[np.ndarray, ...]:
    """``(steps, median, low, high)`` over seeds, at the steps every curve has."""
    common = set.intersection(*({point[0] for point in curve} for curve in curves))
    steps = np.asarray(sorted(common), dtype=float)
    values = np.asarray(
        [[dict(map(tuple, curve))[s] for s in steps] for curve in curves], dtype=float
    )
    return steps, np.median(values, axis=0), values.min(axis=0), values.max(axis=0)


def plot_figure(path: Path, figure: str, results: Sequence[RunResult]) -> Path | None:
    """One panel per task of ``figure``: each policy's median curve and its seeds' range."""
    groups = group_runs(results)
    tasks = [
        t for t in TASKS.values() if t.figure == figure and any(k[0] == t.name for k in groups)
    ]
    if not tasks:
        return None
    fig = new_figure(1.0 + 5.0 * len(tasks), 4.4)
    axes = np.atleast_1d(fig.subplots(1, len(tasks), sharey=True))
    for ax, task in zip(axes, tasks, strict=True):
        for i, variant in enumerate(VARIANTS):
            runs = groups.get((task.name, variant), [])
            curves = [r.curves[task.column] for r in runs if task.column in r.curves]
            if not curves:
                continue
            steps, median, low, high = band(curves)
            colour = f"C{i}"
            ax.plot(steps, median, color=colour, linewidth=1.6, label=VARIANTS[variant])
            ax.fill_between(steps, low, high, color=colour, alpha=0.18, linewidth=0)
        if task.threshold is not None:
            ax.axhline(task.threshold, color="grey", linestyle="--", linewidth=1, label="solved")
        ax.set_title(task.title, fontsize=9)
        ax.set_xlabel("environment steps", fontsize=9)
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.grid(alpha=0.3)
    unit = "success rate" if tasks[0].column == SUCCESS else "episode return"
    axes[0].set_ylabel(f"evaluation {unit}", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8, frameon=False
    )
    seeds = max(len(runs) for runs in groups.values())
    fig.suptitle(f"line: median over {seeds} seeds; band: lowest to highest seed", fontsize=9)
    return save_figure(fig, path)


def write_outputs(out: Path, results: Sequence[RunResult]) -> str:
    """Write the table and the figures of ``results`` into ``out``; the table's text."""
    table = markdown_table(results)
    atomic_write_text(out / "table.md", table)
    for figure in sorted({task.figure for task in TASKS.values()}):
        plot_figure(out / f"partial_obs_{figure}.png", figure, results)
    return table


def check_store(results: Sequence[RunResult], quick: bool, replot: bool, store: Path) -> None:
    """Refuse a ``runs.json`` of the other mode (or none to replot) before any training."""
    if replot and not results:
        raise ConfigError(
            f"Invalid --replot: {store} holds no runs; train first (same --out, no --replot)."
        )
    if not replot and any(r.quick != quick for r in results):
        mode = "--quick" if not quick else "full-budget"
        raise ConfigError(
            f"Invalid --out={str(store.parent)!r}: its runs.json holds {mode} runs, which "
            "would mix budgets in one table; pick another --out."
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Train what ``runs.json`` lacks, write the table and the figures; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench_partial_obs", help="output folder")
    parser.add_argument("--seeds", default="0-2", help="e.g. 0-2 or 0,3,7 (default 0-2)")
    parser.add_argument("--tasks", help=f"comma-separated subset of {', '.join(TASKS)}")
    parser.add_argument("--variants", help=f"comma-separated subset of {', '.join(VARIANTS)}")
    parser.add_argument("--quick", action="store_true", help="smoke check: tiny budgets")
    parser.add_argument("--replot", action="store_true", help="only rebuild table and figures")
    args = parser.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
        tasks = pick(args.tasks, list(TASKS), "--tasks")
        variants = pick(args.variants, list(VARIANTS), "--variants")
        store = Path(args.out) / "runs.json"
        results = load_results(store)
        check_store(results, args.quick, args.replot, store)
        out = require_writable_dir(args.out, "--out")
    except ConfigError as err:
        print(f"partial_observability: error: {err}", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    done = {r.key for r in results}
    for name in [] if args.replot else tasks:
        task = TASKS[name]
        for variant in (v for v in variants if v in task.variants):
            for seed in seeds:
                if (name, variant, seed) in done:
                    continue
                result = train_one(task, variant, seed, args.quick)
                results.append(result)
                atomic_write_json(store, [asdict(r) for r in results])
                print(
                    f"# {name} {variant} seed {seed}: return {result.final_return:.1f}, "
                    f"success {result.final_success}, {result.wall_s:.0f} s",
                    flush=True,
                )
    print(write_outputs(out, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
