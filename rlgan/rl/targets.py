"""Config entries ``{_target_: <dotted path>, <kwargs>}`` that users extend ``rlgan-rl`` with.

``env.wrappers``, ``callbacks`` and ``env._target_`` name classes or functions by their dotted
path, as Hydra's ``instantiate`` does. These helpers resolve them with one-paragraph
:class:`~rlgan.common.errors.ConfigError` messages naming the config key, so a typo in a
dotted path stops the run before any work, not with a traceback from inside Hydra.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from rlgan.common.errors import ConfigError
from rlgan.common.targets import first_line_of_cause, resolve_target


def plain(value: Any) -> Any:
    """Config nodes as plain Python containers (interpolations resolved)."""
    if isinstance(value, (DictConfig, ListConfig)):
        return OmegaConf.to_container(value, resolve=True)
    return value


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
            f"({first_line_of_cause(err)}). Check its keyword arguments."
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
            f"{built.func.__qualname__} failed ({first_line_of_cause(err)}). Check its "
            "keyword arguments."
        ) from None
