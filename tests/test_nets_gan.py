"""rlgan.nets GAN bodies: DCGAN generator/discriminator and MLP generator/discriminator."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rlgan.common.errors import ConfigError
from rlgan.nets import (
    DCGAN_IMAGE_SIZES,
    DCGANDiscriminator,
    DCGANGenerator,
    MinibatchStdDev,
    MLPDiscriminator,
    MLPGenerator,
    resolve_device,
    seed_everything,
)


@pytest.mark.parametrize("size", DCGAN_IMAGE_SIZES)
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_shapes_range_and_logits(size, channels):
    gen = DCGANGenerator(8, (channels, size, size), base_channels=8)
    disc = DCGANDiscriminator((channels, size, size), base_channels=8, spectral_norm=True)
    images = gen(torch.randn(3, 8) * 5)
    assert images.shape == (3, channels, size, size)
    assert float(images.detach().abs().max()) <= 1.0
    assert disc(images).shape == (3,)


def test_dcgan_default_widths_follow_dcgan_for_64px():
    gen = DCGANGenerator(100, (3, 64, 64))
    convs = [m for m in gen.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [c.in_channels for c in convs] == [512, 256, 128, 64]
    assert convs[-1].out_channels == 3
    disc = DCGANDiscriminator((3, 64, 64))
    assert [c.out_channels for c in disc.modules() if isinstance(c, nn.Conv2d)] == [
        64,
        128,
        256,
        512,
    ]


@pytest.mark.parametrize("shape", [(1, 20, 20), (3, 32, 16), (1, 128, 128)])
def test_dcgan_unsupported_sizes_name_the_size_and_the_supported_ones(shape):
    for build in (lambda: DCGANGenerator(8, shape), lambda: DCGANDiscriminator(shape)):
        with pytest.raises(ConfigError) as info:
            build()
        message = str(info.value)
        assert str(list(shape)) in message
        assert "28x28" in message and "64x64" in message


@pytest.mark.parametrize("norm", [None, "batch", "layer", "instance"])
def test_dcgan_norms_and_gradients_reach_first_layer(norm):
    gen = DCGANGenerator(4, (1, 28, 28), base_channels=4, norm=norm)
    disc = DCGANDiscriminator((1, 28, 28), base_channels=4, norm=norm)
    disc(gen(torch.randn(4, 4))).mean().backward()
    assert float(gen.project[0].weight.grad.abs().sum()) > 0
    assert float(disc.body[0].weight.grad.abs().sum()) > 0


def test_dcgan_rejects_unknown_norm_and_activation():
    with pytest.raises(ConfigError, match="instance"):
        DCGANGenerator(4, (1, 8, 8), norm="group")
    with pytest.raises(ConfigError, match="leaky_relu"):
        DCGANDiscriminator((1, 8, 8), activation="mish")


def test_dcgan_residual_generator_needs_a_bool_and_two_extra_layers():
    with pytest.raises(ConfigError, match="residual='no': give True or False"):
        DCGANGenerator(4, (1, 8, 8), extra_layers=3, residual="no")
    with pytest.raises(ConfigError, match="residual=True with extra_layers=1"):
        DCGANGenerator(4, (1, 8, 8), extra_layers=1, residual=True)


def test_spectral_norm_bounds_the_largest_singular_value():
    seed_everything(0)
    disc = MLPDiscriminator(2, (32, 32), spectral_norm=True)
    plain = MLPDiscriminator(2, (32, 32), spectral_norm=False)
    for layer in plain.modules():
        if isinstance(layer, nn.Linear):
            nn.init.normal_(layer.weight, std=1.0)
    for _ in range(30):  # power iterations run in training mode
        disc(torch.randn(8, 2))
    normed = [m for m in disc.modules() if isinstance(m, nn.Linear)]
    assert all(hasattr(m, "parametrizations") for m in normed)
    sigmas = [torch.linalg.matrix_norm(m.weight.detach(), ord=2) for m in normed]
    assert all(abs(float(s) - 1.0) < 0.05 for s in sigmas)
    raw = [
        torch.linalg.matrix_norm(m.weight.detach(), ord=2)
        for m in plain.modules()
        if isinstance(m, nn.Linear)
    ]
    assert max(float(s) for s in raw) > 3.0


def test_dcgan_spectral_norm_wraps_every_weight():
    gen = DCGANGenerator(4, (1, 16, 16), base_channels=4, spectral_norm=True)
    weighted = [m for m in gen.modules() if isinstance(m, (nn.Linear, nn.ConvTranspose2d))]
    assert weighted and all(hasattr(m, "parametrizations") for m in weighted)


def test_mlp_generator_vectors_and_shaped_output():
    gen = MLPGenerator(2, 2)
    assert gen(torch.randn(5, 2)).shape == (5, 2)
    shaped = MLPGenerator(16, (1, 8, 8), hidden_sizes=(32,), output_activation="tanh")
    out = shaped(torch.randn(5, 16) * 10)
    assert out.shape == (5, 1, 8, 8) and float(out.detach().abs().max()) <= 1.0


def test_mlp_discriminator_flattens_and_returns_logits():
    disc = MLPDiscriminator((1, 8, 8), hidden_sizes=(16,), dropout=0.2)
    logits = disc(torch.randn(7, 1, 8, 8))
    assert logits.shape == (7,)
    assert any(isinstance(m, nn.LeakyReLU) and m.negative_slope == 0.2 for m in disc.modules())
    logits.sum().backward()
    first = next(m for m in disc.modules() if isinstance(m, nn.Linear))
    assert float(first.weight.grad.abs().sum()) > 0


def test_gan_bodies_reject_bad_sizes():
    with pytest.raises(ConfigError, match="z_dim"):
        MLPGenerator(0, 2)
    with pytest.raises(ConfigError, match="in_features"):
        MLPDiscriminator([])


@pytest.mark.cuda
def test_gan_bodies_run_on_cuda():
    device = resolve_device("cuda")
    gen = DCGANGenerator(8, (1, 28, 28), base_channels=8, spectral_norm=True).to(device)
    disc = DCGANDiscriminator((1, 28, 28), base_channels=8, spectral_norm=True).to(device)
    assert disc(gen(torch.randn(2, 8, device=device))).device.type == "cuda"
    mlp_gen = MLPGenerator(2, 2).to(device)
    assert MLPDiscriminator(2).to(device)(mlp_gen(torch.randn(4, 2, device=device))).shape == (4,)


def test_minibatch_std_appends_each_groups_spread():
    layer = MinibatchStdDev(2)
    x = torch.zeros(4, 3, 2, 2)
    x[0] = 1.0  # images 0 and 2 share a group (i and i + B/group)
    out = layer(x)
    assert out.shape == (4, 4, 2, 2) and torch.equal(out[:, :3], x)
    spread = out[:, 3, 0, 0]
    assert spread[0] == pytest.approx(0.5) and spread[2] == pytest.approx(0.5)
    assert spread[1] == pytest.approx(0.0, abs=1e-3) and spread[3] == pytest.approx(0.0, abs=1e-3)
    assert torch.equal(out[:, 3].amin((1, 2)), out[:, 3].amax((1, 2)))  # constant channel
    assert layer(torch.randn(3, 2, 2, 2)).shape == (3, 3, 2, 2)  # 3 images: groups of 1
    with pytest.raises(ConfigError, match="minibatch_std"):
        MinibatchStdDev(-1)


def test_minibatch_std_matches_the_population_std_of_each_group():
    x = torch.randn(8, 5, 3, 3, generator=torch.Generator().manual_seed(0), requires_grad=True)
    spread = MinibatchStdDev(4)(x)[:, 5, 0, 0]
    grouped = x.reshape(4, 2, 5, 3, 3)
    expected = grouped.var(dim=0, unbiased=False).add(1e-8).sqrt().mean(dim=(1, 2, 3)).repeat(4)
    assert torch.allclose(spread, expected, atol=1e-6)
    (grad,) = torch.autograd.grad(spread.sum(), x)
    (expected_grad,) = torch.autograd.grad(expected.sum(), x)
    assert torch.allclose(grad, expected_grad, atol=1e-6)


def test_dcgan_discriminator_with_minibatch_std_sees_the_batch():
    torch.manual_seed(0)
    disc = DCGANDiscriminator((1, 8, 8), extra_layers=1, minibatch_std=4)
    assert any(isinstance(m, MinibatchStdDev) for m in disc.modules())
    x = torch.randn(8, 1, 8, 8)
    same = x[:1].expand(8, 1, 8, 8)  # no spread: a collapsed batch
    # image 0's logit depends on the other images of its group
    assert not torch.allclose(disc(x)[0], disc(torch.cat([x[:1], same[1:]]))[0])
    conditional = DCGANDiscriminator((3, 8, 8), minibatch_std=4, num_classes=10)
    assert conditional(torch.randn(8, 3, 8, 8), torch.randint(10, (8,))).shape == (8,)
    plain = DCGANDiscriminator((1, 8, 8), extra_layers=1)
    assert not any(isinstance(m, MinibatchStdDev) for m in plain.modules())


@pytest.mark.parametrize("extra_layers", [0, 3])
def test_hardtanh_output_reaches_the_exact_background(extra_layers):
    torch.manual_seed(0)
    kwargs = {"base_channels": 8, "extra_layers": extra_layers}
    soft = DCGANGenerator(8, (1, 8, 8), **kwargs)
    hard = DCGANGenerator(8, (1, 8, 8), output_activation="hardtanh", **kwargs)
    assert isinstance(soft.upsample[-1], nn.Tanh) and isinstance(hard.upsample[-1], nn.Hardtanh)
    hard.load_state_dict(soft.state_dict())  # same weights: only the output differs
    z = torch.randn(64, 8) * 20  # large latents drive many pixels far past the clamp
    images, clamped = soft(z), hard(z)
    assert float(images.detach().abs().max()) < 1.0  # tanh only approaches -1 and 1
    assert float(clamped.detach().abs().max()) == 1.0 and bool((clamped == -1).any())
    inside = clamped.abs() < 1
    pre = torch.atanh(images[inside].clamp(-0.999999, 0.999999))  # the same pre-activations
    assert torch.allclose(clamped[inside], pre, atol=1e-4)
    with pytest.raises(ConfigError, match="output_activation='sigmoid'.*tanh, hardtanh"):
        DCGANGenerator(8, (1, 8, 8), output_activation="sigmoid")
