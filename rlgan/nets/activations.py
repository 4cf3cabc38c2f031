"""Activation functions looked up by name, so configs can say ``activation: elu``."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from rlgan.common.errors import ConfigError, invalid_choice

#: Slope of ``leaky_relu`` for negative inputs when the name gives none (the usual GAN value).
DEFAULT_LEAKY_SLOPE = 0.2

#: Every activation name :func:`make_activation` accepts, mapped to a zero-argument builder.
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(DEFAULT_LEAKY_SLOPE),
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

ActivationSpec = str | type[nn.Module] | None


def _parse_leaky_slope(text: str, spec: str) -> float:
    """Read the slope of a ``leaky_relu:<slope>`` name, or raise a :class:`ConfigError`."""
    try:
        return float(text)
    except ValueError:
        raise ConfigError(
            f"Invalid activation={spec!r}: the slope after 'leaky_relu:' must be a number, "
            "e.g. leaky_relu:0.1."
        ) from None


def make_activation(spec: ActivationSpec, knob: str = "activation") -> nn.Module:
    """Build a fresh activation module from its name.

    ``spec`` is one of :data:`ACTIVATIONS` (case-insensitive; ``None`` means ``identity``),
    ``leaky_relu:<slope>`` for a custom negative slope (``leaky_relu`` alone uses 0.2), or an
    ``nn.Module`` subclass that takes no arguments (as SB3's ``activation_fn``). An unknown
    name raises :class:`~rlgan.common.errors.ConfigError` (a ``ValueError``) listing the
    valid names; ``knob`` is the config key named in that message.
    """
    if spec is None:
        return nn.Identity()
    if isinstance(spec, type) and issubclass(spec, nn.Module):
        return spec()
    if not isinstance(spec, str):
        raise invalid_choice(knob, spec, ACTIVATIONS, hint="Give the name as a string.")
    name = spec.strip().lower()
    if name.startswith("leaky_relu:"):
        return nn.LeakyReLU(_parse_leaky_slope(name.partition(":")[2], spec))
    if name not in ACTIVATIONS:
        raise invalid_choice(
            knob, spec, ACTIVATIONS, hint="leaky_relu also takes a slope, e.g. leaky_relu:0.1."
        )
    return ACTIVATIONS[name]()


def activation_gain(spec: ActivationSpec) -> float:
    """Return the recommended init gain for an activation (``nn.init.calculate_gain``).

    Activations torch has no gain for (elu, gelu, silu, prelu) use the ReLU gain sqrt(2);
    ``selu`` uses 3/4 as torch recommends; ``None``/``identity`` and ``hardtanh`` use 1.
    """
    module = make_activation(spec)
    if isinstance(module, nn.LeakyReLU):
        return nn.init.calculate_gain("leaky_relu", module.negative_slope)
    gains = {
        nn.Tanh: nn.init.calculate_gain("tanh"),
        nn.Hardtanh: 1.0,
        nn.Sigmoid: 1.0,
        nn.Identity: 1.0,
        nn.SELU: nn.init.calculate_gain("selu"),
    }
    return float(gains.get(type(module), nn.init.calculate_gain("relu")))
