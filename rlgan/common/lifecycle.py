"""The life of one run folder, shared by every rlgan app (``rlgan-rl``, ``rlgan-gan``, ...).

An app's ``train(cfg)`` does its own work (build, learn, evaluate); everything around that
work lives here, once, so that the rules hold for every app by construction:

- :func:`plan_resume` finds the run that ``resume=<dir>`` continues, checks that this app wrote
  it and that its schema is one we read, and applies the overrides given with ``resume=``
  (a larger budget and a few harmless knobs) or refuses them: never silently ignored.
- :func:`multirun_job_plan` lets a re-run of an interrupted multirun (same sweep folder) skip
  the jobs that already ended ``ok`` and resume the interrupted ones.
- :class:`RunLifecycle` opens a run folder, writes its provenance, and records ``status`` in
  ``metrics.json`` on **every** exit path (``ok``, ``failed`` with the error's first line,
  ``interrupted``); it closes the app's loggers on the way out. Nothing is written to a run
  folder before :meth:`RunLifecycle.__enter__`, so a resume that fails while loading leaves the
  run it read byte-identical.
- :class:`StopRequest` turns Ctrl-C / SIGTERM into a flag that the app's loop checks at a safe
  boundary (a second signal interrupts at once); :class:`RunInterrupted` carries the signal
  so the command exits with the shell's convention (130 after SIGINT, 143 after SIGTERM).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import logging
import os
import platform
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from omegaconf import DictConfig, OmegaConf

from rlgan.common.atomic import atomic_write_json, atomic_write_text
from rlgan.common.errors import ConfigError
from rlgan.common.metrics import metric_spec
from rlgan.common.run_dir import (
    CONFIG_FILE,
    METRICS_FILE,
    PROGRESS_FILE,
    current_run_dir,
    is_multirun,
    latest_checkpoint,
    read_metrics,
    write_metrics,
)

log = logging.getLogger(__name__)

#: Version of the run-folder layout this rlgan writes (``provenance.json``, ``metrics.json``).
#: Folders without ``provenance.json`` were written before it existed: schema 0, still read.
SCHEMA_VERSION = 1
PROVENANCE_FILE = "provenance.json"
#: The apps and their command names (``app`` in a run's config and metrics).
APP_COMMANDS = {"rl": "rlgan-rl", "gan": "rlgan-gan", "arena": "rlgan-arena"}
#: Packages whose versions every run records.
RECORDED_PACKAGES = (
    "rlgan",
    "torch",
    "stable-baselines3",
    "sb3-contrib",
    "gymnasium",
    "hydra-core",
    "omegaconf",
    "numpy",
)
#: Config keys that describe how a command was invoked, not what the run is.
INVOCATION_KEYS = ("resume", "evaluate")


# ---- interrupts ---------------------------------------------------------------------------
class RunInterrupted(KeyboardInterrupt):
    """A run stopped by a signal after saving what it had; ``exit_code`` follows the shell."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = int(signum)

    @property
    def exit_code(self) -> int:
        """128 + the signal number: 130 after SIGINT (Ctrl-C), 143 after SIGTERM."""
        return 128 + self.signum


def interrupt_exit_code(err: BaseException) -> int:
    """The exit status for an interrupt: 130 for a plain ``KeyboardInterrupt``."""
    return err.exit_code if isinstance(err, RunInterrupted) else 128 + signal.SIGINT


