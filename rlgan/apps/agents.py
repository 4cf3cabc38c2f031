"""Who picks the actions in ``rlgan-watch``, and what the side panel shows about it.

:meth:`decide` returns a :class:`Decision`: the action, plus the values behind it for the
panel (action probabilities for PPO/A2C, Q-values for DQN/QR-DQN, the action vector for
continuous control).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from gymnasium import spaces

from rlgan.render.panels import BarChart
from rlgan.rl.evaluate import takes_action_masks


@dataclass
class Decision:
    """An action and the per-action values behind it (None when there are none)."""

    action: Any
    values: np.ndarray | None = None
    kind: str = ""  # "probabilities" | "Q-values" | "action"

    def panel(self, names: list[str]) -> BarChart | None:
        """A bar chart of the values with the chosen action highlighted."""
        if self.values is None:
            return None
        values = np.asarray(self.values, dtype=np.float64).ravel()
        highlight = int(self.action) if np.ndim(self.action) == 0 else None
        value_range = (0.0, 1.0) if self.kind == "probabilities" else None
        if self.kind == "action":
            value_range = (-1.0, 1.0) if np.all(np.abs(values) <= 1) else None
        labels = names if len(names) == len(values) else [str(i) for i in range(len(values))]
        return BarChart(
            values, labels, highlight=highlight, title=self.kind, value_range=value_range
        )


class RandomAgent:
    """Uniformly random actions from the action space."""

    label = "random agent"

    def __init__(self, action_space: spaces.Space, seed: int = 0) -> None:
        self.action_space = action_space
        self.action_space.seed(seed)

    def decide(self, obs: Any, deterministic: bool, env: Any = None) -> Decision:
        """A random action; the panel shows the uniform probabilities of Discrete spaces."""
        action = self.action_space.sample()
        if isinstance(self.action_space, spaces.Discrete):
            n = int(self.action_space.n)
            return Decision(action, np.full(n, 1.0 / n), "probabilities")
        return Decision(action)

    def reset(self) -> None:
        """A new episode: a random agent has nothing to forget."""


class PolicyAgent:
    """A trained SB3 model; reads its action distribution or Q-values for the panel.

    Recurrent policies carry their hidden state across steps: the state after an observation
    is kept until :meth:`decide` is called with the next observation (asking again about the
    same observation, e.g. after switching to stochastic actions, recomputes from the same
    state), and :meth:`reset` starts the next episode from a zero state.

    ``pipeline`` (:class:`rlgan.rl.normalization.ObservationPipeline`) turns the env's
    observations into what the model was trained on (normalized, stacked); each new
    observation goes through it once, and :meth:`reset` restarts its stack.
    """

    def __init__(self, model: Any, label: str = "trained agent", pipeline: Any = None) -> None:
        self.model = model
        self.label = label
        self.pipeline = pipeline
        self.masked = takes_action_masks(model)
        self._state: Any = None  # the hidden state before the current observation
        self._episode_start = True
        self._pending: tuple[Any, Any, Any] | None = None  # (obs, its copy, state after it)
        self._seen: tuple[Any, Any, Any] | None = None  # (obs, its copy, the policy's view)
        self._first_view = True

    @property
    def recurrent(self) -> bool:
        """True when the policy carries a hidden state (RecurrentPPO)."""
        return hasattr(self.model.policy, "lstm_hidden_state_shape")

    def reset(self) -> None:
        """Start a new episode: forget the hidden state (and the stacked observations)."""
        self._state, self._episode_start, self._pending = None, True, None
        self._seen, self._first_view = None, True

    def view(self, obs: Any) -> Any:
        """What the model sees of ``obs``: the pipeline's output (computed once per step)."""
        if self.pipeline is None:
            return obs
        seen = self._seen
        if seen is not None and obs is seen[0] and _same(obs, seen[1]):
            return seen[2]
        view = self.pipeline.start(obs) if self._first_view else self.pipeline.step(obs)
        self._first_view = False
        self._seen = (obs, _copy(obs), view)
        return view

    def _advance(self, obs: Any) -> None:
        """Move on to the state after the previous observation when ``obs`` is a new one."""
        if self._pending is None:
            return
        previous, copy, state = self._pending
        if obs is previous and _same(obs, copy):
            return  # the same step asked again
        self._state, self._episode_start, self._pending = state, False, None

    def decide(self, obs: Any, deterministic: bool, env: Any = None) -> Decision:
        """The model's action (``deterministic`` or sampled) and its values.

        ``env`` (the environment ``obs`` came from) supplies the action masks of a maskable
        model; without it such a model acts unmasked.
        """
        self._advance(obs)
        seen = self.view(obs)
        masks = self._masks(env)
        extra = {} if masks is None else {"action_masks": masks}
        starts = np.array([self._episode_start])
        action, state = self.model.predict(
            seen, state=self._state, episode_start=starts, deterministic=deterministic, **extra
        )
        self._pending = (obs, _copy(obs), state)
        if isinstance(self.model.action_space, spaces.Discrete):
            action = int(np.asarray(action).item())
        values, kind = self._values(seen, masks)
        if values is None and isinstance(self.model.action_space, spaces.Box):
            values, kind = np.asarray(action, dtype=np.float64).ravel(), "action"
        return Decision(action, values, kind)

    def _masks(self, env: Any) -> np.ndarray | None:
        """The env's current action masks for a maskable model (None otherwise)."""
        if not self.masked or env is None:
            return None
        try:
            method = env.get_wrapper_attr("action_masks")
        except AttributeError:
            return None
        return np.asarray(method(), dtype=bool)

    def _values(self, obs: Any, masks: np.ndarray | None) -> tuple[np.ndarray | None, str]:
        """Action probabilities or Q-values for ``obs`` (None when the policy has neither)."""
        policy = self.model.policy
        with torch.no_grad():
            obs_tensor, _ = policy.obs_to_tensor(obs)
            if hasattr(policy, "q_net"):
                return policy.q_net(obs_tensor)[0].cpu().numpy(), "Q-values"
            if hasattr(policy, "quantile_net"):
                quantiles = policy.quantile_net(obs_tensor)  # (batch, n_quantiles, actions)
                return quantiles.mean(dim=1)[0].cpu().numpy(), "Q-values"
            if not hasattr(policy, "get_distribution") or not isinstance(
                self.model.action_space, spaces.Discrete
            ):
                return None, ""
            if self.recurrent:
                dist, _ = policy.get_distribution(
                    obs_tensor,
                    self._lstm_states(policy),
                    torch.tensor([float(self._episode_start)]),
                )
            elif self.masked:
                dist = policy.get_distribution(obs_tensor, action_masks=masks)
            else:
                dist = policy.get_distribution(obs_tensor)
            return dist.distribution.probs[0].cpu().numpy(), "probabilities"

    def _lstm_states(self, policy: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """The actor's LSTM state before the current observation, as tensors."""
        if self._state is None:
            zeros = torch.zeros(policy.lstm_hidden_state_shape, device=policy.device)
            return zeros, zeros.clone()
        h, c = self._state
        return (
            torch.as_tensor(h, dtype=torch.float32, device=policy.device),
            torch.as_tensor(c, dtype=torch.float32, device=policy.device),
        )


def _copy(obs: Any) -> Any:
    """A private copy of an observation (arrays and dicts of arrays)."""
    if isinstance(obs, dict):
        return {key: _copy(value) for key, value in obs.items()}
    return np.array(obs, copy=True)


def _same(obs: Any, copy: Any) -> bool:
    """True when ``obs`` still holds the values of ``copy``."""
    if isinstance(obs, dict):
        return isinstance(copy, dict) and all(_same(obs[k], copy[k]) for k in obs)
    return bool(np.array_equal(np.asarray(obs), copy))
