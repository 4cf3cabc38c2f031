"""Tiny user classes for tests/test_rl_extending.py, named by ``_target_`` as a user's would be.

pytest puts tests/ on ``sys.path``, so ``helpers_extending.<Name>`` is an importable dotted path.
"""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn


class CorridorEnv(gym.Env):
    """Walk right along a corridor of ``length`` cells: +1 at the end, -0.01 per step."""

    metadata = {"render_modes": []}

    def __init__(self, length: int = 4) -> None:
        self.length = int(length)
        self.observation_space = gym.spaces.Box(0.0, 1.0, (2,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.position = 0

    def _obs(self) -> np.ndarray:
        return np.array([self.position / self.length, 1.0], dtype=np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.position = 0
        return self._obs(), {}

    def step(self, action):
        self.position = max(0, self.position + (1 if int(action) == 1 else -1))
        done = self.position >= self.length
        return self._obs(), 1.0 if done else -0.01, done, False, {"is_success": done}


def make_corridor(length: int = 4) -> gym.Env:
    """A factory function (instead of a class) for ``env._target_``."""
    return CorridorEnv(length=length)


class AppendConstant(gym.ObservationWrapper):
    """Append ``value`` to a flat Box observation (changes the observation space)."""

    def __init__(self, env: gym.Env, value: float = 1.0) -> None:
        super().__init__(env)
        self.value = float(value)
        box = env.observation_space
        self.observation_space = gym.spaces.Box(
            np.append(box.low, -np.inf).astype(np.float32),
            np.append(box.high, np.inf).astype(np.float32),
            dtype=np.float32,
        )

    def observation(self, observation):
        return np.append(observation, self.value).astype(np.float32)


class CountSteps(BaseCallback):
    """Count the steps it sees and write ``{"steps": n, "calls": ...}`` to ``path`` at the end."""

    def __init__(self, path: str, tag: str = "count") -> None:
        super().__init__()
        self.path, self.tag, self.steps = Path(path), tag, 0

    def _on_step(self) -> bool:
        self.steps += 1
        return True

    def _on_training_end(self) -> None:
        self.path.write_text(
            json.dumps({"tag": self.tag, "steps": self.steps, "timesteps": int(self.num_timesteps)})
        )


class TinyExtractor(BaseFeaturesExtractor):
    """A features extractor of one linear layer of ``width`` units and a ReLU."""

    def __init__(self, observation_space: gym.Space, width: int = 8) -> None:
        super().__init__(observation_space, width)
        size = int(np.prod(observation_space.shape))
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(size, width), nn.ReLU())

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.body(observations)


class TinyBody(nn.Module):
    """A network following rlgan.nets' convention: ``in_features`` in, ``out_features`` out."""

    def __init__(self, in_features: int, width: int = 8) -> None:
        super().__init__()
        self.out_features = width
        self.layer = nn.Linear(in_features, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.layer(x))


NOT_CALLABLE = 3


class MyPPO(PPO):
    """A user's own algorithm class (here PPO unchanged), added as one ALGOS row + one yaml."""
