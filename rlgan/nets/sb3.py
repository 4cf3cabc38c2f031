"""stable-baselines3 adapters: our networks inside SB3 policies.

- :class:`NetsFeaturesExtractor` is an SB3 ``BaseFeaturesExtractor`` built from
  :class:`~rlgan.nets.MLP` (flat ``Box``/``Discrete``/``MultiDiscrete``/``MultiBinary``
  observations) or :class:`~rlgan.nets.ConvEncoder` (image ``Box`` observations, i.e. 3-D
  uint8), configured by the keys of a ``conf/net/*.yaml`` file.
- :func:`sb3_policy_kwargs` turns such a config into the ``policy_kwargs`` of an algorithm.

What each config key does per algorithm family:

- on-policy (ppo, a2c, trpo, recurrentppo, maskableppo): the actor and the critic each get
  their own extractor (``share_features_extractor=False``) holding the whole network
  (``hidden_sizes``, ``activation``, ``norm``, ``dropout``, ``residual``); the action and
  value heads are single linear layers on it (``net_arch=dict(pi=[], vf=[])``).
  ``init: orthogonal`` keeps SB3's orthogonal init (gain sqrt(2), heads 0.01 / 1);
  any other ``init`` turns SB3's ``ortho_init`` off so ours stands. A plain MLP config
  (see :func:`is_plain_mlp`; ``init`` orthogonal or default) describes exactly SB3's own
  separate actor and critic MLPs, so it becomes ``net_arch=dict(pi=hidden, vf=hidden)``
  with our ``activation`` behind one shared flattening extractor: the same layers and
  initialisation with fewer nested modules, which PPO calls on every rollout and training
  step.
- value-based (dqn, qrdqn): the Q-network is our extractor plus one linear layer
  (``net_arch=[]``); every key applies. A plain config (no ``norm``, ``dropout`` or
  ``residual``, ``init: default``) describes exactly the network SB3 builds itself, so it
  becomes SB3's own ``net_arch=hidden_sizes`` with our ``activation`` behind a flattening
  extractor: the same layers and initialisation, without the extra module nesting that costs
  about 10% of wall-clock time in 1-env DQN (``predict`` runs per step, and each call walks
  every module to set the training mode).
- off-policy actor-critic (sac, td3, ddpg, tqc): critics need the action, which SB3 joins
  *after* the extractor, so the hidden layers are SB3's own ``net_arch=hidden_sizes`` with
  our ``activation`` (plus ``norm: layer`` and ``dropout``) after each hidden linear layer;
  the extractor only flattens (or encodes images). ``residual: true`` and ``norm: batch``
  are rejected for them; ``init`` applies to image encoders only (SB3 initialises the rest).

Image-only keys (``features_dim``, ``variant``) configure the :class:`ConvEncoder`;
``output_activation`` is not used (SB3 adds its own heads).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from rlgan.nets.activations import ActivationSpec, make_activation
from rlgan.nets.conv import ConvEncoder
from rlgan.nets.init import check_init
from rlgan.nets.mlp import MLP, check_dropout, check_sizes
from rlgan.nets.norms import check_norm

#: Config keys the adapter understands (``_target_`` is dropped).
NET_KEYS: tuple[str, ...] = ("hidden_sizes", "activation", "norm", "dropout", "residual",
                             "init", "output_activation", "features_dim", "variant")
#: Algorithm families and the names each one accepts (case, ``-`` and ``_`` ignored).
ON_POLICY_ALGOS: tuple[str, ...] = ("ppo", "a2c", "trpo", "recurrentppo", "maskableppo")
Q_VALUE_ALGOS: tuple[str, ...] = ("dqn", "qrdqn")
CONTINUOUS_AC_ALGOS: tuple[str, ...] = ("sac", "td3", "ddpg", "tqc")
SUPPORTED_ALGOS: tuple[str, ...] = ON_POLICY_ALGOS + Q_VALUE_ALGOS + CONTINUOUS_AC_ALGOS


class NetsFeaturesExtractor(BaseFeaturesExtractor):
    """An SB3 features extractor made of :mod:`rlgan.nets` modules.

    Image observations (a 3-D ``Box`` SB3 treats as an image: uint8, channels-first after
    SB3's automatic transpose) go through a :class:`~rlgan.nets.ConvEncoder` of
    ``features_dim`` features followed by the ``hidden_sizes`` head; everything else is
    flattened (SB3 one-hot encodes discrete observations) into an :class:`~rlgan.nets.MLP`
    whose last hidden layer is the output. With ``hidden_sizes=()`` a flat observation is
    only flattened (by a bare ``nn.Flatten``, as SB3's own extractor does). ``Dict``
    observation spaces are not supported.
    """

    def __init__(self, observation_space: gym.Space, hidden_sizes: Sequence[int] = (64, 64),
                 activation: ActivationSpec = "tanh", norm: str | None = None,
                 dropout: float = 0.0, residual: bool = False, init: str = "orthogonal",
                 features_dim: int = 512, variant: str = "auto",
                 output_activation: ActivationSpec = None) -> None:
        if isinstance(observation_space, gym.spaces.Dict):
            raise ConfigError("NetsFeaturesExtractor does not support Dict observation spaces; "
                              "use SB3's MultiInputPolicy with its CombinedExtractor instead.")
        net: nn.Module
        if is_image_space(observation_space, check_channels=False):
            net = ConvEncoder(tuple(int(s) for s in observation_space.shape), features_dim,
                              variant, activation, norm, hidden_sizes, dropout, residual, init)
            out_features = net.out_features
        elif not hidden_sizes:
            net, out_features = nn.Flatten(), get_flattened_obs_dim(observation_space)
        else:
            net = MLP(get_flattened_obs_dim(observation_space), None, hidden_sizes, activation,
                      norm, dropout, residual, init)
            out_features = net.out_features
        super().__init__(observation_space, out_features)
        self.net = net

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        """Map preprocessed observations ``(B, ...)`` to features ``(B, features_dim)``."""
        return self.net(observations)


class HiddenActivation(nn.Module):
    """What follows each hidden linear layer of SB3's own MLPs (SAC/TD3 family).

    ``layer`` norm (without learned affine: the next linear layer provides it), then the
    activation, then dropout. SB3 builds it with no arguments, so it is passed as a
    ``functools.partial`` in ``activation_fn``.
    """

    def __init__(self, activation: ActivationSpec = "relu", norm: str | None = None,
                 dropout: float = 0.0) -> None:
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


def normalize_algo(algo: str) -> str:
    """Return the canonical algorithm name (``"QR-DQN"`` -> ``"qrdqn"``) or raise."""
    name = str(algo).strip().lower().replace("-", "").replace("_", "")
    if name not in SUPPORTED_ALGOS:
        raise invalid_choice("algo", algo, SUPPORTED_ALGOS)
    return name


def net_config_kwargs(net_cfg: Mapping[str, Any] | DictConfig) -> dict[str, Any]:
    """Check a ``conf/net`` config and return its keys as :class:`NetsFeaturesExtractor` kwargs.

    ``_target_`` is dropped; an unknown key or a bad value raises a one-paragraph
    :class:`~rlgan.common.errors.ConfigError` before any network is built.
    """
    if isinstance(net_cfg, DictConfig):
        raw = OmegaConf.to_container(net_cfg, resolve=True)
    else:
        raw = dict(net_cfg)
    assert isinstance(raw, dict)
    raw.pop("_target_", None)
    unknown = sorted(set(raw) - set(NET_KEYS))
    if unknown:
        hint = close_match_hint(unknown[0], NET_KEYS)
        raise ConfigError(f"Invalid net config key(s) {', '.join(unknown)}: the SB3 adapter "
                          f"understands {', '.join(NET_KEYS)}." + (f" {hint}" if hint else ""))
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
    return (kwargs.get("norm") is None and not kwargs.get("dropout", 0.0)
            and not kwargs.get("residual", False) and not any(k in kwargs for k in IMAGE_KEYS)
            and kwargs.get("init", "orthogonal") in inits)


def sb3_policy_kwargs(net_cfg: Mapping[str, Any] | DictConfig, algo: str) -> dict[str, Any]:
    """Turn a ``conf/net/*.yaml`` config into SB3 ``policy_kwargs`` for ``algo``.

    See the module docstring for what each key does per algorithm family. Raises
    :class:`~rlgan.common.errors.ConfigError` for an unknown algorithm, key or value, or a
    combination SB3 cannot build (``residual``/``norm: batch`` with sac, td3, ddpg, tqc).
    """
    family = normalize_algo(algo)
    kwargs = net_config_kwargs(net_cfg)
    hidden = list(kwargs.get("hidden_sizes", [64, 64]))
    if family in ON_POLICY_ALGOS:
        ortho_init = kwargs.get("init", "orthogonal") == "orthogonal"
        if is_plain_mlp(kwargs, ("orthogonal", "default")):
            # The extractor only flattens (no parameters), so one shared copy is the same
            # maths as two, as in SB3's default policy, with one module call fewer per forward.
            return {**_sb3_hidden_layers(kwargs, make_activation), "ortho_init": ortho_init,
                    "share_features_extractor": True,
                    "net_arch": {"pi": hidden, "vf": list(hidden)}}
        return {"features_extractor_class": NetsFeaturesExtractor,
                "features_extractor_kwargs": kwargs, "ortho_init": ortho_init,
                "share_features_extractor": False, "net_arch": {"pi": [], "vf": []}}
    if family in Q_VALUE_ALGOS:
        if is_plain_mlp(kwargs):
            return {**_sb3_hidden_layers(kwargs, make_activation), "net_arch": hidden}
        return {"features_extractor_class": NetsFeaturesExtractor,
                "features_extractor_kwargs": kwargs, "net_arch": []}
    norm = kwargs.get("norm")
    if kwargs.get("residual", False):
        raise ConfigError(f"Invalid net.residual=true for algo={algo!r}: SB3 builds the "
                          f"{family} actor/critic MLPs itself (the critic joins the action "
                          "after the extractor), so skip connections are not available; "
                          "use residual=false.")
    if norm not in (None, "layer"):
        raise ConfigError(f"Invalid net.norm={norm!r} for algo={algo!r}: valid choices for "
                          f"{family} are null, layer (batch statistics break its target "
                          "networks' updates).")
    if norm is None and kwargs.get("dropout", 0.0) == 0:
        return {**_sb3_hidden_layers(kwargs, make_activation), "net_arch": hidden}
    between = partial(HiddenActivation, norm=norm, dropout=kwargs.get("dropout", 0.0))
    return {**_sb3_hidden_layers(kwargs, between), "net_arch": hidden}


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
