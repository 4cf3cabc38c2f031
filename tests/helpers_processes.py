"""Process checks shared by the tests that stop a parent and look for what it started."""

from __future__ import annotations

import os
from pathlib import Path


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie counts as ended; without /proc, a signal 0 probe)."""
    if Path("/proc/self/stat").exists():
        try:
            stat = (Path("/proc") / str(pid) / "stat").read_text()
        except OSError:
            return False
        return stat.split(")")[-1].split()[0] != "Z"
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
