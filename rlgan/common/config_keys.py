"""Refuse unknown keys in a composed config, with a close-match hint.

Hydra refuses ``train.batch_szie=64`` (the key is not in the config) but accepts
``+train.batch_szie=64``, which adds the key; the code never reads it, so the typo would be
silently ignored. :func:`check_known_keys` compares the keys of the config's *closed* nodes
with what the shipped YAML files (the installed ``rlgan.conf`` package) declare:

- a node of the primary config (``train``, ``eval``, ...; ``""`` is the top level) may hold
  the keys the primary YAML file declares for it (the top level also the group names);
- a group node (``model``, ``data``, ``algo``, ...) may hold the keys of the selected option's
  file (the option whose ``name`` is the node's ``name``), or of any option of the group when
  the option cannot be told (e.g. ``net``, whose files have no ``name``);
- plus, for each node, the keys the code reads that no YAML file declares (``extra``).

Nodes not listed (``env.kwargs``, ``algo.hyperparams``, ``algo.policy_kwargs``) stay open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf

from rlgan.common.errors import ConfigError, close_match_hint, unknown_key

CONFIG_PACKAGE = "rlgan.conf"


@dataclass(frozen=True)
class ClosedNode:
    """A node of the composed config whose keys are checked."""

    path: str
    #: Config group whose option files declare the node's keys (None: the primary file).
    group: str | None = None
    #: Keys the code reads that no YAML file declares.
    extra: tuple[str, ...] = ()


@cache
def _load_yaml(relative: str) -> dict[str, Any]:
    """A YAML file of the config package as a plain dict (interpolations left unresolved)."""
    text = files(CONFIG_PACKAGE).joinpath(relative).read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    return loaded if isinstance(loaded, dict) else {}


def _declared(mapping: Mapping[str, Any]) -> frozenset[str]:
    """The keys of a config file or node, without Hydra's ``defaults`` list."""
    return frozenset(str(k) for k in mapping if k != "defaults")


@cache
def group_options(group: str) -> dict[str, frozenset[str]]:
    """``{option: keys}`` for every ``<group>/<option>.yaml`` of the config package."""
    folder = files(CONFIG_PACKAGE).joinpath(group)
    options = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            stem = entry.name.removesuffix(".yaml")
            options[stem] = _declared(_load_yaml(f"{group}/{entry.name}"))
    return options


@cache
def _option_by_name(group: str) -> dict[str, str]:
    """``{name value: option}`` for the options of ``group`` whose file sets ``name``."""
    named = {}
    for option in group_options(group):
        name = _load_yaml(f"{group}/{option}.yaml").get("name")
        if name is not None:
            named[str(name)] = option
    return named


def _default_groups(defaults: Iterable[Any]) -> set[str]:
    """Group names selected by a primary file's ``defaults`` list (``algo``, ``hydra``, ...)."""
    groups = set()
    for entry in defaults or ():
        if isinstance(entry, Mapping):
            for key in entry:
                name = str(key).removeprefix("override ").lstrip("/")
                groups.add(name.split("@")[0])
    return groups


@cache
def primary_keys(config_name: str, path: str) -> frozenset[str]:
    """Keys the primary file ``<config_name>.yaml`` declares at ``path`` ("" = top level)."""
    node: Any = _load_yaml(f"{config_name}.yaml")
    root = node
    for part in [p for p in path.split(".") if p]:
        node = node.get(part) if isinstance(node, Mapping) else None
    keys = _declared(node) if isinstance(node, Mapping) else frozenset()
    if not path:
        keys |= _default_groups(root.get("defaults", ()))
    return keys


def selected_option(group: str, node: Mapping[str, Any]) -> str | None:
    """The option of ``group`` that ``node`` was composed from, told by its ``name``."""
    name = node.get("name") if "name" in node else None
    return _option_by_name(group).get(str(name)) if name is not None else None


def _group_error(
    node_spec: ClosedNode, key: str, allowed: Iterable[str], option: str | None
) -> ConfigError:
    """The unknown-key error for a group node, pointing at the options that do have ``key``."""
    group = str(node_spec.group)
    where = f"{group}={option}" if option else ""
    owners = sorted(o for o, keys in group_options(group).items() if key in keys)
    if owners and option:
        listed = ", ".join(f"{group}={o}" for o in owners)
        hint = (
            f"{key} is a key of {listed} only, which {group}={option} does not use; "
            f"select one of those with {group}=<option> or drop it."
        )
        return unknown_key(node_spec.path, key, allowed, hint, where)
    hint = close_match_hint(key, allowed)
    if not hint and option:
        elsewhere = close_match_hint(key, frozenset().union(*group_options(group).values()))
        if elsewhere:
            hint = f"{elsewhere.removesuffix('?')} (keys of another {group} option)?"
    return unknown_key(node_spec.path, key, allowed, hint, where)


def _check_node(cfg: DictConfig, config_name: str, node_spec: ClosedNode) -> None:
    """Raise for the first key of one closed node that is not allowed there."""
    node = OmegaConf.select(cfg, node_spec.path) if node_spec.path else cfg
    if not isinstance(node, DictConfig):
        return
    option = None
    if node_spec.group is None:
        allowed = primary_keys(config_name, node_spec.path)
    else:
        option = selected_option(node_spec.group, node)
        options = group_options(node_spec.group)
        chosen = [options[option]] if option else list(options.values())
        allowed = frozenset().union(*chosen)
    allowed |= frozenset(node_spec.extra)
    for key in node:
        if str(key) in allowed:
            continue
        if node_spec.group is None:
            raise unknown_key(node_spec.path, str(key), allowed)
        raise _group_error(node_spec, str(key), allowed, option)


def check_known_keys(cfg: DictConfig, config_name: str, nodes: Iterable[ClosedNode]) -> None:
    """Raise a :class:`ConfigError` (with a close-match hint) for a key no config declares.

    ``config_name`` is the primary config (``"rl"`` or ``"gan"``); ``nodes`` lists the closed
    nodes of the config (see the module docstring).
    """
    for node_spec in nodes:
        _check_node(cfg, config_name, node_spec)
