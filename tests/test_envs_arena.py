"""The pursuit arena: PettingZoo API and seed tests, rules, black death, batch equivalence."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test
from rlgan.envs.arena_world import COLOURS, DIRECTIONS
from rlgan.envs.pursuit_arena import TEAMS, PursuitArena, PursuitArenaVector, agent_slots

from rlgan.common.errors import ConfigError

VARIANTS = [
    {},
    {"actions": "continuous", "obs": "partial", "sensing_radius": 2.0},
    {"num_pursuers": 4, "num_evaders": 2, "num_obstacles": 0, "max_episode_steps": 40},
    {"num_pursuers": 1, "num_evaders": 2, "num_obstacles": 8, "obs": "partial"},
]


@pytest.mark.parametrize("knobs", VARIANTS)
def test_pettingzoo_parallel_api_test_passes(knobs: dict[str, Any]) -> None:
    """PettingZoo's own API test accepts every variant, without warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_api_test(PursuitArena(**knobs), num_cycles=300)


@pytest.mark.parametrize("knobs", VARIANTS[:2])
def test_pettingzoo_seed_test_passes(knobs: dict[str, Any]) -> None:
    """PettingZoo's seed test: two arenas reset with the same seed play identically."""
    parallel_seed_test(lambda: PursuitArena(**knobs), num_cycles=300)


def test_seeds_reproduce_games_and_differ() -> None:
    """reset(seed=s) reproduces the start; another seed gives another arena."""
    env = PursuitArena(num_evaders=2)
    first, _ = env.reset(seed=3)
    env.reset(seed=4)
    again, _ = env.reset(seed=3)
    other, _ = env.reset(seed=4)
    for agent in env.possible_agents:
        np.testing.assert_array_equal(first[agent], again[agent])
    assert not np.array_equal(first["red_0"], other["red_0"])


def test_agents_spaces_and_observation_layout() -> None:
    """Agent names, one shared layout, and features seen from the agent."""
    env = PursuitArena(num_pursuers=2, num_evaders=2, num_obstacles=1)
    obs, infos = env.reset(seed=1)
    assert env.agents == ["red_0", "red_1", "blue_0", "blue_1"]
    dim = 8 + 6 * 3 + 4 * 1
    for agent in env.agents:
        assert env.observation_space(agent).shape == (dim,)
        assert env.action_space(agent).n == 9
        assert obs[agent].dtype == np.float32 and np.all(np.abs(obs[agent]) <= 1.0)
        assert infos[agent] == {"active": True}
    core = env.core
    me, o = core.evaders[0, 0], obs["blue_0"]
    np.testing.assert_allclose(o[:2], me / 10.0 * 2 - 1, rtol=1e-5)
    assert o[4] == 1.0  # all the time is left
    to_goal = core.goal[0] - me
    np.testing.assert_allclose(o[5:7], to_goal / np.linalg.norm(to_goal), rtol=1e-5)
    # first other agent of blue_0 is its teammate blue_1, then red_0
    to_mate = core.evaders[0, 1] - me
    np.testing.assert_allclose(o[8:10], to_mate / np.linalg.norm(to_mate), rtol=1e-5)
    assert o[13] == 1.0  # seen
    to_red = core.pursuers[0, 0] - me
    np.testing.assert_allclose(o[14:16], to_red / np.linalg.norm(to_red), rtol=1e-5)
    assert o[16] == pytest.approx(1 / (1 + np.linalg.norm(to_red) - 0.5), rel=1e-5)


def _place(env: PursuitArena, red: list[list[float]], blue: list[list[float]]) -> None:
    """Put the agents of a reset arena (without obstacles) at given spots."""
    env.core.pursuers[0] = red
    env.core.evaders[0] = blue
    env.core.gap[0] = np.linalg.norm(
        env.core.pursuers[0][:, None] - env.core.evaders[0][None], axis=-1
    ).min(axis=0)
    env.core.goal_dist[0] = np.linalg.norm(env.core.goal[0] - env.core.evaders[0], axis=-1)


