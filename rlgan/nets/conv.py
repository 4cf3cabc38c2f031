"""Image encoders: :class:`ConvEncoder` (Nature-CNN or small) and :class:`ResidualConvBlock`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral

import torch
from torch import nn

from rlgan.common.errors import invalid_choice, require
from rlgan.nets.activations import ActivationSpec, activation_gain, make_activation
from rlgan.nets.init import check_init, init_weights
from rlgan.nets.mlp import MLP, check_sizes
from rlgan.nets.norms import check_norm, make_norm

#: ``variant`` names of :class:`ConvEncoder`.
CONV_VARIANTS: tuple[str, ...] = ("auto", "nature", "small")
#: Smallest side (pixels) the Nature-CNN stack accepts; ``auto`` picks it from this size on.
NATURE_MIN_SIZE = 36
#: Smallest side (pixels) the small stack accepts.
SMALL_MIN_SIZE = 4
#: Largest side of the feature maps the projection sees: bigger maps are average-pooled down
#: to this grid, so the projection has at most 64 * POOL_GRID**2 * features_dim weights
#: whatever the image size (Nature-CNN's maps at 64 px are 4x4 already: unchanged there).
POOL_GRID = 4

# (out_channels, kernel, stride, padding) per conv layer.
_NATURE = ((32, 8, 4, 0), (64, 4, 2, 0), (64, 3, 1, 0))
#: The small stack's (out_channels, kernel, padding); strides come from :func:`small_strides`.
_SMALL = ((32, 3, 1), (64, 3, 1), (64, 3, 1))


def small_strides(side: int) -> tuple[int, int, int]:
    """Strides of the small stack's three convolutions for images of ``side`` pixels.

    Just enough stride-2 layers (the last ones) to bring the maps down to about
    :data:`POOL_GRID` pixels: 8 px gives (1, 1, 2), 16 px (1, 2, 2), 24-35 px (2, 2, 2). A
    smaller image thus never costs more compute than a larger one, and the early layers keep
    full resolution when the image is small.
    """
    halvings, reach = 0, side
    while reach > POOL_GRID and halvings < len(_SMALL):
        reach = (reach + 1) // 2
        halvings += 1
    return tuple(2 if i >= len(_SMALL) - halvings else 1 for i in range(len(_SMALL)))  # type: ignore[return-value]


def conv_stack(variant: str, side: int) -> tuple[tuple[int, int, int, int], ...]:
    """``(out_channels, kernel, stride, padding)`` per layer of a resolved ``variant``."""
    if variant == "nature":
        return _NATURE
    strides = small_strides(side)
    return tuple(
        (channels, kernel, stride, padding)
        for (channels, kernel, padding), stride in zip(_SMALL, strides, strict=True)
    )


def check_image_shape(in_shape: Sequence[int], knob: str = "in_shape") -> tuple[int, int, int]:
    """Return ``in_shape`` as ``(C, H, W)`` positive ints, or raise a ``ConfigError``."""
    values = tuple(in_shape) if isinstance(in_shape, Iterable) else (in_shape,)
    ok = len(values) == 3 and all(
        isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in values
    )
    values = tuple(int(v) for v in values) if ok else values
    require(
        ok,
        f"Invalid {knob}={list(values)!r}: give a channels-first image shape "
        "[C, H, W] of three positive integers, e.g. [3, 64, 64].",
    )
    return values  # type: ignore[return-value]


def pick_variant(variant: str, height: int, width: int) -> str:
    """Resolve ``auto`` by image size and check the stack fits; return ``nature`` or ``small``."""
    name = str(variant).strip().lower()
    if name not in CONV_VARIANTS:
        raise invalid_choice("variant", variant, CONV_VARIANTS)
    side = min(height, width)
    if name == "auto":
        name = "nature" if side >= NATURE_MIN_SIZE else "small"
    minimum = NATURE_MIN_SIZE if name == "nature" else SMALL_MIN_SIZE
    require(
        side >= minimum,
        f"Invalid image size {height}x{width} for variant={name!r}: it needs at least "
        f"{minimum}x{minimum} pixels (nature: >= {NATURE_MIN_SIZE}, small: >= "
        f"{SMALL_MIN_SIZE}; variant=auto picks by size).",
    )
    return name


def to_float_image(x: torch.Tensor) -> torch.Tensor:
    """Scale uint8 images to [0, 1] floats; pass float images through unchanged."""
    if x.dtype == torch.uint8:
        return x.float().div_(255.0)
    return x.float() if not x.is_floating_point() else x


class ConvEncoder(nn.Module):
    """Encode channels-first images into feature vectors.

    ``variant="nature"`` is the Nature-DQN stack (8x8/4, 4x4/2, 3x3/1 convolutions; for
    images of 36 px and more, typically 64-84 px); ``"small"`` is three 3x3 convolutions
    for 4-35 px images (typically 8-32 px), whose last one, two or three have stride 2 as the
    image needs (:func:`small_strides`: 32 px maps end 4x4); ``"auto"`` picks by the smaller
    side. The flattened maps go through ``Linear -> activation`` to ``features_dim`` and then
    through an optional head :class:`~rlgan.nets.MLP` (``hidden_sizes``; empty means none).
    Maps larger than :data:`POOL_GRID` x :data:`POOL_GRID` are average-pooled to that grid
    first (``nn.AdaptiveAvgPool2d``), so the projection's size is bounded: a 32 px image (small
    stack, 8x8 maps) or a 96 px one (Nature, 8x8) costs no more parameters than 64 px (4x4).

    Inputs may be uint8 (scaled by 1/255) or float (used as they are), shape ``(B, C, H, W)``.
    ``norm`` (``batch``, ``layer``, ``instance`` or ``None``) follows each convolution and
    each head layer (``instance`` applies to convolutions only; the head then uses none).

    Attributes:
        variant: the resolved stack (``nature`` or ``small``).
        grid: the ``(height, width)`` of the feature maps the projection sees.
        out_features: the size of the output vectors.

    """

    def __init__(
        self,
        in_shape: Sequence[int],
        features_dim: int = 512,
        variant: str = "auto",
        activation: ActivationSpec = "relu",
        norm: str | None = None,
        hidden_sizes: Sequence[int] = (),
        dropout: float = 0.0,
        residual: bool = False,
        init: str = "default",
    ) -> None:
        super().__init__()
        channels, height, width = check_image_shape(in_shape)
        (features_dim,) = check_sizes("features_dim", features_dim)
        norm = check_norm(norm, image=True)
        init = check_init(init)
        make_activation(activation)
        self.in_shape = (channels, height, width)
        self.variant = pick_variant(variant, height, width)

        layers: list[nn.Module] = []
        in_channels, out_h, out_w = channels, height, width
        for out_channels, kernel, stride, padding in conv_stack(self.variant, min(height, width)):
            layers.append(nn.Conv2d(in_channels, out_channels, kernel, stride, padding))
            out_h = (out_h + 2 * padding - kernel) // stride + 1
            out_w = (out_w + 2 * padding - kernel) // stride + 1
            if norm is not None:
                layers.append(make_norm(norm, out_channels, image=True))
            layers.append(make_activation(activation))
            in_channels = out_channels
        self.grid = (min(out_h, POOL_GRID), min(out_w, POOL_GRID))
        if self.grid != (out_h, out_w):
            layers.append(nn.AdaptiveAvgPool2d(self.grid))
        layers.append(nn.Flatten())
        self.conv = nn.Sequential(*layers)
        n_flat = in_channels * self.grid[0] * self.grid[1]
        self.project = nn.Sequential(nn.Linear(n_flat, features_dim), make_activation(activation))
        init_weights(self, init, gain=activation_gain(activation))
        self.head = MLP(
            features_dim,
            None,
            hidden_sizes,
            activation,
            norm=None if norm == "instance" else norm,
            dropout=dropout,
            residual=residual,
            init=init,
        )
        self.features_dim = features_dim
        self.out_features: int = self.head.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map images ``(B, C, H, W)`` (uint8 or float) to ``(B, out_features)``."""
        return self.head(self.project(self.conv(to_float_image(x))))


