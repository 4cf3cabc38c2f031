"""A run's generator and discriminator, built with :mod:`rlgan.nets` from ``cfg.model``.

``conf/model/<name>.yaml`` names one factory below with ``_target_`` and ``_partial_: true``;
the runner completes the call with the data's shape (``(2,)`` or ``(C, H, W)``):

- :func:`mlp_pair`: :class:`~rlgan.nets.MLPGenerator` / :class:`~rlgan.nets.MLPDiscriminator`;
  on image data they work on flattened images and the generator ends with ``tanh``.
- :func:`dcgan_pair`: :class:`~rlgan.nets.DCGANGenerator` /
  :class:`~rlgan.nets.DCGANDiscriminator` (square images of the sizes in
  :data:`rlgan.nets.DCGAN_IMAGE_SIZES`).

A new model is one factory with this signature and one yaml file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from torch import nn

from rlgan.common.errors import ConfigError, invalid_choice, require, require_int


class GanPair(NamedTuple):
    """A generator and its discriminator (unpacks as ``generator, discriminator``)."""

    generator: nn.Module
    discriminator: nn.Module


def _z_dim(z_dim: Any) -> int:
    """``model.z_dim`` checked as a positive integer."""
    require_int("model.z_dim", z_dim, 1, meaning="latent dimensions")
    return int(z_dim)


def mlp_pair(
    shape: Sequence[int],
    *,
    name: str = "mlp",
    z_dim: int = 2,
    g_hidden: Sequence[int] = (128, 128, 128),
    d_hidden: Sequence[int] = (128, 128, 128),
    g_activation: str = "relu",
    d_activation: str = "leaky_relu",
    spectral_norm: bool = False,
) -> GanPair:
    """MLP generator and discriminator for data of ``shape`` (images are flattened).

    ``name`` is the option's name (unused here; it is recorded in ``metrics.json``).
    """
    from rlgan import nets

    shape = tuple(int(s) for s in shape)
    image = len(shape) == 3
    gen = nets.MLPGenerator(
        _z_dim(z_dim),
        shape,
        hidden_sizes=list(g_hidden),
        activation=g_activation,
        output_activation="tanh" if image else None,
    )
    disc = nets.MLPDiscriminator(
        shape,
        hidden_sizes=list(d_hidden),
        activation=d_activation,
        spectral_norm=bool(spectral_norm),
    )
    return GanPair(gen, disc)


def dcgan_pair(
    shape: Sequence[int],
    *,
    name: str = "dcgan",
    z_dim: int = 32,
    base_channels: int = 64,
    g_norm: str | None = "batch",
    d_norm: str | None = None,
    spectral_norm: bool = False,
    g_extra_layers: int = 0,
    d_extra_layers: int = 0,
    g_upsample: str = "transposed",
) -> GanPair:
    """DCGAN generator and discriminator for square images of ``shape`` ``(C, H, W)``.

    ``g_extra_layers`` / ``d_extra_layers``: 3x3 convolutions at the image resolution (see
    :class:`~rlgan.nets.DCGANGenerator`), the depth small images need; ``g_upsample``:
    ``transposed`` (4x4 stride-2 transposed convolutions) or ``nearest`` (nearest-neighbour
    upsampling and a 3x3 convolution).
    """
    from rlgan import nets
    from rlgan.nets.gan import UPSAMPLING

    shape = tuple(int(s) for s in shape)
    require(
        len(shape) == 3,
        f"Invalid model={name} for vector data of shape {list(shape)}: "
        "DCGAN needs images; use model=mlp for 2-D data.",
    )
    require_int("model.base_channels", base_channels, 1, meaning="DCGAN channel width")
    for knob, value in (("g_extra_layers", g_extra_layers), ("d_extra_layers", d_extra_layers)):
        require_int(f"model.{knob}", value, 0, meaning="3x3 convolutions at the image resolution")
    if g_upsample not in UPSAMPLING:
        raise invalid_choice("model.g_upsample", g_upsample, UPSAMPLING)
    latent = _z_dim(z_dim)
    try:
        gen = nets.DCGANGenerator(
            latent,
            image_shape=shape,
            base_channels=int(base_channels),
            norm=g_norm,
            extra_layers=g_extra_layers,
            upsample=g_upsample,
        )
        disc = nets.DCGANDiscriminator(
            shape,
            base_channels=int(base_channels),
            spectral_norm=bool(spectral_norm),
            norm=d_norm,
            extra_layers=d_extra_layers,
        )
    except ConfigError as err:
        raise ConfigError(
            f"model={name} cannot be built for the images of data "
            f"(shape {list(shape)}); set data.image_size to a supported size. "
            f"{err}"
        ) from None
    return GanPair(gen, disc)


def build_models(cfg: Mapping[str, Any], shape: Sequence[int]) -> GanPair:
    """Instantiate ``cfg`` (a ``conf/model`` node) for data of ``shape``."""
    from rlgan.gan.building import build_object

    return build_object(cfg, "model", GanPair, tuple(shape))
