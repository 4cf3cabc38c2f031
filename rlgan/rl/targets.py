"""Config entries ``{_target_: <dotted path>, <kwargs>}`` that users extend ``rlgan-rl`` with.

``env.wrappers``, ``callbacks`` and ``env._target_`` name classes or functions by their dotted
path, as Hydra's ``instantiate`` does. These helpers resolve them with one-paragraph
:class:`~rlgan.common.errors.ConfigError` messages naming the config key, so a typo in a
dotted path stops the run before any work, not with a traceback from inside Hydra.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import partial
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from rlgan.common.errors import ConfigError


def _first_line(err: BaseException) -> str:
    """``Type: first line`` of an exception (its cause, when Hydra wrapped it)."""
    cause = err.__cause__ or err
    text = str(cause).strip()
    return f"{type(cause).__name__}: {text.splitlines()[0]}" if text else type(cause).__name__


def plain(value: Any) -> Any:
    """Config nodes as plain Python containers (interpolations resolved)."""
    if isinstance(value, (DictConfig, ListConfig)):
        return OmegaConf.to_container(value, resolve=True)
    return value


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
            f"({_first_line(err)}). Give the dotted path of {what} that is "
            "importable here (is its package installed, or its folder on "
            "PYTHONPATH?)."
        ) from None
    if not callable(found):
        raise ConfigError(
            f"Invalid {knob}={target!r}: it names a {type(found).__name__}, not {what}."
        )
    return found


def target_partial(spec: Any, knob: str, what: str) -> partial:
    """``hydra.utils.instantiate(spec, _partial_=True)`` for ``{_target_: ..., <kwargs>}``.

    Raises a ConfigError naming ``knob`` when ``spec`` is not such a mapping, its target
    cannot be imported or Hydra cannot prepare its arguments.
    """
    from hydra.utils import instantiate

    spec = plain(spec)
    if not isinstance(spec, Mapping) or "_target_" not in spec:
        raise ConfigError(
            f"Invalid {knob}={spec!r}: each entry must be a mapping "
            f"{{_target_: <dotted path of {what}>, <its keyword arguments>}}."
        )
    resolve_target(spec["_target_"], f"{knob}._target_", what)
    try:
        built = instantiate({**spec, "_partial_": True})
    except Exception as err:  # noqa: BLE001 - InstantiationException wraps the cause
        raise ConfigError(
            f"Invalid {knob}: Hydra could not prepare {spec['_target_']} "
            f"({_first_line(err)}). Check its keyword arguments."
        ) from None
    assert isinstance(built, partial)
    # A plain partial (Hydra returns a subclass of its own, which would travel in pickles).
    return partial(built.func, *built.args, **built.keywords)


def target_entries(value: Any, knob: str) -> list[tuple[str, Any]]:
    """``[(key, spec)]`` of a list (``knob[i]``) or a mapping (``knob.name``) of entries.

    ``None`` and empty containers give ``[]``; a mapping's entries whose value is ``None``
    are skipped (so ``callbacks.name=null`` switches one off).
    """
    value = plain(value)
    if value is None:
        return []
    if isinstance(value, list):
        return [(f"{knob}[{i}]", spec) for i, spec in enumerate(value)]
    if isinstance(value, Mapping):
        return [(f"{knob}.{name}", spec) for name, spec in value.items() if spec is not None]
    raise ConfigError(
        f"Invalid {knob}={value!r}: it must be a list of "
        "{_target_: <dotted path>, <kwargs>} entries or a mapping of names to "
        "such entries."
    )


def call_target(built: partial, knob: str, *args: Any) -> Any:
    """Call a prepared target; a ConfigError naming ``knob`` when the call fails."""
    try:
        return built(*args)
    except ConfigError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure of the user's class is bad input
        raise ConfigError(
            f"Invalid {knob}: calling {built.func.__module__}."
            f"{built.func.__qualname__} failed ({_first_line(err)}). Check its "
            "keyword arguments."
        ) from None
