"""rlgan.nets' recurrent cores: shapes, state carried between calls, resets at episode starts."""

from __future__ import annotations

import pytest
import torch

from rlgan.common.errors import ConfigError
from rlgan.nets import GRUCore, LSTMCore, RecurrentCore, init_recurrent_weights


def _core(cell: str, **kwargs) -> RecurrentCore:
    torch.manual_seed(0)
    return RecurrentCore(3, hidden_size=8, cell=cell, **kwargs)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 2])
def test_shapes_of_sequences_single_steps_and_states(cell: str, layers: int) -> None:
    core = _core(cell, num_layers=layers, norm="layer")
    out, state = core(torch.randn(5, 4, 3))
    assert out.shape == (5, 4, 8) and core.out_features == 8
    h = state[0] if cell == "lstm" else state
    assert h.shape == (layers, 4, 8)
    assert isinstance(state, tuple) == (cell == "lstm")
    step, _ = core(torch.randn(4, 3), state)
    assert step.shape == (4, 8)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_state_carries_between_calls(cell: str) -> None:
    """Running a sequence in one call equals running it step by step with the state passed on."""
    core = _core(cell)
    x = torch.randn(6, 2, 3)
    whole, final = core(x)
    state, steps = None, []
    for t in range(6):
        out, state = core(x[t], state)
        steps.append(out)
    torch.testing.assert_close(torch.stack(steps), whole)
    torch.testing.assert_close(state, final)
    fresh, _ = core(x[3])  # without the state the output differs: memory matters
    assert not torch.allclose(fresh, whole[3])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_episode_start_resets_only_that_sequence(cell: str) -> None:
    core = _core(cell)
    x = torch.randn(6, 2, 3)
    starts = torch.zeros(6, 2)
    starts[3, 1] = 1.0  # sequence 1 starts a new episode at step 3
    out, _ = core(x, episode_starts=starts)
    plain, _ = core(x)
    torch.testing.assert_close(out[:, 0], plain[:, 0])  # sequence 0 untouched
    torch.testing.assert_close(out[:3, 1], plain[:3, 1])
    restarted, _ = core(x[3:, 1:2])  # sequence 1 from step 3, from a zero state
    torch.testing.assert_close(out[3:, 1:2], restarted)
    assert not torch.allclose(out[3:, 1], plain[3:, 1])


def test_a_start_on_the_first_step_clears_the_state_passed_in() -> None:
    core = _core("lstm")
    x = torch.randn(4, 2, 3)
    _, state = core(torch.randn(5, 2, 3))
    first = torch.zeros(4, 2)
    first[0] = 1.0  # both sequences start an episode on the first step
    cleared, _ = core(x, state, episode_starts=first)
    fresh, _ = core(x)
    torch.testing.assert_close(cleared, fresh)
    kept, _ = core(x, state, episode_starts=torch.zeros(4, 2, dtype=torch.bool))
    assert not torch.allclose(kept, fresh)


def test_named_cores_and_gradients() -> None:
    lstm, gru = LSTMCore(3, 5), GRUCore(3, 5)
    assert lstm.cell == "lstm" and isinstance(lstm.rnn, torch.nn.LSTM)
    assert gru.cell == "gru" and isinstance(gru.rnn, torch.nn.GRU)
    out, _ = gru(torch.randn(4, 2, 3), episode_starts=torch.eye(4, 2))
    out.sum().backward()
    assert all(p.grad is not None for p in gru.parameters())


def test_orthogonal_init_is_per_gate_with_an_open_forget_gate() -> None:
    core = LSTMCore(8, 8, init="orthogonal")
    for block in core.rnn.weight_hh_l0.detach().chunk(4):
        torch.testing.assert_close(block @ block.T, torch.eye(8), atol=1e-5, rtol=0)
    bias = core.rnn.bias_ih_l0.detach()
    assert torch.equal(bias[8:16], torch.ones(8)) and not bias[:8].any() and not bias[16:].any()
    assert not core.rnn.bias_hh_l0.detach().any()
    torch.manual_seed(1)
    default = torch.nn.GRU(3, 4)
    torch.manual_seed(1)
    kept = init_recurrent_weights(torch.nn.GRU(3, 4), "default")
    torch.testing.assert_close(kept.weight_ih_l0, default.weight_ih_l0)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"cell": "rnn"}, "Invalid cell='rnn'"),
        ({"norm": "batch"}, "norm='batch'"),
        ({"norm": "group"}, "norm='group'"),
        ({"init": "uniform"}, "init='uniform'"),
        ({"dropout": 0.2}, "num_layers >= 2"),
        ({"hidden_size": 0}, "hidden_size"),
    ],
)
def test_bad_options_raise_one_paragraph_config_errors(kwargs: dict, says: str) -> None:
    with pytest.raises(ConfigError) as info:
        RecurrentCore(3, **kwargs)
    assert says in str(info.value) and "\n" not in str(info.value)


def test_wrong_input_width_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"\(T, B, 3\)"):
        LSTMCore(3, 4)(torch.randn(2, 2, 5))
