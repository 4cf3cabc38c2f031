"""Our environments carry their own keyboard maps (``gymnasium.utils.play``'s convention)."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pygame
import pytest

ARROWS = (pygame.K_UP, pygame.K_DOWN, pygame.K_LEFT, pygame.K_RIGHT)
CASES = [
    ("rlgan/Pursuit-v0", {}),
    ("rlgan/Pursuit-v0", {"continuous": True}),
    ("rlgan/Maze-v0", {}),
]


def _validate_like_gymnasium_play(env: gym.Env, keys_to_action: dict) -> None:
    """The checks ``gymnasium.utils.play.play`` makes before it plays."""
    for combo, action in keys_to_action.items():
        assert isinstance(combo, tuple) and combo, combo
        assert all(isinstance(key, int) for key in combo), combo
        assert combo == tuple(sorted(combo)), "play looks combinations up sorted"
        assert action in env.action_space, (combo, action)


@pytest.mark.parametrize(("env_id", "kwargs"), CASES)
def test_key_map_is_valid_for_gymnasium_play(env_id: str, kwargs: dict) -> None:
    env = gym.make(env_id, **kwargs)
    unwrapped = env.unwrapped
    keys_to_action = env.get_wrapper_attr("get_keys_to_action")()
    _validate_like_gymnasium_play(env, keys_to_action)
    assert unwrapped.play_noop is None or unwrapped.play_noop in env.action_space
    env.close()


def test_pursuit_map_covers_every_action_and_every_arrow_combination() -> None:
    env = gym.make("rlgan/Pursuit-v0").unwrapped
    keys_to_action = env.get_keys_to_action()
    combos = {tuple(sorted(c)) for n in range(1, 5) for c in itertools.combinations(ARROWS, n)}
    assert set(keys_to_action) == combos  # any arrows held map to an action
    assert set(keys_to_action.values()) | {env.play_noop} == set(range(env.action_space.n))
    names = env.action_names
    assert len(names) == env.action_space.n
    assert names[keys_to_action[(pygame.K_UP,)]] == "up"
    assert names[keys_to_action[tuple(sorted((pygame.K_UP, pygame.K_LEFT)))]] == "up-left"
    assert names[keys_to_action[tuple(sorted((pygame.K_LEFT, pygame.K_RIGHT)))]] == "stay"
    assert names[env.play_noop] == "stay"


def test_continuous_pursuit_map_gives_the_eight_headings() -> None:
    env = gym.make("rlgan/Pursuit-v0", continuous=True).unwrapped
    headings = {tuple(a) for a in env.get_keys_to_action().values()} | {tuple(env.play_noop)}
    assert headings == {(x, y) for x in (-1.0, 0.0, 1.0) for y in (-1.0, 0.0, 1.0)}
    assert env.action_names == ()  # continuous actions have no names


def test_maze_map_is_one_arrow_per_move_and_turn_based() -> None:
    env = gym.make("rlgan/Maze-v0").unwrapped
    keys_to_action = env.get_keys_to_action()
    assert keys_to_action == {
        (pygame.K_UP,): 0,
        (pygame.K_RIGHT,): 1,
        (pygame.K_DOWN,): 2,
        (pygame.K_LEFT,): 3,
    }
    assert env.play_noop is None  # one move per key press
    assert [env.action_names[a] for a in keys_to_action.values()] == ["up", "right", "down", "left"]
    np.testing.assert_array_equal(sorted(keys_to_action.values()), range(env.action_space.n))
