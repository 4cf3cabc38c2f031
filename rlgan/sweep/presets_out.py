r"""The best trial of a Bayesian search, written as a ready ``+experiment=`` preset.

``rlgan-report`` writes ``best_preset.yaml`` for each search: a ``# @package _global_`` config
holding the best trial's overrides, so the configuration it found can be trained again (with
more seeds, a longer budget) by name::

    mkdir -p my_conf/experiment
    cp <report>/best_preset.yaml my_conf/experiment/ppo_best.yaml
    rlgan-rl -m +experiment=ppo_best seed=0,1,2,3,4 \
        "hydra.searchpath=[pkg://rlgan.rl.presets,file://$PWD/my_conf]"

How the trial's overrides (its ``.hydra/overrides.yaml``) become the preset:

- ``key=value``: the value the trial's composed config (``.hydra/config.yaml``) holds at
  ``key``, as a nested mapping (so types are exact: ``0.00123``, ``relu``, ``lin_2e-3``);
- a config group (``algo=dqn``, a group of ``hydra.runtime.choices``; without
  ``.hydra/hydra.yaml``, a key whose composed value is a mapping): a defaults-list entry
  ``override /algo: dqn``;
- an added preset (``+hparams_search=ppo_cartpole``, ``+experiment=dqn_cartpole``) is
  expanded: its group choices other than ``hydra/*`` and its values other than ``hydra.*``
  (a preset cannot include another of its own group, and a search preset's sweeper must not
  come along), so the preset trains as the trial did without starting a search;
- the seed and the run knobs (``seed``, ``device``, ``threads``, ...) are left out (the header
  says which seed the trial used), and so are ``hydra.*`` overrides.
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from rlgan.common.atomic import atomic_write_text
from rlgan.sweep.numbers import format_number
from rlgan.sweep.runs import IGNORED_KEYS, Run, load_yaml, override_key

PRESET_FILE = "best_preset.yaml"
#: Hydra's record of a run's config groups and sources, beside its config.yaml.
HYDRA_FILE = ".hydra/hydra.yaml"
#: Config files of an app's Hydra search path that select a sweeper are search presets.
_SWEEPER_GROUP = "hydra/sweeper"


def best_trial(results: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The completed trial with the best value in the search's direction (None if none)."""
    done = [t for t in results.get("trials") or [] if t.get("value") is not None]
    if not done:
        return None
    pick = min if results.get("direction") == "minimize" else max
    return pick(done, key=lambda t: float(t["value"]))


def _set(tree: dict[str, Any], key: str, value: Any) -> None:
    """Put ``value`` at the dotted ``key`` of a nested dict."""
    *parents, last = key.split(".")
    node = tree
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


def _select(config: Any, key: str) -> tuple[bool, Any]:
    """``(found, value)`` of the dotted ``key`` in a plain nested dict."""
    node = config
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _leaves(tree: Any, prefix: str = "") -> list[str]:
    """Dotted keys of the leaves of a nested dict."""
    if not isinstance(tree, Mapping) or not tree:
        return [prefix] if prefix else []
    keys = []
    for name, child in tree.items():
        keys.extend(_leaves(child, f"{prefix}.{name}" if prefix else str(name)))
    return keys


def _option_file(sources: Sequence[Mapping[str, Any]], group: str, option: str) -> Any:
    """The YAML of ``group/option`` from the run's config sources (None when not found)."""
    for source in sources:
        schema, path = source.get("schema"), str(source.get("path") or "")
        try:
            if schema == "pkg" and path:
                root: Any = importlib.resources.files(path)
            elif schema == "file" and path:
                root = Path(path)
            else:
                continue
            candidate = root.joinpath(group, f"{option}.yaml")
            if candidate.is_file():
                return OmegaConf.to_container(OmegaConf.create(candidate.read_text()))
        except (ModuleNotFoundError, OSError, ValueError):
            continue
    return None


def _defaults_entries(loaded: Any) -> list[tuple[bool, str]]:
    """``(is_override, group)`` of each group entry in a config's defaults list."""
    entries = []
    for entry in (loaded or {}).get("defaults") or []:
        if not isinstance(entry, Mapping):
            continue
        for head in entry:
            words = str(head).split()
            override = words[0] == "override" and len(words) == 2
            group = (words[1] if override else words[0]).lstrip("/").split("@")[0]
            entries.append((override, group))
    return entries


