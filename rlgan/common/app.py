"""The thin layer between a ``@hydra.main`` entry point and a plain ``train(cfg)``.

:func:`run_app` applies rlgan's error policy to every command:

- a :class:`~rlgan.common.errors.ConfigError` (bad input) prints one paragraph, no
  traceback, and exits with status 2; ``HYDRA_FULL_ERROR=1`` re-raises it instead;
- inside a multirun (``-m``) a failing job does not abort the sweep: it is recorded in its
  ``metrics.json`` with ``status: failed`` and its error, and returns NaN to the sweeper.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable

from omegaconf import DictConfig

from rlgan.common.errors import ConfigError
from rlgan.common.run_dir import current_run_dir, is_multirun, read_metrics, write_metrics

log = logging.getLogger(__name__)

#: The package holding the config tree, for ``@hydra.main(config_path=CONFIG_PATH)``.
CONFIG_PATH = "pkg://rlgan.conf"


def run_app(app: str, train: Callable[[DictConfig], float], cfg: DictConfig) -> float:
    """Call ``train(cfg)`` under rlgan's error policy; return its objective."""
    try:
        return float(train(cfg))
    except ConfigError as err:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        if is_multirun():
            log.error("%s: %s", app, err)
            _record_failure(str(err))
            return float("nan")
        print(f"{app}: error: {err}", file=sys.stderr)
        sys.exit(2)
    except Exception as err:  # noqa: BLE001 - a sweep must survive one failing job
        if not is_multirun() or os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        log.error("%s: job failed: %s\n%s", app, err, traceback.format_exc())
        _record_failure(f"{type(err).__name__}: {err}")
        return float("nan")


def _record_failure(error: str) -> None:
    """Mark the current job's ``metrics.json`` as failed, keeping what it already holds."""
    run_dir = current_run_dir()
    metrics = read_metrics(run_dir)
    metrics.update({"status": "failed", "error": error})
    write_metrics(run_dir, metrics)


def compose_config(config_name: str, overrides: list[str] | None = None) -> DictConfig:
    """Compose an app's config as the command line would (for tests and notebooks).

    Example: ``train(compose_config("rl", ["algo=dqn"]), run_dir=tmp_path)``.
    """
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="rlgan.conf", version_base="1.3"):
        return compose(config_name=config_name, overrides=list(overrides or []))
