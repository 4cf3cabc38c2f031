"""Where a run's hyperparameters come from: ours, RL Zoo's tuned entry, or the defaults.

:func:`resolve_hyperparams_source` is called once per fresh run, before validation. With
``hyperparams_source=auto`` (conf/rl.yaml) it picks, in this order:

1. ``ours``: a ``+experiment=`` / ``+hparams_search=`` preset was given, or the algorithm's
   yaml declares the env id in its ``tuned_for`` list (the config is used as composed);
2. ``zoo``: RL Zoo has a tuned entry for the algorithm and env id (:mod:`rlgan.rl.zoo`),
   translated by :mod:`rlgan.rl.zoo_translate` into ``algo.*``, ``net.*``, ``env.*`` and the
   budget. An entry with a key rlgan cannot honour falls back to the defaults, with a
   warning naming the key;
3. ``defaults``: the algorithm yaml's settings as composed.

``hyperparams_source=ours|zoo|defaults`` forces one; ``ours`` or ``zoo`` without settings
for the pair is a :class:`ConfigError` (for ``zoo`` listing the env ids RL Zoo has).

What the user set on the command line wins key by key over the zoo's values:
``algo.hyperparams.*``, ``algo.policy_kwargs.*``, ``algo.policy``, ``algo.optimizer``,
``algo.n_envs`` / ``env.n_envs``, ``total_timesteps`` (the zoo's ``n_timesteps`` is the budget
only when it is not given), ``net`` / ``net.*``, ``env.wrappers``, ``env.kwargs.*``,
``env.max_episode_steps``, ``env.frame_stack``, ``env.normalize``. Those keys are read from
Hydra's task overrides (``HydraConfig.get().overrides.task``), from the ``overrides``
argument of callers that compose their config, or, for a composed config given alone, from
where it differs from a fresh composition of the same algorithm and env.

The returned config has ``hyperparams_source`` set to the source used; it is what the run
saves, so ``resume=`` reuses it as it is.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from rlgan.common.errors import ConfigError, invalid_choice
from rlgan.common.lifecycle import flatten_config
from rlgan.rl.algos import get_algo
from rlgan.rl.knobs import HYPERPARAMS_SOURCES
from rlgan.rl.zoo import missing_entry_error, zoo_entry, zoo_version
from rlgan.rl.zoo_translate import ZooRefusalError, ZooSettings, translate_entry

log = logging.getLogger(__name__)

#: Values of the ``hyperparams_source`` knob.
SOURCES: tuple[str, ...] = HYPERPARAMS_SOURCES
#: Config groups whose selection on the command line is a preset of ours.
PRESET_GROUPS: tuple[str, ...] = ("experiment", "hparams_search")
#: Config groups whose selection (``algo=dqn``) says nothing about the keys under them.
CHOICE_GROUPS: tuple[str, ...] = ("algo", "env")
#: The config keys a zoo entry may set (the user's value of any of them wins).
MANAGED_KEYS: tuple[str, ...] = (
    "algo.hyperparams",
    "algo.policy_kwargs",
    "algo.policy",
    "algo.optimizer",
    "algo.n_envs",
    "env.n_envs",
    "total_timesteps",
    "net",
    "env.wrappers",
    "env.kwargs",
    "env.max_episode_steps",
    "env.frame_stack",
    "env.normalize",
    "callbacks",
)
#: Policies that take no network (the ``net`` config does not apply).
NETLESS_POLICIES = frozenset({"LinearPolicy"})


@dataclass(frozen=True)
class UserOverrides:
    """The keys a user set on the command line (``+``/``++`` dropped), deletions, presets."""

    keys: frozenset[str]
    deleted: frozenset[str] = frozenset()
    presets: tuple[str, ...] = ()

    @classmethod
    def parse(cls, overrides: Iterable[str]) -> UserOverrides:
        """Read Hydra override strings such as ``+algo.hyperparams.gamma=0.9``."""
        keys, deleted, presets = set(), set(), []
        for item in overrides:
            text = str(item).strip()
            key = text.partition("=")[0].strip()
            removing = key.startswith("~")
            key = key.lstrip("~+").strip()
            if not key or key.startswith("hydra"):
                continue
            if key in PRESET_GROUPS or key.split("@")[0] in PRESET_GROUPS:
                presets.append(text.lstrip("+"))
                continue
            if key in CHOICE_GROUPS:
                continue
            (deleted if removing else keys).add(key)
        return cls(frozenset(keys), frozenset(deleted), tuple(presets))

    def sets(self, key: str) -> bool:
        """True when the user set (or deleted) ``key`` or a node above it."""
        parts = key.split(".")
        touched = self.keys | self.deleted
        return any(".".join(parts[:n]) in touched for n in range(1, len(parts) + 1))

    def under(self, prefix: str) -> list[str]:
        """The set keys at or below ``prefix``, shortest first."""
        found = [k for k in self.keys if k == prefix or k.startswith(prefix + ".")]
        return sorted(found, key=lambda k: (k.count("."), k))

    def deleted_under(self, prefix: str) -> list[str]:
        """The deleted keys below ``prefix``."""
        return sorted(k for k in self.deleted if k.startswith(prefix + "."))


def hydra_task_overrides() -> list[str] | None:
    """The command line's overrides when running under Hydra (None otherwise)."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return None
    return [str(item) for item in HydraConfig.get().overrides.task]


