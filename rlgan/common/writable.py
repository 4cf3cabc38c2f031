"""Find unwritable output places before any work, with a one-paragraph error.

A run that trains for an hour and then cannot write its model, a viewer that plays an episode
and then cannot save its recording, a report that cannot create its folder: each is found
first, by actually creating (and removing) a probe file, which also catches read-only mounts
and permission bits that :func:`os.access` misjudges for root.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rlgan.common.errors import ConfigError


def require_writable_dir(path: str | os.PathLike, knob: str) -> Path:
    """Make sure ``path`` is (or can be created as) a writable folder; return it.

    Raises :class:`ConfigError` naming ``knob=path`` when a file stands where the folder
    must go, when the folder cannot be created, or when nothing can be written in it.
    Creates the folder (and its parents) when it does not exist yet.
    """
    folder = Path(path).expanduser()
    shown = f"{knob}={str(path)!r}"
    blocker = _existing_file_on_the_way(folder)
    if blocker is not None:
        raise ConfigError(
            f"Invalid {shown}: {str(blocker)!r} is a file, but a folder must go "
            "there. Remove or rename that file, or choose another location."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _probe(folder)
    except OSError as err:
        raise ConfigError(
            f"Invalid {shown}: cannot write there ({err.strerror or err}). "
            "Choose a folder you can write to, or fix its permissions."
        ) from None
    return folder


def require_writable_file(path: str | os.PathLike, knob: str) -> Path:
    """Make sure a file can be created at ``path`` (its folder exists and is writable)."""
    target = Path(path).expanduser()
    shown = f"{knob}={str(path)!r}"
    if target.is_dir():
        raise ConfigError(f"Invalid {shown}: that is a folder; give a file name inside it.")
    if not target.parent.is_dir():
        raise ConfigError(
            f"Invalid {shown}: the folder {str(target.parent)!r} does not "
            "exist. Create it first or choose another location."
        )
    try:
        _probe(target.parent)
    except OSError as err:
        raise ConfigError(
            f"Invalid {shown}: cannot write in {str(target.parent)!r} "
            f"({err.strerror or err}). Choose a folder you can write to."
        ) from None
    return target


def _existing_file_on_the_way(folder: Path) -> Path | None:
    """The first existing non-folder among ``folder`` and its parents, if any."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def _probe(folder: Path) -> None:
    """Create and delete a temporary file in ``folder`` (raises OSError when impossible)."""
    fd, name = tempfile.mkstemp(prefix=".rlgan-write-check.", dir=folder)
    os.close(fd)
    os.unlink(name)
