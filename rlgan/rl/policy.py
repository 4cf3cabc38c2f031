"""SB3 ``policy_kwargs`` for a run: the ``net`` config (via :mod:`rlgan.nets`) plus the algo's.

The network comes from the ``net`` config group through
:func:`rlgan.nets.sb3.sb3_policy_kwargs`, given the algorithm's network family from its row of
:data:`rlgan.rl.algos.ALGOS`, so ``net=mlp_large`` or ``net.activation=tanh`` on the command
line changes the agent's network, and ``net._target_=<your class>`` replaces it (a features
extractor or a network class, see docs/extending.md). Algorithm-specific policy arguments (for
example QR-DQN's ``n_quantiles`` or RecurrentPPO's ``lstm_hidden_size``) live in
``algo.policy_kwargs`` and are merged on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig, OmegaConf

from rlgan.rl.algos import AlgoSpec, get_algo


def _plain(value: Any) -> dict[str, Any]:
    """A config node as a plain dict (empty for ``None``)."""
    if value is None:
        return {}
    if isinstance(value, DictConfig):
        return OmegaConf.to_container(value, resolve=True)  # type: ignore[return-value]
    return dict(value)


def net_policy_kwargs(net_cfg: Mapping[str, Any] | None, algo: AlgoSpec | str) -> dict[str, Any]:
    """SB3 ``policy_kwargs`` describing the network in ``net_cfg`` (empty: SB3's default)."""
    if not net_cfg:
        return {}
    from rlgan.nets.sb3 import sb3_policy_kwargs

    return dict(sb3_policy_kwargs(net_cfg, get_algo(algo)))


#: ``+algo.optimizer=<name>`` (sweeps/report engineer's addition): the policy's optimiser.
#: Unset keeps SB3's choice (Adam; RMSprop for A2C).
OPTIMIZERS = {"adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "sgd": "SGD"}


def optimizer_policy_kwargs(name: Any) -> dict[str, Any]:
    """``{"optimizer_class": ...}`` for an ``algo.optimizer`` name (empty for ``None``)."""
    if name is None:
        return {}
    from rlgan.common.errors import invalid_choice

    if str(name) not in OPTIMIZERS:
        raise invalid_choice("algo.optimizer", name, OPTIMIZERS)
    import torch

    return {"optimizer_class": getattr(torch.optim, OPTIMIZERS[str(name)])}


#: Policies without hidden layers: the ``net`` config does not apply to them (ARS's linear
#: policy is one linear map from observation to action).
NETLESS_POLICIES = frozenset({"LinearPolicy"})
#: Policies of small vector networks (SB3 runs them faster on the CPU than on a GPU).
MLP_POLICIES = frozenset({"MlpPolicy", "MlpLstmPolicy", "LinearPolicy"})


def build_policy_kwargs(cfg: DictConfig, algo: AlgoSpec | None = None) -> dict[str, Any]:
    """``policy_kwargs`` for the run: the net's, ``algo.optimizer``, then ``algo.policy_kwargs``.

    ``algo`` is the run's row (looked up from ``cfg.algo.name`` when not given). A policy of
    :data:`NETLESS_POLICIES` gets no net keys.
    """
    algo = algo or get_algo(cfg.algo.name)
    takes_net = str(cfg.algo.get("policy", "MlpPolicy")) not in NETLESS_POLICIES
    kwargs = net_policy_kwargs(_plain(cfg.get("net")), algo) if takes_net else {}
    kwargs.update(optimizer_policy_kwargs(cfg.algo.get("optimizer")))
    kwargs.update(_plain(cfg.algo.get("policy_kwargs")))
    return kwargs


def has_custom_net(cfg: DictConfig) -> bool:
    """True when ``net._target_`` names a class other than our MLP / ConvEncoder."""
    from rlgan.nets.sb3 import is_our_net

    return not is_our_net((cfg.get("net") or {}).get("_target_"))


def is_mlp_policy(cfg: DictConfig) -> bool:
    """True when the run's policy is a small vector (MLP) network, where SB3 prefers the CPU."""
    policy = str(cfg.algo.get("policy", "MlpPolicy"))
    target = str((cfg.get("net") or {}).get("_target_", "")).lower()
    return policy in MLP_POLICIES and "conv" not in target and "cnn" not in target
