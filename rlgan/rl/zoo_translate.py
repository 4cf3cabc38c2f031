"""Translate one RL Zoo entry (:class:`rlgan.rl.zoo.ZooEntry`) into rlgan config values.

What each key of an entry becomes (docs/zoo.md has the table):

- ``n_envs`` -> ``algo.n_envs`` (RL Zoo's default is 1 env), ``n_timesteps`` -> the budget
  (``total_timesteps``, unless the user gave one), ``policy`` -> ``algo.policy``;
- ``policy_kwargs`` (a Python expression string, read by :mod:`rlgan.rl.zoo_eval`):
  ``net_arch`` -> ``net.hidden_sizes`` (a ``dict(pi=..., vf=...)`` / ``dict(pi=..., qf=...)``
  with different sizes stays ``algo.policy_kwargs.net_arch``), ``activation_fn`` ->
  ``net.activation`` (without one, the policy class's default, as RL Zoo gets it),
  ``optimizer_class=th.optim.<X>`` -> ``algo.optimizer``, every other key of the policy
  class's constructor -> ``algo.policy_kwargs``;
- ``noise_type`` / ``noise_std`` -> ``algo.hyperparams.action_noise: {type, sigma}``;
- ``frame_stack`` -> ``env.frame_stack``, ``normalize`` (``true`` or a mapping, possibly a
  Python expression string) -> ``env.normalize`` (where the env config has those keys);
- ``env_wrapper`` -> ``env.wrappers`` (Gymnasium's ``TimeLimit`` -> ``env.max_episode_steps``),
  ``callback`` -> ``callbacks``, ``env_kwargs`` -> ``env.kwargs``;
- every other key must be an argument of the algorithm's constructor and becomes
  ``algo.hyperparams.<key>`` (schedules such as ``lin_7e-4`` and ``train_freq`` pairs are
  read by :mod:`rlgan.rl.hyperparams` as they are).

A key rlgan cannot honour (:data:`REFUSED_KEYS`, wrappers of ``rl_zoo3`` itself, packages
not installed, names outside the restricted evaluator) raises a :class:`ConfigError` that
names the key and the entry.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rlgan.common.errors import ConfigError
from rlgan.rl.algos import AlgoSpec
from rlgan.rl.hyperparams import RUNNER_OWNED
from rlgan.rl.knobs import normalize_settings
from rlgan.rl.zoo import ZooEntry
from rlgan.rl.zoo_eval import ZooExpressionError, ZooName, evaluate_expression

#: Keys of entries that rlgan cannot honour yet, with the reason given in the error.
REFUSED_KEYS: dict[str, str] = {
    "vec_env_wrapper": "it wraps the vectorised env, which rlgan runs do not support",
    "monitor_kwargs": "it configures RL Zoo's Monitor files, which rlgan does not write",
    "replay_buffer_class": "it names a replay buffer class (HER, for goal-conditioned envs)",
    "replay_buffer_kwargs": "it configures a replay buffer class (HER, for goal envs)",
    "model_class": "it belongs to RL Zoo's HER setup, which rlgan does not support",
    "n_sampled_goal": "it belongs to RL Zoo's HER setup, which rlgan does not support",
    "goal_selection_strategy": "it belongs to RL Zoo's HER setup, which rlgan does not support",
    "online_sampling": "it belongs to RL Zoo's HER setup, which rlgan does not support",
    "max_episode_length": "it belongs to RL Zoo's HER setup, which rlgan does not support",
}
#: Entry keys read by the translation itself (not constructor arguments).
TRANSLATED_KEYS = frozenset(
    {
        "n_envs",
        "n_timesteps",
        "policy",
        "policy_kwargs",
        "noise_type",
        "noise_std",
        "frame_stack",
        "normalize",
        "env_wrapper",
        "callback",
        "env_kwargs",
    }
)
#: ``torch.nn`` activation class names -> rlgan's activation names (``net.activation``).
ACTIVATIONS: dict[str, str] = {
    "ReLU": "relu",
    "Tanh": "tanh",
    "ELU": "elu",
    "LeakyReLU": "leaky_relu:0.01",  # torch's default slope (rlgan's bare name means 0.2)
    "SiLU": "silu",
    "GELU": "gelu",
    "SELU": "selu",
    "Sigmoid": "sigmoid",
}
#: ``th.optim`` class names -> ``algo.optimizer`` names (:data:`rlgan.rl.policy.OPTIMIZERS`).
OPTIMIZERS: dict[str, str] = {"Adam": "adam", "AdamW": "adamw", "RMSprop": "rmsprop", "SGD": "sgd"}
#: Noise names of RL Zoo -> ``algo.hyperparams.action_noise.type``.
NOISE_TYPES: dict[str, str] = {"normal": "normal", "ornstein-uhlenbeck": "ornstein_uhlenbeck"}
#: Wrapper paths that mean a time limit (becomes ``env.max_episode_steps``).
TIME_LIMITS = frozenset({"gymnasium.wrappers.TimeLimit", "gymnasium.wrappers.time_limit.TimeLimit"})


@dataclass
class ZooSettings:
    """What an entry says, as rlgan config values (see the module docstring)."""

    n_envs: int = 1
    n_timesteps: int | None = None
    policy: str | None = None
    hyperparams: dict[str, Any] = field(default_factory=dict)
    policy_kwargs: dict[str, Any] = field(default_factory=dict)
    #: ``net.*`` values: ``hidden_sizes`` and / or ``activation``.
    net: dict[str, Any] = field(default_factory=dict)
    #: ``algo.optimizer`` (None: SB3's choice).
    optimizer: str | None = None
    #: ``env.*`` values: ``wrappers`` (appended), ``max_episode_steps``, ``frame_stack``,
    #: ``normalize``, ``kwargs``.
    env: dict[str, Any] = field(default_factory=dict)
    #: ``callbacks`` entries by name.
    callbacks: dict[str, Any] = field(default_factory=dict)


class ZooRefusalError(ConfigError):
    """A key of a zoo entry that rlgan cannot honour (``key``, ``reason``, ``entry``)."""

    def __init__(self, entry: ZooEntry, key: str, reason: str) -> None:
        self.entry, self.key, self.reason = entry, key, reason
        super().__init__(
            f"Cannot use {entry.label} for algo={entry.algo!r}: its key "
            f"{key}={entry.settings.get(key)!r} cannot be honoured: {reason}. Train with this "
            "algorithm's own settings instead (hyperparams_source=defaults; "
            "hyperparams_source=auto falls back to them by itself), and set what you need "
            "from the entry with algo.hyperparams.<name>=<value>."
        )

    @property
    def short(self) -> str:
        """One line for a warning: the entry, the key and why."""
        value = self.entry.settings.get(self.key)
        label = self.entry.label
        return f"{label} has {self.key}={value!r}, which rlgan cannot honour ({self.reason})"


def refusal(entry: ZooEntry, key: str, reason: str) -> ZooRefusalError:
    """The one-paragraph error for a key of ``entry`` that rlgan cannot honour."""
    return ZooRefusalError(entry, key, reason)


def translate_entry(
    entry: ZooEntry, algo: AlgoSpec, env_cfg: Mapping[str, Any] | None = None
) -> ZooSettings:
    """``entry`` as rlgan config values for ``algo``; ConfigError naming a refused key.

    ``env_cfg`` (the run's ``env`` config) tells whether ``env.frame_stack`` exists.
    """
    settings = entry.settings
    for key, reason in REFUSED_KEYS.items():
        if key in settings:
            raise refusal(entry, key, reason)
    out = ZooSettings()
    out.n_envs = _count(entry, "n_envs", settings.get("n_envs", 1))
    if settings.get("n_timesteps") is not None:
        out.n_timesteps = _count(entry, "n_timesteps", settings["n_timesteps"])
    if settings.get("policy") is not None:
        out.policy = str(settings["policy"])
    _noise(entry, out)
    _env_keys(entry, out, env_cfg or {})
    _policy_kwargs(entry, algo, out)
    allowed = set(algo.constructor_arguments()) - set(RUNNER_OWNED)
    for key, value in settings.items():
        if key in TRANSLATED_KEYS:
            continue
        if key not in allowed:
            raise refusal(
                entry,
                key,
                f"{key} is not an argument of {algo.class_path} (the arguments of "
                f"{algo.name}: {', '.join(sorted(allowed))})",
            )
        out.hyperparams[key] = list(value) if isinstance(value, tuple) else value
    return out


def _count(entry: ZooEntry, key: str, value: Any) -> int:
    """A positive whole number (RL Zoo writes budgets as floats, e.g. ``1e5``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1:
        raise refusal(entry, key, "it must be a whole number >= 1")
    if float(value) != int(value):
        raise refusal(entry, key, "it must be a whole number >= 1")
    return int(value)


def _noise(entry: ZooEntry, out: ZooSettings) -> None:
    """``noise_type`` / ``noise_std`` -> ``action_noise: {type, sigma}``."""
    kind = entry.settings.get("noise_type")
    if kind is None:
        return
    name = NOISE_TYPES.get(str(kind).strip())
    if name is None:
        raise refusal(entry, "noise_type", f"valid noise types are {', '.join(NOISE_TYPES)}")
    sigma = entry.settings.get("noise_std", 0.1)
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)):
        raise refusal(entry, "noise_std", "it must be a number (one sigma for every action)")
    out.hyperparams["action_noise"] = {"type": name, "sigma": float(sigma)}


