"""Not tests: a tiny Hydra app with rlgan's run-folder conventions, run by the sweep tests.

Objective: ``10 - (x - 3)^2 + 0.1 * seed`` (best at x=3); ``x < 0`` is a bad config and
``x > 100`` a crash, both recorded as failed jobs by rlgan.common.app.run_app in a multirun.
Run as a script: ``python test_sweep_toy_app.py -m x=1,2 seed=0,1 hydra.sweep.dir=...``.
"""

from __future__ import annotations

import os
import time

import hydra
from omegaconf import DictConfig

from rlgan.common.app import run_app
from rlgan.common.csv_log import CSVLogger
from rlgan.common.errors import ConfigError
from rlgan.common.run_dir import current_run_dir, save_config, write_metrics


def train(cfg: DictConfig) -> float:
    """Write a short progress.csv and metrics.json; return the objective."""
    run = current_run_dir()
    save_config(run, cfg)
    x, seed = float(cfg.x), int(cfg.seed)
    if x < 0:
        raise ConfigError(f"Invalid x={x!r}: it must be >= 0.")
    write_metrics(run, {"app": "toy", "status": "running", "seed": seed})
    if x > 100:
        raise RuntimeError("diverged")
    time.sleep(float(cfg.sleep))
    score = 10.0 - (x - 3.0) ** 2 + 0.1 * seed
    logger = CSVLogger(run / "progress.csv")
    for step in range(0, 5):
        logger.log({"step": step * 10, "score": score * (step + 1) / 5})
    write_metrics(
        run,
        {
            "app": "toy",
            "status": "ok",
            "seed": seed,
            "objective": "score",
            "score": score,
            "wall_time_s": float(cfg.sleep),
            "pid": os.getpid(),
        },
    )
    return score


@hydra.main(version_base="1.3", config_path=None, config_name="toy")
def main(cfg: DictConfig) -> float:
    """Hydra entry point."""
    return run_app("toy", train, cfg)


def _register() -> None:
    """Put the toy config in Hydra's ConfigStore (no YAML file needed)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="toy", node={"app": "toy", "x": 1.0, "seed": 0, "sleep": 0.0})


_register()

if __name__ == "__main__":
    main()
