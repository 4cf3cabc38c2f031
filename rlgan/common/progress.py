"""The ``progress_bar`` knob both runners share: ``auto`` | ``true`` | ``false``.

``auto`` (the default) shows a bar only when the stream it would draw on is a terminal, so
logs of sweeps, CI and ``nohup`` runs stay free of carriage-return noise.
"""

from __future__ import annotations

from typing import Any, TextIO

from rlgan.common.errors import invalid_choice

PROGRESS_CHOICES = ("auto", "true", "false")


def check_progress(value: Any, knob: str = "progress_bar") -> str:
    """Return ``value`` as one of :data:`PROGRESS_CHOICES` (YAML booleans allowed), or raise."""
    setting = str(value).lower()
    if setting not in PROGRESS_CHOICES:
        raise invalid_choice(
            knob, value, PROGRESS_CHOICES, "auto shows a progress bar only on a terminal."
        )
    return setting


def want_progress(value: Any, stream: TextIO) -> bool:
    """Whether to draw a progress bar on ``stream`` for the setting ``value``."""
    setting = check_progress(value)
    if setting == "auto":
        return bool(getattr(stream, "isatty", lambda: False)())
    return setting == "true"
