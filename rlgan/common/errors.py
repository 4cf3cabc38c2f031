"""Clear, one-paragraph errors for bad input, raised before any heavy work starts."""

from __future__ import annotations

import difflib
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


def is_integer(value: Any) -> bool:
    """True for a Python ``int`` that is not a ``bool`` (a config count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def integer_rule(
    minimum: int | None = None,
    maximum: int | None = None,
    special: Iterable[int] = (),
    nullable: bool = False,
) -> str:
    """Describe the valid values of an integer knob, e.g. ``"an integer >= 1, or -1"``."""
    if minimum is not None and maximum is not None:
        rule = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        rule = f"an integer >= {minimum}"
    elif maximum is not None:
        rule = f"an integer <= {maximum}"
    else:
        rule = "an integer"
    extras = [str(v) for v in special] + (["null"] if nullable else [])
    if extras:
        rule += ", or " + " or ".join(extras)
    return rule


def _not_integer_note(value: Any) -> str:
    """Why a float is not accepted where a count is expected (empty for other values)."""
    if not isinstance(value, float) or isinstance(value, bool):
        return ""
    if value.is_integer():
        return f"; {value!r} is a float, write {int(value)}"
    return f"; {value!r} is a fraction, and fractions are never rounded"


def require_int(
    knob: str,
    value: Any,
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    special: Iterable[int] = (),
    nullable: bool = False,
    meaning: str = "",
) -> None:
    """Raise :class:`ConfigError` unless ``value`` is an integer in the given range.

    ``special`` lists values allowed outside the range (e.g. ``-1``), ``nullable`` allows
    ``None``, and ``meaning`` (e.g. ``"discriminator updates per generator update"``) says in
    the message what the knob counts. A float such as ``64.0`` or ``0.5`` is refused, never
    truncated.
    """
    special = tuple(special)
    if value is None and nullable:
        return
    ok = is_integer(value) and (
        value in special
        or ((minimum is None or value >= minimum) and (maximum is None or value <= maximum))
    )
    if ok:
        return
    rule = integer_rule(minimum, maximum, special, nullable)
    about = f" ({meaning})" if meaning else ""
    raise ConfigError(
        f"Invalid {knob}={value!r}: it must be {rule}{about}{_not_integer_note(value)}."
    )


def close_match_hint(word: str, choices: Iterable[str]) -> str:
    """``"Did you mean a, b?"`` for the choices close to ``word`` (empty when none is)."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=3)
    return f"Did you mean {', '.join(close)}?" if close else ""


def unknown_key(
    node: str, key: str, allowed: Iterable[str], hint: str = "", where: str = ""
) -> ConfigError:
    """Build the error for a key added (``+node.key=...``) that ``node`` does not declare.

    ``where`` names the selected option (e.g. ``"model=dcgan"``); ``hint`` replaces the
    default close-match hint computed from ``allowed``.
    """
    allowed = sorted(str(k) for k in allowed)
    path = f"{node}.{key}" if node else str(key)
    owner = f"the {node} config" if node else "the top level of the config"
    if where:
        owner += f" ({where})"
    hint = hint or close_match_hint(key, allowed)
    message = (
        f"Unknown key {path}: {owner} has no key {key!r}; valid keys are {', '.join(allowed)}."
    )
    if hint:
        message += f" {hint}"
    message += (
        " A key added with + is not checked by Hydra and would be silently ignored: "
        "fix its spelling or drop it."
    )
    return ConfigError(message)