def test_black_death_keeps_a_caught_evader_masked_until_the_game_ends() -> None:
    """A caught evader stays in agents with zero obs, zero reward and ignored actions."""
    env = PursuitArena(num_pursuers=1, num_evaders=2, num_obstacles=0)
    env.reset(seed=0)
    env.core.goal[0] = [9.0, 9.0]
    _place(env, [[2.0, 2.0]], [[2.3, 2.0], [8.0, 2.0]])
    obs, rewards, terms, truncs, infos = env.step({"red_0": 0, "blue_0": 0, "blue_1": 0})
    assert not any(terms.values()) and env.agents == env.possible_agents
    assert infos["blue_0"]["active"] is False and infos["blue_1"]["active"] is True
    assert rewards["blue_0"] == rewards["blue_1"] == -rewards["red_0"] < 0  # caught this step
    caught_at = env.core.evaders[0, 0].copy()
    for _ in range(3):
        obs, rewards, terms, _, infos = env.step({"red_0": 1, "blue_0": 3, "blue_1": 0})
        assert np.all(obs["blue_0"] == 0) and rewards["blue_0"] == 0.0
        assert obs["blue_0"].shape == env.observation_space("blue_0").shape
        np.testing.assert_array_equal(env.core.evaders[0, 0], caught_at)  # frozen
        assert rewards["blue_1"] == -rewards["red_0"]
        # the others no longer see it: blue_0 is red_0's first other agent (entries 8..13)
        assert np.all(obs["red_0"][8:14] == 0) and obs["red_0"][19] == 1.0
        assert infos["blue_0"]["active"] is False and "blue_0" in env.agents


def test_red_wins_by_catching_every_evader() -> None:
    """Catching the last evader ends the game for everyone with winner red."""
    env = PursuitArena(num_pursuers=2, num_evaders=1, num_obstacles=0)
    env.reset(seed=0)
    env.core.goal[0] = [9.0, 9.0]
    _place(env, [[5.0, 5.0], [1.0, 1.0]], [[5.4, 5.0]])
    _, rewards, terms, truncs, infos = env.step({})
    assert all(terms.values()) and not any(truncs.values()) and env.agents == []
    assert {info["winner"] for info in infos.values()} == {"red"}
    assert rewards["red_0"] == rewards["red_1"] == pytest.approx(1.0 + 0.5, abs=0.05)
    assert rewards["blue_0"] == -rewards["red_0"]
    assert env.step({}) == ({}, {}, {}, {}, {})


def test_blue_wins_at_the_goal_and_on_surviving_the_time_limit() -> None:
    """An evader in the goal zone wins; so does one still in play at the step limit."""
    env = PursuitArena(num_pursuers=1, num_evaders=1, num_obstacles=0)
    env.reset(seed=0)
    env.core.goal[0] = [5.0, 5.0]
    _place(env, [[1.0, 1.0]], [[5.5, 5.0]])
    _, rewards, terms, _, infos = env.step({"blue_0": 5})  # west, into the goal
    assert terms["blue_0"] and infos["red_0"]["winner"] == "blue"
    assert rewards["blue_0"] > 1.0 and rewards["red_0"] == -rewards["blue_0"]
    env = PursuitArena(num_pursuers=1, num_obstacles=0, max_episode_steps=5)
    env.reset(seed=0)
    for t in range(5):
        _place(env, [[1.0, 1.0]], [[9.0, 1.0]])
        env.core.goal[0] = [9.0, 9.0]
        _, rewards, terms, _, infos = env.step({})
        assert terms["red_0"] == (t == 4)
    assert infos["blue_0"]["winner"] == "blue" and rewards["blue_0"] == pytest.approx(1.0)