class _Builder:
    """Collects a preset's defaults entries, values and notes from one trial's run folder."""

    def __init__(self, config: Any, choices: Mapping[str, Any], sources: Sequence[Any]) -> None:
        self.config = config if isinstance(config, Mapping) else {}
        self.choices = {str(k): v for k, v in (choices or {}).items()}
        self.sources = list(sources or [])
        self.includes: dict[str, str] = {}
        self.overrides: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self.notes: list[str] = []

    def value(self, key: str, written: str) -> None:
        """Record ``key``'s value as the trial's config holds it (else as written)."""
        found, value = _select(self.config, key)
        if not found:
            parsed = OmegaConf.create({"v": written}) if written else None
            value = parsed["v"] if parsed is not None else None
        _set(self.values, key, value)

    def group(self, group: str, option: str, added: bool) -> None:
        """Record a group choice; an added preset (``+experiment=``) is expanded.

        A preset cannot include another option of its own group (Hydra refuses "multiple
        values for experiment"), so an added group option whose file is found is written out:
        its group choices and values, without its ``hydra`` settings (a search preset's
        sweeper).
        """
        loaded = _option_file(self.sources, group, option) if added else None
        if isinstance(loaded, Mapping):
            self.expand(group, option, loaded)
        elif added:
            self.includes[group] = option
        else:
            self.overrides[group] = option

    def expand(self, group: str, option: str, loaded: Mapping[str, Any]) -> None:
        """A preset's group choices (as the trial chose them) and values (as it ran them)."""
        entries = _defaults_entries(loaded)
        search = any(override and g == _SWEEPER_GROUP for override, g in entries)
        what = "the search preset" if search else "the preset"
        self.notes.append(f"expanded from {what} {group}={option} (hydra settings left out)")
        for override, chosen in entries:
            if chosen.startswith("hydra") or chosen not in self.choices:
                continue
            target = self.overrides if override else self.includes
            target.setdefault(chosen, str(self.choices[chosen]))
        body = {k: v for k, v in loaded.items() if k not in ("defaults", "hydra")}
        for key in _leaves(body):
            self.value(key, "")

    def add(self, override: str) -> None:
        """Record one override of the trial."""
        head, _, written = override.partition("=")
        key = override_key(override)
        if key in IGNORED_KEYS or key == "hydra" or key.startswith(("hydra.", "hydra/")):
            return
        if head.startswith("~"):
            self.notes.append(f"the trial deleted {key} ({override}): not expressible here")
            return
        found, current = _select(self.config, key)
        known_group = key in self.choices and not isinstance(current, (str, int, float))
        # Without Hydra's record of the groups (no hydra.yaml), a key whose composed value is
        # a mapping while the override gives a name is a group choice.
        if known_group or (not self.choices and found and isinstance(current, Mapping)):
            self.group(key, written, added=head.startswith("+"))
        else:
            self.value(key, written)

    def document(self) -> dict[str, Any]:
        """The preset as a plain dict (defaults list first)."""
        defaults: list[Any] = [{f"/{g}": o} for g, o in self.includes.items()]
        defaults += [{f"override /{g}": o} for g, o in self.overrides.items()]
        return ({"defaults": defaults} if defaults else {}) | self.values


def _usage(app: str) -> list[str]:
    """Comment lines with the command that trains the preset, for rlgan's apps."""
    from rlgan.common.lifecycle import APP_COMMANDS

    if app not in APP_COMMANDS:
        return ["#   <your app> -m +experiment=best seed=0,1,2,3,4 hydra.searchpath=[...]"]
    return [
        f"#   {APP_COMMANDS[app]} -m +experiment=best seed=0,1,2,3,4 \\",
        f'#       "hydra.searchpath=[pkg://rlgan.{app}.presets,file://$PWD/my_conf]"',
    ]


def preset_text(
    results: Mapping[str, Any], run: Run | None, sweep_dir: str | os.PathLike
) -> str | None:
    """The text of ``best_preset.yaml`` for a search (None when no trial completed).

    ``run`` is the best trial's run folder; without one the preset holds the trial's
    recorded parameters as values.
    """
    trial = best_trial(results)
    if trial is None:
        return None
    if run is not None:
        hydra = load_yaml(run.path / HYDRA_FILE)
        runtime = (hydra or {}).get("hydra", {}).get("runtime", {}) if hydra else {}
        builder = _Builder(
            load_yaml(run.path / ".hydra" / "config.yaml"),
            runtime.get("choices") or {},
            runtime.get("config_sources") or [],
        )
        overrides = run.overrides
    else:
        builder = _Builder({}, {}, [])
        overrides = [f"{k}={v}" for k, v in dict(trial.get("params") or {}).items()]
    for override in overrides:
        builder.add(override)
    app = run.app if run is not None else "rl"
    objective = results.get("objective") or "objective"
    direction = results.get("direction") or "direction unknown"
    seed = f", seed {run.seed}" if run is not None and run.seed is not None else ""
    header = [
        "# @package _global_",
        f"# Best trial of the Bayesian search in {sweep_dir}:",
        f"#   trial {trial.get('number')}{seed}: {objective} = "
        f"{format_number(float(trial['value']))} ({direction}).",
        *(f"# Note: {note}." for note in builder.notes),
        "# To train it again, copy this file into the experiment/ folder of a config folder of",
        "# yours and select it by its file name, e.g.:",
        "#   mkdir -p my_conf/experiment && cp best_preset.yaml my_conf/experiment/best.yaml",
        *_usage(app),
        "# Written by rlgan-report.",
    ]
    body = OmegaConf.to_yaml(OmegaConf.create(builder.document())) if builder.document() else ""
    return "\n".join(header) + "\n" + body


def write_best_preset(
    path: str | os.PathLike, results: Mapping[str, Any], runs: Sequence[Run]
) -> Path | None:
    """Write ``best_preset.yaml`` for a search to ``path`` (None when no trial completed).

    ``runs`` are the report's runs; the best trial's folder is the one in the search's
    ``sweep_dir`` named by its number.
    """
    trial = best_trial(results)
    if trial is None:
        return None
    sweep_dir = Path(str(results.get("sweep_dir", ".")))
    run = next(
        (r for r in runs if r.path.parent == sweep_dir and r.job_num == trial.get("number")),
        None,
    )
    text = preset_text(results, run, sweep_dir)
    return None if text is None else atomic_write_text(Path(path), text)