def _env_option(env_id: Any) -> str | None:
    """The ``conf/env`` option whose ``id`` is ``env_id`` (None when there is none)."""
    from importlib.resources import files

    import yaml

    folder = files("rlgan.conf").joinpath("env")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            loaded = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
            if loaded.get("id") == env_id:
                return entry.name.removesuffix(".yaml")
    return None


def inferred_overrides(cfg: DictConfig) -> list[str]:
    """Override strings for a composed config given without them.

    The keys where ``cfg`` differs from a fresh composition of the same ``algo`` and ``env``
    options (``~key`` for keys it lacks), so ``train(compose_config("rl", [...]))`` keeps the
    values set in the list as the command line would.
    """
    from rlgan.common.app import compose_config
    from rlgan.common.config_keys import selected_option

    choices = []
    algo_option = selected_option("algo", cfg.algo)
    if algo_option:
        choices.append(f"algo={algo_option}")
    env_option = _env_option(cfg.env.get("id"))
    if env_option:
        choices.append(f"env={env_option}")
    base, mine = flatten_config(compose_config("rl", choices)), flatten_config(cfg)
    changed = [f"{key}=" for key, value in mine.items() if base.get(key, object()) != value]
    removed = [f"~{key}" for key in base if key not in mine]
    return changed + removed


def ours_for(cfg: DictConfig, user: UserOverrides | None) -> str | None:
    """Why the config is ours for its pair (a preset, or ``tuned_for``), else None."""
    if user is not None and user.presets:
        return f"the preset {' '.join('+' + p for p in user.presets)}"
    tuned = cfg.algo.get("tuned_for") or []
    env_id = cfg.env.get("id")
    if env_id is not None and env_id in list(tuned):
        return f"conf/algo/{cfg.algo.name}.yaml (tuned_for: {', '.join(map(str, tuned))})"
    return None


def env_id_of(cfg: DictConfig) -> str | None:
    """The run's Gymnasium id (None for an ``env._target_`` environment)."""
    env = cfg.get("env") or {}
    if env.get("_target_") is not None:
        return None
    env_id = env.get("id")
    return str(env_id) if env_id is not None else None