def test_partial_view_hides_agents_beyond_the_sensing_radius() -> None:
    """obs=partial zeroes far agents and flags them unseen; near ones read as in full view."""
    full = PursuitArena(num_pursuers=2, num_obstacles=0)
    part = PursuitArena(num_pursuers=2, num_obstacles=0, obs="partial", sensing_radius=3.0)
    seen = []
    for env in (full, part):
        env.reset(seed=0)
        _place(env, [[2.0, 2.0], [8.0, 8.0]], [[3.0, 3.0]])
        obs, *_ = env.step({})
        seen.append(obs["blue_0"])
    near, far = slice(8, 14), slice(14, 20)
    np.testing.assert_array_equal(seen[1][near], seen[0][near])
    assert seen[1][near][-1] == 1.0
    assert np.all(seen[1][far] == 0) and seen[0][far][-1] == 1.0
    np.testing.assert_array_equal(seen[1][:8], seen[0][:8])


def test_continuous_actions_move_at_the_given_heading() -> None:
    """A continuous heading is clipped to [-1, 1], shortened to length 1, and scales the speed."""
    env = PursuitArena(num_pursuers=1, num_obstacles=0, actions="continuous")
    env.reset(seed=0)
    _place(env, [[1.0, 1.0]], [[5.0, 5.0]])
    env.step({"blue_0": np.array([0.5, 0.0], np.float32), "red_0": np.array([3.0, 1.0])})
    np.testing.assert_allclose(env.core.evaders[0, 0], [5.15, 5.0])
    step = 0.3 / np.sqrt(2.0)  # clipped to (1, 1), then shortened to length 1
    np.testing.assert_allclose(env.core.pursuers[0, 0], [1.0 + step, 1.0 + step])


def _chasing_actions(venv: PursuitArenaVector, rng: np.random.Generator) -> dict:
    """Red heads for the nearest evader, blue away from it, a third of the moves random."""
    core = venv.core
    offset = core.evaders[:, None, :, :] - core.pursuers[:, :, None, :]  # (N, R, B, 2)
    dist = np.where(core.alive[:, None, :], np.linalg.norm(offset, axis=-1), np.inf)
    rows = np.arange(venv.num_envs)[:, None]
    red = offset[rows, np.arange(offset.shape[1])[None, :], dist.argmin(axis=2)]
    blue = -offset[rows, dist.argmin(axis=1), np.arange(offset.shape[2])[None, :]]
    actions = {}
    for team, heading in (("red", red), ("blue", blue)):
        shape = heading.shape[:2]
        if core.continuous:
            noise = rng.uniform(-1, 1, (*shape, 2))
            chosen = np.where(rng.random(shape)[..., None] < 0.33, noise, heading)
            actions[team] = chosen.astype(np.float32)
        else:
            greedy = np.argmax(heading @ DIRECTIONS.T, axis=-1)
            actions[team] = np.where(rng.random(shape) < 0.33, rng.integers(0, 9, shape), greedy)
    return actions


EQUIVALENCE = [
    {"max_episode_steps": 30},
    {"num_pursuers": 3, "num_evaders": 2, "actions": "continuous", "obs": "partial"},
    {"num_pursuers": 4, "num_evaders": 2, "num_obstacles": 5, "pursuer_speed": 1.6},
    {"num_pursuers": 1, "num_evaders": 2, "num_obstacles": 8, "max_episode_steps": 40},
]


