"""Normalisation layers looked up by name (``norm: batch | layer | instance | null``)."""

from __future__ import annotations

from torch import nn

from rlgan.common.errors import invalid_choice

#: Norm names for vector features (:class:`~rlgan.nets.MLP` and its blocks).
NORMS_1D: tuple[str | None, ...] = (None, "batch", "layer")
#: Norm names for feature maps (conv encoders, DCGAN bodies).
NORMS_2D: tuple[str | None, ...] = (None, "batch", "layer", "instance")


def check_norm(norm: str | None, image: bool = False, knob: str = "norm") -> str | None:
    """Return ``norm`` lower-cased (``"none"``/``"null"`` become ``None``) or raise.

    An unknown name raises :class:`~rlgan.common.errors.ConfigError` (a ``ValueError``)
    listing the valid names for vectors (``image=False``) or feature maps (``image=True``).
    """
    choices = NORMS_2D if image else NORMS_1D
    if norm is None:
        return None
    name = str(norm).strip().lower()
    if name in ("none", "null", ""):
        return None
    if name not in choices:
        raise invalid_choice(knob, norm, ["null" if c is None else c for c in choices])
    return name


def make_norm(norm: str | None, num_features: int, image: bool = False) -> nn.Module:
    """Build the named norm for ``num_features`` features/channels (``nn.Identity`` for none).

    Vectors: ``batch`` is ``BatchNorm1d``, ``layer`` is ``LayerNorm``. Feature maps:
    ``batch`` is ``BatchNorm2d``, ``instance`` is an affine ``InstanceNorm2d``, ``layer``
    normalises over channels and space (``GroupNorm`` with one group).
    """
    name = check_norm(norm, image=image)
    if name is None:
        return nn.Identity()
    if not image:
        return nn.BatchNorm1d(num_features) if name == "batch" else nn.LayerNorm(num_features)
    if name == "batch":
        return nn.BatchNorm2d(num_features)
    if name == "instance":
        return nn.InstanceNorm2d(num_features, affine=True)
    return nn.GroupNorm(1, num_features)
