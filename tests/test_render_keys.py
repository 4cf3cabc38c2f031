"""Keyboard maps of rlgan-watch play=true and the action names of its panel."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pygame
import pytest

from rlgan.common.errors import ConfigError
from rlgan.render.keys import action_names, key_control

L, R, U, D = pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN


def test_pursuit_arrows_map_to_screen_directions():
    env = gym.make("rlgan/Pursuit-v0", render_mode="rgb_array")
    env.reset(seed=0)
    control = key_control("rlgan/Pursuit-v0", env.action_space)
    core = env.unwrapped.core
    for held, (dx, dy) in [({R}, (1, 0)), ({U}, (0, 1)), ({D, L}, (-1, -1)), (set(), (0, 0))]:
        action = control.action([], held)
        before = core.agent.copy()
        env.step(action)
        moved = np.sign(np.round(core.agent - before, 6))[0]
        assert tuple(moved) == (dx, dy), (held, action)  # world y grows north, drawn up
    env.close()


def test_pursuit_up_arrow_moves_the_agent_up_on_screen():
    env = gym.make("rlgan/Pursuit-v0", render_mode="rgb_array")
    env.reset(seed=0)
    up = key_control("rlgan/Pursuit-v0", env.action_space).action([], {U})

    def agent_row(frame: np.ndarray) -> float:
        blue = (frame[:, :, 2] > 180) & (frame[:, :, 0] < 100)
        return float(np.nonzero(blue)[0].mean())

    before = agent_row(env.render())
    for _ in range(5):
        env.step(up)
    assert agent_row(env.render()) < before - 5  # image rows grow downward
    assert action_names("rlgan/Pursuit-v0", env.action_space)[up] == "up"
    env.close()


def test_turn_based_and_held_key_games():
    maze = key_control("rlgan/Maze-v0", gym.spaces.Discrete(4))
    assert maze.action([], {R}) is None  # waits for a key press
    assert [maze.action([k], set()) for k in (U, R, D, L)] == [0, 1, 2, 3]
    cart = key_control("CartPole-v1", gym.spaces.Discrete(2))
    assert cart.action([], set()) is None
    assert (cart.action([], {L}), cart.action([], {R})) == (0, 1)
    car = key_control("MountainCar-v0", gym.spaces.Discrete(3))
    assert (car.action([], set()), car.action([], {L}), car.action([], {R})) == (1, 0, 2)
    other = key_control("FrozenLake-v1", gym.spaces.Discrete(4))
    assert other.action([pygame.K_3], set()) == 3 and other.action([pygame.K_7], set()) is None


def test_unplayable_action_space_is_a_clear_error():
    with pytest.raises(ConfigError, match="Pendulum-v1.*no keyboard mapping.*Box"):
        key_control("Pendulum-v1", gym.spaces.Box(-2, 2, (1,)))


def test_action_names():
    assert action_names("CartPole-v1", gym.spaces.Discrete(2)) == ["left", "right"]
    assert action_names("rlgan/Pursuit-v0", gym.spaces.Discrete(9))[3] == "up"
    assert action_names("Unknown-v0", gym.spaces.Discrete(3)) == ["0", "1", "2"]
    assert action_names("Pendulum-v1", gym.spaces.Box(-2, 2, (1,))) == ["a[0]"]