@pytest.mark.parametrize("knobs", EQUIVALENCE)
def test_batched_arena_equals_single_arenas_bit_for_bit(knobs: dict[str, Any]) -> None:
    """Same seeds and actions: the batch's obs, rewards, ends and masks equal N single arenas'.

    The single arenas run in lockstep with the batch (next-step autoreset done by hand), on
    actions that chase, so that games end by captures, goals and the time limit.
    """
    n, seed, steps = 5, 40, 150
    venv = PursuitArenaVector(n, **knobs)
    singles = [PursuitArena(**knobs) for _ in range(n)]
    names = agent_slots(singles[0].core.p)
    rng = np.random.default_rng(0)
    obs, infos = venv.reset(seed=seed)
    expected = [env.reset(seed=seed + i) for i, env in enumerate(singles)]
    done = np.zeros(n, dtype=bool)
    outcomes: set[Any] = set()
    caught = 0
    for t in range(steps + 1):
        if t:
            actions = _chasing_actions(venv, rng)
            obs, rewards, terms, truncs, infos = venv.step(actions)
            assert not truncs.any()
            expected = []
            for i, env in enumerate(singles):
                if done[i]:
                    expected.append((*env.reset(), None, False))
                    continue
                step = env.step({a: actions[team][i, k] for a, (team, k) in names.items()})
                expected.append((step[0], step[4], step[1], step[2]["red_0"]))
        for i in range(n):
            e_obs, e_infos, *rest = expected[i]
            for agent, (team, k) in names.items():
                np.testing.assert_array_equal(obs[team][i, k], e_obs[agent], f"{t} {i} {agent}")
                assert infos["active"][team][i, k] == e_infos[agent]["active"]
                caught += not e_infos[agent]["active"]
            if t:
                e_rewards, e_done = rest
                for agent, (team, k) in names.items():  # an autoreset step gives reward 0
                    e_reward = 0.0 if e_rewards is None else e_rewards[agent]
                    assert rewards[team][i, k] == np.float32(e_reward)
                assert terms[i] == e_done
                winner = e_infos["red_0"].get("winner")
                assert infos["winner"][i] == (TEAMS.index(winner) if winner else -1)
                outcomes.add(
                    (winner, singles[i].core.elapsed[0] >= singles[i].core.p.max_episode_steps)
                )
                done[i] = e_done
    assert ("red", False) in outcomes, "the rollout should include a capture win"
    assert obs["red"].shape == (n, venv.team_sizes["red"], venv.observation_space.shape[0])
    if knobs.get("num_evaders", 1) > 1:
        assert caught > 0, "the rollout should include a caught evader (black death)"


def test_batched_reset_mask_restarts_only_masked_arenas() -> None:
    """reset(options={"reset_mask": m}) restarts masked arenas and keeps the others."""
    venv = PursuitArenaVector(3)
    venv.reset(seed=1)
    acts = {"red": np.ones((3, 2), np.int64), "blue": np.full((3, 1), 3)}
    moved, *_ = venv.step(acts)
    obs, _ = venv.reset(options={"reset_mask": np.array([False, True, False])})
    np.testing.assert_array_equal(obs["red"][[0, 2]], moved["red"][[0, 2]])
    assert obs["red"][1, 0, 4] == 1.0  # time left: a new game
    with pytest.raises(ConfigError, match="reset_mask"):
        venv.reset(options={"reset_mask": np.ones(2, bool)})


def test_rendering_draws_both_teams_goal_obstacles_and_sensing_rings() -> None:
    """rgb_array frames of single and batched arenas; partial view adds sensing rings."""
    env = PursuitArena(render_mode="rgb_array", obs="partial", num_evaders=2)
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (256, 256, 3) and frame.dtype == np.uint8
    colours = {tuple(c) for c in frame.reshape(-1, 3)}
    for name in ("agent", "goal", "pursuer", "obstacle", "pursuer_sensing", "agent_sensing"):
        assert COLOURS[name] in colours, name
    full = PursuitArena(render_mode="rgb_array")
    full.reset(seed=0)
    assert COLOURS["pursuer_sensing"] not in {tuple(c) for c in full.render().reshape(-1, 3)}
    venv = PursuitArenaVector(2, render_mode="rgb_array")
    venv.reset(seed=0)
    assert venv.render().shape == (2, 256, 256, 3)


def test_human_render_opens_a_window_and_close_releases_it() -> None:
    """render_mode=human draws in a pygame window (SDL dummy driver here)."""
    pygame = pytest.importorskip("pygame")
    env = PursuitArena(render_mode="human")
    env.reset(seed=0)
    env.step({})
    assert pygame.display.get_surface() is not None
    env.close()
    assert env._window is None


def test_arena_renders_with_the_single_envs_one_implementation() -> None:
    """PursuitArena and rlgan's single-agent envs share render() and close(); only the step
    line of the display is the arena's own."""
    from rlgan.envs.batched import CoreEnv

    assert PursuitArena.render is CoreEnv.render and PursuitArena.close is CoreEnv.close
    env = PursuitArena(max_episode_steps=50)
    env.reset(seed=0)
    env.step({})
    assert env.step_text() == "step 1/50"


