"""GAN bodies: DCGAN generator/discriminator for square images, MLP ones for vectors.

Every body is unconditional by default. With ``num_classes > 0`` it is class-conditional:
the generators embed the label and concatenate the embedding to the noise
(``forward(z, labels)``), and the discriminators condition their last layer on it through a
:class:`ClassConditioning` head (``forward(x, labels)``; ``forward_with_classes`` also returns
the auxiliary classifier's logits of an AC-GAN discriminator). An unconditional body builds
exactly the modules, in the same order, that it built before conditioning existed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from rlgan.common.errors import invalid_choice, require, require_int
from rlgan.nets.activations import ActivationSpec, activation_gain, make_activation
from rlgan.nets.conv import Residual, check_image_shape
from rlgan.nets.init import apply_spectral_norm, check_init, init_weights
from rlgan.nets.mlp import MLP, check_sizes
from rlgan.nets.norms import check_norm, make_norm

#: Square image sizes (H == W) the DCGAN bodies build: a 4x4 or 7x7 seed doubled 1-4 times.
DCGAN_IMAGE_SIZES: tuple[int, ...] = (8, 14, 16, 28, 32, 56, 64)


def _norm(norm: str | None, channels: int) -> list[nn.Module]:
    """The feature-map norm layer for ``norm`` as a list (empty for no norm)."""
    return [] if norm is None else [make_norm(norm, channels, image=True)]


#: How :class:`DCGANGenerator` doubles the image size.
UPSAMPLING: tuple[str, ...] = ("transposed", "nearest")

#: How a class-conditional discriminator uses the label: ``projection`` (Miyato & Koyama
#: 2018) or ``acgan`` (an auxiliary classifier head, Odena et al. 2017).
CONDITIONINGS: tuple[str, ...] = ("projection", "acgan")


def check_num_classes(num_classes: int) -> int:
    """``num_classes`` as an int: 0 (unconditional) or >= 2 (class-conditional); else raise."""
    require_int(
        "num_classes",
        num_classes,
        0,
        meaning="classes of a conditional body (0: unconditional, else at least 2)",
    )
    require(
        num_classes != 1,
        "Invalid num_classes=1: a class-conditional body needs at least 2 classes "
        "(0 builds an unconditional one).",
    )
    return int(num_classes)


def check_conditioning(conditioning: str) -> str:
    """``conditioning`` if it is one of :data:`CONDITIONINGS`, else a ``ConfigError``."""
    if conditioning not in CONDITIONINGS:
        raise invalid_choice("conditioning", conditioning, CONDITIONINGS)
    return str(conditioning)


def default_class_dim(z_dim: int) -> int:
    """Width of a generator's class embedding: ``z_dim``, at least 16."""
    return max(int(z_dim), 16)


def class_embedding(num_classes: int, dim: int) -> nn.Embedding:
    """A generator's label embedding, initialised N(0, 1) (the scale of the noise it joins)."""
    return nn.Embedding(num_classes, dim)


def _with_labels(
    z: torch.Tensor, embed: nn.Embedding | None, labels: torch.Tensor | None
) -> torch.Tensor:
    """``z``, or ``[z, embed(labels)]`` for a conditional generator (labels required)."""
    if embed is None:
        return z
    if labels is None:
        raise ValueError("this generator is class-conditional: call it as generator(z, labels)")
    return torch.cat([z, embed(labels.long())], dim=1)


