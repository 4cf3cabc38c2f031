"""Dotted paths (``_target_``) resolved to objects, with errors that name the config key.

Configs name classes and functions by their dotted path, as Hydra's ``instantiate`` does
(``env.wrappers``, ``callbacks``, ``net._target_``, ``data._target_``, ...). These helpers
resolve one before any work, so a typo stops the run with a one-paragraph
:class:`~rlgan.common.errors.ConfigError` instead of a traceback from inside Hydra.
"""

from __future__ import annotations

import importlib
from typing import Any

from rlgan.common.errors import ConfigError


def first_line_of_cause(err: BaseException) -> str:
    """``Type: first line`` of an exception (its cause, when Hydra wrapped it)."""
    cause = err.__cause__ or err
    text = str(cause).strip()
    return f"{type(cause).__name__}: {text.splitlines()[0]}" if text else type(cause).__name__


def locate(path: str) -> Any:
    """The object at dotted ``path`` (``package.module.Name``, attributes allowed after it).

    Imports the longest importable module prefix, then follows attributes; raises
    ``ImportError`` or ``AttributeError`` (quietly: nothing is logged).
    """
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            found: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name is not None and not module_name.startswith(err.name):
                raise  # the module exists but one of its own imports is missing
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(f"No module named {parts[0]!r}")


def resolve_target(target: Any, knob: str, what: str) -> Any:
    """The callable ``target`` names; a ConfigError naming ``knob`` when it is not one.

    ``what`` says what the key expects, e.g. ``"a Gymnasium wrapper class"``.
    """
    if not isinstance(target, str) or not target:
        raise ConfigError(
            f"Invalid {knob}={target!r}: it must be the dotted path of {what}, "
            "e.g. gymnasium.wrappers.FlattenObservation."
        )
    try:
        found = locate(target)
    except Exception as err:  # noqa: BLE001 - importing user code can raise anything
        raise ConfigError(
            f"Invalid {knob}={target!r}: it cannot be imported "
            f"({first_line_of_cause(err)}). Give the dotted path of {what} that is "
            "importable here (is its package installed, or its folder on "
            "PYTHONPATH?)."
        ) from None
    if not callable(found):
        raise ConfigError(
            f"Invalid {knob}={target!r}: it names a {type(found).__name__}, not {what}."
        )
    return found
