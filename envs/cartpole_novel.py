"""``rlgan/CartPoleNoVel-v1``: Gymnasium's CartPole with the two velocities hidden.

The dynamics, rewards and episode end are CartPole-v1's (Gymnasium's ``CartPoleEnv``); only
the observation changes, as in RL Baselines3 Zoo's ``CartPoleNoVel``: the agent sees where the
cart and the pole are, not how fast they move. A single observation then does not determine
the state, so a memoryless policy must guess the velocities; a recurrent policy
(``algo=recurrent_ppo``) or a stack of recent observations (``env.frame_stack``) can infer them
from consecutive positions. docs/rl.md compares the three.

## Action space
``Discrete(2)``: push the cart left (0) or right (1), as in CartPole.

## Observation space
``Box(2,)`` float32: cart position (-4.8 .. 4.8) and pole angle (-0.418 .. 0.418 rad).

## Rewards and episode end
As CartPole-v1: +1 per step; terminated when the pole leans more than 12 degrees or the cart
leaves the track, truncated after 500 steps (the registered ``max_episode_steps``).

:class:`CartPoleNoVelVectorEnv` is the native vector version: Gymnasium's batched
``CartPoleVectorEnv`` inside, the same two columns out, and ``reset(options={"reset_mask":
mask})`` to reset a subset (``metadata["reset_mask"]``), which rlgan's SB3 adapter uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.envs.classic_control.cartpole import CartPoleEnv, CartPoleVectorEnv
from gymnasium.vector import VectorEnv
from gymnasium.vector.utils import batch_space

#: the columns of CartPole's observation that stay visible: cart position and pole angle
VISIBLE = (0, 2)


def visible_space(space: spaces.Box) -> spaces.Box:
    """CartPole's observation space cut down to the :data:`VISIBLE` columns."""
    columns = list(VISIBLE)
    return spaces.Box(space.low[columns], space.high[columns], dtype=np.float32)


class CartPoleNoVelEnv(CartPoleEnv):
    """CartPole-v1 observing only the cart position and the pole angle (see the module)."""

    def __init__(self, render_mode: str | None = None) -> None:
        super().__init__(render_mode=render_mode)
        self.observation_space = visible_space(self.observation_space)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """CartPole's step, with the velocities dropped from the observation."""
        obs, reward, terminated, truncated, info = super().step(action)
        return obs[list(VISIBLE)], reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """CartPole's reset, with the velocities dropped from the observation."""
        obs, info = super().reset(seed=seed, options=options)
        return obs[list(VISIBLE)], info


class CartPoleNoVelVectorEnv(VectorEnv):
    """``num_envs`` CartPoles stepped in one array operation, velocities hidden.

    Args:
        num_envs: how many sub-environments.
        max_episode_steps: steps before truncation (CartPole-v1: 500).
        render_mode: as Gymnasium's ``CartPoleVectorEnv``.

    """

    metadata = {**CartPoleVectorEnv.metadata, "reset_mask": True}

    def __init__(
        self, num_envs: int = 1, max_episode_steps: int = 500, render_mode: str | None = None
    ) -> None:
        self.inner = CartPoleVectorEnv(
            num_envs=num_envs, max_episode_steps=max_episode_steps, render_mode=render_mode
        )
        self.num_envs = num_envs
        self.render_mode = render_mode
        self.single_action_space = self.inner.single_action_space
        self.action_space = self.inner.action_space
        self.single_observation_space = visible_space(self.inner.single_observation_space)
        self.observation_space = batch_space(self.single_observation_space, num_envs)

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every sub-environment (next-step autoreset, as Gymnasium's CartPole)."""
        obs, reward, terminated, truncated, info = self.inner.step(actions)
        return obs[:, list(VISIBLE)], reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every sub-environment, or only the masked ones (``options["reset_mask"]``)."""
        mask = None if options is None else options.get("reset_mask")
        if mask is None:
            obs, info = self.inner.reset(seed=seed, options=options)
            return obs[:, list(VISIBLE)], info
        mask = np.asarray(mask, dtype=bool)
        inner = self.inner
        inner.state[:, mask] = inner.np_random.uniform(
            low=inner.low, high=inner.high, size=(4, int(mask.sum()))
        )
        inner.steps[mask] = 0
        inner.prev_done[mask] = False
        return inner.state.T[:, list(VISIBLE)].astype(np.float32), {}

    def render(self) -> Any:
        """Render as Gymnasium's ``CartPoleVectorEnv`` does."""
        return self.inner.render()

    def close_extras(self, **kwargs: Any) -> None:
        """Close the batched CartPole inside."""
        self.inner.close()
