"""rlgan.nets building blocks: MLP, activations, norms, init, conv encoder, summaries."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import rlgan.common
from rlgan.common.errors import ConfigError
from rlgan.nets import (
    ACTIVATIONS,
    INIT_SCHEMES,
    MLP,
    ConvEncoder,
    ResidualConvBlock,
    ResidualMLPBlock,
    count_parameters,
    init_weights,
    make_activation,
    resolve_device,
    seed_everything,
    summary,
)
from rlgan.nets.conv import POOL_GRID, small_strides

ACTIVATION_TYPES = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "prelu": nn.PReLU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "hardtanh": nn.Hardtanh,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}


def first_weight(module: nn.Module) -> torch.Tensor:
    """The weight of the first linear/conv layer of ``module``."""
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            return layer.weight
    raise AssertionError("no weighted layer")


@pytest.mark.parametrize("hidden", [(), (16,), (16, 16, 8)])
@pytest.mark.parametrize("out_features", [None, 3])
@pytest.mark.parametrize("norm", [None, "batch", "layer"])
@pytest.mark.parametrize("residual", [False, True])
def test_mlp_output_shapes(hidden, out_features, norm, residual):
    net = MLP(5, out_features, hidden, activation="elu", norm=norm, dropout=0.1, residual=residual)
    expected = out_features or (hidden[-1] if hidden else 5)
    assert net.out_features == expected
    assert net(torch.randn(4, 5)).shape == (4, expected)


def test_mlp_flattens_extra_dimensions_and_applies_output_activation():
    net = MLP(12, 2, (8,), output_activation="sigmoid")
    out = net(torch.randn(6, 3, 4) * 10)
    assert out.shape == (6, 2)
    assert bool(((out > 0) & (out < 1)).all())


def test_mlp_residual_wraps_equal_width_layers_only():
    net = MLP(5, 2, (16, 16, 16), residual=True)
    kinds = [type(layer) for layer in net.hidden]
    assert kinds == [nn.Sequential, ResidualMLPBlock, ResidualMLPBlock]


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_name_builds_its_module(name):
    assert type(make_activation(name)) is ACTIVATION_TYPES[name]
    net = MLP(3, 1, (4,), activation=name.upper())
    assert any(type(m) is ACTIVATION_TYPES[name] for m in net.modules())


def test_leaky_relu_slope_default_and_custom():
    assert make_activation("leaky_relu").negative_slope == pytest.approx(0.2)
    assert make_activation("leaky_relu:0.05").negative_slope == pytest.approx(0.05)
    assert isinstance(make_activation(None), nn.Identity)
    assert isinstance(make_activation(nn.Tanh), nn.Tanh)


@pytest.mark.parametrize(
    ("kwargs", "valid"),
    [
        ({"activation": "swish"}, list(ACTIVATIONS)),
        ({"norm": "group"}, ["null", "batch", "layer"]),
        ({"init": "he"}, list(INIT_SCHEMES)),
    ],
)
def test_unknown_names_raise_value_error_listing_valid_choices(kwargs, valid):
    with pytest.raises(ValueError) as info:
        MLP(4, 2, **kwargs)
    assert isinstance(info.value, ConfigError)
    message = str(info.value)
    assert repr(next(iter(kwargs.values()))) in message
    assert all(choice in message for choice in valid)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hidden_sizes": (8, 0)},
        {"dropout": 1.0},
        {"dropout": -0.1},
        {"in_features": 0},
        {"activation": "leaky_relu:abc"},
    ],
)
def test_bad_sizes_and_probabilities_raise_config_error(kwargs):
    args = {"in_features": 4, "out_features": 2, **kwargs}
    with pytest.raises(ConfigError, match="Invalid"):
        MLP(**args)


@pytest.mark.parametrize(
    "net",
    [
        MLP(6, 2, (8, 8), norm="batch"),
        MLP(6, 2, (8, 8, 8), norm="layer", residual=True, activation="gelu"),
        ResidualMLPBlock(6, norm="layer"),
        ConvEncoder((3, 16, 16), features_dim=8, hidden_sizes=(8,)),
        ConvEncoder((1, 40, 40), features_dim=8, norm="batch"),
        ResidualConvBlock(3),
    ],
    ids=["mlp-batch", "mlp-residual", "res-block", "conv-small", "conv-nature", "res-conv"],
)
def test_gradients_reach_the_first_layer(net):
    shape = (4, 6) if not isinstance(net, (ConvEncoder, ResidualConvBlock)) else (4, 3, 16, 16)
    if isinstance(net, ConvEncoder):
        shape = (4, *net.in_shape)
    net(torch.randn(shape)).pow(2).mean().backward()
    grad = first_weight(net).grad
    assert grad is not None and float(grad.abs().sum()) > 0


def test_same_seed_gives_same_weights_and_another_seed_differs():
    seed_everything(3)
    a = MLP(4, 2, (16,), init="orthogonal")
    seed_everything(3)
    b = MLP(4, 2, (16,), init="orthogonal")
    seed_everything(4)
    c = MLP(4, 2, (16,), init="orthogonal")
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert not torch.equal(first_weight(a), first_weight(c))


def test_init_schemes_set_their_weight_statistics():
    fan_in = fan_out = 256
    stats = {}
    for scheme in INIT_SCHEMES:
        seed_everything(0)
        layer = init_weights(nn.Linear(fan_in, fan_out), scheme, gain=2.0)
        stats[scheme] = (layer.weight.detach(), layer.bias.detach())
    default_w, default_b = stats["default"]
    # PyTorch default: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) -> std 1/sqrt(3 fan_in).
    assert float(default_w.std()) == pytest.approx(1 / math.sqrt(3 * fan_in), rel=0.05)
    assert float(default_b.abs().sum()) > 0
    kaiming_w, _ = stats["kaiming"]
    assert float(kaiming_w.std()) == pytest.approx(math.sqrt(2 / fan_in), rel=0.05)
    xavier_w, _ = stats["xavier"]
    assert float(xavier_w.std()) == pytest.approx(2.0 * math.sqrt(2 / (fan_in + fan_out)), rel=0.05)
    ortho_w, _ = stats["orthogonal"]
    assert torch.allclose(ortho_w @ ortho_w.T, 4.0 * torch.eye(fan_out), atol=1e-3)
    for scheme in ("xavier", "kaiming", "orthogonal"):
        assert float(stats[scheme][1].abs().sum()) == 0.0


def test_deep_sigmoid_mlp_gradients_vanish_but_residual_relu_ones_do_not():
    seed_everything(0)
    x, y = torch.randn(64, 32), torch.randn(64, 1)
    norms = {}
    for name, kwargs in {
        "sigmoid": {"activation": "sigmoid"},
        "residual_relu": {"activation": "relu", "residual": True},
    }.items():
        seed_everything(1)
        net = MLP(32, 1, [64] * 20, **kwargs)
        nn.functional.mse_loss(net(x), y).backward()
        norms[name] = float(first_weight(net).grad.norm())
    assert norms["residual_relu"] > 1e-3
    assert norms["sigmoid"] < 1e-3 * norms["residual_relu"]


def test_residual_mlp_block_is_identity_when_its_body_outputs_zero():
    block = ResidualMLPBlock(8, activation="relu", depth=2)
    x = torch.randn(5, 8)
    nn.init.zeros_(block.body[-1][0].weight)
    nn.init.zeros_(block.body[-1][0].bias)
    assert torch.equal(block(x), x)


@pytest.mark.parametrize("size", [8, 16, 28, 32, 36, 64, 84])
@pytest.mark.parametrize("channels", [1, 3])
def test_conv_encoder_shapes_and_auto_variant(size, channels):
    enc = ConvEncoder((channels, size, size), features_dim=16, hidden_sizes=(8,))
    assert enc.variant == ("nature" if size >= 36 else "small")
    assert enc.out_features == 8
    assert enc(torch.rand(2, channels, size, size)).shape == (2, 8)


def test_conv_encoder_parameters_do_not_grow_as_the_image_shrinks():
    # The projection sees at most POOL_GRID x POOL_GRID maps: before the pooling a 32 px image
    # (small stack, 8x8 maps) and a 96 px one (Nature, 8x8) had 2.1M projection weights,
    # four times the 64 px encoder's.
    counts = {size: count_parameters(ConvEncoder((3, size, size))) for size in (32, 64, 96)}
    projection = {
        size: count_parameters(ConvEncoder((3, size, size)).project) for size in (32, 64, 96)
    }
    bound = 64 * POOL_GRID * POOL_GRID * 512 + 512
    assert all(value <= bound for value in projection.values()), projection
    assert counts[32] <= counts[64] and counts[96] == counts[64], counts
    assert counts[64] < 700_000, counts
    sizes = (8, 16, 24, 32, 40, 64, 96, 128)
    bigger = [count_parameters(ConvEncoder((3, s, s)).project) for s in sizes]
    assert max(bigger) <= bound


def test_conv_encoder_small_stack_strides_keep_small_images_cheap():
    assert small_strides(8) == (1, 1, 2)
    assert small_strides(16) == (1, 2, 2)
    assert small_strides(32) == (2, 2, 2)
    assert ConvEncoder((3, 32, 32)).grid == (POOL_GRID, POOL_GRID)

    # a 32 px image's convolutions cost fewer multiply-adds than Nature-CNN's at 64 px
    def conv_macs(size: int) -> int:
        enc, x, total = ConvEncoder((3, size, size)), torch.zeros(1, 3, size, size), 0
        for layer in enc.conv:
            y = layer(x)
            if isinstance(layer, nn.Conv2d):
                total += y.numel() * layer.in_channels * layer.kernel_size[0] ** 2
            x = y
        return total

    assert conv_macs(32) < conv_macs(64) < conv_macs(96)


def test_conv_encoder_scales_uint8_like_float_in_unit_range():
    enc = ConvEncoder((3, 16, 16), features_dim=8).eval()
    pixels = torch.randint(0, 256, (2, 3, 16, 16), dtype=torch.uint8)
    assert torch.allclose(enc(pixels), enc(pixels.float() / 255.0))


@pytest.mark.parametrize("norm", ["batch", "layer", "instance"])
def test_conv_encoder_norms(norm):
    enc = ConvEncoder((3, 12, 12), features_dim=8, norm=norm, hidden_sizes=(4,))
    assert enc(torch.rand(3, 3, 12, 12)).shape == (3, 4)


def test_conv_encoder_rejects_bad_variant_and_sizes():
    with pytest.raises(ConfigError, match="auto, nature, small"):
        ConvEncoder((3, 64, 64), variant="impala")
    with pytest.raises(ConfigError, match="16x16"):
        ConvEncoder((3, 16, 16), variant="nature")
    with pytest.raises(ConfigError, match="C, H, W"):
        ConvEncoder((64, 64))


def test_residual_conv_block_keeps_shape_and_skips():
    block = ResidualConvBlock(4, norm=None)
    x = torch.rand(2, 4, 6, 6)
    assert block(x).shape == x.shape
    nn.init.zeros_(block.body[-2].weight)
    nn.init.zeros_(block.body[-2].bias)
    assert torch.equal(block(x), torch.relu(x))
    with pytest.raises(ConfigError, match="odd"):
        ResidualConvBlock(4, kernel_size=2)


def test_count_parameters_and_summary_table():
    net = MLP(4, 2, (8,))
    assert count_parameters(net) == (4 * 8 + 8) + (8 * 2 + 2)
    net.output.requires_grad_(False)
    assert count_parameters(net) == 4 * 8 + 8
    assert count_parameters(net, trainable_only=False) == 58
    table = summary(net)
    assert "hidden.0.0" in table and "Linear" in table and "output.0" in table
    assert "58" in table.splitlines()[-2] and "40" in table.splitlines()[-1]


def test_common_helpers_are_re_exported_not_reimplemented():
    assert resolve_device is rlgan.common.resolve_device
    assert seed_everything is rlgan.common.seed_everything


@pytest.mark.cuda
def test_modules_run_on_cuda():
    device = resolve_device("cuda")
    mlp = MLP(4, 2, (8,), norm="layer").to(device)
    assert mlp(torch.randn(3, 4, device=device)).device.type == "cuda"
    enc = ConvEncoder((3, 32, 32), features_dim=8).to(device)
    pixels = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8, device=device)
    assert enc(pixels).shape == (2, 8)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"activation": "tanh", "init": "orthogonal"},
        {"activation": "relu", "residual": True, "norm": "layer", "init": "kaiming"},
    ],
)
def test_mlp_learns_xor_beyond_chance(kwargs):
    seed_everything(0)
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([0.0, 1.0, 1.0, 0.0])
    net = MLP(2, 1, (16, 16), **kwargs)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(300):
        loss = nn.functional.binary_cross_entropy_with_logits(net(x).squeeze(-1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert float(loss.detach()) < 0.05  # chance level is log(2) = 0.69
    assert torch.equal((net(x).squeeze(-1) > 0).float(), y)


def test_conv_encoder_learns_to_tell_bright_from_dark_images():
    seed_everything(0)
    enc = ConvEncoder((1, 8, 8), features_dim=16, hidden_sizes=(8,))
    head = nn.Linear(enc.out_features, 1)
    optimizer = torch.optim.Adam([*enc.parameters(), *head.parameters()], lr=3e-3)
    labels = torch.randint(0, 2, (64,)).float()
    pixels = (torch.rand(64, 1, 8, 8) * 128 + labels.view(-1, 1, 1, 1) * 127).to(torch.uint8)
    for _ in range(60):
        loss = nn.functional.binary_cross_entropy_with_logits(head(enc(pixels)).squeeze(-1), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    accuracy = float(((head(enc(pixels)).squeeze(-1) > 0).float() == labels).float().mean())
    assert accuracy > 0.95
