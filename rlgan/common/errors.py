"""Clear, one-paragraph errors for bad input, raised before any heavy work starts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class ConfigError(ValueError):
    """A bad value in a config or on the command line.

    The message is one paragraph that names the bad value and what would be valid. The
    command-line wrappers print it without a traceback and exit non-zero
    (see :mod:`rlgan.common.app`).
    """


def invalid_choice(knob: str, value: Any, choices: Iterable[Any], hint: str = "") -> ConfigError:
    """Build the error for ``knob=value`` when ``value`` is not one of ``choices``."""
    listed = ", ".join(str(c) for c in choices)
    message = f"Invalid {knob}={value!r}: valid choices are {listed}."
    if hint:
        message += f" {hint}"
    return ConfigError(message)


def require(condition: bool, message: str) -> None:
    """Raise :class:`ConfigError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(message)


def require_positive(knob: str, value: Any, allow_zero: bool = False) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a number > 0 (or >= 0)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (value >= 0 if allow_zero else value > 0)
    bound = ">= 0" if allow_zero else "> 0"
    require(ok, f"Invalid {knob}={value!r}: it must be a number {bound}.")
