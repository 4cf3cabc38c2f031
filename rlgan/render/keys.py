"""Keyboard control for ``rlgan-watch play=true``: which keys drive which environment.

An environment that carries its own key map is asked for it (on ``env.unwrapped``), in the
convention of Gymnasium's ``gymnasium.utils.play``:

- ``get_keys_to_action()``: key combinations (tuples of pygame key codes, or characters)
  -> action;
- ``play_noop`` (ours, optional): the action when no mapped key is held, for real-time play
  (Gymnasium's ``noop``, default 0); ``None`` makes the game turn based (one step per press);
- ``action_names`` (ours, optional): names of the discrete actions, for the side panel.

rlgan's own environments (``rlgan/Pursuit-v0``, ``rlgan/Maze-v0``) carry all three
(docs/envs.md). For third-party environments without a map, :data:`FALLBACK_KEYS` has one:

================  ==========================================  =========================
environment       keys                                        pacing
================  ==========================================  =========================
CartPole-v1       left / right arrow                          steps while a key is held
MountainCar-v0    left / right arrow                          real time (no key: coast)
Acrobot-v1        left / right arrow (torque -1 / +1)         real time (no key: 0)
other Discrete(n) digit keys 0-9: one step per press          turn based
================  ==========================================  =========================
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pygame
from gymnasium import spaces

from rlgan.common.errors import ConfigError

#: Action names for the panel of ``rlgan-watch``, by environment id, for environments that do
#: not name their actions themselves (``action_names`` or ``get_action_meanings()``).
ACTION_NAMES: dict[str, tuple[str, ...]] = {
    "CartPole-v0": ("left", "right"),
    "CartPole-v1": ("left", "right"),
    "MountainCar-v0": ("left", "none", "right"),
    "Acrobot-v1": ("torque -1", "torque 0", "torque +1"),
}

#: A key map: sorted tuples of pygame key codes -> action.
KeyMap = dict[tuple[int, ...], Any]


@dataclass(frozen=True)
class FallbackKeys:
    """A key map for a third-party environment id prefix (Discrete action spaces only)."""

    keys: Mapping[tuple[int, ...], int]
    noop: int | None  # action with no key held; None: step only while a key is held
    help: str


#: Key maps of third-party environments, by id prefix.
FALLBACK_KEYS: dict[str, FallbackKeys] = {
    "CartPole-v": FallbackKeys(
        {(pygame.K_LEFT,): 0, (pygame.K_RIGHT,): 1, (pygame.K_LEFT, pygame.K_RIGHT): 0},
        None,
        "hold left/right arrow to push the cart",
    ),
    "MountainCar-v": FallbackKeys(
        {(pygame.K_LEFT,): 0, (pygame.K_RIGHT,): 2, (pygame.K_LEFT, pygame.K_RIGHT): 0},
        1,
        "left/right arrow push, no key: coast",
    ),
    "Acrobot-v": FallbackKeys(
        {(pygame.K_LEFT,): 0, (pygame.K_RIGHT,): 2, (pygame.K_LEFT, pygame.K_RIGHT): 0},
        1,
        "left/right arrow: torque -1/+1, no key: 0",
    ),
}

_DIGITS = tuple(getattr(pygame, f"K_{d}") for d in range(10))
_ARROWS = {pygame.K_UP: "up", pygame.K_DOWN: "down", pygame.K_LEFT: "left", pygame.K_RIGHT: "right"}


def action_names(env_id: str | None, action_space: spaces.Space, env: Any = None) -> list[str]:
    """Names for the actions: the env's own, the fallback table's, or the indices."""
    count = (
        int(action_space.n)
        if isinstance(action_space, spaces.Discrete)
        else int(np.prod(action_space.shape or (1,)))
    )
    unwrapped = getattr(env, "unwrapped", None)
    getter = getattr(unwrapped, "get_action_meanings", None)
    for names in (
        getattr(unwrapped, "action_names", None),
        getter() if callable(getter) else None,
        ACTION_NAMES.get(env_id or ""),
    ):
        if names is not None and len(names) == count:
            return [str(name) for name in names]
    if isinstance(action_space, spaces.Discrete):
        return [str(i) for i in range(count)]
    return [f"a[{i}]" for i in range(count)]


def normalize_key_map(keys_to_action: Mapping[Any, Any]) -> KeyMap:
    """Gymnasium's key-map forms (code tuples, character tuples, strings) -> sorted codes."""
    normal: KeyMap = {}
    for combo, action in keys_to_action.items():
        parts = (combo,) if isinstance(combo, int) else combo
        codes = tuple(sorted(ord(k) if isinstance(k, str) else int(k) for k in parts))
        if not codes:
            raise ValueError("a key map cannot bind the empty key combination (use play_noop)")
        normal[codes] = action
    return normal