class StopRequest:
    """Within ``with StopRequest() as stop:``, SIGINT and SIGTERM only ask the run to stop.

    The app's loop calls :meth:`check` at a safe boundary (between two iterations, between
    two environment steps), which raises :class:`RunInterrupted` once a signal came. A second
    signal before that raises at once, so a stuck run can still be stopped. Outside the main
    thread signals cannot be caught and the block does nothing.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        """True once SIGINT or SIGTERM arrived."""
        return self.signum is not None

    def check(self) -> None:
        """Raise :class:`RunInterrupted` if a stop was requested."""
        if self.signum is not None:
            raise RunInterrupted(self.signum)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        """Signal handler: remember the first signal, raise on the second."""
        if self.signum is not None:
            raise RunInterrupted(signum)
        self.signum = signum
        log.warning(
            "%s received: stopping at the next safe point (send it again to stop at once)",
            signal.Signals(signum).name,
        )

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()


# ---- provenance ---------------------------------------------------------------------------
def _package_versions() -> dict[str, str | None]:
    """Installed versions of :data:`RECORDED_PACKAGES` (None when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for name in RECORDED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def _git_state() -> dict[str, Any] | None:
    """Commit and dirty flag of the checkout rlgan runs from (None outside a git checkout)."""
    source = Path(__file__).resolve().parent.parent.parent
    if not (source / ".git").exists():
        return None
    try:
        commit = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        status = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def _cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else :func:`platform.processor`)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpu_names() -> list[str]:
    """Names of the CUDA GPUs torch sees (only when torch is already imported)."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return []
    return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]


def config_digest(cfg: DictConfig) -> str:
    """A short hash of what a run is (its config without ``resume``/``evaluate``)."""
    plain = OmegaConf.to_container(cfg, resolve=False)
    assert isinstance(plain, dict)
    for key in INVOCATION_KEYS:
        plain.pop(key, None)
    text = OmegaConf.to_yaml(OmegaConf.create(plain))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def session_record(
    resumed_from: int | None = None, applied: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What one session of a run (the first, or a resume) records about where it ran."""
    record: dict[str, Any] = {
        "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv else [],
        "packages": _package_versions(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "gpus": _gpu_names(),
        "git": _git_state(),
    }
    if resumed_from is not None:
        record["resumed_from_step"] = int(resumed_from)
    if applied:
        record["overrides_applied"] = dict(applied)
    return record


def read_provenance(run_dir: str | os.PathLike) -> dict[str, Any] | None:
    """A run's ``provenance.json`` (None for runs written before it existed, or unreadable)."""
    import json

    path = Path(run_dir) / PROVENANCE_FILE
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# ---- reading an existing run --------------------------------------------------------------
def run_folder_layout(app: str | None = None) -> str:
    """Where ``app``'s run folders are (both apps' when ``app`` is None), for error hints.

    The layout is ``conf/hydra/default.yaml``'s: ``outputs/<app>/<date>/<time>`` for a single
    run and ``multirun/<app>/<date>/<time>/<job>`` for one job of a sweep.
    """
    apps = [app] if app in APP_COMMANDS else ["rl", "gan"]
    single = " or ".join(f"outputs/{name}/<date>/<time>" for name in apps)
    jobs = " or ".join(f"multirun/{name}/<date>/<time>/<job>" for name in apps)
    example = f"outputs/{apps[0]}/2026-01-31/12-00-00"
    return f"a single run is in {single} (e.g. {example}), a sweep's job in {jobs}"


def read_run_config(run_dir: str | os.PathLike, knob: str, app: str | None = None) -> DictConfig:
    """The saved config of the run folder named by ``knob=<run_dir>``, checked.

    Every problem is a one-paragraph :class:`ConfigError`, never a parser traceback: no such
    folder, no saved config, an unreadable or invalid ``.hydra/config.yaml``, a run written by
    another app (when ``app`` is given) or by a newer rlgan whose layout this one cannot read.
    """
    folder = Path(run_dir).expanduser()
    command = APP_COMMANDS.get(app or "", "rlgan-rl or rlgan-gan")
    shown = f"{knob}={str(run_dir)!r}"
    if not folder.is_dir():
        raise ConfigError(
            f"Invalid {shown}: no such folder. Pass the output folder of an "
            f"earlier {command} run (it holds {CONFIG_FILE}): {run_folder_layout(app)}."
        )
    path = folder / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(
            f"Invalid {shown}: this folder is not an rlgan run (it has no "
            f"{CONFIG_FILE}). Pass the output folder of an earlier {command} "
            f"run: {run_folder_layout(app)}."
        )
    cfg = _load_yaml_config(path, shown)
    written_by = cfg.get("app")
    if app is not None and written_by != app:
        other = APP_COMMANDS.get(str(written_by), "")
        by = f"written by {other}" if other else f"its config has app={written_by!r}"
        raise ConfigError(
            f"Invalid {shown}: that folder is not an {command} run ({by}). "
            f"Pass the folder of an {command} run, or use "
            f"{other or 'the command that wrote it'} for this one."
        )
    _check_schema(folder, shown)
    return cfg


def _load_yaml_config(path: Path, shown: str) -> DictConfig:
    """Parse a saved config; any failure is a :class:`ConfigError` naming the file."""
    from omegaconf.errors import OmegaConfBaseException
    from yaml import YAMLError

    try:
        cfg = OmegaConf.load(path)
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(
            f"Invalid {shown}: its saved config {path} cannot be read "
            f"({type(err).__name__}: {err}). Check the file's permissions, or "
            "restore it from a copy of the run."
        ) from None
    except (YAMLError, OmegaConfBaseException, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(
            f"Invalid {shown}: its saved config {path} is not valid YAML "
            f"({first}). The run folder is damaged; restore the file from a "
            "copy of the run or start a new run."
        ) from None
    if not isinstance(cfg, DictConfig) or "app" not in cfg:
        raise ConfigError(
            f"Invalid {shown}: its saved config {path} is not an rlgan config "
            "(it has no 'app' key). The run folder is damaged or was not "
            "written by rlgan."
        )
    return cfg


def _check_schema(folder: Path, shown: str) -> None:
    """Refuse folders written with a newer run-folder schema than this rlgan reads."""
    provenance = read_provenance(folder) or {}
    schema = provenance.get("schema_version", 0)
    if isinstance(schema, int) and schema > SCHEMA_VERSION:
        version = (provenance.get("sessions") or [{}])[0].get("packages", {}).get("rlgan")
        raise ConfigError(
            f"Invalid {shown}: the run was written by rlgan {version or '?'} "
            f"with run-folder schema {schema}; this rlgan reads schema "
            f"{SCHEMA_VERSION} and older. Upgrade rlgan to resume, evaluate or "
            "play it."
        )


class ForeignRunFolderError(ConfigError):
    """A job folder of a multirun already holds another run, which must stay as it is."""


# ---- resuming -----------------------------------------------------------------------------
@dataclass
class ResumePlan:
    """What ``resume=<dir>`` will do.

    The run folder, its config with the applied overrides, whether it already finished, and
    which overrides were applied.
    """

    run_dir: Path
    cfg: DictConfig
    finished: bool
    applied: dict[str, Any] = field(default_factory=dict)


def user_overrides(cfg: DictConfig, app: str) -> dict[str, Any]:
    """The values the user set on top of the app's defaults, as ``{dotted.key: value}``.

    Under ``@hydra.main`` these come from the command line's overrides; when ``train(cfg)``
    is called directly, from the keys where ``cfg`` differs from the app's default config.
    """
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        found: dict[str, Any] = {}
        for item in HydraConfig.get().overrides.task:
            key, _, _ = item.partition("=")
            key = key.lstrip("+~")
            if key.startswith("hydra.") or key in INVOCATION_KEYS:
                continue
            value = OmegaConf.select(cfg, key, default=None)
            found[key] = item.partition("=")[2] if isinstance(value, DictConfig) else value
        return found
    from rlgan.common.app import compose_config

    return {
        key: value
        for key, value in _diff(compose_config(app), cfg).items()
        if key.split(".")[0] not in INVOCATION_KEYS
    }


def flatten_config(node: Any, prefix: str = "") -> dict[str, Any]:
    """``{dotted.key: leaf}`` of a nested config (lists and interpolations are leaves)."""
    if isinstance(node, DictConfig):
        node = OmegaConf.to_container(node, resolve=False)
    if isinstance(node, dict):
        flat: dict[str, Any] = {}
        for key, value in node.items():
            flat.update(flatten_config(value, f"{prefix}{key}."))
        return flat or {prefix.rstrip("."): {}}
    return {prefix.rstrip("."): node}


def _diff(base: DictConfig, other: DictConfig) -> dict[str, Any]:
    """Keys whose value in ``other`` differs from ``base`` (or is new), with ``other``'s value."""
    left, right = flatten_config(base), flatten_config(other)
    return {key: value for key, value in right.items() if left.get(key, object()) != value}


def plan_resume(
    app: str,
    cfg: DictConfig,
    *,
    budget_key: str,
    done: Callable[[Path], int],
    applicable: Iterable[str] = (),
) -> ResumePlan:
    """Check ``resume=<dir>`` and work out what it continues (no file is written).

    ``budget_key`` (``total_timesteps``, ``train.iterations``) may be raised: a finished run
    then continues to the new budget. Keys in ``applicable`` are applied too (and recorded);
    any other override given with ``resume=`` is refused with a :class:`ConfigError`, as is a
    budget below what the run has already done. ``done(run_dir)`` returns the steps the run
    has completed (from its newest checkpoint or metrics).
    """
    if cfg.get("evaluate"):
        raise ConfigError(
            f"Invalid evaluate={cfg.evaluate!r} with resume={cfg.resume!r}: give "
            "one of them. resume= continues training a run; evaluate= scores a "
            "run's model without training."
        )
    resume = str(cfg.resume)
    stored = read_run_config(resume, "resume", app)
    run_dir = Path(resume).expanduser().resolve()
    overrides = user_overrides(cfg, app)
    allowed = {budget_key, *applicable}
    refused = sorted(
        key
        for key in overrides
        if key not in allowed and OmegaConf.select(stored, key, default=None) != overrides[key]
    )
    if refused:
        shown = " ".join(f"{key}={overrides[key]!r}" for key in refused)
        raise ConfigError(
            f"Invalid override with resume={resume!r}: {shown}. A resumed run "
            f"keeps the config it was started with; with resume= you may change "
            f"{', '.join(sorted(allowed))}. Start a new run to change anything "
            "else."
        )
    applied = {
        key: overrides[key]
        for key in sorted(overrides)
        if OmegaConf.select(stored, key, default=None) != overrides[key]
    }
    for key, value in applied.items():
        OmegaConf.update(stored, key, value, force_add=True)
    steps_done = done(run_dir)
    budget = OmegaConf.select(stored, budget_key)
    if isinstance(budget, int) and budget < steps_done:
        raise ConfigError(
            f"Invalid {budget_key}={budget!r} with resume={resume!r}: the run "
            f"has already done {steps_done} steps. Give a budget of at least "
            f"{steps_done} to continue it."
        )
    status = read_metrics(run_dir).get("status") if (run_dir / METRICS_FILE).is_file() else None
    # A run that ended ok is finished (also one that stopped early, solved) unless this
    # resume raises its budget: then it trains on to the new budget.
    finished = status == "ok" and budget_key not in applied
    for key in INVOCATION_KEYS:
        if key in stored:
            stored[key] = None
    return ResumePlan(run_dir=run_dir, cfg=stored, finished=finished, applied=applied)


def multirun_job_plan(app: str, cfg: DictConfig, run_dir: Path) -> str:
    """For a job of a re-run multirun: ``"new"``, ``"skip"`` (ended ok) or ``"resume"``.

    A job folder that already holds a run with the same config digest either ended ``ok``
    (skip it, returning its stored objective) or not (resume it from its checkpoint). A job
    folder that holds a *different* run is refused, so a new sweep never overwrites another's
    results.
    """
    metrics_path = run_dir / METRICS_FILE
    provenance = read_provenance(run_dir)
    if not metrics_path.is_file() or provenance is None:
        return "new"
    if provenance.get("app") != app or provenance.get("config_digest") != config_digest(cfg):
        raise ForeignRunFolderError(
            f"Invalid sweep folder: job folder {run_dir} already holds a "
            "different run (another config). Re-run a sweep with exactly its "
            "first command line to continue it, or give a new "
            "hydra.sweep.dir for a new sweep."
        )
    status = read_metrics(run_dir).get("status")
    return "skip" if status == "ok" else "resume"


# ---- after a crash -----------------------------------------------------------------------
def clean_after_crash(
    run_dir: str | os.PathLike, step: int | None, step_column: str = "step"
) -> None:
    """Make a run folder consistent with the checkpoint a resume continues from.

    Removes the temporary files that an atomic write left when the process was killed
    mid-write (``.<name>.<random>.tmp``), and cuts ``progress.csv`` back to the rows at or
    before ``step``, so that after a resume steps never go backwards and no evaluation
    appears twice. Does nothing to a folder with no such leftovers.
    """
    folder = Path(run_dir)
    for place in (folder, folder / "checkpoints", folder / ".hydra"):
        if place.is_dir():
            for leftover in place.glob(".*.tmp"):
                log.info("removing %s, left by an interrupted write", leftover)
                leftover.unlink(missing_ok=True)
    if step is not None:
        truncate_progress(folder / PROGRESS_FILE, int(step), step_column)


def truncate_progress(path: Path, step: int, step_column: str = "step") -> int:
    """Drop the rows of a progress CSV whose ``step_column`` is beyond ``step``; count them."""
    import csv
    import io

    if not path.is_file():
        return 0
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    if step_column not in fields:
        return 0
    kept = [row for row in rows if not _beyond(row.get(step_column), step)]
    dropped = len(rows) - len(kept)
    if dropped:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
        atomic_write_text(path, buffer.getvalue())
        log.info(
            "progress.csv: dropped %d row(s) logged after the checkpoint at step %d", dropped, step
        )
    return dropped


def _beyond(value: str | None, step: int) -> bool:
    """True when a CSV cell holds a step number greater than ``step``."""
    try:
        return float(value) > step if value not in (None, "") else False
    except ValueError:
        return False


# ---- the lifecycle ------------------------------------------------------------------------
class RunLifecycle:
    """Open a run folder, record its status on every exit path, close what the app opened.

    Use as ``with RunLifecycle("rl", run_dir, cfg, metrics) as life: ...``; the app calls
    :meth:`record` whenever its summary changes and :meth:`finish` once its work is done.
    Leaving the block without :meth:`finish`:

    - through :class:`KeyboardInterrupt` (Ctrl-C, SIGTERM, :class:`RunInterrupted`):
      ``status: interrupted``;
    - through any other exception: ``status: failed`` and ``error`` (the error's first line);

    in both cases the exception propagates. Closers registered with :meth:`on_close` run on
    every path, newest first.
    """

    def __init__(
        self,
        app: str,
        run_dir: str | os.PathLike,
        cfg: DictConfig,
        metrics: dict[str, Any],
        *,
        resumed_from: int | None = None,
        applied: dict[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.run_dir = Path(run_dir)
        self.cfg = cfg
        self.metrics: dict[str, Any] = {"app": app, **metrics, "run_schema": SCHEMA_VERSION}
        self.resumed_from = resumed_from
        self.applied = dict(applied or {})
        self.status = "running"
        self._closers: list[Callable[[], None]] = []

    def __enter__(self) -> RunLifecycle:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        self._write_provenance()
        self.record(status="running")
        return self

    def _write_config(self) -> None:
        """Save the config the run uses, which ``resume=`` reads back.

        A new run always writes it: the app may have completed Hydra's composed config before
        the run opened (``rlgan-rl`` picks its hyperparameters' source). A resume writes it
        only when overrides were applied; otherwise the saved one stays as it is.
        """
        path = self.run_dir / CONFIG_FILE
        if self.resumed_from is None or not path.exists() or self.applied:
            atomic_write_text(path, OmegaConf.to_yaml(self.cfg))

    def _write_provenance(self) -> None:
        """Create ``provenance.json``, or add this session to it on a resume."""
        existing = read_provenance(self.run_dir) if self.resumed_from is not None else None
        sessions = list((existing or {}).get("sessions", []))
        sessions.append(session_record(self.resumed_from, self.applied))
        data = {
            "schema_version": SCHEMA_VERSION,
            "app": self.app,
            "config_digest": config_digest(self.cfg),
            "sessions": sessions,
        }
        atomic_write_json(self.run_dir / PROVENANCE_FILE, data)

    def on_close(self, closer: Callable[[], None]) -> None:
        """Run ``closer()`` when the block ends, however it ends."""
        self._closers.append(closer)

    def record(self, metrics: dict[str, Any] | None = None, status: str | None = None) -> None:
        """Merge ``metrics`` into the run's summary and write ``metrics.json``."""
        if metrics:
            self.metrics.update(metrics)
        if status is not None:
            self.status = status
        self.metrics["status"] = self.status
        self.metrics["directions"] = _declared_directions(self.metrics)
        write_metrics(self.run_dir, self.metrics)

    def finish(self, metrics: dict[str, Any] | None = None, status: str = "ok") -> None:
        """Record the run's final summary (``ok`` unless told otherwise)."""
        self.metrics.pop("error", None)
        self.record(metrics, status=status)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is not None and self.status == "running":
                if isinstance(exc, KeyboardInterrupt):
                    self.record(status="interrupted")
                elif not isinstance(exc, SystemExit) or exc.code not in (0, None):
                    self.record({"error": first_line(exc)}, status="failed")
            elif exc is None and self.status == "running":
                self.record(status="ok")
        finally:
            for closer in reversed(self._closers):
                try:
                    closer()
                except Exception as err:  # noqa: BLE001 - closing must not hide the outcome
                    log.warning("closing %s: %s", getattr(closer, "__qualname__", closer), err)


def _declared_directions(metrics: dict[str, Any]) -> dict[str, str]:
    """``{name: maximize|minimize}`` for the declared metrics among ``metrics``' keys."""
    found = {}
    for name in metrics:
        spec = metric_spec(name)
        if spec is not None:
            found[name] = spec.direction
    return found


def first_line(err: BaseException) -> str:
    """``Type: first line of the message`` of an exception."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0]}" if text else type(err).__name__


@dataclass
class ExistingRun:
    """A finished run returned without training (no-op resume, or a skipped sweep job)."""

    run_dir: Path
    metrics: dict[str, Any]


# ---- what each app tells the lifecycle -----------------------------------------------------
@dataclass(frozen=True)
class RunKind:
    """What the lifecycle needs to know about an app's runs to plan a resume or a re-run.

    ``budget_key`` is the knob a resume may raise (``total_timesteps``), ``step_key`` the
    ``metrics.json`` field holding the steps done (``timesteps``), ``checkpoint_suffix`` the
    suffix of the app's checkpoint files, ``resume_knobs`` the other knobs a resume may change.
    """

    app: str
    budget_key: str
    step_key: str
    checkpoint_suffix: str
    resume_knobs: tuple[str, ...] = ()

    @property
    def command(self) -> str:
        """The command's name (``rlgan-rl``)."""
        return APP_COMMANDS.get(self.app, f"rlgan-{self.app}")

    def steps_done(self, run_dir: Path) -> int:
        """Steps a run has completed: its newest checkpoint's, or its metrics' when later."""
        latest = latest_checkpoint(run_dir, self.checkpoint_suffix)
        done = latest[0] if latest else 0
        recorded = read_metrics(run_dir).get(self.step_key)
        return max(done, recorded) if isinstance(recorded, int) else done

    def has_checkpoint(self, run_dir: Path) -> bool:
        """Whether the run folder holds at least one checkpoint file."""
        return latest_checkpoint(run_dir, self.checkpoint_suffix) is not None

    def plan_resume(self, cfg: DictConfig) -> ResumePlan:
        """``resume=<dir>`` checked (see :func:`plan_resume`); no checkpoint is an error."""
        plan = plan_resume(
            self.app,
            cfg,
            budget_key=self.budget_key,
            done=self.steps_done,
            applicable=self.resume_knobs,
        )
        if not plan.finished and not self.has_checkpoint(plan.run_dir):
            raise ConfigError(
                f"Invalid resume={str(cfg.resume)!r}: the run has no checkpoint to continue "
                f"from (checkpoints/step_*{self.checkpoint_suffix}); start a new run instead."
            )
        return plan

    def start(self, cfg: DictConfig, run_dir: str | os.PathLike | None) -> RunStart:
        """Decide what this command does to which run folder (nothing is written).

        A fresh run, a resume (``resume=``, or an interrupted job of a re-run multirun), or
        nothing at all when the run already finished (a no-op resume, a finished sweep job):
        then :attr:`RunStart.existing` holds it.
        """
        if cfg.get("resume"):
            plan = self.plan_resume(cfg)
            existing = ExistingRun(plan.run_dir, read_metrics(plan.run_dir))
            return RunStart(plan.cfg, plan.run_dir, plan, existing if plan.finished else None)
        if not is_multirun():
            return RunStart(cfg, Path(run_dir) if run_dir is not None else None)
        folder = current_run_dir(run_dir)
        job = multirun_job_plan(self.app, cfg, folder)
        if job == "skip":
            return RunStart(cfg, folder, existing=ExistingRun(folder, read_metrics(folder)))
        if job == "resume" and self.has_checkpoint(folder):
            log.info("re-run sweep: resuming the interrupted job in %s", folder)
            return RunStart(cfg, folder, ResumePlan(run_dir=folder, cfg=cfg, finished=False))
        return RunStart(cfg, folder)

    def announce(self, existing: ExistingRun) -> None:
        """Say that a run had nothing to do, and how to train it further."""
        steps = existing.metrics.get(self.step_key)
        print(
            f"{self.command}: {existing.run_dir} already finished "
            f"({steps if isinstance(steps, int) else '?'} steps, status ok); nothing to do. "
            f"Pass a larger {self.budget_key}= with resume= to train it further."
        )


@dataclass
class RunStart:
    """What a command does: the config and folder, a resume plan, or a finished run."""

    cfg: DictConfig
    run_dir: Path | None
    resume: ResumePlan | None = None
    existing: ExistingRun | None = None
