"""rlgan.common.child_process: a stopped parent stops its child command and the child's workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers_processes import process_alive as _alive

from rlgan.common.child_process import run_group, sigterm_as_exit

needs_groups = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")


def test_run_group_returns_like_subprocess_run() -> None:
    """Exit status and captured output as ``subprocess.run`` gives them; ``check`` raises."""
    code = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"
    done = run_group([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")
    with pytest.raises(subprocess.CalledProcessError):
        run_group([sys.executable, "-c", code], check=True, capture_output=True)
    assert run_group([sys.executable, "-c", "pass"]).returncode == 0


def test_sigterm_as_exit_restores_the_handler() -> None:
    """Inside the block SIGTERM raises SystemExit(143); the old handler is back afterwards."""
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped, sigterm_as_exit():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this
    assert stopped.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before


@needs_groups
def test_sigterm_stops_the_command_and_its_workers(tmp_path: Path) -> None:
    """A parent killed with SIGTERM while it waits leaves neither its child nor a grandchild."""
    pids = tmp_path / "pids"
    child = textwrap.dedent(
        f"""
        import os, subprocess, sys, time
        worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with open({str(pids)!r}, "w") as f:
            f.write(f"{{os.getpid()}} {{worker.pid}}")
        time.sleep(600)
        """
    )
    parent = textwrap.dedent(
        f"""
        import sys
        from rlgan.common.child_process import run_group, sigterm_as_exit
        with sigterm_as_exit():
            run_group([sys.executable, "-c", {child!r}], grace_s=5)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", parent], stderr=subprocess.PIPE)
    started: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not (pids.exists() and len(pids.read_text().split()) == 2):
            assert proc.poll() is None, proc.stderr.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the child did not start its worker"
            time.sleep(0.1)
        started = [int(p) for p in pids.read_text().split()]
        assert all(_alive(p) for p in started)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in started), "the command or its worker outlived the parent"
    finally:
        proc.kill()
        for pid in filter(_alive, started):
            os.kill(pid, signal.SIGKILL)