@dataclass
class KeyControl:
    """Maps keys to actions for one environment.

    Real time (``noop`` set, ``turn_based`` False): every frame steps with the action of the
    mapped keys held, else ``noop``. Held (``noop`` None): steps only while a mapped
    combination is held. Turn based: one step per key press.
    """

    env_id: str
    action_space: spaces.Space
    help: str
    keys_to_action: KeyMap
    noop: Any = None
    turn_based: bool = False

    @property
    def real_time(self) -> bool:
        """True when the game moves on without a key (``noop`` set, not turn based)."""
        return not self.turn_based and self.noop is not None

    @property
    def keys(self) -> frozenset[int]:
        """Every key code that appears in the map (the keys to watch)."""
        return frozenset(code for combo in self.keys_to_action for code in combo)

    def action(self, pressed: Sequence[int], held: Collection[int]) -> Any | None:
        """The action for this frame, or None to wait."""
        if self.turn_based:
            return next(
                (self.keys_to_action[(key,)] for key in pressed if (key,) in self.keys_to_action),
                None,
            )
        combo = tuple(sorted(key for key in held if key in self.keys))
        return self.keys_to_action.get(combo, self.noop) if combo else self.noop


def _describe(keys_to_action: KeyMap, names: list[str], noop: Any, turn_based: bool) -> str:
    """A one-line help for an environment's own key map."""
    singles = [combo[0] for combo in keys_to_action if len(combo) == 1]
    labels = [_ARROWS.get(code) or pygame.key.name(code) or str(code) for code in singles]
    text = "arrows" if set(singles) == set(_ARROWS) else "/".join(labels)
    if any(len(combo) > 1 for combo in keys_to_action):
        text += " (combine keys)"
    if turn_based:
        return f"{text}: one move per press"
    discrete = isinstance(noop, int | np.integer) and 0 <= noop < len(names)
    idle = names[int(noop)] if discrete else "no action"
    return f"{text}, no key: {idle}"


def env_key_control(env_id: str, env: Any) -> KeyControl | None:
    """The control from the env's own ``get_keys_to_action()`` (None when it has none)."""
    unwrapped = getattr(env, "unwrapped", env)
    getter = getattr(unwrapped, "get_keys_to_action", None)
    if not callable(getter):
        return None
    space = env.action_space
    keys_to_action = normalize_key_map(getter())
    bad = [action for action in keys_to_action.values() if not space.contains(action)]
    noop = getattr(unwrapped, "play_noop", 0)
    if bad or (noop is not None and not space.contains(noop)):
        raise ConfigError(
            f"Invalid env.id={env_id!r} with play=true: its key map binds actions "
            f"outside its action space {space} ({(bad or [noop])[0]!r})."
        )
    names = action_names(env_id, space, env)
    turn_based = noop is None
    return KeyControl(
        env_id,
        space,
        _describe(keys_to_action, names, noop, turn_based),
        keys_to_action,
        noop,
        turn_based,
    )


def key_control(env_id: str, action_space: spaces.Space, env: Any = None) -> KeyControl:
    """The keyboard control for ``env`` (its own map) or ``env_id``; ConfigError if none."""
    if env is not None:
        control = env_key_control(env_id, env)
        if control is not None:
            return control
    if isinstance(action_space, spaces.Discrete):
        for prefix, fallback in FALLBACK_KEYS.items():
            if env_id.startswith(prefix):
                return KeyControl(
                    env_id,
                    action_space,
                    fallback.help,
                    normalize_key_map(fallback.keys),
                    fallback.noop,
                )
        if action_space.n <= 10:
            digits = {(_DIGITS[i],): i for i in range(int(action_space.n))}
            return KeyControl(
                env_id,
                action_space,
                f"digit keys 0-{action_space.n - 1}: one step per press",
                digits,
                turn_based=True,
            )
    raise ConfigError(
        f"Invalid env.id={env_id!r} with play=true: there is no keyboard mapping for its action "
        f"space {action_space}. Playable: rlgan/Pursuit-v0, rlgan/Maze-v0, CartPole-v1, "
        "MountainCar-v0, Acrobot-v1, any environment with get_keys_to_action() and any "
        "with at most 10 discrete actions (digit keys). Drop play=true to watch a random "
        "agent instead."
    )
