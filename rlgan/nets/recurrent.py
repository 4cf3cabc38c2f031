"""Recurrent building blocks: LSTM and GRU cores whose state resets where episodes start.

:class:`RecurrentCore` (and its named forms :class:`LSTMCore`, :class:`GRUCore`) wraps
``torch.nn.LSTM`` / ``torch.nn.GRU`` with the library's conventions: options chosen by name
(``init``, ``norm``), checked with a one-paragraph :class:`~rlgan.common.errors.ConfigError`,
and an ``out_features`` attribute. What it adds for reinforcement learning is the episode
boundary: ``forward(x, state, episode_starts)`` zeroes each sequence's hidden state at the
steps where a new episode starts, so one call can run a rollout that crosses episode ends.

Shapes are time-major, as in ``torch.nn.LSTM`` and sb3-contrib: a sequence is ``(T, B, F)``;
a single step ``(B, F)`` is accepted too and gives ``(B, hidden_size)``. The state is a
tensor ``(num_layers, B, hidden_size)`` for a GRU and a pair ``(h, c)`` of those for an LSTM
(:meth:`RecurrentCore.initial_state` gives zeros).
"""

from __future__ import annotations

import torch
from torch import nn

from rlgan.common.errors import ConfigError, invalid_choice, require
from rlgan.nets.init import check_init
from rlgan.nets.mlp import check_dropout, check_sizes
from rlgan.nets.norms import check_norm, make_norm

#: Cell names :class:`RecurrentCore` accepts.
CELLS: tuple[str, ...] = ("lstm", "gru")
#: Gates per cell: the rows of ``weight_ih`` / ``weight_hh`` are this many blocks.
_GATES = {"lstm": 4, "gru": 3}

#: A recurrent state: ``h`` (GRU) or ``(h, c)`` (LSTM), each ``(num_layers, B, hidden)``.
RecurrentState = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def check_cell(cell: str, knob: str = "cell") -> str:
    """Return ``cell`` lower-cased, or raise a ``ConfigError`` listing :data:`CELLS`."""
    name = str(cell).strip().lower()
    if name not in CELLS:
        raise invalid_choice(knob, cell, CELLS)
    return name


def init_recurrent_weights(
    rnn: nn.LSTM | nn.GRU, scheme: str = "orthogonal", gain: float = 1.0
) -> nn.Module:
    """Re-initialise an ``nn.LSTM`` / ``nn.GRU`` in place, gate by gate; return it.

    ``default`` keeps PyTorch's uniform init. The others initialise each gate's block of the
    input and recurrent matrices on its own (``orthogonal`` scaled by ``gain``, ``xavier``
    uniform scaled by ``gain``, ``kaiming`` normal), set biases to zero and, for an LSTM, the
    forget gate's input bias to 1 (it starts out remembering).
    """
    name = check_init(scheme)
    if name == "default":
        return rnn
    gates = _GATES["lstm" if isinstance(rnn, nn.LSTM) else "gru"]
    for param_name, param in rnn.named_parameters():
        if param_name.startswith("weight"):
            for block in param.data.chunk(gates, dim=0):
                if name == "orthogonal":
                    nn.init.orthogonal_(block, gain=gain)
                elif name == "xavier":
                    nn.init.xavier_uniform_(block, gain=gain)
                else:
                    nn.init.kaiming_normal_(block, nonlinearity="relu")
        elif param_name.startswith("bias"):
            nn.init.zeros_(param.data)
            if gates == 4 and param_name.startswith("bias_ih"):
                size = param.shape[0] // 4
                nn.init.ones_(param.data[size : 2 * size])  # PyTorch's gate order: i, f, g, o
    return rnn


