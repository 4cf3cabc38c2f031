"""Keyboard control for ``rlgan-watch play=true``: which keys drive which environment.

A :class:`KeyControl` turns this frame's key presses (``pressed``, key-down events) and the
keys held down (``held``) into an action, or ``None`` for "do not step this frame":

================  ==========================================  =========================
environment       keys                                        pacing
================  ==========================================  =========================
rlgan/Pursuit-v0  arrows (two at once for diagonals)          real time (no key: stay)
rlgan/Maze-v0     arrows: one move per key press              turn based
CartPole-v1       left / right arrow                          steps while a key is held
MountainCar-v0    left / right arrow                          real time (no key: coast)
Acrobot-v1        left / right arrow (torque -1 / +1)         real time (no key: 0)
other Discrete(n) digit keys 0-9: one step per press          turn based
================  ==========================================  =========================
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pygame
from gymnasium import spaces

from rlgan.common.errors import ConfigError

#: Human-readable action names for the panel of ``rlgan-watch``, by environment id.
ACTION_NAMES: dict[str, tuple[str, ...]] = {
    "CartPole-v0": ("left", "right"),
    "CartPole-v1": ("left", "right"),
    "MountainCar-v0": ("left", "none", "right"),
    "Acrobot-v1": ("torque -1", "torque 0", "torque +1"),
    "rlgan/Maze-v0": ("up", "right", "down", "left"),
    # Pursuit renders north up: its actions 1..8 head E, NE, N, NW, W, SW, S, SE.
    "rlgan/Pursuit-v0": ("stay", "right", "up-right", "up", "up-left", "left",
                         "down-left", "down", "down-right"),
}

#: Pursuit's discrete actions by world heading (x right, y up: north is up on screen).
PURSUIT_HEADINGS: dict[tuple[int, int], int] = {
    (0, 0): 0, (1, 0): 1, (1, 1): 2, (0, 1): 3, (-1, 1): 4,
    (-1, 0): 5, (-1, -1): 6, (0, -1): 7, (1, -1): 8,
}

_DIGITS = {getattr(pygame, f"K_{d}"): d for d in range(10)}


def action_names(env_id: str | None, action_space: spaces.Space, env: Any = None
                 ) -> list[str]:
    """Names for the actions of a Discrete space (the env's own, ours, or the indices)."""
    count = int(action_space.n) if isinstance(action_space, spaces.Discrete) else \
        int(np.prod(action_space.shape or (1,)))
    getter = getattr(getattr(env, "unwrapped", None), "get_action_meanings", None)
    if callable(getter):
        names = [str(n) for n in getter()]
        if len(names) == count:
            return names
    names = list(ACTION_NAMES.get(env_id or "", ()))
    if len(names) == count:
        return names
    if isinstance(action_space, spaces.Discrete):
        return [str(i) for i in range(count)]
    return [f"a[{i}]" for i in range(count)]


def _arrows(held: Collection[int]) -> tuple[int, int]:
    """The (dx, dy) heading of the arrow keys held (x right, y up, as Pursuit's world)."""
    dx = int(pygame.K_RIGHT in held) - int(pygame.K_LEFT in held)
    dy = int(pygame.K_UP in held) - int(pygame.K_DOWN in held)
    return dx, dy


@dataclass
class KeyControl:
    """Maps keys to actions for one environment (see the module docstring)."""

    env_id: str
    action_space: spaces.Space
    help: str

    def action(self, pressed: Sequence[int], held: Collection[int]) -> Any | None:
        """The action for this frame, or None to wait."""
        env = self.env_id
        if env == "rlgan/Pursuit-v0":
            dx, dy = _arrows(held)
            if isinstance(self.action_space, spaces.Box):
                return np.array([dx, dy], dtype=self.action_space.dtype)
            return PURSUIT_HEADINGS[(dx, dy)]
        if env == "rlgan/Maze-v0":
            moves = {pygame.K_UP: 0, pygame.K_RIGHT: 1, pygame.K_DOWN: 2, pygame.K_LEFT: 3}
            return next((moves[k] for k in pressed if k in moves), None)
        if env.startswith("CartPole"):
            if pygame.K_LEFT in held:
                return 0
            return 1 if pygame.K_RIGHT in held else None
        if env.startswith("MountainCar-v") or env.startswith("Acrobot-v"):
            return 0 if pygame.K_LEFT in held else 2 if pygame.K_RIGHT in held else 1
        return next((_DIGITS[k] for k in pressed
                     if k in _DIGITS and _DIGITS[k] < self.action_space.n), None)


def key_control(env_id: str, action_space: spaces.Space) -> KeyControl:
    """The keyboard control for ``env_id``; a ConfigError when it cannot be played."""
    helps = {
        "rlgan/Pursuit-v0": "arrows move (two for diagonals), no key: stay",
        "rlgan/Maze-v0": "arrows: one move per press",
        "CartPole": "hold left/right arrow to push the cart",
        "MountainCar-v": "left/right arrow push, no key: coast",
        "Acrobot-v": "left/right arrow: torque -1/+1, no key: 0",
    }
    for prefix, text in helps.items():
        if env_id.startswith(prefix):
            if prefix == "rlgan/Pursuit-v0" and isinstance(action_space, spaces.Box):
                return KeyControl(env_id, action_space, text)
            if isinstance(action_space, spaces.Discrete):
                return KeyControl(env_id, action_space, text)
    if isinstance(action_space, spaces.Discrete) and action_space.n <= 10:
        return KeyControl(env_id, action_space,
                          f"digit keys 0-{action_space.n - 1}: one step per press")
    raise ConfigError(
        f"Invalid env={env_id!r} with play=true: there is no keyboard mapping for its action "
        f"space {action_space}. Playable: rlgan/Pursuit-v0, rlgan/Maze-v0, CartPole-v1, "
        "MountainCar-v0, Acrobot-v1 and any environment with at most 10 discrete actions "
        "(digit keys). Drop play=true to watch a random agent instead.")
