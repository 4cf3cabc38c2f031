"""Multi-layer perceptrons: :class:`MLP` and its skip-connection block :class:`ResidualMLPBlock`."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import torch
from torch import nn

from rlgan.common.errors import require
from rlgan.nets.activations import ActivationSpec, activation_gain, make_activation
from rlgan.nets.init import check_init, init_weights
from rlgan.nets.norms import check_norm, make_norm


def check_sizes(knob: str, sizes: Sequence[int] | int | None) -> tuple[int, ...]:
    """Return ``sizes`` as a tuple of positive ints, or raise a one-paragraph ``ConfigError``."""
    if sizes is None:
        return ()
    if isinstance(sizes, Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    values = tuple(sizes)
    ok = all(isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in values)
    values = tuple(int(v) for v in values) if ok else values
    require(
        ok,
        f"Invalid {knob}={list(values)!r}: every size must be a positive integer, "
        "e.g. [64, 64] (an empty list means no hidden layers).",
    )
    return values


def check_dropout(dropout: float) -> float:
    """Return ``dropout`` as a float in [0, 1), or raise a ``ConfigError`` naming it."""
    ok = isinstance(dropout, (int, float)) and not isinstance(dropout, bool)
    require(
        ok and 0.0 <= dropout < 1.0,
        f"Invalid dropout={dropout!r}: it must be a probability in [0, 1), e.g. 0.0 or 0.1.",
    )
    return float(dropout)


def dense_layer(
    in_features: int,
    out_features: int,
    activation: ActivationSpec,
    norm: str | None,
    dropout: float,
) -> nn.Sequential:
    """One hidden layer: ``Linear -> norm (optional) -> activation -> dropout (optional)``."""
    layers: list[nn.Module] = [nn.Linear(in_features, out_features)]
    if norm is not None:
        layers.append(make_norm(norm, out_features))
    layers.append(make_activation(activation))
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class ResidualMLPBlock(nn.Module):
    """A skip-connection block for vectors: ``y = x + body(x)``, width unchanged.

    ``body`` is ``depth`` hidden layers ``Linear -> norm -> activation -> dropout`` of width
    ``features``. The identity path lets gradients reach early layers of deep stacks.
    """

    def __init__(
        self,
        features: int,
        activation: ActivationSpec = "relu",
        norm: str | None = None,
        dropout: float = 0.0,
        depth: int = 2,
    ) -> None:
        super().__init__()
        check_sizes("features", features)
        require(
            isinstance(depth, int) and depth >= 1,
            f"Invalid depth={depth!r}: a residual block needs at least 1 layer.",
        )
        norm = check_norm(norm)
        dropout = check_dropout(dropout)
        self.features = features
        self.body = nn.Sequential(
            *[dense_layer(features, features, activation, norm, dropout) for _ in range(depth)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x + body(x)``."""
        return x + self.body(x)


class MLP(nn.Module):
    """A configurable fully connected network (the building block of every vector model).

    Args:
        in_features: size of the input vectors; inputs with more than two dimensions are
            flattened from dimension 1 on (so images can be fed directly).
        out_features: size of a final linear output layer; ``None`` means no output layer:
            the output is the last hidden layer (as an SB3 features extractor).
        hidden_sizes: widths of the hidden layers, e.g. ``(64, 64)``; may be empty.
        activation: hidden activation name (see :data:`rlgan.nets.ACTIVATIONS`).
        norm: ``None``, ``"batch"`` or ``"layer"``, applied after each hidden linear layer.
        dropout: dropout probability after each hidden activation (0 disables it).
        residual: wrap each hidden layer whose input and output widths match in a skip
            connection (``x + layer(x)``); the first layer projects when widths differ.
        init: ``"default"``, ``"xavier"``, ``"kaiming"`` or ``"orthogonal"``; xavier and
            orthogonal scale hidden layers by the activation's gain, the output layer by 1.
        output_activation: optional activation name after the output layer.

    Attributes:
        out_features: the size of the output vectors.

    """

    def __init__(
        self,
        in_features: int,
        out_features: int | None = None,
        hidden_sizes: Sequence[int] = (64, 64),
        activation: ActivationSpec = "relu",
        norm: str | None = None,
        dropout: float = 0.0,
        residual: bool = False,
        init: str = "default",
        output_activation: ActivationSpec = None,
    ) -> None:
        super().__init__()
        (in_features,) = check_sizes("in_features", in_features)
        if out_features is not None:
            (out_features,) = check_sizes("out_features", out_features)
        hidden = check_sizes("hidden_sizes", hidden_sizes)
        norm = check_norm(norm)
        dropout = check_dropout(dropout)
        init = check_init(init)
        make_activation(activation)  # validate names before building anything
        make_activation(output_activation, knob="output_activation")

        self.in_features = in_features
        self.hidden_sizes = hidden
        self.residual = bool(residual)
        layers: list[nn.Module] = []
        width = in_features
        for size in hidden:
            if self.residual and size == width:
                layers.append(ResidualMLPBlock(size, activation, norm, dropout, depth=1))
            else:
                layers.append(dense_layer(width, size, activation, norm, dropout))
            width = size
        self.hidden = nn.Sequential(*layers)
        init_weights(self.hidden, init, gain=activation_gain(activation))

        self.output: nn.Module = nn.Identity()
        if out_features is not None:
            head = nn.Sequential(nn.Linear(width, out_features))
            init_weights(head, init, gain=1.0)
            if output_activation is not None:
                head.append(make_activation(output_activation, knob="output_activation"))
            self.output = head
            width = out_features
        self.out_features: int = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, in_features)`` (or ``(B, ...)``, flattened) to ``(B, out_features)``."""
        if x.dim() > 2:
            x = x.flatten(1)
        return self.output(self.hidden(x))