def resolve_hyperparams_source(
    cfg: DictConfig, overrides: Sequence[str] | None = None
) -> tuple[DictConfig, str]:
    """The run's config with its hyperparameter source applied, and that source.

    ``overrides`` are the command line's (Hydra override strings); None reads Hydra's, or,
    outside a Hydra app, infers them (:func:`inferred_overrides`). ``cfg`` is not changed.
    """
    requested = str(cfg.get("hyperparams_source", "auto"))
    if requested not in SOURCES:
        raise invalid_choice(
            "hyperparams_source",
            requested,
            SOURCES,
            "auto: our settings for the algorithm and env, else RL Zoo's tuned ones, else the "
            "algorithm's defaults (docs/zoo.md).",
        )
    if "algo" not in cfg or cfg.algo.get("name") is None:
        return cfg, requested  # check_config reports the missing algorithm
    algo = get_algo(cfg.algo.name)
    if overrides is None:
        overrides = hydra_task_overrides()
    user = UserOverrides.parse(overrides) if overrides is not None else None
    env_id = env_id_of(cfg)
    ours = ours_for(cfg, user)
    if requested == "ours" and ours is None:
        tuned = ", ".join(map(str, cfg.algo.get("tuned_for") or [])) or "no env"
        raise ConfigError(
            f"Invalid hyperparams_source='ours' for algo={algo.name!r} and env.id={env_id!r}: "
            f"rlgan has no settings of its own for that pair (conf/algo/{algo.name}.yaml is "
            f"tuned for {tuned}; presets are given with +experiment=<name>). Pick "
            "hyperparams_source=auto, zoo or defaults."
        )
    if requested == "defaults" or (requested in ("auto", "ours") and ours is not None):
        source = "defaults" if requested == "defaults" else "ours"
        detail = ours if source == "ours" else f"conf/algo/{algo.name}.yaml as composed"
        return _finish(cfg, source, detail)
    entry = zoo_entry(algo.name, env_id)
    if entry is None:
        if requested == "zoo":
            raise missing_entry_error(algo.name, env_id)
        return _finish(cfg, "defaults", f"conf/algo/{algo.name}.yaml (no RL Zoo entry)")
    try:
        settings = translate_entry(entry, algo, cfg.get("env") or {})
    except ZooRefusalError as err:
        if requested == "zoo":
            raise
        log.warning(
            "%s: using conf/algo/%s.yaml's settings instead (hyperparams_source=zoo would "
            "stop here with an error).",
            err.short,
            algo.name,
        )
        return _finish(cfg, "defaults", f"conf/algo/{algo.name}.yaml ({entry.label} refused)")
    if user is None:
        user = UserOverrides.parse(inferred_overrides(cfg))
    resolved, kept = apply_zoo_settings(cfg, settings, user)
    budget = "its n_timesteps" if not user.sets("total_timesteps") else "the command line's"
    detail = (
        f"{entry.label} (rl_zoo3 {zoo_version() or '?'}); budget {resolved.total_timesteps} "
        f"steps ({budget}); kept from the command line: {', '.join(kept) or 'nothing'}"
    )
    return _finish(resolved, "zoo", detail)


def _finish(cfg: DictConfig, source: str, detail: str) -> tuple[DictConfig, str]:
    """``cfg`` (a copy) with ``hyperparams_source`` set; logs where the settings came from."""
    out = copy.deepcopy(cfg)
    with open_dict(out):
        out.hyperparams_source = source
    log.info("hyperparameters: hyperparams_source=%s: %s", source, detail)
    return out, source


def _copy_user_value(target: DictConfig, cfg: DictConfig, key: str) -> None:
    """Set ``key`` in ``target`` to its value in ``cfg`` (the user's)."""
    value = OmegaConf.select(cfg, key, default=None, throw_on_missing=False)
    if isinstance(value, (DictConfig, ListConfig)):
        value = OmegaConf.to_container(value, resolve=False)
    OmegaConf.update(target, key, value, merge=False, force_add=True)


