"""stable-baselines3 adapters: our networks (or yours) inside SB3 policies.

- :class:`NetsFeaturesExtractor` is an SB3 ``BaseFeaturesExtractor`` built from
  :class:`~rlgan.nets.MLP` (flat ``Box``/``Discrete``/``MultiDiscrete``/``MultiBinary``
  observations) or :class:`~rlgan.nets.ConvEncoder` (image ``Box`` observations, i.e. 3-D
  uint8), configured by the keys of a ``conf/net/*.yaml`` file, or from any network class
  given as ``net=partial(...)`` (see :func:`sb3_policy_kwargs`).
- :func:`sb3_policy_kwargs` turns such a config into the ``policy_kwargs`` of an algorithm,
  given the algorithm's *network family* (:data:`NET_FAMILIES`), which the algorithm table
  :data:`rlgan.rl.algos.ALGOS` records per algorithm (pass the row or its ``net_family``).

The config's ``_target_`` decides what is built:

- ``rlgan.nets.MLP`` or ``rlgan.nets.ConvEncoder`` (the shipped ``conf/net`` files), or no
  ``_target_``: our adapter, whose keys are checked here; it picks the ``ConvEncoder`` for
  image observations and the ``MLP`` otherwise, as described below per family;
- a subclass of SB3's ``BaseFeaturesExtractor``: it becomes the policy's
  ``features_extractor_class``, the other keys its ``features_extractor_kwargs`` (built with
  ``hydra.utils.instantiate(..., _partial_=True)``, so nested ``_target_`` values work);
- any other callable returning a ``torch.nn.Module`` (a class such as a subclass of
  ``rlgan.nets.MLP``, or a factory): it is called with the other keys plus ``in_features``
  (flat observations) or ``in_shape`` (images) inside a :class:`NetsFeaturesExtractor`, and
  its ``out_features`` attribute (else one forward pass on zeros) gives the feature size.

For your own extractor or network the heads SB3 puts on top are: linear action and value
heads on separate actor and critic copies (``actor_critic``), one linear layer
(``q_network``), SB3's own ``net_arch`` MLPs (``continuous_actor_critic``, the critics need
the action, joined after the extractor). ``algo.policy_kwargs`` can override any of them.

What each key of our adapter does per network family:

- ``actor_critic`` (PPO, A2C, TRPO, MaskablePPO): the actor and the critic each get their own
  extractor (``share_features_extractor=False``) holding the whole network (``hidden_sizes``,
  ``activation``, ``norm``, ``dropout``, ``residual``); the action and value heads are single
  linear layers on it (``net_arch=dict(pi=[], vf=[])``). ``init: orthogonal`` keeps SB3's
  orthogonal init (gain sqrt(2), heads 0.01 / 1); any other ``init`` turns SB3's
  ``ortho_init`` off so ours stands. A plain MLP config (see :func:`is_plain_mlp`; ``init``
  orthogonal or default) describes exactly SB3's own separate actor and critic MLPs, so it
  becomes ``net_arch=dict(pi=hidden, vf=hidden)`` with our ``activation`` behind one shared
  flattening extractor: the same layers and initialisation with fewer nested modules, which
  PPO calls on every rollout and training step.
- ``q_network`` (DQN, QR-DQN): the Q-network is our extractor plus one linear layer
  (``net_arch=[]``); every key applies. A plain config (no ``norm``, ``dropout`` or
  ``residual``, ``init: default``) describes exactly the network SB3 builds itself, so it
  becomes SB3's own ``net_arch=hidden_sizes`` with our ``activation`` behind a flattening
  extractor: the same layers and initialisation, without the extra module nesting that costs
  about 10% of wall-clock time in 1-env DQN (``predict`` runs per step, and each call walks
  every module to set the training mode).
- ``recurrent_actor_critic`` (RecurrentPPO): sb3-contrib's own LSTM stays (its rollout
  buffer stores the LSTM states); the whole configured network is the features extractor in
  front of it (separate copies for actor and critic, every key applies, also for images with
  ``CnnLstmPolicy``), and the action and value heads are linear layers on the LSTM's output
  (``net_arch=dict(pi=[], vf=[])``). The LSTM's size is ``algo.policy_kwargs`` (e.g.
  ``lstm_hidden_size``, ``n_lstm_layers``, ``enable_critic_lstm``). ``init: orthogonal``
  keeps SB3's ``ortho_init``; any other ``init`` turns it off.
- ``direct_mlp`` (ARS): the policy is one MLP from observation to action, without a features
  extractor, so only ``hidden_sizes`` (``net_arch``) and ``activation`` apply; ``norm``,
  ``dropout``, ``residual`` and the image keys are rejected, ``init`` is not used (ARS
  starts from zero weights unless ``zero_policy=False``). ``LinearPolicy`` takes no net.
- ``continuous_actor_critic`` (SAC, TD3, DDPG, TQC, CrossQ): critics need the action, which SB3
  joins *after* the extractor, so the hidden layers are SB3's own ``net_arch=hidden_sizes``
  with our ``activation`` (plus ``norm: layer`` and ``dropout``) after each hidden linear
  layer; the extractor only flattens (or encodes images). ``residual: true`` and
  ``norm: batch`` are rejected for them; ``init`` applies to image encoders only (SB3
  initialises the rest).

Image-only keys (``features_dim``, ``variant``) configure the :class:`ConvEncoder`;
``output_activation`` is not used (SB3 adds its own heads).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import gymnasium as gym
import torch
import torch.nn.functional as F  # noqa: N812
from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.preprocessing import get_flattened_obs_dim, is_image_space
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

from rlgan.common.errors import ConfigError, close_match_hint, invalid_choice
from rlgan.common.targets import locate
from rlgan.nets.activations import ActivationSpec, make_activation
from rlgan.nets.conv import ConvEncoder
from rlgan.nets.init import check_init
from rlgan.nets.mlp import MLP, check_dropout, check_sizes
from rlgan.nets.norms import check_norm

#: Config keys the adapter understands (``_target_`` picks the adapter, see the module doc).
NET_KEYS: tuple[str, ...] = (
    "hidden_sizes",
    "activation",
    "norm",
    "dropout",
    "residual",
    "init",
    "output_activation",
    "features_dim",
    "variant",
)
#: Network families (how the net config goes into a policy); each algorithm's row in
#: :data:`rlgan.rl.algos.ALGOS` names its family.
ACTOR_CRITIC, Q_NETWORK, CONTINUOUS_ACTOR_CRITIC = (
    "actor_critic",
    "q_network",
    "continuous_actor_critic",
)
#: sb3-contrib's RecurrentPPO: our net is the features extractor in front of its LSTM.
RECURRENT_ACTOR_CRITIC = "recurrent_actor_critic"
#: Policies that are one MLP from observation to action, without a features extractor (ARS).
DIRECT_MLP = "direct_mlp"
NET_FAMILIES: tuple[str, ...] = (
    ACTOR_CRITIC,
    Q_NETWORK,
    CONTINUOUS_ACTOR_CRITIC,
    RECURRENT_ACTOR_CRITIC,
    DIRECT_MLP,
)
#: Families whose policies take a features extractor (all but :data:`DIRECT_MLP`).
EXTRACTOR_FAMILIES: tuple[str, ...] = (
    ACTOR_CRITIC,
    Q_NETWORK,
    CONTINUOUS_ACTOR_CRITIC,
    RECURRENT_ACTOR_CRITIC,
)
#: Heads SB3 puts on your own extractor or network, per family (see the module doc).
CUSTOM_NET_ARCH: dict[str, Any] = {
    ACTOR_CRITIC: {"pi": [], "vf": []},
    RECURRENT_ACTOR_CRITIC: {"pi": [], "vf": []},
    Q_NETWORK: [],
}


class NetsFeaturesExtractor(BaseFeaturesExtractor):
    """An SB3 features extractor made of :mod:`rlgan.nets` modules.

    Image observations (a 3-D ``Box`` SB3 treats as an image: uint8, channels-first after
    SB3's automatic transpose) go through a :class:`~rlgan.nets.ConvEncoder` of
    ``features_dim`` features followed by the ``hidden_sizes`` head; everything else is
    flattened (SB3 one-hot encodes discrete observations) into an :class:`~rlgan.nets.MLP`
    whose last hidden layer is the output. With ``hidden_sizes=()`` a flat observation is
    only flattened (by a bare ``nn.Flatten``, as SB3's own extractor does). ``Dict``
    observation spaces are not supported.

    ``net`` (a class or factory, usually a ``functools.partial`` holding its config) replaces
    all of that: it is called with ``in_shape`` (image observations) or ``in_features`` (flat
    ones) and must return a module whose output is ``(B, features)``; the feature size is its
    ``out_features`` attribute, else found by one forward pass on zeros.
    """

    def __init__(
        self,
        observation_space: gym.Space,
        hidden_sizes: Sequence[int] = (64, 64),
        activation: ActivationSpec = "tanh",
        norm: str | None = None,
        dropout: float = 0.0,
        residual: bool = False,
        init: str = "orthogonal",
        features_dim: int = 512,
        variant: str = "auto",
        output_activation: ActivationSpec = None,
        net: Callable[..., nn.Module] | None = None,
    ) -> None:
        if isinstance(observation_space, gym.spaces.Dict):
            raise ConfigError(
                "NetsFeaturesExtractor does not support Dict observation spaces; "
                "use SB3's MultiInputPolicy with its CombinedExtractor instead."
            )
        body: nn.Module
        if net is not None:
            body, out_features = build_body(net, observation_space)
        elif is_image_space(observation_space, check_channels=False):
            body = ConvEncoder(
                tuple(int(s) for s in observation_space.shape),
                features_dim,
                variant,
                activation,
                norm,
                hidden_sizes,
                dropout,
                residual,
                init,
            )
            out_features = body.out_features
        elif not hidden_sizes:
            body, out_features = nn.Flatten(), get_flattened_obs_dim(observation_space)
        else:
            body = MLP(
                get_flattened_obs_dim(observation_space),
                None,
                hidden_sizes,
                activation,
                norm,
                dropout,
                residual,
                init,
            )
            out_features = body.out_features
        super().__init__(observation_space, out_features)
        self.net = body

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        """Map preprocessed observations ``(B, ...)`` to features ``(B, features_dim)``."""
        return self.net(observations)


def build_body(
    net: Callable[..., nn.Module], observation_space: gym.Space
) -> tuple[nn.Module, int]:
    """Call ``net`` for ``observation_space``; return the module and its feature size.

    Image observations pass ``in_shape``, flat ones ``in_features`` (after flattening, as SB3
    does); the module's ``out_features`` is its size, else one forward pass on zeros finds it.
    """
    if is_image_space(observation_space, check_channels=False):
        shape = tuple(int(s) for s in observation_space.shape)
        module, probe = net(in_shape=shape), torch.zeros((1, *shape))
        flatten = False
    else:
        size = get_flattened_obs_dim(observation_space)
        module, probe = net(in_features=size), torch.zeros((1, size))
        flatten = True
    if not isinstance(module, nn.Module):
        raise ConfigError(
            f"Invalid net._target_: calling {net!r} gave a "
            f"{type(module).__name__}, not a torch.nn.Module."
        )
    if flatten:
        module = nn.Sequential(nn.Flatten(), module)
    size = getattr(module[-1] if flatten else module, "out_features", None)
    if not isinstance(size, int):
        with torch.no_grad():
            size = int(module(probe).reshape(1, -1).shape[1])
    return module, size


class HiddenActivation(nn.Module):
    """What follows each hidden linear layer of SB3's own MLPs (SAC/TD3 family).

    ``layer`` norm (without learned affine: the next linear layer provides it), then the
    activation, then dropout. SB3 builds it with no arguments, so it is passed as a
    ``functools.partial`` in ``activation_fn``.
    """

    def __init__(
        self, activation: ActivationSpec = "relu", norm: str | None = None, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.layer_norm = check_norm(norm) == "layer"
        self.activation = make_activation(activation)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def extra_repr(self) -> str:
        """Show whether layer norm is applied (it has no module of its own)."""
        return f"layer_norm={self.layer_norm}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``dropout(activation(layer_norm(x)))``."""
        if self.layer_norm:
            x = F.layer_norm(x, x.shape[-1:])
        return self.dropout(self.activation(x))


def net_family(algo: Any) -> str:
    """The network family of ``algo``: a family name, or anything with a ``net_family``.

    ``algo`` is usually a row of :data:`rlgan.rl.algos.ALGOS`; raises a ConfigError for
    anything else, listing the families.
    """
    family = getattr(algo, "net_family", algo)
    if family not in NET_FAMILIES:
        raise invalid_choice(
            "net family",
            algo,
            NET_FAMILIES,
            "Pass the algorithm's row of rlgan.rl.algos.ALGOS (e.g. "
            "ALGOS['ppo']) or its net_family.",
        )
    return str(family)


def resolve_net_target(target: Any, knob: str = "net._target_") -> Any:
    """The class or factory a ``_target_`` names (None for None); ConfigError if unusable."""
    if target is None:
        return None
    try:
        found = locate(str(target))
    except Exception as err:  # noqa: BLE001 - importing user code can raise anything
        reason = f"{type(err).__name__}: {err}".strip().splitlines()[0]
        raise ConfigError(
            f"Invalid {knob}={target!r}: it cannot be imported ({reason}). Give "
            "the dotted path of a class or function importable here: "
            "rlgan.nets.MLP, rlgan.nets.ConvEncoder, a subclass of SB3's "
            "BaseFeaturesExtractor, or a torch.nn.Module class or factory."
        ) from None
    if not callable(found):
        raise ConfigError(
            f"Invalid {knob}={target!r}: it names a {type(found).__name__}, not a "
            "class or function; give a network class, a features extractor "
            "class or a factory function."
        )
    return found


def is_our_net(target: Any) -> bool:
    """True when ``target`` (a ``_target_`` string or None) is the adapter's MLP/ConvEncoder."""
    return target is None or resolve_net_target(target) in (MLP, ConvEncoder)


def net_config_kwargs(net_cfg: Mapping[str, Any] | DictConfig) -> dict[str, Any]:
    """Check a ``conf/net`` config and return its keys as :class:`NetsFeaturesExtractor` kwargs.

    ``_target_`` (our MLP or ConvEncoder, which the adapter handles) is dropped; an unknown
    key or a bad value raises a one-paragraph :class:`~rlgan.common.errors.ConfigError`
    before any network is built.
    """
    raw = _as_dict(net_cfg)
    raw.pop("_target_", None)
    unknown = sorted(set(raw) - set(NET_KEYS))
    if unknown:
        hint = close_match_hint(unknown[0], NET_KEYS)
        raise ConfigError(
            f"Invalid net config key(s) {', '.join(unknown)}: the SB3 adapter "
            f"understands {', '.join(NET_KEYS)}." + (f" {hint}" if hint else "")
        )
    kwargs = dict(raw)
    kwargs.pop("output_activation", None)
    if "hidden_sizes" in kwargs:
        kwargs["hidden_sizes"] = list(check_sizes("net.hidden_sizes", kwargs["hidden_sizes"]))
    if "activation" in kwargs:
        make_activation(kwargs["activation"], knob="net.activation")
    if "norm" in kwargs:
        kwargs["norm"] = check_norm(kwargs["norm"], image=True, knob="net.norm")
    if "dropout" in kwargs:
        kwargs["dropout"] = check_dropout(kwargs["dropout"])
    if "init" in kwargs:
        kwargs["init"] = check_init(kwargs["init"], knob="net.init")
    if "features_dim" in kwargs:
        check_sizes("net.features_dim", kwargs["features_dim"])
    return kwargs


#: Keys that only configure a :class:`ConvEncoder`: a config with them is an image network.
IMAGE_KEYS: tuple[str, ...] = ("features_dim", "variant")


def is_plain_mlp(kwargs: Mapping[str, Any], inits: Sequence[str] = ("default",)) -> bool:
    """True when checked net kwargs describe an MLP SB3 builds itself (linear + activation).

    That is: no ``norm``, ``dropout`` or ``residual``, no image-encoder keys, and an ``init``
    among ``inits``: ``default`` (PyTorch's, which SB3's value-based policies keep) or, for
    on-policy algorithms, also ``orthogonal`` (SB3's ``ortho_init``).
    """
    return (
        kwargs.get("norm") is None
        and not kwargs.get("dropout", 0.0)
        and not kwargs.get("residual", False)
        and not any(k in kwargs for k in IMAGE_KEYS)
        and kwargs.get("init", "orthogonal") in inits
    )


def sb3_policy_kwargs(net_cfg: Mapping[str, Any] | DictConfig, algo: Any) -> dict[str, Any]:
    """Turn a ``conf/net/*.yaml`` config into SB3 ``policy_kwargs`` for ``algo``.

    ``algo`` is the algorithm's row of :data:`rlgan.rl.algos.ALGOS` (or its network family,
    one of :data:`NET_FAMILIES`). ``net_cfg``'s ``_target_`` picks our adapter or your own
    class (see the module docstring). Raises :class:`~rlgan.common.errors.ConfigError` for an
    unknown family, key, value or ``_target_``, or a combination SB3 cannot build
    (``residual``/``norm: batch`` with the ``continuous_actor_critic`` family).
    """
    family = net_family(algo)
    raw = _as_dict(net_cfg)
    if not is_our_net(raw.get("_target_")):
        if family == DIRECT_MLP:
            raise ConfigError(
                f"Invalid net._target_={raw.get('_target_')!r} for algo={_label(algo)!r}: "
                f"{_label(algo)} builds its policy MLP itself (no features extractor), so "
                "only rlgan.nets.MLP's hidden_sizes and activation apply; use net=mlp."
            )
        return custom_policy_kwargs(raw, family)
    kwargs = net_config_kwargs(raw)
    hidden = list(kwargs.get("hidden_sizes", [64, 64]))
    if family == RECURRENT_ACTOR_CRITIC:
        # The whole configured network runs in front of sb3-contrib's LSTM; the action and
        # value heads are single linear layers on the LSTM's output.
        return {
            "features_extractor_class": NetsFeaturesExtractor,
            "features_extractor_kwargs": kwargs,
            "ortho_init": kwargs.get("init", "orthogonal") == "orthogonal",
            "share_features_extractor": False,
            "net_arch": {"pi": [], "vf": []},
        }
    if family == DIRECT_MLP:
        return _direct_mlp_kwargs(kwargs, hidden, _label(algo))
    if family == ACTOR_CRITIC:
        ortho_init = kwargs.get("init", "orthogonal") == "orthogonal"
        if is_plain_mlp(kwargs, ("orthogonal", "default")):
            # The extractor only flattens (no parameters), so one shared copy is the same
            # maths as two, as in SB3's default policy, with one module call fewer per forward.
            return {
                **_sb3_hidden_layers(kwargs, make_activation),
                "ortho_init": ortho_init,
                "share_features_extractor": True,
                "net_arch": {"pi": hidden, "vf": list(hidden)},
            }
        return {
            "features_extractor_class": NetsFeaturesExtractor,
            "features_extractor_kwargs": kwargs,
            "ortho_init": ortho_init,
            "share_features_extractor": False,
            "net_arch": {"pi": [], "vf": []},
        }
    if family == Q_NETWORK:
        if is_plain_mlp(kwargs):
            return {**_sb3_hidden_layers(kwargs, make_activation), "net_arch": hidden}
        return {
            "features_extractor_class": NetsFeaturesExtractor,
            "features_extractor_kwargs": kwargs,
            "net_arch": [],
        }
    return _continuous_actor_critic_kwargs(kwargs, hidden, _label(algo))


def _label(algo: Any) -> str:
    """How error messages name the algorithm (its name, else the family)."""
    return str(getattr(algo, "name", algo))


def _continuous_actor_critic_kwargs(
    kwargs: dict[str, Any], hidden: list[int], algo: str
) -> dict[str, Any]:
    """``policy_kwargs`` of the SAC/TD3 family: SB3's MLPs with our hidden activation."""
    norm = kwargs.get("norm")
    if kwargs.get("residual", False):
        raise ConfigError(
            f"Invalid net.residual=true for algo={algo!r}: SB3 builds the "
            f"{algo} actor/critic MLPs itself (the critic joins the action "
            "after the extractor), so skip connections are not available; "
            "use residual=false."
        )
    if norm not in (None, "layer"):
        raise ConfigError(
            f"Invalid net.norm={norm!r} for algo={algo!r}: valid choices for "
            f"{algo} are null, layer (batch statistics break its target "
            "networks' updates)."
        )
    if norm is None and kwargs.get("dropout", 0.0) == 0:
        return {**_sb3_hidden_layers(kwargs, make_activation), "net_arch": hidden}
    between = partial(HiddenActivation, norm=norm, dropout=kwargs.get("dropout", 0.0))
    return {**_sb3_hidden_layers(kwargs, between), "net_arch": hidden}


def _direct_mlp_kwargs(kwargs: dict[str, Any], hidden: list[int], algo: str) -> dict[str, Any]:
    """``policy_kwargs`` of the ARS family: ``net_arch`` and ``activation_fn`` only."""
    unusable = [
        f"net.{key}={kwargs[key]!r}"
        for key in ("norm", "dropout", "residual", *IMAGE_KEYS)
        if key in kwargs and kwargs[key] not in (None, 0, 0.0, False)
    ]
    if unusable:
        raise ConfigError(
            f"Invalid {', '.join(unusable)} for algo={algo!r}: {algo} builds its policy MLP "
            "itself from net.hidden_sizes and net.activation only (no norm, dropout, "
            "skip connections or image encoder); use net=mlp with those two keys."
        )
    return {
        "net_arch": hidden,
        "activation_fn": partial(make_activation, kwargs.get("activation", "tanh")),
    }


def _as_dict(net_cfg: Mapping[str, Any] | DictConfig) -> dict[str, Any]:
    """A net config as a plain dict (interpolations resolved)."""
    if isinstance(net_cfg, DictConfig):
        raw = OmegaConf.to_container(net_cfg, resolve=True)
    else:
        raw = dict(net_cfg)
    assert isinstance(raw, dict)
    return raw


def instantiate_partial(cfg: Mapping[str, Any], knob: str = "net") -> partial:
    """``instantiate(cfg, _partial_=True)``; a ConfigError naming ``knob`` on failure."""
    from hydra.utils import instantiate

    try:
        built = instantiate({**cfg, "_partial_": True})
    except Exception as err:  # noqa: BLE001 - InstantiationException wraps the cause
        cause = err.__cause__ or err
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        raise ConfigError(
            f"Invalid {knob}._target_={cfg.get('_target_')!r}: Hydra could not "
            f"prepare it ({type(cause).__name__}: {reason}). Check the dotted "
            f"path and the other keys of {knob}."
        ) from None
    assert isinstance(built, partial)
    # A plain partial: Hydra's own subclass would have to be unpickled with the model.
    return partial(built.func, *built.args, **built.keywords)


def custom_policy_kwargs(raw: Mapping[str, Any], family: str) -> dict[str, Any]:
    """``policy_kwargs`` for a net config whose ``_target_`` is your own class or factory.

    A ``BaseFeaturesExtractor`` subclass becomes the ``features_extractor_class`` (the other
    keys its kwargs); any other network class or factory is built inside a
    :class:`NetsFeaturesExtractor`. Heads on top: :data:`CUSTOM_NET_ARCH` (SB3's default
    ``net_arch`` for ``continuous_actor_critic``).
    """
    target = resolve_net_target(raw.get("_target_"))
    built = instantiate_partial(raw)
    if isinstance(target, type) and issubclass(target, BaseFeaturesExtractor):
        kwargs: dict[str, Any] = {
            "features_extractor_class": built.func,
            "features_extractor_kwargs": dict(built.keywords),
        }
    else:
        kwargs = {
            "features_extractor_class": NetsFeaturesExtractor,
            "features_extractor_kwargs": {"net": built},
        }
    if family in CUSTOM_NET_ARCH:
        kwargs["net_arch"] = CUSTOM_NET_ARCH[family]
    if family in (ACTOR_CRITIC, RECURRENT_ACTOR_CRITIC):
        kwargs["share_features_extractor"] = False
    return kwargs


def _sb3_hidden_layers(kwargs: Mapping[str, Any], module: Any) -> dict[str, Any]:
    """``policy_kwargs`` where SB3 builds the hidden layers itself (``net_arch``).

    Our extractor only flattens (or encodes images); ``activation_fn`` is ``module`` applied to
    the configured activation: the bare activation, or :class:`HiddenActivation` with norm and
    dropout.
    """
    return {
        "features_extractor_class": NetsFeaturesExtractor,
        "features_extractor_kwargs": {**kwargs, "hidden_sizes": []},
        "activation_fn": partial(module, kwargs.get("activation", "tanh")),
    }
