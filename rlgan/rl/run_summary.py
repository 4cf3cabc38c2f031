"""What a finished (or interrupted) run reports: ``metrics.json``, the learning curve, one line."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from rlgan.common.csv_log import read_csv
from rlgan.common.metrics import metric_value
from rlgan.common.plotting import plot_curves
from rlgan.common.run_dir import PLOTS_DIR, PROGRESS_FILE
from rlgan.common.summary import RunSummary
from rlgan.rl.metrics import SOLVED_AT_TIMESTEPS, TIMESTEPS

LEARNING_CURVE = "learning_curve.png"


def _number(text: str | None) -> float | None:
    """A CSV cell as a float (``None`` when empty or not a number)."""
    if text in (None, ""):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def eval_history(run_dir: str | os.PathLike) -> list[tuple[int, float, float]]:
    """``(step, eval/mean_reward, eval/std_reward)`` of every evaluation in ``progress.csv``."""
    history = []
    for row in read_csv(Path(run_dir) / PROGRESS_FILE):
        step, mean = _number(row.get("step")), _number(row.get("eval/mean_reward"))
        if step is None or mean is None:
            continue
        std = _number(row.get("eval/std_reward"))
        history.append((int(step), mean, 0.0 if std is None else std))
    return history


def plot_learning_curve(
    run_dir: str | os.PathLike, title: str, threshold: float | None = None
) -> Path | None:
    """Plot evaluation return (mean ± std) against timesteps into ``plots/``; None if no data."""
    history = eval_history(run_dir)
    if not history:
        return None
    steps = [h[0] for h in history]
    means = [h[1] for h in history]
    stds = [h[2] for h in history]
    return plot_curves(
        Path(run_dir) / PLOTS_DIR / LEARNING_CURVE,
        {"eval return": (steps, means, stds)},
        xlabel="timesteps",
        ylabel="episode return",
        title=title,
        hline=threshold,
    )


def objective_value(metrics: dict[str, Any], objective: str) -> float:
    """The run's objective as a float (NaN when missing).

    ``solved_at_timesteps`` of a run that never solved is censored, not missing: it is the
    number of timesteps the run trained ("not solved within N steps"), which ranks after every
    run that solved within N, so a sweep on it gets a number from every finished trial.
    """
    if metrics.get(objective) is None and objective == SOLVED_AT_TIMESTEPS.name:
        return metric_value(metrics, TIMESTEPS.name)
    return metric_value(metrics, objective)


def summary_line(metrics: dict[str, Any], run_dir: str | os.PathLike) -> str:
    """One human line: what ran, how long, how well, the objective and where its files are."""
    mean, std = metrics.get("eval/mean_reward"), metrics.get("eval/std_reward")
    score = (
        "no evaluation"
        if mean is None or (isinstance(mean, float) and math.isnan(mean))
        else f"eval return {mean:.1f} ± {std or 0.0:.1f} over "
        f"{metrics.get('eval/episodes')} episodes"
    )
    solved = metrics.get("solved_at_timesteps")
    solved_text = (
        f"solved at {solved:,} steps"
        if solved is not None
        else "not solved"
        if metrics.get("reward_threshold") is not None
        else "no reward threshold"
    )
    objective = str(metrics.get("objective") or "eval/mean_reward")
    return RunSummary(
        command="rlgan-rl",
        status=str(metrics.get("status")),
        what=f"{str(metrics.get('algo')).upper()} on {metrics.get('env_id')}",
        done=metrics.get("timesteps"),
        unit="steps",
        wall_time_s=metrics.get("wall_time_s"),
        details=(score, solved_text),
        objective=objective,
        value=objective_value(metrics, objective),
        run_dir=run_dir,
    ).line()
