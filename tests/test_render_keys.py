"""Keyboard maps of rlgan-watch play=true (the env's own, else the fallback table) and the
action names of its panel."""

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
    control = key_control("rlgan/Pursuit-v0", env.action_space, env)
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
    up = key_control("rlgan/Pursuit-v0", env.action_space, env).action([], {U})

    def agent_row(frame: np.ndarray) -> float:
        blue = (frame[:, :, 2] > 180) & (frame[:, :, 0] < 100)
        return float(np.nonzero(blue)[0].mean())

    before = agent_row(env.render())
    for _ in range(5):
        env.step(up)
    assert agent_row(env.render()) < before - 5  # image rows grow downward
    assert action_names("rlgan/Pursuit-v0", env.action_space, env)[up] == "up"
    env.close()


def test_turn_based_and_held_key_games():
    env = gym.make("rlgan/Maze-v0")
    maze = key_control("rlgan/Maze-v0", env.action_space, env)
    assert maze.turn_based and maze.action([], {R}) is None  # waits for a key press
    assert [maze.action([k], set()) for k in (U, R, D, L)] == [0, 1, 2, 3]
    assert maze.action([pygame.K_SPACE, D], set()) == 2  # keys outside the map are skipped
    cart = key_control("CartPole-v1", gym.spaces.Discrete(2))
    assert cart.action([], set()) is None
    assert (cart.action([], {L}), cart.action([], {R})) == (0, 1)
    car = key_control("MountainCar-v0", gym.spaces.Discrete(3))
    assert (car.action([], set()), car.action([], {L}), car.action([], {R})) == (1, 0, 2)
    assert car.action([], {L, R, pygame.K_SPACE}) == 0  # as before: left wins, space ignored
    other = key_control("FrozenLake-v1", gym.spaces.Discrete(4))
    assert other.action([pygame.K_3], set()) == 3 and other.action([pygame.K_7], set()) is None


def test_unplayable_action_space_is_a_clear_error():
    with pytest.raises(ConfigError, match="Pendulum-v1.*no keyboard mapping.*Box"):
        key_control("Pendulum-v1", gym.spaces.Box(-2, 2, (1,)))


def test_action_names():
    assert action_names("CartPole-v1", gym.spaces.Discrete(2)) == ["left", "right"]
    pursuit = gym.make("rlgan/Pursuit-v0")
    assert action_names("rlgan/Pursuit-v0", pursuit.action_space, pursuit)[3] == "up"
    maze = gym.make("rlgan/Maze-v0")
    assert action_names("rlgan/Maze-v0", maze.action_space, maze) == ["up", "right", "down", "left"]
    continuous = gym.make("rlgan/Pursuit-v0", continuous=True)
    assert action_names("rlgan/Pursuit-v0", continuous.action_space, continuous) == ["a[0]", "a[1]"]
    assert action_names("Unknown-v0", gym.spaces.Discrete(3)) == ["0", "1", "2"]
    assert action_names("Pendulum-v1", gym.spaces.Box(-2, 2, (1,))) == ["a[0]"]


def test_continuous_pursuit_arrows_give_heading_vectors():
    env = gym.make("rlgan/Pursuit-v0", continuous=True)
    control = key_control("rlgan/Pursuit-v0", env.action_space, env)
    np.testing.assert_array_equal(control.action([], {U, L}), [-1.0, 1.0])
    np.testing.assert_array_equal(control.action([], set()), [0.0, 0.0])  # no key: stay
    assert control.action([], {R}) in env.action_space


class _Lever(gym.Env):
    """A third-party style env with its own key map (characters, Gymnasium's convention)."""

    metadata = {"render_modes": ["rgb_array"]}
    observation_space = gym.spaces.Box(-1, 1, (1,))
    action_space = gym.spaces.Discrete(3)
    action_names = ("idle", "pull", "push")

    def get_keys_to_action(self):
        return {"x": 1, ("c",): 2, "xc": 0}


def test_an_env_with_its_own_key_map_is_asked_first():
    control = key_control("CartPole-v1", gym.spaces.Discrete(3), _Lever())  # id is ignored
    assert control.keys_to_action == {
        (ord("x"),): 1,
        (ord("c"),): 2,
        tuple(sorted((ord("x"), ord("c")))): 0,
    }
    assert not control.turn_based and control.noop == 0  # Gymnasium's defaults
    assert control.action([], {pygame.K_x}) == 1 and control.action([], set()) == 0
    assert control.action([], {pygame.K_x, pygame.K_c}) == 0
    assert "no key: idle" in control.help
    assert action_names("Lever-v0", _Lever.action_space, _Lever()) == ["idle", "pull", "push"]


def test_an_env_key_map_with_invalid_actions_is_refused():
    class Broken(_Lever):
        def get_keys_to_action(self):
            return {"x": 7}

    with pytest.raises(ConfigError, match="outside its action space"):
        key_control("Broken-v0", Broken.action_space, Broken())
