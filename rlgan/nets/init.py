"""Weight initialisation schemes by name, and spectral normalisation of a whole module."""

from __future__ import annotations

from torch import nn

from rlgan.common.errors import invalid_choice

#: Init names :func:`init_weights` accepts.
INIT_SCHEMES: tuple[str, ...] = ("default", "xavier", "kaiming", "orthogonal")

_WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)


def check_init(scheme: str, knob: str = "init") -> str:
    """Return ``scheme`` lower-cased, or raise a ``ConfigError`` listing :data:`INIT_SCHEMES`."""
    name = str(scheme).strip().lower()
    if name not in INIT_SCHEMES:
        raise invalid_choice(knob, scheme, INIT_SCHEMES)
    return name


def init_weights(module: nn.Module, scheme: str = "default", gain: float = 1.0) -> nn.Module:
    """Re-initialise every linear/conv layer inside ``module`` in place; return ``module``.

    - ``default``: leave PyTorch's own initialisation (Kaiming-uniform with a=sqrt(5)).
    - ``xavier``: Xavier/Glorot uniform with ``gain``; biases zero.
    - ``kaiming``: Kaiming/He normal (fan-in, ReLU); biases zero. ``gain`` is not used.
    - ``orthogonal``: orthogonal matrices scaled by ``gain`` (SB3 uses sqrt(2)); biases zero.

    Norm layers keep weight 1 and bias 0. Layers wrapped by spectral norm are initialised
    through their ``original`` weight.
    """
    name = check_init(scheme)
    if name == "default":
        return module
    for layer in module.modules():
        if not isinstance(layer, _WEIGHTED):
            continue
        weight = layer.parametrizations.weight.original if _has_param(layer) else layer.weight
        if name == "xavier":
            nn.init.xavier_uniform_(weight, gain=gain)
        elif name == "kaiming":
            nn.init.kaiming_normal_(weight, nonlinearity="relu")
        else:
            nn.init.orthogonal_(weight, gain=gain)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
    return module


def _has_param(layer: nn.Module) -> bool:
    """Whether ``layer.weight`` is computed by a parametrization (e.g. spectral norm)."""
    return hasattr(layer, "parametrizations") and "weight" in layer.parametrizations


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Wrap the weight of every linear/conv layer in ``module`` with spectral norm; return it.

    Uses ``torch.nn.utils.parametrizations.spectral_norm`` (one power iteration per forward in
    training mode). Layers already normalised are left alone.
    """
    for layer in list(module.modules()):
        if isinstance(layer, _WEIGHTED) and not _has_param(layer):
            nn.utils.parametrizations.spectral_norm(layer)
    return module
