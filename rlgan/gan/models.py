"""A run's generator and discriminator, built with :mod:`rlgan.nets` from ``cfg.model``.

``conf/model/<name>.yaml`` names one factory below with ``_target_`` and ``_partial_: true``;
the runner completes the call with the data's shape (``(2,)`` or ``(C, H, W)``):

- :func:`mlp_pair`: :class:`~rlgan.nets.MLPGenerator` / :class:`~rlgan.nets.MLPDiscriminator`;
  on image data they work on flattened images and the generator ends with ``tanh``.
- :func:`dcgan_pair`: :class:`~rlgan.nets.DCGANGenerator` /
  :class:`~rlgan.nets.DCGANDiscriminator` (square images of the sizes in
  :data:`rlgan.nets.DCGAN_IMAGE_SIZES`).

Both take ``conditional`` (``model.conditional``) and ``conditioning``
(``model.conditioning``: ``projection`` or ``acgan``); a class-conditional run also passes
``num_classes`` (the data's classes), and the pair is then built class-conditional
(:mod:`rlgan.nets.gan`: the generator embeds the label, the discriminator has a projection or
an auxiliary-classifier head).

A new model is one factory with this signature and one yaml file (``num_classes`` is passed
only to configs with ``conditional: true``).
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


def check_conditioning(conditional: Any, conditioning: Any) -> bool:
    """Check ``model.conditional`` (a bool) and ``model.conditioning``; return ``conditional``.

    ``model.conditioning`` is checked even when ``model.conditional=false``, so that a typo
    is caught when the key is set, not when the run is later made conditional.
    """
    from rlgan.nets.gan import CONDITIONINGS

    if not isinstance(conditional, bool):
        raise invalid_choice(
            "model.conditional",
            conditional,
            ("true", "false"),
            "true trains a class-conditional GAN (labelled data), false an unconditional one.",
        )
    if conditioning not in CONDITIONINGS:
        raise invalid_choice(
            "model.conditioning",
            conditioning,
            CONDITIONINGS,
            "How a class-conditional discriminator uses the label: projection (Miyato & "
            "Koyama 2018) or acgan (an auxiliary classifier head; cross-entropy terms in both "
            "losses).",
        )
    return conditional


def _classes(conditional: bool, conditioning: str, num_classes: int | None, name: str) -> int:
    """The number of classes the pair is built for (0: unconditional), checked."""
    if not check_conditioning(conditional, conditioning):
        return 0
    require(
        isinstance(num_classes, int) and num_classes >= 2,
        f"Invalid model.conditional=true for model={name}: the data has "
        f"{num_classes or 0} class(es); a class-conditional GAN needs labelled data with at "
        "least 2 classes.",
    )
    return int(num_classes)


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
    conditional: bool = False,
    conditioning: str = "projection",
    num_classes: int | None = None,
) -> GanPair:
    """MLP generator and discriminator for data of ``shape`` (images are flattened).

    ``name`` is the option's name (unused here; it is recorded in ``metrics.json``).
    ``conditional``: build the pair class-conditional for ``num_classes`` classes, the
    discriminator conditioned by ``conditioning``.
    """
    from rlgan import nets

    classes = _classes(conditional, conditioning, num_classes, name)
    shape = tuple(int(s) for s in shape)
    image = len(shape) == 3
    gen = nets.MLPGenerator(
        _z_dim(z_dim),
        shape,
        hidden_sizes=list(g_hidden),
        activation=g_activation,
        output_activation="tanh" if image else None,
        num_classes=classes,
    )
    disc = nets.MLPDiscriminator(
        shape,
        hidden_sizes=list(d_hidden),
        activation=d_activation,
        spectral_norm=bool(spectral_norm),
        num_classes=classes,
        conditioning=conditioning,
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
    d_minibatch_std: int = 0,
    g_output: str = "tanh",
    g_residual: bool = False,
    conditional: bool = False,
    conditioning: str = "projection",
    num_classes: int | None = None,
) -> GanPair:
    """DCGAN generator and discriminator for square images of ``shape`` ``(C, H, W)``.

    ``g_extra_layers`` / ``d_extra_layers``: 3x3 convolutions at the image resolution (see
    :class:`~rlgan.nets.DCGANGenerator`), the depth small images need; ``g_upsample``:
    ``transposed`` (4x4 stride-2 transposed convolutions) or ``nearest`` (nearest-neighbour
    upsampling and a 3x3 convolution); ``d_minibatch_std``: group size of D's minibatch
    standard deviation channel (:class:`~rlgan.nets.MinibatchStdDev`; 0: none);
    ``g_output``: the generator's output activation, ``tanh`` or ``hardtanh`` (clamped to
    [-1, 1]: it can draw the exact black background of digits; docs/gan.md);
    ``g_residual``: the generator's middle 3x3 convolutions as residual blocks (needs
    ``g_extra_layers >= 2``). ``conditional``: build the pair class-conditional for
    ``num_classes`` classes, the discriminator conditioned by ``conditioning``.
    """
    from rlgan import nets
    from rlgan.nets.gan import UPSAMPLING, check_image_output

    classes = _classes(conditional, conditioning, num_classes, name)
    shape = tuple(int(s) for s in shape)
    require(
        len(shape) == 3,
        f"Invalid model={name} for vector data of shape {list(shape)}: "
        "DCGAN needs images; use model=mlp for 2-D data.",
    )
    require_int("model.base_channels", base_channels, 1, meaning="DCGAN channel width")
    for knob, value in (("g_extra_layers", g_extra_layers), ("d_extra_layers", d_extra_layers)):
        require_int(f"model.{knob}", value, 0, meaning="3x3 convolutions at the image resolution")
    require_int(
        "model.d_minibatch_std",
        d_minibatch_std,
        0,
        meaning="images per group of D's minibatch standard deviation (0: none)",
    )
    if g_upsample not in UPSAMPLING:
        raise invalid_choice("model.g_upsample", g_upsample, UPSAMPLING)
    check_image_output(g_output, "model.g_output")  # named as the config key, not wrapped below
    require(
        isinstance(g_residual, bool),
        f"Invalid model.g_residual={g_residual!r}: give true or false.",
    )
    require(
        not g_residual or g_extra_layers >= 2,
        f"Invalid model.g_residual=true with model.g_extra_layers={g_extra_layers}: the "
        "residual blocks are the generator's 3x3 convolutions between its last upsampling and "
        "its output layer, which exist from g_extra_layers=2 on; set model.g_extra_layers>=2 "
        "or model.g_residual=false.",
    )
    latent = _z_dim(z_dim)
    try:
        gen = nets.DCGANGenerator(
            latent,
            image_shape=shape,
            base_channels=int(base_channels),
            norm=g_norm,
            extra_layers=g_extra_layers,
            upsample=g_upsample,
            num_classes=classes,
            output_activation=g_output,
            residual=g_residual,
        )
        disc = nets.DCGANDiscriminator(
            shape,
            base_channels=int(base_channels),
            spectral_norm=bool(spectral_norm),
            norm=d_norm,
            extra_layers=d_extra_layers,
            num_classes=classes,
            conditioning=conditioning,
            minibatch_std=d_minibatch_std,
        )
    except ConfigError as err:
        raise ConfigError(
            f"model={name} cannot be built for the images of data "
            f"(shape {list(shape)}); set data.image_size to a supported size. "
            f"{err}"
        ) from None
    return GanPair(gen, disc)


def build_models(
    cfg: Mapping[str, Any], shape: Sequence[int], num_classes: int | None = None
) -> GanPair:
    """Instantiate ``cfg`` (a ``conf/model`` node) for data of ``shape``.

    A config with ``conditional: true`` is also given ``num_classes`` (the data's classes).
    """
    from rlgan.gan.building import build_object

    extra = {"num_classes": num_classes} if cfg.get("conditional", False) is True else {}
    return build_object(cfg, "model", GanPair, tuple(shape), **extra)


def build_models_for(cfg: Mapping[str, Any], data: Any) -> GanPair:
    """Instantiate ``cfg`` for a built data set: its shape, and its classes when conditional.

    ``data`` is a :class:`~rlgan.gan.data.GanDataSet`; a conditional config on data without
    two or more classes is refused (:func:`rlgan.gan.conditioning.check_conditional_data`).
    """
    from rlgan.gan.conditioning import check_conditional_data, is_conditional

    if not is_conditional(cfg):
        return build_models(cfg, data.shape)
    check_conditional_data(data, str(cfg.get("name", "model")))
    return build_models(cfg, data.shape, data.num_classes)
