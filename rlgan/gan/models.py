"""Build a run's generator and discriminator from ``cfg.model`` with :mod:`rlgan.nets`.

- ``mlp``: :class:`~rlgan.nets.MLPGenerator` / :class:`~rlgan.nets.MLPDiscriminator`; on
  image data they work on flattened images and the generator ends with ``tanh``.
- ``dcgan``: :class:`~rlgan.nets.DCGANGenerator` / :class:`~rlgan.nets.DCGANDiscriminator`
  (square images of the sizes in :data:`rlgan.nets.DCGAN_IMAGE_SIZES`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from rlgan.common.errors import ConfigError, invalid_choice, require, require_positive

MODEL_NAMES = ("mlp", "dcgan")


def build_models(cfg: Mapping[str, Any], shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module]:
    """Return ``(generator, discriminator)`` for data of ``shape`` (``(2,)`` or ``(C, H, W)``)."""
    from rlgan import nets

    name = str(cfg.get("name"))
    if name not in MODEL_NAMES:
        raise invalid_choice("model", name, MODEL_NAMES)
    z_dim = cfg.get("z_dim")
    require_positive("model.z_dim", z_dim)
    spectral = bool(cfg.get("spectral_norm", False))
    image = len(shape) == 3
    if name == "mlp":
        g_hidden = list(cfg.get("g_hidden", (128, 128, 128)))
        d_hidden = list(cfg.get("d_hidden", (128, 128, 128)))
        gen = nets.MLPGenerator(int(z_dim), tuple(shape), hidden_sizes=g_hidden,
                                activation=cfg.get("g_activation", "relu"),
                                output_activation="tanh" if image else None)
        disc = nets.MLPDiscriminator(tuple(shape), hidden_sizes=d_hidden,
                                     activation=cfg.get("d_activation", "leaky_relu"),
                                     spectral_norm=spectral)
        return gen, disc
    require(image, f"Invalid model=dcgan for vector data of shape {list(shape)}: DCGAN needs "
                   "images; use model=mlp for 2-D data.")
    base = int(cfg.get("base_channels", 64))
    try:
        gen = nets.DCGANGenerator(int(z_dim), image_shape=tuple(shape), base_channels=base,
                                  norm=cfg.get("g_norm", "batch"))
        disc = nets.DCGANDiscriminator(tuple(shape), base_channels=base, spectral_norm=spectral,
                                       norm=cfg.get("d_norm"))
    except ConfigError as err:
        raise ConfigError(f"model=dcgan cannot be built for the images of data "
                          f"(shape {list(shape)}); set data.image_size to a supported size. "
                          f"{err}") from None
    return gen, disc