def _delete(target: DictConfig, key: str) -> None:
    """Remove ``key`` from ``target`` when present."""
    parent_key, _, leaf = key.rpartition(".")
    parent = OmegaConf.select(target, parent_key) if parent_key else target
    if isinstance(parent, DictConfig) and leaf in parent:
        parent.pop(leaf)


def _replace_node(
    target: DictConfig, cfg: DictConfig, prefix: str, value: Any, user: UserOverrides
) -> None:
    """Set the node ``prefix`` to ``value``, then put back what the user set below it."""
    OmegaConf.update(target, prefix, value, merge=False, force_add=True)
    for key in user.under(prefix):
        _copy_user_value(target, cfg, key)
    for key in user.deleted_under(prefix):
        _delete(target, key)


def apply_zoo_settings(
    cfg: DictConfig, settings: ZooSettings, user: UserOverrides
) -> tuple[DictConfig, list[str]]:
    """``cfg`` with ``settings`` applied where ``user`` did not set the key; the kept keys."""
    out = copy.deepcopy(cfg)
    kept = sorted(
        key
        for key in user.keys | {f"~{k}" for k in user.deleted}
        if any(key.lstrip("~") == m or key.lstrip("~").startswith(m + ".") for m in MANAGED_KEYS)
    )
    with open_dict(out):
        _replace_node(out, cfg, "algo.hyperparams", dict(settings.hyperparams), user)
        _replace_node(out, cfg, "algo.policy_kwargs", dict(settings.policy_kwargs), user)
        if settings.policy is not None and not user.sets("algo.policy"):
            out.algo.policy = settings.policy
        if settings.optimizer is not None and not user.sets("algo.optimizer"):
            out.algo.optimizer = settings.optimizer
        if not (user.sets("algo.n_envs") or user.sets("env.n_envs")):
            out.algo.n_envs = settings.n_envs
            if not OmegaConf.is_interpolation(out.env, "n_envs"):
                out.env.n_envs = settings.n_envs
        if settings.n_timesteps is not None and not user.sets("total_timesteps"):
            out.total_timesteps = settings.n_timesteps
        _apply_net(out, cfg, settings, user)
        _apply_env(out, settings, user)
        for name, callback in settings.callbacks.items():
            if not user.sets(f"callbacks.{name}"):
                out.callbacks[name] = callback
    return out, kept


def _apply_net(
    out: DictConfig, cfg: DictConfig, settings: ZooSettings, user: UserOverrides
) -> None:
    """The zoo's network (``net.hidden_sizes`` / ``net.activation``) unless the user chose."""
    from rlgan.rl.policy import has_custom_net

    policy = str(out.algo.get("policy", "MlpPolicy"))
    if "net" not in out or policy in NETLESS_POLICIES:
        return
    if has_custom_net(cfg):
        log.info("net._target_ is your own class: RL Zoo's net_arch and activation_fn unused")
        return
    for key, value in settings.net.items():
        if not user.sets(f"net.{key}"):
            out.net[key] = copy.deepcopy(value)
    if (
        user.sets("net.hidden_sizes")
        and "net_arch" in settings.policy_kwargs
        and not user.sets("algo.policy_kwargs.net_arch")
    ):
        out.algo.policy_kwargs.pop("net_arch", None)  # the user's net sizes win


def _apply_env(out: DictConfig, settings: ZooSettings, user: UserOverrides) -> None:
    """``env.*`` values of the entry, unless the user set them."""
    env = settings.env
    for key in ("frame_stack", "max_episode_steps", "normalize"):
        if key in env and not user.sets(f"env.{key}"):
            out.env[key] = env[key]
    if "kwargs" in env:
        for name, value in env["kwargs"].items():
            if not user.sets(f"env.kwargs.{name}"):
                out.env.kwargs[name] = value
    if "wrappers" in env and not user.sets("env.wrappers"):
        out.env.wrappers = [*list(out.env.get("wrappers") or []), *env["wrappers"]]
