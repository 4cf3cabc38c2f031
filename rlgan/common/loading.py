"""Load the newest file that loads: damaged candidates are skipped with a one-line warning.

Run folders hold several files that can stand in for each other (checkpoints of different
steps; ``best_model.zip`` / ``model.zip``). :func:`first_loadable` tries them in order of
preference; a file that fails (empty, truncated, garbage, from another algorithm, refused by
the allow-list) is reported on one line, as a ``logging`` warning and on stderr, once a later
candidate has loaded. When none loads, one :class:`~rlgan.common.errors.ConfigError`
paragraph lists every file tried and why it failed.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rlgan.common.errors import ConfigError
from rlgan.common.safe_pickle import UnsafeFileError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Longest reason quoted for one file (exception messages can be pages long).
MAX_REASON = 200


class DamagedFileError(Exception):
    """A candidate file cannot be used; the message is the one-line reason."""


@dataclass(frozen=True)
class Failure:
    """One candidate that did not load: the file, why, and whether the allow-list refused it."""

    path: Path
    reason: str
    unsafe: bool = False


def one_line(text: str, limit: int = MAX_REASON) -> str:
    """``text`` on one line (whitespace runs collapsed), cut to ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


def describe_failure(path: Path, err: BaseException) -> Failure:
    """The :class:`Failure` of ``path`` for the exception ``err`` its loading raised."""
    if isinstance(err, UnsafeFileError):
        refused = err.refused or "a global outside the allow-list"
        source = Path(err.source) if err.source else path
        which = "it" if source.name == path.name else f"its companion {source.name}"
        return Failure(
            path,
            f"unpickling {which} needs {refused}, which the allow-list "
            "refuses (trust=true loads it anyway)",
            unsafe=True,
        )
    if isinstance(err, DamagedFileError):
        return Failure(path, one_line(str(err)))
    if isinstance(err, FileNotFoundError):
        return Failure(path, "it is missing")
    detail = one_line(str(err)) or "no details"
    return Failure(path, one_line(f"{type(err).__name__}: {detail}"))


def warn_skipped(failure: Failure, used: Path) -> None:
    """Report on one line (log and stderr) that ``failure.path`` was skipped for ``used``."""
    message = f"skipped {failure.path}: {failure.reason}; using {used} instead"
    log.warning("%s", message)
    print(f"rlgan: warning: {message}", file=sys.stderr)


def no_loadable_error(
    what: str, where: str | os.PathLike, failures: list[Failure], advice: str
) -> ConfigError:
    """The one-paragraph error when none of ``failures`` loaded."""
    tried = "; ".join(f"{f.path} ({f.reason})" for f in failures) or "no file"
    message = f"No loadable {what} in {str(where)!r}: tried {tried}. {advice}".rstrip()
    if any(f.unsafe for f in failures):
        return UnsafeFileError(message, source=str(failures[0].path))
    return ConfigError(message)


def first_loadable(
    candidates: Iterable[Path],
    load: Callable[[Path], T],
    *,
    what: str,
    where: str | os.PathLike,
    advice: str,
) -> tuple[T, Path]:
    """``(load(path), path)`` for the first candidate that loads, in the given order.

    Skipped candidates are reported once one loads (:func:`warn_skipped`); when none does,
    raise :func:`no_loadable_error` naming ``what`` was looked for in ``where`` and
    ``advice`` on what to do. An empty ``candidates`` raises it too.
    """
    failures: list[Failure] = []
    for path in candidates:
        try:
            value = load(path)
        except Exception as err:  # noqa: BLE001 - any failure makes the file unusable
            failures.append(describe_failure(path, err))
            continue
        for failure in failures:
            warn_skipped(failure, path)
        return value, path
    raise no_loadable_error(what, where, failures, advice)


def require_nonempty(path: Path) -> None:
    """Raise :class:`DamagedFileError` when ``path`` is missing or has zero bytes."""
    if not path.is_file():
        raise DamagedFileError("it is missing")
    if path.stat().st_size == 0:
        raise DamagedFileError("it is empty (0 bytes)")
