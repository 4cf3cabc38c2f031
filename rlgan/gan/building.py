"""Build the objects a config group describes (``_target_``) with ``hydra.utils.instantiate``.

``conf/model``, ``conf/loss`` and ``conf/data`` describe their objects as Hydra does
(``_target_``, plus ``_partial_: true`` for models, which also need the data's shape).
:func:`build_object` instantiates one group node and turns Hydra's wrapped errors back into
the one-paragraph :class:`~rlgan.common.errors.ConfigError` the object raised, or into one
naming the bad ``_target_`` and the options of the group.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from typing import Any, TypeVar

from omegaconf import DictConfig, OmegaConf

from rlgan.common.errors import ConfigError

T = TypeVar("T")
CONFIG_PACKAGE = "rlgan.conf"


def group_choices(group: str) -> list[str]:
    """The option names of ``conf/<group>/`` (sorted), for error messages."""
    folder = files(CONFIG_PACKAGE).joinpath(group)
    return sorted(
        e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml")
    )


def _shipped_option(group: str, name: Any) -> dict[str, Any] | None:
    """The shipped ``conf/<group>/<option>.yaml`` whose ``name`` is ``name`` (None if none)."""
    import yaml

    for option in group_choices(group):
        text = files(CONFIG_PACKAGE).joinpath(group, f"{option}.yaml").read_text("utf-8")
        loaded = yaml.safe_load(text) or {}
        if str(loaded.get("name")) == str(name):
            return loaded
    return None


def with_target(node: Mapping[str, Any], group: str) -> dict[str, Any] | DictConfig:
    """``node``, completed with a ``_target_`` when it has none.

    A node without one (the stored config of a run made before the groups named their
    classes, as ``resume=`` of an older run reads it) gets the ``_target_`` and ``_partial_``
    of the shipped option with the same ``name``; ConfigError when there is none.
    """
    if node.get("_target_"):
        return node if isinstance(node, DictConfig) else dict(node)
    option = node.get("name", "?")
    shipped = _shipped_option(group, option)
    if shipped is None or not shipped.get("_target_"):
        raise ConfigError(
            f"Invalid {group}={option}: its config has no _target_ naming the "
            f"class to build; pick one of {', '.join(group_choices(group))} "
            f"or copy one of conf/{group}/*.yaml."
        )
    plain = OmegaConf.to_container(node) if isinstance(node, DictConfig) else dict(node)
    extra = {k: shipped[k] for k in ("_target_", "_partial_") if k in shipped}
    return {**extra, **plain}


def target_class(node: Mapping[str, Any], group: str) -> type:
    """The class (or function) a group node's ``_target_`` names, imported (ConfigError)."""
    from hydra.utils import get_object

    target = with_target(node, group)["_target_"]
    try:
        return get_object(str(target))
    except Exception as err:  # noqa: BLE001 - Hydra wraps import errors in its own types
        raise ConfigError(
            f"Invalid {group}._target_={str(target)!r}: it cannot be imported "
            f"({type(err).__name__}). Name an importable class, as "
            f"conf/{group}/*.yaml do ({', '.join(group_choices(group))})."
        ) from None


def build_object(
    node: Mapping[str, Any] | DictConfig, group: str, expected: type[T], *args: Any, **kwargs: Any
) -> T:
    """Instantiate ``node`` (a ``conf/<group>`` node) and check it is an ``expected``.

    For a ``_partial_`` node, ``args`` and ``kwargs`` complete the call (the data's shape for
    a model). A :class:`ConfigError` raised by the object comes back unwrapped; a keyword the
    class does not take becomes a ConfigError naming it.
    """
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    node = with_target(node, group)
    if not isinstance(node, DictConfig):
        node = OmegaConf.create(node)
    target_class(node, group)
    try:
        built = instantiate(node)
        if args or kwargs:
            built = built(*args, **kwargs)
    except TypeError as err:  # a partial's call: a key the factory does not take
        if "argument" not in str(err):
            raise
        raise ConfigError(
            f"Invalid {group} config ({node.get('_target_')}): "
            f"{_first_line(err)}. Check its keys against "
            f"conf/{group}/*.yaml."
        ) from None
    except InstantiationException as err:
        cause = err.__cause__
        if isinstance(cause, ConfigError):
            raise cause from None
        raise ConfigError(
            f"Invalid {group} config ({node.get('_target_')}): "
            f"{_first_line(cause or err)}. Check its keys against "
            f"conf/{group}/*.yaml."
        ) from None
    if not isinstance(built, expected):
        raise ConfigError(
            f"Invalid {group}._target_={str(node.get('_target_'))!r}: it built a "
            f"{type(built).__name__}, not a {expected.__name__}."
        )
    return built


def _first_line(err: BaseException) -> str:
    """``Type: first line`` of an exception's message."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__
