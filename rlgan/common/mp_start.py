"""Make child processes work inside joblib (loky) workers, e.g. SB3's ``SubprocVecEnv``.

joblib's loky backend (used by ``hydra/launcher=joblib``) sets the global multiprocessing start
method of its workers to ``"loky"``. A child started from such a worker with ``spawn`` or
``forkserver`` (SubprocVecEnv's default) inherits that name, cannot find a ``"loky"`` context,
and dies at once: the parent sees ``ConnectionResetError: [Errno 104] Connection reset by
peer``. Call :func:`reset_loky_start_method` before starting such children.
"""

from __future__ import annotations

import multiprocessing


def reset_loky_start_method(method: str = "spawn") -> bool:
    """In a loky worker, set the global start method back to ``method``; True if changed.

    Does nothing (and returns False) outside loky workers.
    """
    if multiprocessing.get_start_method(allow_none=True) != "loky":
        return False
    multiprocessing.set_start_method(method, force=True)
    return True
