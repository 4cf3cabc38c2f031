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

    def decide(self, obs: Any, deterministic: bool) -> Decision:
        """A random action; the panel shows the uniform probabilities of Discrete spaces."""
        action = self.action_space.sample()
        if isinstance(self.action_space, spaces.Discrete):
            n = int(self.action_space.n)
            return Decision(action, np.full(n, 1.0 / n), "probabilities")
        return Decision(action)


class PolicyAgent:
    """A trained SB3 model; reads its action distribution or Q-values for the panel."""

    def __init__(self, model: Any, label: str = "trained agent") -> None:
        self.model = model
        self.label = label

    def decide(self, obs: Any, deterministic: bool) -> Decision:
        """The model's action (``deterministic`` or sampled) and its values."""
        action, _ = self.model.predict(obs, deterministic=deterministic)
        if isinstance(self.model.action_space, spaces.Discrete):
            action = int(np.asarray(action).item())
        values, kind = self._values(obs)
        if values is None and isinstance(self.model.action_space, spaces.Box):
            values, kind = np.asarray(action, dtype=np.float64).ravel(), "action"
        return Decision(action, values, kind)

    def _values(self, obs: Any) -> tuple[np.ndarray | None, str]:
        """Action probabilities or Q-values for ``obs`` (None when the policy has neither)."""
        policy = self.model.policy
        with torch.no_grad():
            obs_tensor, _ = policy.obs_to_tensor(obs)
            if hasattr(policy, "q_net"):
                return policy.q_net(obs_tensor)[0].cpu().numpy(), "Q-values"
            if hasattr(policy, "quantile_net"):
                quantiles = policy.quantile_net(obs_tensor)  # (batch, n_quantiles, actions)
                return quantiles.mean(dim=1)[0].cpu().numpy(), "Q-values"
            if hasattr(policy, "get_distribution") and isinstance(
                self.model.action_space, spaces.Discrete
            ):
                dist = policy.get_distribution(obs_tensor).distribution
                return dist.probs[0].cpu().numpy(), "probabilities"
        return None, ""
