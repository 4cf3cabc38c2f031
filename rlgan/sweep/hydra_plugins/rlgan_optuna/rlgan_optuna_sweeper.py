"""The ``rlgan_optuna`` sweeper: ``hydra/sweeper=rlgan_optuna`` (see docs/sweeps.md).

This module only adapts Hydra's sweeper interface; the search itself lives in
:mod:`rlgan.sweep.optuna_search`. Optuna is imported when a sweep starts, not when Hydra scans
its plugins, so ordinary runs do not pay for it. ``direction`` defaults to None: the search
then takes the direction of the job config's ``objective`` from its declaration (read from the
composed config Hydra passes to :meth:`RlganOptunaSweeper.setup`).
"""

# No ``from __future__ import annotations`` here: Hydra's plugin scanner executes this module
# before registering it in sys.modules, and dataclasses then cannot resolve string annotations.
# OmegaConf also needs real ``Optional``/``Dict`` types for a structured config.
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional  # noqa: UP035

from hydra.core.config_store import ConfigStore
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf


@dataclass
class RlganOptunaSweeperConf:
    """Config of ``hydra/sweeper=rlgan_optuna`` (the fields of SearchSettings, plus params).

    ``direction``: ``maximize``, ``minimize`` or null (the default: the objective's declared
    direction).
    """

    _target_: str = "hydra_plugins.rlgan_optuna.rlgan_optuna_sweeper.RlganOptunaSweeper"
    direction: Optional[str] = None  # noqa: UP045
    n_trials: int = 20
    n_jobs: int = 1
    sampler: str = "tpe"
    seed: Optional[int] = None  # noqa: UP045
    n_startup_trials: int = 5
    study_name: Optional[str] = None  # noqa: UP045
    storage: Optional[str] = None  # noqa: UP045
    params: Dict[str, str] = field(default_factory=dict)  # noqa: UP006


ConfigStore.instance().store(
    group="hydra/sweeper", name="rlgan_optuna", node=RlganOptunaSweeperConf, provider="rlgan"
)


class RlganOptunaSweeper(Sweeper):
    """Hydra sweeper running an Optuna (TPE or random) search through the configured launcher."""

    def __init__(
        self,
        direction: str | None = None,
        n_trials: int = 20,
        n_jobs: int = 1,
        sampler: str = "tpe",
        seed: int | None = None,
        n_startup_trials: int = 5,
        study_name: str | None = None,
        storage: str | None = None,
        params: Any = None,
    ) -> None:
        from rlgan.sweep.optuna_search import SearchSettings

        self.settings = SearchSettings(
            direction=direction,
            n_trials=n_trials,
            n_jobs=n_jobs,
            sampler=sampler,
            seed=seed,
            n_startup_trials=n_startup_trials,
            study_name=study_name,
            storage=storage,
        )
        self.params = {str(k): str(v) for k, v in dict(params or {}).items()}
        self.config: DictConfig | None = None
        self.objective: str | None = None
        self.launcher: Any = None
        self.hydra_context: HydraContext | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        """Keep the config and its objective; build the launcher the trials will run on."""
        from hydra.core.plugins import Plugins

        self.hydra_context = hydra_context
        self.config = config
        self.objective = config_objective(config)
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        """Run the search; return its results (also written to optimization_results.yaml)."""
        from rlgan.sweep.optuna_search import run_search

        assert self.config is not None and self.launcher is not None
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")

        def launch(batch: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[Any]:
            self.validate_batch_is_legal(batch)
            return self.launcher.launch(batch, initial_job_idx=initial_job_idx)

        return run_search(
            self.settings, self.params, arguments, launch, sweep_dir, objective=self.objective
        )


def config_objective(config: DictConfig) -> str | None:
    """The job config's ``objective`` (None when absent, empty or not resolvable).

    The config is the one Hydra composed for the sweep, command-line overrides applied, so
    ``objective=...`` and presets count, and ``rlgan-gan``'s ``${data.objective}`` resolves.
    """
    value = OmegaConf.select(config, "objective", default=None, throw_on_resolution_failure=False)
    return str(value) if isinstance(value, str) and value else None
