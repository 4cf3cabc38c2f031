"""conf/net/*.yaml: every file instantiates through Hydra and they share their keys."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import OmegaConf
from torch import nn

from rlgan.common.errors import ConfigError
from rlgan.nets import MLP, ConvEncoder

NET_DIR = Path(__file__).resolve().parents[1] / "conf" / "net"
SHARED_KEYS = {"_target_", "hidden_sizes", "activation", "norm", "dropout", "residual", "init"}


def load(name: str):
    return OmegaConf.load(NET_DIR / f"{name}.yaml")


def test_every_net_yaml_instantiates():
    built = {}
    for path in sorted(NET_DIR.glob("*.yaml")):
        cfg = OmegaConf.load(path)
        if cfg._target_.endswith("ConvEncoder"):
            net = instantiate(cfg, in_shape=[3, 64, 64])
            assert net(torch.zeros(2, 3, 64, 64, dtype=torch.uint8)).shape == (2, net.out_features)
        else:
            net = instantiate(cfg, in_features=4, out_features=2)
            assert net(torch.zeros(3, 4)).shape == (3, 2)
        built[path.stem] = net
    assert {"mlp", "mlp_large", "cnn"} <= set(built)


def test_mlp_yaml_matches_sb3_ppo_defaults():
    net = instantiate(load("mlp"), in_features=4, out_features=2)
    assert isinstance(net, MLP) and net.hidden_sizes == (64, 64)
    assert sum(isinstance(m, nn.Tanh) for m in net.modules()) == 2
    weight = net.hidden[0][0].weight.detach()  # orthogonal columns scaled by tanh's gain 5/3
    assert torch.allclose(weight.T @ weight, (5 / 3) ** 2 * torch.eye(4), atol=1e-4)


def test_mlp_large_and_cnn_yaml_contents():
    large = instantiate(load("mlp_large"), in_features=8, out_features=3)
    assert large.hidden_sizes == (256, 256)
    assert any(isinstance(m, nn.ReLU) for m in large.modules())
    cnn = instantiate(load("cnn"), in_shape=[3, 84, 84])
    assert isinstance(cnn, ConvEncoder) and cnn.variant == "nature" and cnn.out_features == 512


def test_all_net_yamls_share_the_sweepable_keys():
    for path in NET_DIR.glob("*.yaml"):
        assert set(OmegaConf.load(path)) >= SHARED_KEYS, path.name


@pytest.mark.parametrize("name", ["mlp", "mlp_large", "cnn"])
@pytest.mark.parametrize(("activation", "module"), [("relu", nn.ReLU), ("elu", nn.ELU)])
def test_activation_override_changes_every_net(name, activation, module):
    cfg = OmegaConf.merge(load(name), OmegaConf.from_dotlist([f"activation={activation}"]))
    extra = {"in_shape": [1, 16, 16]} if name == "cnn" else {"in_features": 4}
    net = instantiate(cfg, **extra)
    assert any(isinstance(m, module) for m in net.modules())


def test_bad_override_raises_config_error_listing_choices():
    cfg = OmegaConf.merge(load("mlp"), OmegaConf.from_dotlist(["norm=group"]))
    with pytest.raises(InstantiationException) as info:
        instantiate(cfg, in_features=4)
    assert isinstance(info.value.__cause__, ConfigError)
    assert "Invalid norm='group': valid choices are null, batch, layer" in str(info.value)