class Residual(nn.Sequential):
    """The given layers with a skip connection around them: ``x + layers(x)``.

    The layers (applied in order, as in :class:`torch.nn.Sequential`) must keep the input's
    shape; :class:`~rlgan.nets.DCGANGenerator` wraps each middle 3x3 convolution with its norm
    and activation in one (``residual=True``).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x`` plus the layers' output."""
        return x + super().forward(x)


class ResidualConvBlock(nn.Module):
    """A skip-connection block for feature maps: ``y = act(x + conv-norm-act-conv-norm(x))``.

    Channels and spatial size are unchanged (``kernel_size`` odd, same padding).
    """

    def __init__(
        self,
        channels: int,
        activation: ActivationSpec = "relu",
        norm: str | None = "batch",
        kernel_size: int = 3,
    ) -> None:
        super().__init__()
        (channels,) = check_sizes("channels", channels)
        require(
            isinstance(kernel_size, int) and kernel_size > 0 and kernel_size % 2 == 1,
            f"Invalid kernel_size={kernel_size!r}: it must be a positive odd integer "
            "(e.g. 3) so the block keeps the spatial size.",
        )
        norm = check_norm(norm, image=True)
        pad = kernel_size // 2
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, kernel_size, padding=pad),
            make_norm(norm, channels, image=True),
            make_activation(activation),
            nn.Conv2d(channels, channels, kernel_size, padding=pad),
            make_norm(norm, channels, image=True),
        )
        self.activation = make_activation(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``act(x + body(x))`` with the same shape as ``x``."""
        return self.activation(x + self.body(x))