class ClassConditioning(nn.Module):
    """The class-conditional part of a discriminator's head, on its last features phi(x).

    ``projection`` (Miyato & Koyama 2018): the logit becomes ``psi(phi(x)) + <embed(y),
    phi(x)>``, one learned vector per class; the embedding starts at the scale of a linear
    layer's weights (uniform in +-1/sqrt(features)), so the label term starts small.
    ``acgan`` (Odena et al. 2017): the logit stays ``psi(phi(x))`` and a linear classifier on
    ``phi(x)`` returns class logits for the auxiliary cross-entropy terms of the losses.
    ``spectral_norm`` wraps the embedding or the classifier too.
    """

    def __init__(
        self, features: int, num_classes: int, conditioning: str, spectral_norm: bool = False
    ) -> None:
        super().__init__()
        self.conditioning = check_conditioning(conditioning)
        self.num_classes = check_num_classes(num_classes)
        require(self.num_classes >= 2, "ClassConditioning needs num_classes >= 2.")
        self.embed: nn.Embedding | None = None
        self.classifier: nn.Linear | None = None
        if self.conditioning == "projection":
            self.embed = nn.Embedding(self.num_classes, features)
            bound = 1.0 / math.sqrt(features)
            nn.init.uniform_(self.embed.weight, -bound, bound)
            if spectral_norm:
                nn.utils.parametrizations.spectral_norm(self.embed)
        else:
            self.classifier = nn.Linear(features, self.num_classes)
            if spectral_norm:
                apply_spectral_norm(self.classifier)

    def forward(
        self, features: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(logits, class_logits)``: projected logits and None, or logits and class logits."""
        if self.classifier is not None:
            return logits, self.classifier(features)
        if labels is None:
            raise ValueError(
                "this discriminator is class-conditional: call it as discriminator(x, labels)"
            )
        assert self.embed is not None
        return logits + (self.embed(labels.long()) * features).sum(dim=1), None


def check_extra_layers(extra_layers: int) -> int:
    """``extra_layers`` as an int >= 0, or a ``ConfigError``."""
    require(
        isinstance(extra_layers, int) and not isinstance(extra_layers, bool) and extra_layers >= 0,
        f"Invalid extra_layers={extra_layers!r}: give the number of extra 3x3 convolutions "
        "at the image resolution, an integer >= 0 (0: the plain DCGAN stack).",
    )
    return int(extra_layers)


def dcgan_plan(image_shape: Sequence[int]) -> tuple[int, int, int, int]:
    """Return ``(channels, size, seed_size, n_doublings)`` for a DCGAN image shape, or raise.

    A ``ConfigError`` names the shape and the supported sizes when the image is not square or
    its side is not one of :data:`DCGAN_IMAGE_SIZES`.
    """
    channels, height, width = check_image_shape(image_shape, knob="image_shape")
    supported = ", ".join(f"{s}x{s}" for s in DCGAN_IMAGE_SIZES)
    require(
        height == width and height in DCGAN_IMAGE_SIZES,
        f"Invalid image_shape={[channels, height, width]!r}: the DCGAN bodies build square "
        f"images of {supported} pixels (any number of channels); resize or pad the data "
        "or use MLPGenerator/MLPDiscriminator.",
    )
    seed = 4 if height % 7 else 7
    return channels, height, seed, int(math.log2(height // seed))


class DCGANGenerator(nn.Module):
    """Map noise ``(B, z_dim)`` to images ``(B, C, H, W)`` in [-1, 1] (DCGAN-style).

    A linear layer projects ``z`` to a 4x4 (or 7x7 for 14/28/56 px) map of
    ``base_channels * 2**(k-1)`` channels; ``k`` stride-2 transposed convolutions (4x4
    kernels) double the size while halving the channels, the last one to ``C`` channels and
    ``output_activation``: ``tanh``, or ``hardtanh``, which clamps to [-1, 1] and so can
    reach the exact -1 of a black background that ``tanh`` only approaches. ``norm``
    (``batch``, ``layer``, ``instance``, ``None``) and ``activation`` follow every layer but
    the last; ``spectral_norm`` wraps every weight.

    ``extra_layers > 0`` adds depth at the output resolution (the "extra layers" of the
    original DCGAN code; what small images such as 8x8 digits need, whose plain stack is a
    single transposed convolution): the last transposed convolution keeps
    ``max(width // 2, 1)`` channels, ``extra_layers - 1`` 3x3 convolutions follow, and a
    3x3 convolution maps to ``C`` channels before the output activation.
    ``upsample="nearest"`` doubles the size by nearest-neighbour upsampling and a 3x3
    convolution instead of a transposed convolution (no checkerboard artefacts, Odena et
    al. 2016). ``residual=True`` turns those ``extra_layers - 1`` middle 3x3 convolutions
    into :class:`~rlgan.nets.conv.Residual` blocks (``x + act(norm(conv(x)))``); it needs
    ``extra_layers >= 2``.

    ``num_classes > 0`` makes it class-conditional: a ``class_dim``-wide label embedding
    (default :func:`default_class_dim`) is concatenated to the noise before the projection.
    """

    def __init__(
        self,
        z_dim: int,
        image_shape: tuple[int, int, int],
        base_channels: int = 64,
        norm: str | None = "batch",
        activation: ActivationSpec = "relu",
        spectral_norm: bool = False,
        init: str = "default",
        extra_layers: int = 0,
        upsample: str = "transposed",
        num_classes: int = 0,
        class_dim: int | None = None,
        output_activation: str = "tanh",
        residual: bool = False,
    ) -> None:
        super().__init__()
        (z_dim,) = check_sizes("z_dim", z_dim)
        check_image_output(output_activation)
        num_classes = check_num_classes(num_classes)
        class_dim = (class_dim or default_class_dim(z_dim)) if num_classes else 0
        if upsample not in UPSAMPLING:
            raise invalid_choice("upsample", upsample, UPSAMPLING)
        (base_channels,) = check_sizes("base_channels", base_channels)
        extra_layers = check_extra_layers(extra_layers)
        require(isinstance(residual, bool), f"Invalid residual={residual!r}: give True or False.")
        require(
            not residual or extra_layers >= 2,
            f"Invalid residual={residual!r} with extra_layers={extra_layers}: the residual "
            "blocks are the 3x3 convolutions between the last upsampling and the output layer, "
            "which exist from extra_layers=2 on; set extra_layers >= 2 or residual=False.",
        )
        channels, size, seed, doublings = dcgan_plan(image_shape)
        norm = check_norm(norm, image=True)
        init = check_init(init)
        make_activation(activation)
        self.z_dim = z_dim
        self.num_classes = num_classes
        self.image_shape = (channels, size, size)

        width = base_channels * 2 ** (doublings - 1)
        self.project = nn.Sequential(
            nn.Linear(z_dim + class_dim, width * seed * seed),
            nn.Unflatten(1, (width, seed, seed)),
            *_norm(norm, width),
            make_activation(activation),
        )

        def double(c_in: int, c_out: int) -> list[nn.Module]:
            if upsample == "nearest":
                return [
                    nn.Upsample(scale_factor=2, mode="nearest"),
                    nn.Conv2d(c_in, c_out, 3, 1, 1),
                ]
            return [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1)]

        layers: list[nn.Module] = []
        for _ in range(doublings - 1):
            layers += [
                *double(width, width // 2),
                *_norm(norm, width // 2),
                make_activation(activation),
            ]
            width //= 2
        if extra_layers:
            last = max(width // 2, 1)
            layers += [
                *double(width, last),
                *_norm(norm, last),
                make_activation(activation),
            ]
            for _ in range(extra_layers - 1):
                block = [
                    nn.Conv2d(last, last, 3, 1, 1),
                    *_norm(norm, last),
                    make_activation(activation),
                ]
                layers += [Residual(*block)] if residual else block
            layers += [nn.Conv2d(last, channels, 3, 1, 1), make_activation(output_activation)]
        else:
            layers += [*double(width, channels), make_activation(output_activation)]
        self.upsample = nn.Sequential(*layers)
        init_weights(self, init, gain=activation_gain(activation))
        if spectral_norm:
            apply_spectral_norm(self)
        self.embed = class_embedding(num_classes, class_dim) if num_classes else None

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Return images ``(B, C, H, W)`` in [-1, 1] for noise ``(B, z_dim)`` (and labels)."""
        return self.upsample(self.project(_with_labels(z, self.embed, labels)))


#: Output activations of image generators: both map to [-1, 1], the range of image data.
IMAGE_OUTPUTS = ("tanh", "hardtanh")


def check_image_output(name: str, knob: str = "output_activation") -> str:
    """Return ``name`` if it is one of :data:`IMAGE_OUTPUTS`, or raise a ConfigError."""
    if name not in IMAGE_OUTPUTS:
        raise invalid_choice(knob, name, IMAGE_OUTPUTS)
    return name


def check_minibatch_std(group: int) -> int:
    """Return ``group`` (0: off) or raise a one-paragraph ConfigError."""
    require_int("minibatch_std", group, 0, meaning="group size of the minibatch standard deviation")
    return int(group)


class MinibatchStdDev(nn.Module):
    """Append one channel holding the batch's feature spread (Karras et al., ProGAN, 2018).

    The batch ``(B, C, H, W)`` is split into groups of ``group`` images (the largest group
    size up to ``group`` that divides ``B``; images ``i`` and ``i + B/group`` share a group);
    the standard deviation of every feature over each group, averaged over the features,
    becomes an extra constant channel of that group's images. A discriminator that sees it
    can tell a batch whose images vary too little (or too much) from a real one, which
    pushes the generator to match the data's variety (modes and their balance).
    """

    def __init__(self, group: int = 4) -> None:
        super().__init__()
        self.group = check_minibatch_std(group) or 1

    @staticmethod
    def group_variance(grouped: torch.Tensor) -> torch.Tensor:
        """The population variance of ``grouped`` ``(G, B/G, ...)`` over its first dimension.

        Written out as the mean squared deviation: on a CPU, ``torch.var``'s kernel (forward
        and backward) is several times slower for this reduction over a few images, and a
        discriminator runs the layer three times per iteration
        (``benchmarks/gan_throughput.py --suite minibatch_std``).
        """
        return (grouped - grouped.mean(dim=0)).square().mean(dim=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``(B, C + 1, H, W)``: ``x`` and its group's spread."""
        batch, _, height, width = x.shape
        group = min(self.group, batch)
        while batch % group:
            group -= 1
        grouped = x.reshape(group, batch // group, *x.shape[1:]).float()
        spread = self.group_variance(grouped).add(1e-8).sqrt().mean(dim=(1, 2, 3))
        channel = spread.to(x.dtype).repeat(group).reshape(batch, 1, 1, 1)
        return torch.cat([x, channel.expand(batch, 1, height, width)], dim=1)


class DCGANDiscriminator(nn.Module):
    """Map images ``(B, C, H, W)`` to real/fake logits ``(B,)`` (DCGAN-style).

    Stride-2 4x4 convolutions halve the size down to 4x4 (7x7 for 14/28/56 px) while doubling
    the channels from ``base_channels``; a linear layer gives one logit. ``norm`` follows
    every convolution but the first; ``spectral_norm`` wraps every weight (then ``norm`` is
    usually ``None``). ``extra_layers > 0`` puts that many 3x3 convolutions of
    ``base_channels`` at the input resolution in front of the stride-2 stack (which then
    starts from ``base_channels``).

    ``num_classes > 0`` makes it class-conditional through a :class:`ClassConditioning` head
    (``conditioning``: ``projection`` or ``acgan``) on the flattened last feature map.
    ``minibatch_std > 0`` appends a :class:`MinibatchStdDev` channel (groups of that many
    images) to the last feature map, as StyleGAN's discriminators do.
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        base_channels: int = 64,
        norm: str | None = None,
        activation: ActivationSpec = "leaky_relu",
        spectral_norm: bool = False,
        init: str = "default",
        extra_layers: int = 0,
        num_classes: int = 0,
        conditioning: str = "projection",
        minibatch_std: int = 0,
    ) -> None:
        super().__init__()
        num_classes = check_num_classes(num_classes)
        check_conditioning(conditioning)
        (base_channels,) = check_sizes("base_channels", base_channels)
        extra_layers = check_extra_layers(extra_layers)
        minibatch_std = check_minibatch_std(minibatch_std)
        channels, size, seed, halvings = dcgan_plan(image_shape)
        norm = check_norm(norm, image=True)
        init = check_init(init)
        make_activation(activation)
        self.image_shape = (channels, size, size)

        layers: list[nn.Module] = []
        for i in range(extra_layers):
            layers += [
                nn.Conv2d(channels if i == 0 else base_channels, base_channels, 3, 1, 1),
                *(_norm(norm, base_channels) if i else []),
                make_activation(activation),
            ]
        stem = base_channels if extra_layers else channels
        layers += [nn.Conv2d(stem, base_channels, 4, 2, 1), make_activation(activation)]
        width = base_channels
        for _ in range(halvings - 1):
            layers += [
                nn.Conv2d(width, width * 2, 4, 2, 1),
                *_norm(norm, width * 2),
                make_activation(activation),
            ]
            width *= 2
        if minibatch_std:
            layers.append(MinibatchStdDev(minibatch_std))
        flat = (width + (1 if minibatch_std else 0)) * seed * seed
        layers += [nn.Flatten(), nn.Linear(flat, 1)]
        self.body = nn.Sequential(*layers)
        init_weights(self, init, gain=activation_gain(activation))
        if spectral_norm:
            apply_spectral_norm(self)
        self.num_classes = num_classes
        self.condition = (
            ClassConditioning(flat, num_classes, conditioning, spectral_norm)
            if num_classes
            else None
        )

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Return one logit per image, shape ``(B,)`` (``labels`` when conditional)."""
        if self.condition is None:
            return self.body(x).squeeze(-1)
        return self.forward_with_classes(x, labels)[0]

    def forward_with_classes(
        self, x: torch.Tensor, labels: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(logits, class_logits)``; class logits only from an AC-GAN head (else None)."""
        if self.condition is None:
            return self.forward(x), None
        features = self.body[:-1](x)
        logits = self.body[-1](features).squeeze(-1)
        return self.condition(features, logits, labels)


def _flat_size(knob: str, shape: int | Sequence[int]) -> tuple[int, tuple[int, ...]]:
    """Return ``(product, shape)`` for an int or a shape of positive ints, or raise."""
    dims = check_sizes(knob, shape)
    require(
        len(dims) > 0, f"Invalid {knob}={shape!r}: give a size or a shape, e.g. 2 or [1, 8, 8]."
    )
    return math.prod(dims), dims


class MLPGenerator(nn.Module):
    """Map noise ``(B, z_dim)`` to vectors ``(B, out_features)`` with an :class:`MLP`.

    ``out_features`` may also be a shape (e.g. ``(1, 8, 8)``): the output is reshaped to
    ``(B, *shape)``. ``output_activation`` (e.g. ``tanh`` for data in [-1, 1]) follows the
    output layer; ``None`` leaves it linear (e.g. 2-D mixtures). ``num_classes > 0`` makes it
    class-conditional: a ``class_dim``-wide label embedding (default
    :func:`default_class_dim`) is concatenated to the noise.
    """

    def __init__(
        self,
        z_dim: int,
        out_features: int | Sequence[int],
        hidden_sizes: Sequence[int] = (128, 128, 128),
        activation: ActivationSpec = "relu",
        norm: str | None = None,
        output_activation: ActivationSpec = None,
        dropout: float = 0.0,
        init: str = "default",
        num_classes: int = 0,
        class_dim: int | None = None,
    ) -> None:
        super().__init__()
        (z_dim,) = check_sizes("z_dim", z_dim)
        num_classes = check_num_classes(num_classes)
        class_dim = (class_dim or default_class_dim(z_dim)) if num_classes else 0
        flat, self.out_shape = _flat_size("out_features", out_features)
        self.z_dim = z_dim
        self.num_classes = num_classes
        self.net = MLP(
            z_dim + class_dim,
            flat,
            hidden_sizes,
            activation,
            norm,
            dropout,
            init=init,
            output_activation=output_activation,
        )
        self.embed = class_embedding(num_classes, class_dim) if num_classes else None

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Return samples ``(B, *out_shape)`` for noise ``(B, z_dim)`` (and labels)."""
        return self.net(_with_labels(z, self.embed, labels)).reshape(z.shape[0], *self.out_shape)


class MLPDiscriminator(nn.Module):
    """Map vectors ``(B, in_features)`` (or ``(B, *shape)``, flattened) to logits ``(B,)``.

    An :class:`MLP` with one output; ``spectral_norm`` wraps every linear weight.
    ``num_classes > 0`` makes it class-conditional through a :class:`ClassConditioning` head
    (``conditioning``: ``projection`` or ``acgan``) on the last hidden layer.
    """

    def __init__(
        self,
        in_features: int | Sequence[int],
        hidden_sizes: Sequence[int] = (128, 128, 128),
        activation: ActivationSpec = "leaky_relu",
        spectral_norm: bool = False,
        dropout: float = 0.0,
        norm: str | None = None,
        init: str = "default",
        num_classes: int = 0,
        conditioning: str = "projection",
    ) -> None:
        super().__init__()
        num_classes = check_num_classes(num_classes)
        check_conditioning(conditioning)
        flat, self.in_shape = _flat_size("in_features", in_features)
        self.net = MLP(flat, 1, hidden_sizes, activation, norm, dropout, init=init)
        if spectral_norm:
            apply_spectral_norm(self)
        self.num_classes = num_classes
        features = self.net.hidden_sizes[-1] if self.net.hidden_sizes else flat
        self.condition = (
            ClassConditioning(features, num_classes, conditioning, spectral_norm)
            if num_classes
            else None
        )

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Return one logit per sample, shape ``(B,)`` (``labels`` when conditional)."""
        if self.condition is None:
            return self.net(x.flatten(1)).squeeze(-1)
        return self.forward_with_classes(x, labels)[0]

    def forward_with_classes(
        self, x: torch.Tensor, labels: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(logits, class_logits)``; class logits only from an AC-GAN head (else None)."""
        if self.condition is None:
            return self.forward(x), None
        features = self.net.hidden(x.flatten(1))
        logits = self.net.output(features).squeeze(-1)
        return self.condition(features, logits, labels)