def test_supersuit_vector_conversion_runs_through_game_ends() -> None:
    """The route the benchmark compares against: shapes stay fixed through captures and resets."""
    ss = pytest.importorskip("supersuit")
    env = PursuitArena(num_pursuers=2, num_evaders=2, max_episode_steps=20)
    venv = ss.concat_vec_envs_v1(
        ss.pettingzoo_env_to_vec_env_v1(env), 2, num_cpus=0, base_class="stable_baselines3"
    )
    obs = venv.reset()
    assert obs.shape == (8, env.observation_space("red_0").shape[0])
    dones = 0
    for _ in range(45):
        obs, rewards, done, _ = venv.step(np.random.default_rng(0).integers(0, 9, 8))
        assert obs.shape[0] == rewards.shape[0] == 8
        dones += done.sum()
    assert dones >= 8
    venv.close()


@pytest.mark.parametrize(
    ("knobs", "name"),
    [
        ({"num_pursuers": 0}, "num_pursuers"),
        ({"num_pursuers": 5}, "num_pursuers"),
        ({"num_evaders": 0}, "num_evaders"),
        ({"num_evaders": 3}, "num_evaders"),
        ({"num_evaders": 1.0}, "num_evaders"),
        ({"obs": "pixels"}, "obs"),
        ({"actions": "box"}, "actions"),
        ({"sensing_radius": 0}, "sensing_radius"),
        ({"max_episode_steps": 0}, "max_episode_steps"),
        ({"pursuer_speed": 3.0}, "pursuer_speed"),
        ({"num_obstacles": 9}, "num_obstacles"),
        ({"catch_reward": -1}, "catch_reward"),
        ({"render_mode": "window"}, "render_mode"),
        ({"num_pursers": 2}, "num_pursers"),
    ],
)
def test_bad_knobs_raise_config_error_naming_the_knob(knobs: dict[str, Any], name: str) -> None:
    """Bad knobs raise a one-paragraph ConfigError naming the knob and what is valid."""
    with pytest.raises(ConfigError, match=name) as caught:
        PursuitArena(**knobs)
    assert (
        "valid" in str(caught.value) or "must" in str(caught.value) or "1 to" in str(caught.value)
    )


def test_bad_batch_arguments_and_unknown_agents_raise_config_errors() -> None:
    """num_envs < 1, a window for the batch, a missing team and an unknown agent are refused."""
    with pytest.raises(ConfigError, match="num_envs"):
        PursuitArenaVector(0)
    with pytest.raises(ConfigError, match="render_mode"):
        PursuitArenaVector(2, render_mode="human")
    venv = PursuitArenaVector(2)
    venv.reset(seed=0)
    with pytest.raises(ConfigError, match="blue"):
        venv.step({"red": np.zeros((2, 2), np.int64)})
    env = PursuitArena()
    env.reset(seed=0)
    with pytest.raises(ConfigError, match="red_7"):
        env.step({"red_7": 0})


@pytest.mark.parametrize("actions", ["discrete", "continuous"])
def test_keyboard_play_uses_pursuits_arrow_map(actions):
    from rlgan.envs.pursuit import PursuitEnv

    arena = PursuitArena(actions=actions)
    single = PursuitEnv(continuous=actions == "continuous")
    keys, same = arena.get_keys_to_action(), single.get_keys_to_action()
    assert len(keys) == 15 and keys.keys() == same.keys()
    for combo, action in keys.items():
        np.testing.assert_array_equal(action, same[combo])
    np.testing.assert_array_equal(arena.play_noop, single.play_noop)


def test_batched_reset_without_a_seed_continues_the_seeded_generators():
    runs = []
    for _ in range(2):
        batch = PursuitArenaVector(num_envs=3)
        first, _ = batch.reset(seed=5)
        second, _ = batch.reset()
        runs.append((first, second))
    np.testing.assert_array_equal(runs[0][1]["red"], runs[1][1]["red"])
    assert not np.array_equal(runs[0][0]["red"], runs[0][1]["red"])
