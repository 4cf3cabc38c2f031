"""A Bayesian (Optuna) search that launches its trials through any Hydra launcher.

Used by the ``rlgan_optuna`` Hydra sweeper (``hydra/sweeper=rlgan_optuna``, selected by the
``hparams_search`` presets in ``rlgan/{rl,gan}/presets/``). Each batch asks Optuna for
``n_jobs`` trials, launches them as one batch of Hydra jobs (so the joblib, submitit or Ray
launcher runs them in parallel) and tells Optuna the objectives the jobs returned. A job that
failed (NaN objective, see :func:`rlgan.common.app.run_app`, or an exception) is told as a
failed trial, and the search goes on. The sweep folder gets ``optimization_results.yaml`` (best
parameters and value, and every trial), which ``rlgan-report`` plots.

The direction (maximize or minimize) is the objective's declaration
(:func:`rlgan.sweep.directions.declared_direction`) unless ``hydra.sweeper.direction`` is set:
an explicit direction wins, with a warning when it contradicts the declaration; with neither,
the search maximizes and warns (:func:`resolve_search_direction`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from rlgan.common.atomic import atomic_write_text
from rlgan.common.errors import ConfigError, invalid_choice, require_positive
from rlgan.sweep.directions import DIRECTIONS, declared_direction
from rlgan.sweep.search_space import SearchSpace, build_search_space

log = logging.getLogger(__name__)

RESULTS_FILE = "optimization_results.yaml"
SAMPLERS = ("tpe", "random")

#: ``launch(batch_of_override_lists, initial_job_idx) -> list of job returns``.
LaunchFn = Callable[[Sequence[Sequence[str]], int], Sequence[Any]]


@dataclass
class SearchSettings:
    """The knobs of a search (the fields of the ``rlgan_optuna`` sweeper config).

    ``direction`` None means "from the objective's declaration" (:func:`run_search` resolves
    it with :func:`resolve_search_direction`).
    """

    direction: str | None = None
    n_trials: int = 20
    n_jobs: int = 1
    sampler: str = "tpe"
    seed: int | None = None
    n_startup_trials: int = 5
    study_name: str | None = None
    storage: str | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` for a bad setting, before any job starts."""
        if self.direction is not None and self.direction not in DIRECTIONS:
            raise invalid_choice("hydra.sweeper.direction", self.direction, DIRECTIONS)
        if self.sampler not in SAMPLERS:
            raise invalid_choice("hydra.sweeper.sampler", self.sampler, SAMPLERS)
        require_positive("hydra.sweeper.n_trials", self.n_trials)
        require_positive("hydra.sweeper.n_jobs", self.n_jobs)
        require_positive("hydra.sweeper.n_startup_trials", self.n_startup_trials, allow_zero=True)


def _make_sampler(settings: SearchSettings) -> Any:
    """Build the Optuna sampler named by ``settings.sampler``."""
    import optuna

    if settings.sampler == "random":
        return optuna.samplers.RandomSampler(seed=settings.seed)
    return optuna.samplers.TPESampler(
        seed=settings.seed, n_startup_trials=settings.n_startup_trials
    )


def _job_objective(job_return: Any) -> float:
    """The float a job returned, or NaN when it failed or returned something else."""
    try:
        value = job_return.return_value
    except Exception as err:  # noqa: BLE001 - a failed job is a failed trial, not a crash
        log.warning("trial job failed: %s", err)
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        log.warning("trial job returned %r, not a number: counted as failed", value)
        return math.nan


def resolve_search_direction(direction: str | None, objective: str | None) -> str:
    """The direction of a search on ``objective``, given ``hydra.sweeper.direction``.

    ``direction`` None (not set): the objective's declaration; an undeclared (or absent)
    objective is maximized, with a warning. A set ``direction`` wins, with a warning when it
    contradicts the declaration. Raises :class:`ConfigError` for a direction that is neither
    ``maximize`` nor ``minimize``.
    """
    if direction is not None and direction not in DIRECTIONS:
        raise invalid_choice("hydra.sweeper.direction", direction, DIRECTIONS)
    declared = declared_direction(objective) if objective else None
    if direction is None:
        if declared is not None:
            log.info("search direction: %s, from the declaration of %s", declared, objective)
            return declared
        what = (
            f"the objective {objective!r} is not declared"
            if objective
            else "the job config has no objective"
        )
        log.warning(
            "hydra.sweeper.direction is not set and %s: maximizing. Set "
            "hydra.sweeper.direction=maximize|minimize.",
            what,
        )
        return "maximize"
    if declared is not None and declared != direction:
        log.warning(
            "hydra.sweeper.direction=%s contradicts the declaration of %s (%s): "
            "searching with %s as asked; drop hydra.sweeper.direction to use the "
            "declared direction.",
            direction,
            objective,
            declared,
            direction,
        )
    return direction


