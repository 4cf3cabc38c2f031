"""The team-view SB3 VecEnv over the batched pursuit arena: its transitions, step by step."""

from __future__ import annotations

import numpy as np
import pytest
from rlgan.envs.pursuit_arena import TEAMS as ENV_TEAMS
from rlgan.envs.pursuit_arena import PursuitArenaVector

from rlgan.arena.policies import RandomPolicy
from rlgan.arena.schedule import TEAMS
from rlgan.arena.team_env import TeamVecEnv
from rlgan.rl.run_logger import silent_logger

#: A small, fast arena where games end within 12 steps and catches are frequent.
KNOBS = {
    "num_pursuers": 3,
    "num_evaders": 2,
    "arena_size": 5.0,
    "catch_radius": 1.2,
    "pursuer_speed": 2.0,
    "max_episode_steps": 12,
    "num_obstacles": 1,
}


class Recorder:
    """A rival policy that plays random actions and records what it was shown."""

    def __init__(self, action_space, seed: int = 0) -> None:
        self.inner = RandomPolicy(action_space, seed)
        self.seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def act(self, obs: np.ndarray, episode_start: np.ndarray) -> np.ndarray:
        actions = self.inner.act(obs, episode_start)
        self.seen.append((obs.copy(), np.asarray(episode_start).copy(), actions))
        return actions


def _pair(team: str, n_arenas: int = 4, seed: int = 5) -> tuple[TeamVecEnv, PursuitArenaVector]:
    """The team env and an identical raw arena batch to step beside it."""
    arena = PursuitArenaVector(n_arenas, **KNOBS)
    env = TeamVecEnv(arena, team, Recorder(arena.action_space, 1), seed=seed)
    raw = PursuitArenaVector(n_arenas, **KNOBS)
    raw.reset(seed=seed)
    return env, raw


def test_team_order_matches_the_env() -> None:
    assert TEAMS == ENV_TEAMS


@pytest.mark.parametrize("team", ["red", "blue"])
def test_transitions_match_the_raw_arena_until_and_across_a_game_end(team: str) -> None:
    env, raw = _pair(team)
    rival = "blue" if team == "red" else "red"
    n, m = KNOBS["num_pursuers"], KNOBS["num_evaders"]
    if team == "blue":
        n, m = m, n
    assert env.num_envs == 4 * n and env.observation_space == raw.observation_space
    obs = env.reset()
    raw_obs, _ = raw.reset(seed=5)
    np.testing.assert_array_equal(obs, raw_obs[team].reshape(4 * n, -1))
    mine = RandomPolicy(env.action_space, 2)
    returns = np.zeros(4 * n)
    for t in range(40):
        actions = mine.act(obs, np.zeros(len(obs), bool))
        obs, rewards, dones, infos = env.step(actions)
        rival_obs, starts, rival_actions = env.opponent.seen[-1]
        # The rival saw its team's rows of the previous observation, marked new at t = 0.
        np.testing.assert_array_equal(rival_obs, raw_obs[rival].reshape(4 * m, -1))
        assert starts.all() == (t == 0) and starts.shape == (4 * m,)
        raw_obs, raw_rewards, terminated, _, info = raw.step(
            {team: actions.reshape(4, n), rival: rival_actions.reshape(4, m)}
        )
        np.testing.assert_allclose(rewards, raw_rewards[team].reshape(-1))
        np.testing.assert_array_equal(dones, np.repeat(terminated, n))
        assert [i["active"] for i in infos] == info["active"][team].reshape(-1).tolist()
        returns += rewards
        if not terminated.any():
            np.testing.assert_array_equal(obs, raw_obs[team].reshape(4 * n, -1))
            continue
        # Same-step autoreset: the last observation in the info, a new game in obs.
        for i in np.flatnonzero(dones):
            arena = i // n
            np.testing.assert_array_equal(
                infos[i]["terminal_observation"], raw_obs[team][arena, i % n]
            )
            assert infos[i]["winner"] == TEAMS[info["winner"][arena]]
            assert infos[i]["is_success"] == (infos[i]["winner"] == team)
            assert infos[i]["episode"]["r"] == pytest.approx(returns[i], abs=1e-5)
            assert infos[i]["episode"]["l"] == t + 1
        # The raw arena restarts finished games on its next step: the same new games.
        raw_next, _, _, _, _ = raw.step(
            {team: np.zeros((4, n), np.int64), rival: np.zeros((4, m), np.int64)}
        )
        ended = np.flatnonzero(terminated)
        np.testing.assert_array_equal(obs.reshape(4, n, -1)[ended], raw_next[team][ended])
        env.step(mine.act(obs, np.zeros(len(obs), bool)))
        assert env.opponent.seen[-1][1].reshape(4, m)[ended].all()  # new games: memory reset
        break
    else:
        pytest.fail("no game ended within 40 steps")


def test_caught_evaders_are_masked_until_their_game_ends() -> None:
    env, _ = _pair("blue", n_arenas=8, seed=11)
    obs = env.reset()
    mine = RandomPolicy(env.action_space, 3)
    masked_steps = 0
    masked: set[int] = set()
    for _ in range(60):
        obs, rewards, dones, infos = env.step(mine.act(obs, np.zeros(len(obs), bool)))
        for i, info in enumerate(infos):
            if dones[i]:
                masked.discard(i)
                continue
            if i in masked:  # caught on an earlier step of this game
                assert not info["active"] and rewards[i] == 0.0 and not obs[i].any()
                masked_steps += 1
            if not info["active"]:
                masked.add(i)
    assert masked_steps > 0, "no evader was caught while its teammate played on"


def test_set_opponent_swaps_the_rival_and_resets_its_memory() -> None:
    env, _ = _pair("red")
    env.reset()
    env.step(np.zeros(env.num_envs, np.int64))
    other = Recorder(env.action_space, 9)
    env.set_opponent(other)
    env.step(np.zeros(env.num_envs, np.int64))
    assert len(other.seen) == 1 and other.seen[0][1].all()


def test_ppo_learns_on_the_team_env_with_episode_statistics() -> None:
    from stable_baselines3 import PPO

    env, _ = _pair("red", n_arenas=2)
    model = PPO("MlpPolicy", env, n_steps=16, batch_size=48, n_epochs=1, seed=0)
    model.set_logger(silent_logger())  # plain SB3 would leave an empty /tmp/SB3-* folder
    model.learn(total_timesteps=6 * 16 * 3)
    assert model.num_timesteps >= 6 * 16 * 3
    assert len(model.ep_info_buffer) > 0 and len(model.ep_success_buffer) > 0
