"""The layout of a run folder, shared by ``rlgan-rl`` and ``rlgan-gan``.

A run folder is Hydra's output directory for one job::

    .hydra/config.yaml     the resolved config (also written by direct ``train(cfg)`` calls)
    metrics.json           summary metrics and ``status`` (ok / failed / interrupted / running)
    progress.csv           one row per log interval
    checkpoints/           step_000001234.<ext>, written atomically
    plots/                 PNG plots
    tb/                    TensorBoard event files
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from rlgan.common.atomic import atomic_write_json, atomic_write_text

METRICS_FILE = "metrics.json"
PROGRESS_FILE = "progress.csv"
CONFIG_FILE = ".hydra/config.yaml"
OVERRIDES_FILE = ".hydra/overrides.yaml"
CHECKPOINT_DIR = "checkpoints"
PLOTS_DIR = "plots"
TB_DIR = "tb"

STATUSES = ("running", "ok", "failed", "interrupted")
_STEP_RE = re.compile(r"^step_(\d+)")


def current_run_dir(run_dir: str | os.PathLike | None = None) -> Path:
    """Return the folder a run writes to.

    ``run_dir`` when given; else Hydra's output directory when called under ``@hydra.main``;
    else the current working directory. The folder is created if needed.
    """
    if run_dir is None:
        from hydra.core.hydra_config import HydraConfig

        hydra_dir = HydraConfig.get().runtime.output_dir if HydraConfig.initialized() else None
        run_dir = hydra_dir or Path.cwd()
    path = Path(run_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def is_multirun() -> bool:
    """True when running as one job of a Hydra multirun (``-m``)."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def save_config(run_dir: str | os.PathLike, cfg: DictConfig) -> Path:
    """Write ``cfg`` to ``.hydra/config.yaml`` unless Hydra already did."""
    path = Path(run_dir) / CONFIG_FILE
    if not path.exists():
        atomic_write_text(path, OmegaConf.to_yaml(cfg))
    return path


def load_run_config(
    run_dir: str | os.PathLike, knob: str = "run", app: str | None = None
) -> DictConfig:
    """Load the config of an existing run folder, or raise a one-paragraph ConfigError.

    See :func:`rlgan.common.lifecycle.read_run_config`: a missing folder or file, an
    unreadable or invalid YAML file, a run of another app than ``app`` (when given) and a
    newer run-folder schema are all errors of ours.
    """
    from rlgan.common.lifecycle import read_run_config

    return read_run_config(run_dir, knob, app)


def write_metrics(run_dir: str | os.PathLike, metrics: dict[str, Any]) -> Path:
    """Atomically write ``metrics.json`` (non-finite floats become ``null``)."""
    status = metrics.get("status")
    if status is not None and status not in STATUSES:
        raise ValueError(f"status={status!r} is not one of {STATUSES}")
    return atomic_write_json(Path(run_dir) / METRICS_FILE, metrics)


def read_metrics(run_dir: str | os.PathLike) -> dict[str, Any]:
    """Read ``metrics.json`` of a run folder (empty dict when absent)."""
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def checkpoint_path(run_dir: str | os.PathLike, step: int, suffix: str) -> Path:
    """Path of the checkpoint for ``step``: ``checkpoints/step_<step, 9 digits><suffix>``."""
    return Path(run_dir) / CHECKPOINT_DIR / f"step_{int(step):09d}{suffix}"


def list_checkpoints(run_dir: str | os.PathLike, suffix: str) -> list[tuple[int, Path]]:
    """All ``(step, path)`` checkpoints with ``suffix``, oldest first."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = _STEP_RE.match(path.name)
            if match and path.name.endswith(suffix) and not path.name.startswith("."):
                found.append((int(match.group(1)), path))
    return sorted(found)


def latest_checkpoint(run_dir: str | os.PathLike, suffix: str) -> tuple[int, Path] | None:
    """The newest ``(step, path)`` checkpoint with ``suffix``, or ``None``."""
    found = list_checkpoints(run_dir, suffix)
    return found[-1] if found else None


def prune_checkpoints(run_dir: str | os.PathLike, suffix: str, keep: int) -> None:
    """Delete all but the ``keep`` newest checkpoints with ``suffix`` (``keep <= 0``: none)."""
    if keep <= 0:
        return
    for _, path in list_checkpoints(run_dir, suffix)[:-keep]:
        path.unlink(missing_ok=True)
