"""The thin layer between a ``@hydra.main`` entry point and a plain ``train(cfg)``.

:func:`run_app` applies rlgan's error policy to every command:

- a :class:`~rlgan.common.errors.ConfigError` (bad input) prints one paragraph, no
  traceback, and exits with status 2; ``HYDRA_FULL_ERROR=1`` re-raises it instead;
- inside a multirun (``-m``) a failing job does not abort the sweep: it is recorded in its
  ``metrics.json`` with ``status: failed`` and its error, and returns NaN to the sweeper;
- an interrupted run (Ctrl-C, SIGTERM) exits 130 / 143, as shells and schedulers expect.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from omegaconf import DictConfig

from rlgan.common.errors import ConfigError
from rlgan.common.lifecycle import ForeignRunFolderError, interrupt_exit_code
from rlgan.common.run_dir import current_run_dir, is_multirun, read_metrics, write_metrics

log = logging.getLogger(__name__)

#: The package holding the config tree, for ``@hydra.main(config_path=CONFIG_PATH)``.
CONFIG_PATH = "pkg://rlgan.conf"


def run_app(app: str, train: Callable[[DictConfig], float], cfg: DictConfig) -> float:
    """Call ``train(cfg)`` under rlgan's error policy; return its objective.

    Exit statuses: 2 for bad input (:class:`ConfigError`), 130 after Ctrl-C and 143 after
    SIGTERM (the run saved a checkpoint and is recorded ``interrupted``; in a multirun the
    sweep stops there too), 1 for an unexpected error outside a multirun.
    """
    try:
        value = float(train(cfg))
    except ConfigError as err:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        if is_multirun():
            log.error("%s: %s", app, err)
            if not isinstance(err, ForeignRunFolderError):  # that folder is another run's
                _record_failure(str(err))
            return float("nan")
        print(f"{app}: error: {err}", file=sys.stderr)
        _remove_unused_output_dir()
        sys.exit(2)
    except KeyboardInterrupt as err:
        code = interrupt_exit_code(err)
        if is_multirun():
            _record_interrupt()
            log.warning(
                "%s: job interrupted; the sweep stops here (exit status %d). Re-run "
                "the same command with hydra.sweep.dir=<this sweep> to skip the "
                "finished jobs and resume this one.",
                app,
                code,
            )
        sys.exit(code)
    except Exception as err:  # noqa: BLE001 - a sweep must survive one failing job
        if not is_multirun() or os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        log.error("%s: job failed: %s\n%s", app, err, traceback.format_exc())
        _record_failure(f"{type(err).__name__}: {err}")
        return float("nan")
    if cfg.get("resume") or cfg.get("evaluate"):
        _remove_unused_output_dir()  # the work went to (or came from) the named run folder
    return value


def _remove_unused_output_dir() -> None:
    """Delete Hydra's output folder of this command when nothing but Hydra's files are in it.

    A command refused before any work (or one that worked on another run folder, such as
    ``resume=`` or ``evaluate=``) then leaves no empty run folder behind in ``outputs/``.
    """
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized() or is_multirun():
        return
    folder = Path(HydraConfig.get().runtime.output_dir).resolve()
    cwd = Path.cwd().resolve()
    if not (folder / ".hydra").is_dir() or folder == cwd or folder in cwd.parents:
        return  # not a folder Hydra made for this command alone (e.g. hydra.run.dir=.)
    entries = list(folder.iterdir())
    if all(
        entry.name == ".hydra" or (entry.is_file() and entry.suffix == ".log") for entry in entries
    ):
        shutil.rmtree(folder, ignore_errors=True)
        for parent in folder.parents:  # outputs/rl/<date>/ left empty by it
            if parent == cwd or cwd not in parent.parents or any(parent.iterdir()):
                break
            parent.rmdir()


def _record_interrupt() -> None:
    """Mark the current job ``interrupted`` unless the run already recorded its status."""
    run_dir = current_run_dir()
    metrics = read_metrics(run_dir)
    if metrics.get("status") in (None, "running"):
        metrics["status"] = "interrupted"
        write_metrics(run_dir, metrics)


def _record_failure(error: str) -> None:
    """Mark the current job's ``metrics.json`` as failed, keeping what it already holds."""
    run_dir = current_run_dir()
    metrics = read_metrics(run_dir)
    metrics.update({"status": "failed", "error": error})
    write_metrics(run_dir, metrics)


def compose_config(config_name: str, overrides: list[str] | None = None) -> DictConfig:
    """Compose an app's config as the command line would (for tests and notebooks).

    Example: ``train(compose_config("rl", ["algo=dqn"]), run_dir=tmp_path)``. As on the
    command line, ``env.kwargs.<knob>=...`` of ``rlgan-rl`` needs no ``+``.
    """
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    from rlgan.common.hydra_cli import APP_OPEN_NODES, open_node_overrides

    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="rlgan.conf", version_base="1.3"):
        given = open_node_overrides(list(overrides or []), APP_OPEN_NODES.get(config_name, ()))
        return compose(config_name=config_name, overrides=given)
