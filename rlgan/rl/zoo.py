"""RL Zoo's tuned hyperparameters, read as data from the files the ``rl_zoo3`` package ships.

``rl_zoo3`` (RL Baselines3 Zoo) ships one YAML file per algorithm in its ``hyperparams``
folder (``ppo.yml``, ``dqn.yml``, ``ppo_lstm.yml`` for RecurrentPPO, ...), each mapping a
Gymnasium env id to the settings it was tuned with. This module finds that folder with
:func:`importlib.util.find_spec` and reads it with ``yaml.safe_load``; it never imports
``rl_zoo3`` (importing it patches Gymnasium's ``TimeLimit``). The ``default`` and ``atari``
entries of the files are not env ids and are left out.

:mod:`rlgan.rl.zoo_translate` turns an entry into rlgan config values and
:mod:`rlgan.rl.zoo_source` decides when an entry is used (docs/zoo.md).
"""

from __future__ import annotations

import difflib
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from rlgan.common.errors import ConfigError

#: The package whose ``hyperparams`` folder holds RL Zoo's files.
ZOO_PACKAGE = "rl_zoo3"
#: rlgan algorithm name -> the stem of its RL Zoo file, where the names differ.
ZOO_FILE_NAMES: dict[str, str] = {"recurrent_ppo": "ppo_lstm"}
#: Entries of the files that are not env ids.
NOT_ENV_IDS = frozenset({"default", "atari"})


@dataclass(frozen=True)
class ZooEntry:
    """One tuned entry: RL Zoo's settings for an algorithm on an env id."""

    algo: str
    env_id: str
    #: The file's name, e.g. ``dqn.yml``.
    file: str
    #: The entry as the file has it (``policy_kwargs`` still a string).
    settings: dict[str, Any]

    @property
    def label(self) -> str:
        """How messages name the entry: ``rl_zoo3 hyperparams/dqn.yml, Acrobot-v1``."""
        return f"RL Zoo's entry {self.env_id!r} of rl_zoo3 hyperparams/{self.file}"


@cache
def zoo_hyperparams_dir() -> Path | None:
    """The installed ``rl_zoo3`` package's ``hyperparams`` folder (None when not installed)."""
    spec = importlib.util.find_spec(ZOO_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "hyperparams"
        if folder.is_dir():
            return folder
    return None


def zoo_version() -> str | None:
    """The installed ``rl_zoo3`` version (None when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(ZOO_PACKAGE)
    except PackageNotFoundError:
        return None


def zoo_file_name(algo: str) -> str:
    """The file RL Zoo keeps ``algo``'s settings in, e.g. ``ppo_lstm.yml``."""
    return f"{ZOO_FILE_NAMES.get(algo, algo)}.yml"


@cache
def zoo_entries(algo: str) -> dict[str, dict[str, Any]]:
    """``{env id: settings}`` of ``algo``'s RL Zoo file (empty when it has none).

    A file that cannot be read or parsed is a :class:`ConfigError` naming it.
    """
    folder = zoo_hyperparams_dir()
    if folder is None:
        return {}
    path = folder / zoo_file_name(algo)
    if not path.is_file():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigError(
            f"Cannot read RL Zoo's hyperparameter file {path} ({type(err).__name__}: {err}); "
            "reinstall rl_zoo3 or pass hyperparams_source=defaults."
        ) from None
    if not isinstance(loaded, dict):
        return {}
    return {
        str(env_id): dict(settings)
        for env_id, settings in loaded.items()
        if str(env_id) not in NOT_ENV_IDS and isinstance(settings, dict)
    }


def zoo_entry(algo: str, env_id: Any) -> ZooEntry | None:
    """RL Zoo's entry for ``algo`` on ``env_id`` (None when it has none)."""
    if not isinstance(env_id, str):
        return None
    settings = zoo_entries(algo).get(env_id)
    if settings is None:
        return None
    return ZooEntry(algo, env_id, zoo_file_name(algo), dict(settings))


def zoo_env_ids(algo: str, near: str | None = None) -> list[str]:
    """The env ids RL Zoo has settings for with ``algo``; close matches of ``near`` first."""
    ids = sorted(zoo_entries(algo))
    if not near:
        return ids
    close = difflib.get_close_matches(near, ids, n=5, cutoff=0.5)
    return close + [env_id for env_id in ids if env_id not in close]


def missing_entry_error(algo: str, env_id: Any) -> ConfigError:
    """The error for ``hyperparams_source=zoo`` when RL Zoo has no entry for the pair."""
    if zoo_hyperparams_dir() is None:
        return ConfigError(
            "Invalid hyperparams_source='zoo': the rl_zoo3 package, whose files hold RL Zoo's "
            "tuned settings, is not installed here (pip install rl_zoo3). Pick "
            "hyperparams_source=auto, ours or defaults."
        )
    ids = zoo_env_ids(algo, str(env_id) if env_id is not None else None)
    if not ids:
        return ConfigError(
            f"Invalid hyperparams_source='zoo' for algo={algo!r}: RL Zoo ships no settings "
            f"for {algo} (no rl_zoo3 hyperparams/{zoo_file_name(algo)}). Pick "
            "hyperparams_source=auto or defaults."
        )
    return ConfigError(
        f"Invalid hyperparams_source='zoo' for algo={algo!r} and env.id={env_id!r}: RL Zoo "
        f"has no tuned {algo} entry for {env_id} (rl_zoo3 hyperparams/{zoo_file_name(algo)}). "
        f"Its {algo} entries (closest first): {', '.join(ids)}. Pick one of those env ids, or "
        "hyperparams_source=auto (falls back to the algorithm's defaults) or defaults."
    )
