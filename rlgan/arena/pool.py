"""A team's pool of snapshots: frozen copies of its policy that the other team plays against.

The pool of team ``red`` lives in ``<run dir>/pool/red/`` as ``step_<9 digits>.zip`` files
(the team's model at that many arena steps of the run), each written atomically (a reader
sees the old file or the new one, never half of one). After each save the pool keeps the
newest ``window`` snapshots, from which opponents are drawn (:mod:`rlgan.arena.schedule`),
plus the first one, kept as a fixed yardstick for the ratings; it deletes the others. Only
files named like snapshots are ever deleted, and only once the new snapshot is on disk.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rlgan.common.atomic import atomic_write
from rlgan.common.errors import ConfigError, close_match_hint

log = logging.getLogger(__name__)

#: Folder of the pools inside a run folder: ``pool/<team>/``.
POOL_DIR = "pool"
SNAPSHOT_SUFFIX = ".zip"
_SNAPSHOT_RE = re.compile(r"^step_(\d+)\.zip$")


@dataclass(frozen=True)
class Snapshot:
    """One saved policy of a team: its arena step and file."""

    team: str
    step: int
    path: Path

    @property
    def name(self) -> str:
        """How ratings, plots and ``red=``/``blue=`` name it: ``red@20000``."""
        return f"{self.team}@{self.step}"


def snapshot_name(team: str, step: int) -> str:
    """The name of ``team``'s snapshot at ``step`` (see :attr:`Snapshot.name`)."""
    return f"{team}@{int(step)}"


class SnapshotPool:
    """The snapshots of one team on disk, oldest first.

    ``window`` (>= 1) is how many of the newest snapshots opponents are drawn from; the
    pool keeps those and the first snapshot.
    """

    def __init__(self, run_dir: str | os.PathLike, team: str, window: int) -> None:
        if int(window) < 1:
            raise ValueError(f"window={window!r}: a pool keeps at least one snapshot")
        self.team = team
        self.window = int(window)
        self.folder = Path(run_dir) / POOL_DIR / team

    def path(self, step: int) -> Path:
        """Where the snapshot at ``step`` is written."""
        return self.folder / f"step_{int(step):09d}{SNAPSHOT_SUFFIX}"

    def snapshots(self) -> list[Snapshot]:
        """Every snapshot on disk, oldest first (temporary files of a write are not)."""
        if not self.folder.is_dir():
            return []
        found = []
        for entry in self.folder.iterdir():
            match = _SNAPSHOT_RE.match(entry.name)
            if match and entry.is_file():
                found.append(Snapshot(self.team, int(match.group(1)), entry))
        return sorted(found, key=lambda snap: snap.step)

    def __len__(self) -> int:
        return len(self.snapshots())

    def first(self) -> Snapshot | None:
        """The oldest snapshot (the yardstick), or None for an empty pool."""
        found = self.snapshots()
        return found[0] if found else None

    def latest(self) -> Snapshot | None:
        """The newest snapshot, or None for an empty pool."""
        found = self.snapshots()
        return found[-1] if found else None

    def recent(self) -> list[Snapshot]:
        """The newest ``window`` snapshots, oldest first: the ones opponents are drawn from."""
        return self.snapshots()[-self.window :]

    def save(self, step: int, write: Callable[[BinaryIO], None]) -> Snapshot:
        """Write a snapshot at ``step`` with ``write(file)`` (atomically), then prune the pool.

        ``write`` is e.g. ``model.save``. A snapshot at the same step replaces the old one.
        """
        path = atomic_write(self.path(step), write)
        self.prune()
        return Snapshot(self.team, int(step), path)

    def kept(self) -> list[Snapshot]:
        """The snapshots pruning keeps: the first and the newest ``window``, oldest first."""
        found = self.snapshots()
        keep = found[-self.window :]
        if found and found[0] not in keep:
            keep = [found[0], *keep]
        return keep

    def prune(self) -> list[Path]:
        """Delete the snapshots :meth:`kept` does not keep; return the deleted files."""
        keep = {snap.path for snap in self.kept()}
        removed = []
        for snap in self.snapshots():
            if snap.path not in keep:
                snap.path.unlink(missing_ok=True)
                removed.append(snap.path)
        return removed

    def drop_after(self, step: int) -> list[Path]:
        """Delete snapshots newer than ``step`` and leftovers of interrupted writes.

        A resume continues from a checkpoint at ``step``; snapshots written after it (before
        a crash) belong to a future the resumed run will redo.
        """
        removed = []
        if self.folder.is_dir():
            for leftover in self.folder.glob(".*.tmp"):
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
        for snap in self.snapshots():
            if snap.step > step:
                log.info("removing %s, written after the checkpoint at step %d", snap.path, step)
                snap.path.unlink(missing_ok=True)
                removed.append(snap.path)
        return removed

    def find(self, name: str | int, knob: str | None = None) -> Snapshot:
        """The snapshot named ``name`` (``red@20000``, ``20000``, ``first`` or ``latest``).

        A name that is not in the pool is a one-paragraph :class:`ConfigError` listing the
        snapshots there are (``knob`` names the option that gave it, default the team).
        """
        knob = knob or self.team
        found = self.snapshots()
        text = str(name).strip()
        if found and text in ("first", "latest"):
            return found[0] if text == "first" else found[-1]
        step_text = text.removeprefix(f"{self.team}@")
        for snap in found:
            if step_text.isdigit() and int(step_text) == snap.step:
                return snap
        names = [snap.name for snap in found]
        if not names:
            raise ConfigError(
                f"Invalid {knob}={text!r}: team {self.team} has no snapshot in {self.folder}; "
                "the run saved none yet (snapshots are written every selfplay.save_steps)."
            )
        hint = close_match_hint(text, names)
        raise ConfigError(
            f"Invalid {knob}={text!r}: team {self.team} has no such snapshot; valid choices "
            f"are first, latest, {', '.join(names)}." + (f" {hint}" if hint else "")
        )
