"""One team's view of a batch of pursuit arenas, as an SB3 ``VecEnv``.

The learning team's agents are the sub-environments: ``n_arenas * n_team_agents`` of them,
arena-major (sub-env ``a * n + i`` is agent ``i`` of arena ``a``), all driven by the one SB3
policy the team shares. The other team is frozen: its :class:`~rlgan.arena.policies.TeamPolicy`
acts for all its agents of all arenas in one batched call inside :meth:`step_wait`.

Translation of the batched arena's conventions into SB3's:

- **autoreset**: the arena resets a finished game on the *next* step; SB3 wants it reset in
  the step that finished it, with the last observation in ``infos[i]["terminal_observation"]``.
  Finished arenas are therefore restarted at once with ``reset(options={"reset_mask": ...})``;
- **game end**: a game ends for all agents of an arena at once, so each of the arena's
  sub-envs is done on that step; ``infos[i]`` then holds ``episode`` (the agent's return
  and length, SB3's Monitor keys, for ``rollout/ep_rew_mean``), ``is_success`` (the team
  won) and ``winner``;
- **black death**: a caught evader stays a sub-env until its game ends, with zero
  observations and rewards, and its actions are ignored; ``infos[i]["active"]`` says whether
  the agent is still in play.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import (
    VecEnv,
    VecEnvIndices,
    VecEnvObs,
    VecEnvStepReturn,
)

from rlgan.arena.policies import TeamPolicy
from rlgan.arena.schedule import TEAMS, other_team
from rlgan.common.errors import invalid_choice, require


class TeamVecEnv(VecEnv):
    """SB3 ``VecEnv`` of ``team``'s agents in ``arena`` against a frozen ``opponent``.

    ``arena`` is a :class:`rlgan.envs.pursuit_arena.PursuitArenaVector` (or any batch with its
    interface); ``seed`` seeds the first reset (arena ``i`` gets ``seed + i``).
    """

    def __init__(
        self, arena: Any, team: str, opponent: TeamPolicy, seed: int | None = None
    ) -> None:
        if team not in TEAMS:
            raise invalid_choice("team", team, TEAMS)
        self.arena = arena
        self.team = team
        self.rival = other_team(team)
        self.opponent = opponent
        self.n_arenas = int(arena.num_envs)
        self.n_agents = int(arena.team_sizes[team])
        self.n_rivals = int(arena.team_sizes[self.rival])
        self._discrete = isinstance(arena.action_space, gym.spaces.Discrete)
        self._obs: dict[str, np.ndarray] | None = None
        self._actions: np.ndarray | None = None
        self._rival_start = np.ones(self.n_arenas * self.n_rivals, dtype=bool)
        self._returns = np.zeros(self.n_arenas * self.n_agents, dtype=np.float64)
        self._lengths = np.zeros(self.n_arenas, dtype=np.int64)
        super().__init__(self.n_arenas * self.n_agents, arena.observation_space, arena.action_space)
        self.seed(seed)

    # -- the opponent -----------------------------------------------------------------------
    def set_opponent(self, opponent: TeamPolicy) -> None:
        """Play against ``opponent`` from the next step on (games in progress go on)."""
        self.opponent = opponent
        self._rival_start[:] = True  # a new policy starts its memory afresh

    # -- shapes -----------------------------------------------------------------------------
    def _rows(self, team_array: np.ndarray) -> np.ndarray:
        """``(N, n, ...)`` per-team arrays as ``(N * n, ...)`` rows."""
        return team_array.reshape(-1, *team_array.shape[2:])

    def _batch(self, actions: np.ndarray, n: int) -> np.ndarray:
        """``(N * n, ...)`` rows of actions as the arena's ``(N, n)`` or ``(N, n, 2)``."""
        actions = np.asarray(actions)
        if self._discrete:
            return actions.reshape(self.n_arenas, n).astype(np.int64)
        return actions.reshape(self.n_arenas, n, -1).astype(np.float32)

    # -- core API ---------------------------------------------------------------------------
    def reset(self) -> VecEnvObs:
        """Start new games in every arena (seeded as set by :meth:`seed`)."""
        obs, info = self.arena.reset(seed=self._seeds[0])
        self._reset_seeds()
        self._reset_options()
        self._obs = obs
        self._rival_start[:] = True
        self._returns[:] = 0.0
        self._lengths[:] = 0
        self.reset_infos = [{} for _ in range(self.num_envs)]
        return self._rows(obs[self.team]).copy()

    def step_async(self, actions: np.ndarray) -> None:
        """Remember the learning team's actions (one row per sub-env)."""
        self._actions = np.asarray(actions)

    def step_wait(self) -> VecEnvStepReturn:
        """The rival acts, the arenas step, finished games restart (see the module doc)."""
        require(
            self._obs is not None and self._actions is not None,
            "TeamVecEnv.step() before reset(): call reset() first.",
        )
        assert self._obs is not None and self._actions is not None
        rival_obs = self._rows(self._obs[self.rival])
        rival_actions = self.opponent.act(rival_obs, self._rival_start)
        actions = {
            self.team: self._batch(self._actions, self.n_agents),
            self.rival: self._batch(rival_actions, self.n_rivals),
        }
        obs, rewards, terminated, truncated, info = self.arena.step(actions)
        ended = np.asarray(terminated, dtype=bool) | np.asarray(truncated, dtype=bool)
        reward_rows = self._rows(rewards[self.team]).astype(np.float32)
        self._returns += reward_rows
        self._lengths += 1
        active_rows = self._rows(info["active"][self.team])
        dones = np.repeat(ended, self.n_agents)
        infos: list[dict[str, Any]] = [
            {"active": flag, "TimeLimit.truncated": False} for flag in active_rows.tolist()
        ]
        if ended.any():
            obs = self._finish_games(obs, ended, dones, infos, info, np.asarray(truncated))
        self._obs = obs
        self._rival_start = np.repeat(ended, self.n_rivals)
        return self._rows(obs[self.team]).copy(), reward_rows, dones, infos

    def _finish_games(
        self,
        obs: dict[str, np.ndarray],
        ended: np.ndarray,
        dones: np.ndarray,
        infos: list[dict[str, Any]],
        info: dict[str, Any],
        truncated: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Fill the finished sub-envs' infos, restart their arenas; the batch's new obs."""
        last = self._rows(obs[self.team])
        winner = np.asarray(info["winner"])
        my_index = TEAMS.index(self.team)
        for i in np.flatnonzero(dones).tolist():
            arena = i // self.n_agents
            code = int(winner[arena])
            infos[i]["terminal_observation"] = last[i].copy()
            infos[i]["TimeLimit.truncated"] = bool(truncated[arena]) and code < 0
            infos[i]["winner"] = TEAMS[code] if code >= 0 else None
            infos[i]["is_success"] = code == my_index
            infos[i]["episode"] = {
                "r": float(self._returns[i]),
                "l": int(self._lengths[arena]),
                "t": 0.0,
            }
        self._returns[dones] = 0.0
        self._lengths[ended] = 0
        new_obs, _ = self.arena.reset(options={"reset_mask": ended})
        for i in np.flatnonzero(dones).tolist():
            self.reset_infos[i] = {}
        return new_obs

    def close(self) -> None:
        """Close the arenas."""
        self.arena.close()

    # -- attributes, methods, rendering -----------------------------------------------------
    def _count(self, indices: VecEnvIndices) -> int:
        """Number of sub-envs ``indices`` designates."""
        return len(list(self._get_indices(indices)))

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        """The arena batch's attribute, once per requested sub-env."""
        return [getattr(self.arena, attr_name)] * self._count(indices)

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        """Set an attribute of the arena batch (shared by every sub-env)."""
        setattr(self.arena, attr_name, value)

    def env_method(
        self,
        method_name: str,
        *method_args: Any,
        indices: VecEnvIndices = None,
        **method_kwargs: Any,
    ) -> list[Any]:
        """Call a method of the arena batch once; its result repeated per index."""
        result = getattr(self.arena, method_name)(*method_args, **method_kwargs)
        return [result] * self._count(indices)

    def env_is_wrapped(
        self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None
    ) -> list[bool]:
        """The arenas carry no Gymnasium wrappers."""
        return [False] * self._count(indices)

    def get_images(self) -> Sequence[np.ndarray | None]:
        """One frame per sub-env: its arena's (``render_mode="rgb_array"``)."""
        frames = self.arena.render() if self.arena.render_mode == "rgb_array" else None
        if frames is None:
            return [None] * self.num_envs
        return [frames[i // self.n_agents] for i in range(self.num_envs)]