def _dotted_specs(entry: ZooEntry, key: str) -> list[tuple[str, dict[str, Any]]]:
    """``env_wrapper`` / ``callback`` values as ``[(dotted path, kwargs)]``.

    RL Zoo writes a path, a list of paths, or a list of ``{path: {kwargs}}``.
    """
    value = entry.settings[key]
    items = value if isinstance(value, list) else [value]
    specs: list[tuple[str, dict[str, Any]]] = []
    for item in items:
        if isinstance(item, str):
            specs.append((item, {}))
        elif isinstance(item, dict) and len(item) == 1:
            path, kwargs = next(iter(item.items()))
            if kwargs is not None and not isinstance(kwargs, dict):
                raise refusal(entry, key, f"the arguments of {path} are not a mapping")
            specs.append((str(path), dict(kwargs or {})))
        else:
            raise refusal(entry, key, "it must name classes by dotted path")
    for path, _ in specs:
        top = path.split(".")[0]
        if top == "rl_zoo3":
            raise refusal(
                entry,
                key,
                f"{path} is part of rl_zoo3 itself, which rlgan never imports (importing it "
                "patches Gymnasium's TimeLimit)",
            )
        if path not in TIME_LIMITS and importlib.util.find_spec(top) is None:
            raise refusal(entry, key, f"{path} needs the package {top!r}, not installed here")
    return specs