def run_search(
    settings: SearchSettings,
    params: Mapping[str, str],
    arguments: Sequence[str],
    launch: LaunchFn,
    sweep_dir: str | Path,
    objective: str | None = None,
) -> dict[str, Any]:
    """Run the search; write and return the results (see :data:`RESULTS_FILE`).

    ``params`` are the config's ``hydra.sweeper.params`` (``key: "interval(...)"``), and
    ``arguments`` the command-line overrides (sweep syntax there joins the search space).
    ``objective`` is the metric the jobs return (the job config's ``objective``): it gives the
    direction when ``settings.direction`` is None.
    """
    import optuna

    settings.validate()
    settings = dataclasses.replace(
        settings, direction=resolve_search_direction(settings.direction, objective)
    )
    space: SearchSpace = build_search_space(
        [f"{key}={value}" for key, value in params.items()] + list(arguments)
    )
    if not space.distributions:
        raise ConfigError(
            "The Bayesian search has no parameters to tune: give some in "
            "hydra.sweeper.params or on the command line, e.g. "
            "'algo.learning_rate=tag(log, interval(1e-4, 1e-2))'."
        )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction=settings.direction,
        sampler=_make_sampler(settings),
        study_name=settings.study_name,
        storage=settings.storage,
        load_if_exists=settings.storage is not None,
    )
    sweep_dir = Path(sweep_dir)
    log.info(
        "Bayesian search: %d trials, %d at a time, %s %s over %s",
        settings.n_trials,
        settings.n_jobs,
        settings.sampler,
        settings.direction,
        ", ".join(space.distributions),
    )
    job_idx = 0
    trials_record: list[dict[str, Any]] = []
    while job_idx < settings.n_trials:
        batch_size = min(settings.n_jobs, settings.n_trials - job_idx)
        trials = [study.ask(space.distributions) for _ in range(batch_size)]
        batch = [
            space.fixed + [f"{key}={value}" for key, value in trial.params.items()]
            for trial in trials
        ]
        returns = launch(batch, job_idx)
        for offset, (trial, job_return) in enumerate(zip(trials, returns, strict=True)):
            value = _job_objective(job_return)
            if math.isfinite(value):
                study.tell(trial, value)
                state = "complete"
            else:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
                state = "failed"
            trials_record.append(
                {
                    "number": job_idx + offset,
                    "params": dict(trial.params),
                    "value": value if math.isfinite(value) else None,
                    "state": state,
                }
            )
            log.info("trial %d: %s -> %s", job_idx + offset, trial.params, value)
        job_idx += batch_size
    results = _results(study, settings, trials_record, objective)
    results["distributions"] = {
        name: optuna.distributions.distribution_to_json(dist)
        for name, dist in space.distributions.items()
    }
    sweep_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(sweep_dir / RESULTS_FILE, OmegaConf.to_yaml(OmegaConf.create(results)))
    if results["best_value"] is not None:
        log.info("best value %s with %s", results["best_value"], results["best_params"])
    else:
        log.warning("every trial failed: no best parameters")
    return results


def _results(
    study: Any, settings: SearchSettings, trials: list[dict[str, Any]], objective: str | None = None
) -> dict[str, Any]:
    """The content of :data:`RESULTS_FILE`: the released Optuna sweeper's keys, and more.

    Added: the objective's name and every trial (and, by :func:`run_search`, each parameter's
    Optuna distribution as JSON, from which ``rlgan-report`` rebuilds the study to rank the
    parameters' importance).
    """
    completed = [t for t in trials if t["state"] == "complete"]
    best_params: dict[str, Any] | None = None
    best_value: float | None = None
    if completed:
        best_params, best_value = dict(study.best_params), float(study.best_value)
    return {
        "name": "rlgan_optuna",
        "objective": objective,
        "direction": settings.direction,
        "best_params": best_params,
        "best_value": best_value,
        "n_trials": len(trials),
        "n_failed": len(trials) - len(completed),
        "trials": trials,
    }
