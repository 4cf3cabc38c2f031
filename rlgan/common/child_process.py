"""Child commands that end with their parent: a stopped benchmark leaves nothing running.

A benchmark that trains through ``rlgan-rl -m`` (or any command that starts workers of its
own) used to leave that command running when it was itself stopped with ``kill`` or by a
time limit: ``subprocess.run`` only waits for its child, and the child's workers never hear
of the stop. :func:`run_group` starts the command in a process group of its own and, if the
caller is interrupted while it waits (Ctrl-C, an exception, or SIGTERM inside
:func:`sigterm_as_exit`), stops the whole group. Runs stopped so are resumable as any crashed
run is (checkpoints are written atomically).
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

#: Seconds a stopped command's group has between SIGTERM and SIGKILL.
GRACE_S = 10.0


@contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Within the block, SIGTERM raises ``SystemExit(143)`` as Ctrl-C raises KeyboardInterrupt.

    So ``finally`` blocks and context managers run (scratch folders removed, child commands
    and worker pools stopped) instead of the process ending on the spot. Call from the main
    thread; the previous handler is restored on leaving.
    """

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_group(proc: subprocess.Popen, grace_s: float = GRACE_S) -> None:
    """SIGTERM to ``proc``'s process group, SIGKILL to what is left after ``grace_s``."""
    if not hasattr(os, "killpg"):  # no process groups (Windows): the command alone
        proc.kill()
        proc.wait()
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:  # the group has ended
            break
        try:
            proc.wait(grace_s if sig == signal.SIGTERM else None)
        except subprocess.TimeoutExpired:
            continue
    proc.wait()


def run_group(
    cmd: Sequence[str],
    *,
    check: bool = False,
    capture_output: bool = False,
    grace_s: float = GRACE_S,
    **popen_kwargs: Any,
) -> subprocess.CompletedProcess:
    """``subprocess.run(cmd, ...)`` with ``cmd`` and every process it starts in one group.

    Returns the command's :class:`subprocess.CompletedProcess` (``check=True`` raises
    :class:`subprocess.CalledProcessError` on a non-zero exit, ``capture_output=True`` keeps
    stdout and stderr, other keywords go to :class:`subprocess.Popen`). If waiting is
    interrupted (KeyboardInterrupt, SystemExit from :func:`sigterm_as_exit`, any exception),
    the group is stopped (:func:`stop_group`) before the interruption goes on.
    """
    if capture_output:
        popen_kwargs.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with subprocess.Popen(list(cmd), start_new_session=True, **popen_kwargs) as proc:
        try:
            stdout, stderr = proc.communicate()
        except BaseException:
            stop_group(proc, grace_s)
            raise
    done = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    if check:
        done.check_returncode()
    return done
