"""Team policies: what acts for every agent of a team, for a whole batch of arenas at once.

A team policy maps the observations of all its agents, one row per agent (``(M, obs_dim)``),
to their actions (``(M,)`` discrete or ``(M, 2)`` continuous). ``episode_start`` (``(M,)``
bool) marks the rows whose game just began, which a recurrent policy needs to reset its
memory. One SB3 policy is shared by all the agents of a team, so a team's agents in ``N``
arenas are ``M = N * n`` rows of one batched call.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from gymnasium import spaces


class TeamPolicy(Protocol):
    """Acts for a batch of agents (see the module docstring)."""

    def act(self, obs: np.ndarray, episode_start: np.ndarray) -> np.ndarray:
        """Actions for ``obs`` (M, obs_dim); ``episode_start`` (M,) marks new games."""
        ...


class ModelPolicy:
    """A frozen SB3 model acting for a team (stochastic by default, as in self-play).

    Recurrent policies (RecurrentPPO) keep their hidden state here, reset where
    ``episode_start`` is True; the batch size must then stay the same from call to call.
    """

    def __init__(self, model: Any, deterministic: bool = False, name: str = "") -> None:
        self.model = model
        self.deterministic = bool(deterministic)
        self.name = name
        self._state: Any = None

    def act(self, obs: np.ndarray, episode_start: np.ndarray) -> np.ndarray:
        """The model's actions for ``obs``."""
        actions, self._state = self.model.predict(
            obs,
            state=self._state,
            episode_start=np.asarray(episode_start, dtype=bool),
            deterministic=self.deterministic,
        )
        return np.asarray(actions)


class RandomPolicy:
    """Uniformly random actions from a team's action space (a floor for the ratings)."""

    def __init__(self, action_space: spaces.Space, seed: int = 0) -> None:
        self.action_space = action_space
        self.rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray, episode_start: np.ndarray) -> np.ndarray:
        """Random actions, one per row of ``obs``."""
        rows = len(obs)
        if isinstance(self.action_space, spaces.Discrete):
            return self.rng.integers(int(self.action_space.n), size=rows)
        low, high = self.action_space.low, self.action_space.high
        return self.rng.uniform(low, high, size=(rows, *self.action_space.shape)).astype(np.float32)