def _env_keys(entry: ZooEntry, out: ZooSettings, env_cfg: Mapping[str, Any]) -> None:
    """``frame_stack``, ``normalize``, ``env_wrapper``, ``env_kwargs`` and ``callback``."""
    settings = entry.settings
    if settings.get("frame_stack") is not None:
        if "frame_stack" not in env_cfg:
            raise refusal(entry, "frame_stack", "this rlgan has no env.frame_stack knob")
        out.env["frame_stack"] = _count(entry, "frame_stack", settings["frame_stack"])
    if settings.get("normalize") is not None:
        if "normalize" not in env_cfg:
            raise refusal(entry, "normalize", "this rlgan has no env.normalize knob")
        out.env["normalize"] = _normalize(entry)
    if settings.get("env_wrapper") is not None:
        wrappers = []
        for path, kwargs in _dotted_specs(entry, "env_wrapper"):
            if path in TIME_LIMITS:
                out.env["max_episode_steps"] = _count(
                    entry, "env_wrapper", kwargs.get("max_episode_steps", 0)
                )
            else:
                wrappers.append({"_target_": path, **kwargs})
        if wrappers:
            out.env["wrappers"] = wrappers
    if settings.get("env_kwargs") is not None:
        if not isinstance(settings["env_kwargs"], dict):
            raise refusal(entry, "env_kwargs", "it must be a mapping of constructor knobs")
        out.env["kwargs"] = dict(settings["env_kwargs"])
    if settings.get("callback") is not None:
        for index, (path, kwargs) in enumerate(_dotted_specs(entry, "callback")):
            out.callbacks[f"zoo_{index}"] = {"_target_": path, **kwargs}


def _normalize(entry: ZooEntry) -> bool | dict[str, Any]:
    """``normalize``: ``true`` / ``false`` or VecNormalize's options (maybe an expression)."""
    value = entry.settings["normalize"]
    if isinstance(value, str):
        try:
            value = evaluate_expression(value)
        except ZooExpressionError as err:
            raise refusal(
                entry, "normalize", f"the restricted evaluator refuses it: {err}"
            ) from None
    if isinstance(value, dict):
        value = _plain(value)
    try:
        normalize_settings(value, "normalize")
    except ConfigError as err:
        raise refusal(entry, "normalize", str(err).rstrip(".")) from None
    return value


def _evaluated(entry: ZooEntry, key: str) -> dict[str, Any]:
    """A mapping value of ``entry`` that may be written as a Python expression string."""
    value = entry.settings[key]
    if isinstance(value, str):
        try:
            value = evaluate_expression(value)
        except ZooExpressionError as err:
            raise refusal(entry, key, f"the restricted evaluator refuses it: {err}") from None
    if not isinstance(value, dict):
        raise refusal(entry, key, "it must be a mapping, e.g. dict(net_arch=[64, 64])")
    return value