class RecurrentCore(nn.Module):
    """An LSTM or GRU over time-major sequences, reset where episodes start.

    Args:
        in_features: size of each step's input vector.
        hidden_size: size of the hidden state (and of the output).
        num_layers: stacked recurrent layers.
        cell: ``"lstm"`` or ``"gru"``.
        norm: ``None`` or ``"layer"``: a ``LayerNorm`` on the output features (batch
            statistics mix time steps and episodes, so ``batch`` is refused).
        dropout: dropout between stacked layers (needs ``num_layers >= 2``).
        init: ``"default"`` (PyTorch's), ``"orthogonal"``, ``"xavier"`` or ``"kaiming"``,
            applied gate by gate (see :func:`init_recurrent_weights`).

    Attributes:
        out_features: ``hidden_size``, the size of the output vectors.

    """

    def __init__(
        self,
        in_features: int,
        hidden_size: int = 64,
        num_layers: int = 1,
        cell: str = "lstm",
        norm: str | None = None,
        dropout: float = 0.0,
        init: str = "orthogonal",
    ) -> None:
        super().__init__()
        (in_features,) = check_sizes("in_features", in_features)
        (hidden_size,) = check_sizes("hidden_size", hidden_size)
        (num_layers,) = check_sizes("num_layers", num_layers)
        self.cell = check_cell(cell)
        norm = check_norm(norm)
        if norm == "batch":
            raise ConfigError(
                "Invalid norm='batch' for a recurrent core: valid choices are null, layer "
                "(batch statistics would mix time steps and episodes)."
            )
        dropout = check_dropout(dropout)
        require(
            dropout == 0.0 or num_layers >= 2,
            f"Invalid dropout={dropout!r} with num_layers={num_layers}: dropout acts between "
            "stacked layers, so it needs num_layers >= 2 (or dropout=0.0).",
        )
        rnn_class = nn.LSTM if self.cell == "lstm" else nn.GRU
        self.rnn = rnn_class(in_features, hidden_size, num_layers=num_layers, dropout=dropout)
        init_recurrent_weights(self.rnn, check_init(init))
        self.norm = make_norm(norm, hidden_size)
        self.in_features = in_features
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.out_features: int = hidden_size

    def extra_repr(self) -> str:
        """Show the cell type."""
        return f"cell={self.cell!r}"

    def initial_state(
        self, batch_size: int, device: torch.device | str | None = None
    ) -> RecurrentState:
        """A zero state for ``batch_size`` sequences (a pair ``(h, c)`` for an LSTM)."""
        zeros = torch.zeros(self.num_layers, batch_size, self.hidden_size, device=device)
        return (zeros, zeros.clone()) if self.cell == "lstm" else zeros

    def forward(
        self,
        x: torch.Tensor,
        state: RecurrentState | None = None,
        episode_starts: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, RecurrentState]:
        """Run ``x`` from ``state``; return ``(output, new state)``.

        ``x`` is ``(T, B, in_features)`` or one step ``(B, in_features)``; ``state`` is None
        (zeros) or what the previous call returned; ``episode_starts`` is ``(T, B)`` (or
        ``(B,)`` for one step) of 0/1 or bools: where it is 1, that sequence's state is zeroed
        before the step, so nothing carries over from the previous episode. The output is
        ``(T, B, hidden_size)`` (``(B, hidden_size)`` for one step).
        """
        single = x.dim() == 2
        if single:
            x = x.unsqueeze(0)
        require(
            x.dim() == 3 and x.shape[-1] == self.in_features,
            f"Invalid input of shape {tuple(x.shape)}: a recurrent core with in_features="
            f"{self.in_features} takes (T, B, {self.in_features}) or (B, {self.in_features}).",
        )
        steps, batch = x.shape[0], x.shape[1]
        if state is None:
            state = self.initial_state(batch, x.device)
        if episode_starts is None:
            output, state = self.rnn(x, state)
            return self._finish(output, state, single)
        starts = episode_starts.to(device=x.device, dtype=x.dtype).reshape(steps, batch)
        if not starts[1:].any():  # at most the first step starts episodes: one fused call
            output, state = self.rnn(x, _masked(state, starts[0]))
            return self._finish(output, state, single)
        outputs = []
        for t in range(steps):
            out, state = self.rnn(x[t : t + 1], _masked(state, starts[t]))
            outputs.append(out)
        return self._finish(torch.cat(outputs), state, single)

    def _finish(
        self, output: torch.Tensor, state: RecurrentState, single: bool
    ) -> tuple[torch.Tensor, RecurrentState]:
        """Apply the output norm; drop the time axis of a single step."""
        output = self.norm(output)
        return (output[0] if single else output), state


def _masked(state: RecurrentState, starts: torch.Tensor) -> RecurrentState:
    """``state`` with the sequences where ``starts`` is 1 zeroed (``starts`` is ``(B,)``)."""
    keep = (1.0 - starts).view(1, -1, 1)
    if isinstance(state, tuple):
        return (state[0] * keep, state[1] * keep)
    return state * keep


class LSTMCore(RecurrentCore):
    """A :class:`RecurrentCore` with an LSTM cell (state ``(h, c)``)."""

    def __init__(
        self,
        in_features: int,
        hidden_size: int = 64,
        num_layers: int = 1,
        norm: str | None = None,
        dropout: float = 0.0,
        init: str = "orthogonal",
    ) -> None:
        super().__init__(in_features, hidden_size, num_layers, "lstm", norm, dropout, init)


class GRUCore(RecurrentCore):
    """A :class:`RecurrentCore` with a GRU cell (state ``h``)."""

    def __init__(
        self,
        in_features: int,
        hidden_size: int = 64,
        num_layers: int = 1,
        norm: str | None = None,
        dropout: float = 0.0,
        init: str = "orthogonal",
    ) -> None:
        super().__init__(in_features, hidden_size, num_layers, "gru", norm, dropout, init)
