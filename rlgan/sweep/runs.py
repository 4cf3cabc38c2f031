"""Find run folders and read what the report needs from each one.

A run folder is one that holds ``metrics.json`` or ``.hydra/config.yaml`` (see
:mod:`rlgan.common.run_dir`). Its overrides come from Hydra's ``.hydra/overrides.yaml``; the
``seed`` override is kept apart, so runs that differ only in their seed fall into one group.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from rlgan.common.csv_log import read_csv
from rlgan.common.errors import ConfigError
from rlgan.common.run_dir import (
    CONFIG_FILE,
    METRICS_FILE,
    OVERRIDES_FILE,
    PROGRESS_FILE,
    read_metrics,
)

#: A run's provenance (see :mod:`rlgan.common.lifecycle`): package versions per session.
PROVENANCE_FILE = "provenance.json"

#: Override keys that do not define a configuration (they are left out of the group key).
IGNORED_KEYS = ("seed", "resume", "device", "threads", "progress_bar")

#: Folders never searched for runs (a report's own output, checkpoints, logs).
_SKIP_DIRS = {"checkpoints", "plots", "tb", "samples", "report", ".hydra", "__pycache__"}


@dataclass
class Run:
    """One run folder: its app, status, seed, overrides and metrics."""

    path: Path
    app: str
    status: str
    seed: Any
    overrides: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    job_num: int | None = None
    #: Package versions of each session (first run and resumes), from ``provenance.json``.
    versions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def group_overrides(self) -> tuple[str, ...]:
        """The overrides that define this run's configuration: no seed, sorted."""
        return tuple(sorted(o for o in self.overrides if override_key(o) not in IGNORED_KEYS))

    @property
    def error(self) -> str | None:
        """The error recorded for a failed run."""
        return self.metrics.get("error")

    def metric(self, name: str) -> float:
        """The named metric as a float (NaN when absent or not a number)."""
        value = self.metrics.get(name)
        if isinstance(value, bool) or value is None:
            return math.nan
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan

    def progress(self) -> list[dict[str, str]]:
        """The rows of this run's ``progress.csv`` (empty when absent)."""
        return read_csv(self.path / PROGRESS_FILE)


def override_key(override: str) -> str:
    """The key of an override string: ``'+algo.lr=0.1'`` -> ``'algo.lr'``."""
    key = override.split("=", 1)[0]
    return key.lstrip("+~")


def is_run_dir(path: Path) -> bool:
    """True when ``path`` looks like an rlgan run folder."""
    return (path / METRICS_FILE).is_file() or (path / CONFIG_FILE).is_file()


def load_yaml(path: Path) -> Any:
    """Load a YAML file as plain Python data (``None`` when absent or unreadable)."""
    if not path.is_file():
        return None
    try:
        return OmegaConf.to_container(OmegaConf.load(path), resolve=False)
    except Exception:  # noqa: BLE001 - a damaged file must not stop the whole report
        return None


def load_run(path: str | os.PathLike) -> Run:
    """Read one run folder."""
    path = Path(path)
    metrics = read_metrics(path)
    config = load_yaml(path / CONFIG_FILE)
    config = config if isinstance(config, dict) else {}
    overrides = load_yaml(path / OVERRIDES_FILE)
    overrides = [str(o) for o in overrides] if isinstance(overrides, list) else []
    app = metrics.get("app") or config.get("app") or "unknown"
    status = metrics.get("status") or ("missing" if not metrics else "unknown")
    seed = metrics.get("seed", config.get("seed"))
    job_num = int(path.name) if path.name.isdigit() else None
    return Run(
        path=path,
        app=str(app),
        status=str(status),
        seed=seed,
        overrides=overrides,
        metrics=metrics,
        job_num=job_num,
        versions=_session_versions(path),
    )


def _session_versions(path: Path) -> list[dict[str, Any]]:
    """The package versions recorded for each session of a run (empty for older runs)."""
    import json

    try:
        data = json.loads((path / PROVENANCE_FILE).read_text())
    except (OSError, ValueError):
        return []
    sessions = data.get("sessions") if isinstance(data, dict) else None
    return [dict(s.get("packages") or {}) for s in sessions or [] if isinstance(s, dict)]


def mixed_versions(runs: Sequence[Run]) -> dict[str, list[str]]:
    """Packages whose recorded version differs between ``runs`` (or their sessions).

    Returns ``{package: sorted distinct versions}``; empty when every run (with provenance)
    used the same versions. Runs written before provenance existed are not counted.
    """
    seen: dict[str, set[str]] = {}
    for run in runs:
        for packages in run.versions:
            for name, version in packages.items():
                seen.setdefault(name, set()).add(str(version))
    return {name: sorted(found) for name, found in sorted(seen.items()) if len(found) > 1}


def _walk(root: Path) -> Iterable[Path]:
    """Run folders at or below ``root`` (a run's own sub-folders are not searched)."""
    if is_run_dir(root):
        yield root
        return
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return
    for child in children:
        if child.name in _SKIP_DIRS or child.name.startswith("."):
            continue
        yield from _walk(child)


def find_runs(paths: Sequence[str | os.PathLike]) -> list[Run]:
    """All runs at or below ``paths`` (each a run folder or a folder of runs), in path order.

    Raises :class:`ConfigError` when a path does not exist.
    """
    found: dict[Path, Run] = {}
    for given in paths:
        root = Path(given).expanduser()
        if not root.is_dir():
            raise ConfigError(
                f"Invalid path {str(given)!r}: no such folder. Pass a multirun "
                "folder (multirun/<app>/<date>/<time>) or run folders."
            )
        for run_path in _walk(root.resolve()):
            found.setdefault(run_path, load_run(run_path))
    return sorted(found.values(), key=lambda r: (str(r.path.parent), r.job_num or 0, str(r.path)))


def find_sweep_dirs(runs: Sequence[Run]) -> list[Path]:
    """Sweep folders holding Hydra's ``optimization_results.yaml`` among the runs' parents."""
    from rlgan.sweep.optuna_search import RESULTS_FILE

    parents = sorted({run.path.parent for run in runs})
    return [p for p in parents if (p / RESULTS_FILE).is_file()]