def policy_class(algo: AlgoSpec, policy: str) -> Any:
    """The SB3 policy class ``algo`` uses for the policy name ``policy`` (None if unknown)."""
    return getattr(algo.algo_class, "policy_aliases", {}).get(policy)


def default_activation(algo: AlgoSpec, policy: str) -> str | None:
    """The policy class's default ``activation_fn`` as an rlgan activation name."""
    cls = policy_class(algo, policy)
    if cls is None:
        return None
    parameter = inspect.signature(cls.__init__).parameters.get("activation_fn")
    default = getattr(parameter, "default", None)
    return ACTIVATIONS.get(getattr(default, "__name__", ""))


def _policy_arguments(algo: AlgoSpec, policy: str) -> set[str] | None:
    """The constructor arguments of the policy class (None when it cannot be told)."""
    cls = policy_class(algo, policy)
    if cls is None:
        return None
    return {name for name in inspect.signature(cls.__init__).parameters if name != "self"}


def _policy_kwargs(entry: ZooEntry, algo: AlgoSpec, out: ZooSettings) -> None:
    """``policy_kwargs``: the network into ``net.*``, the optimiser, the rest passed on."""
    policy = out.policy or "MlpPolicy"
    kwargs = _evaluated(entry, "policy_kwargs") if "policy_kwargs" in entry.settings else {}
    activation = kwargs.pop("activation_fn", None)
    if activation is not None:
        name = activation.name.rsplit(".", 1)[-1] if isinstance(activation, ZooName) else ""
        if name not in ACTIVATIONS:
            raise refusal(
                entry,
                "policy_kwargs",
                f"activation_fn={activation} is not one rlgan maps (it maps "
                f"{', '.join('nn.' + k for k in ACTIVATIONS)})",
            )
        out.net["activation"] = ACTIVATIONS[name]
    else:
        default = default_activation(algo, policy)
        if default is not None:
            out.net["activation"] = default
    if "net_arch" in kwargs:
        _net_arch(entry, kwargs.pop("net_arch"), out)
    optimizer = kwargs.pop("optimizer_class", None)
    if optimizer is not None:
        name = optimizer.name.removeprefix("th.optim.") if isinstance(optimizer, ZooName) else ""
        if name not in OPTIMIZERS:
            raise refusal(
                entry,
                "policy_kwargs",
                f"optimizer_class={optimizer} is not an optimiser rlgan can name in a config "
                f"(algo.optimizer takes {', '.join(OPTIMIZERS.values())})",
            )
        out.optimizer = OPTIMIZERS[name]
    accepted = _policy_arguments(algo, policy)
    for key, value in kwargs.items():
        if accepted is not None and key not in accepted:
            raise refusal(
                entry,
                "policy_kwargs",
                f"{key} is not an argument of {algo.name}'s {policy}",
            )
        if _has_name(value):
            raise refusal(entry, "policy_kwargs", f"{key}={value!r} names a class")
        out.policy_kwargs[key] = _plain(value)


def _net_arch(entry: ZooEntry, arch: Any, out: ZooSettings) -> None:
    """``net_arch``: one list of sizes -> ``net.hidden_sizes``; differing dicts stay as they are."""
    if isinstance(arch, (list, tuple)) and all(_is_size(size) for size in arch):
        out.net["hidden_sizes"] = [int(size) for size in arch]
        return
    if (
        isinstance(arch, dict)
        and arch
        and all(
            isinstance(sizes, (list, tuple)) and all(_is_size(s) for s in sizes)
            for sizes in arch.values()
        )
    ):
        sizes = {key: [int(s) for s in value] for key, value in arch.items()}
        distinct = {tuple(value) for value in sizes.values()}
        if len(distinct) == 1:
            out.net["hidden_sizes"] = list(next(iter(distinct)))
        else:
            out.policy_kwargs["net_arch"] = sizes
        return
    raise refusal(entry, "policy_kwargs", f"net_arch={arch!r} is not a list of layer sizes")


def _is_size(value: Any) -> bool:
    """True for a positive integer layer size."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _has_name(value: Any) -> bool:
    """True when ``value`` holds a :class:`ZooName` anywhere."""
    if isinstance(value, ZooName):
        return True
    if isinstance(value, dict):
        return any(_has_name(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_name(v) for v in value)
    return False


def _plain(value: Any) -> Any:
    """Tuples as lists (config values)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
