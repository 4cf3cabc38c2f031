"""The pursuit arena: learned red pursuers against learned blue evaders (PettingZoo API).

## Description

Pursuit's square arena (side ``arena_size``, circular obstacles, a green goal zone) with both
sides played by agents. Team ``red`` (``red_0`` .. ``red_3``, 1 to 4 pursuers) tries to catch
every evader; team ``blue`` (``blue_0``, ``blue_1``, 1 or 2 evaders) wins as soon as one of its
evaders in play reaches the goal zone, or when any of them survives ``max_episode_steps``
steps. A pursuer catches an evader by coming within ``catch_radius`` of it. Movement,
obstacles, push-out, spawning and drawing are those of ``rlgan/Pursuit-v0``
(:mod:`rlgan.envs.arena_world`); both teams move at once, evaders at ``agent_speed`` per step,
pursuers at ``pursuer_speed`` times that.

:class:`PursuitArena` is a PettingZoo ``ParallelEnv``; :class:`PursuitArenaVector` steps
``num_envs`` arenas in one NumPy call with the same rules code (:class:`ArenaCore`).

## Action Space

The same for every agent. ``actions="discrete"``: ``Discrete(9)``, 0 stays and 1..8 move E,
NE, N, NW, W, SW, S, SE, as Pursuit. ``actions="continuous"``: ``Box(-1, 1, (2,))``, a heading
vector whose length (clipped to 1) scales the speed. A missing action is a no-op (stay).

## Observation Space

The same ``Box(-1, 1, (8 + 6 (R + B - 1) + 4 K,))`` float32 for every agent (R pursuers, B
evaders, K obstacles; 28 by default), seen from the agent:

- 2: own position, mapped from [0, arena_size] to [-1, 1];
- 2: own velocity / own speed;
- 1: time left, 1 at reset down to 0 at the step limit;
- 3: goal, unit direction and distance / arena diagonal;
- 6 per other agent (teammates in index order, then rivals): unit direction, closeness
  ``1 / (1 + gap)`` (gap = distance - ``catch_radius``), velocity / top speed, seen flag;
- 4 per obstacle: unit direction, closeness (gap to its rim), radius / ``arena_size``.

An agent that is not seen reads 0 in all its 6 entries: a caught evader always, and with
``obs="partial"`` any agent beyond ``sensing_radius`` (the map, goal and obstacles stay
known), so a policy needs memory to track what it lost sight of.

## Rewards

Zero-sum team rewards: blue's team reward ``r`` each step, red's ``-r``; every agent of a team
receives its team's reward (an evader caught earlier receives 0).

- shaping: ``(progress_coef * (d_before - d_after) + distance_coef * (g_after - g_before))``
  summed over the evaders in play, divided by ``num_evaders * arena_size``, with ``d`` an
  evader's distance to the goal and ``g`` to its nearest pursuer (blue gains by nearing the
  goal and keeping away, red by blocking and closing in);
- ``-catch_reward / num_evaders`` per evader caught on the step;
- at the end ``+win_reward`` when blue wins, ``-win_reward`` when red wins.

## Black death

A caught evader stays in ``agents`` until the game ends (PettingZoo's and SuperSuit's
"black death" convention): it is frozen and no longer drawn as a player, its observation is
all zeros, its actions are ignored and its reward is 0; ``infos[agent]["active"]`` says
whether an agent is still in play. Array shapes never change.

## Starting State

As Pursuit: the first evader anywhere, the goal at least half the arena side from it,
pursuers at least 0.4 of the side from every evader and 0.3 from the goal; a second evader
at least 0.4 of the side from the goal (first of 4 random spots, else the farthest).

## Episode End

Every agent is terminated (the game is decided; no truncation) when red has caught every
evader (red wins), an evader in play reaches the goal zone or the step limit is reached
with an evader in play (blue wins). ``infos[agent]["winner"]`` is then ``"red"`` or
``"blue"``, and ``agents`` becomes empty.

## Arguments

``PursuitArena(render_mode=None, **knobs)`` and ``PursuitArenaVector(num_envs, render_mode,
**knobs)`` with the knobs of :class:`ArenaParams` (documented in docs/arena.md):
``num_pursuers`` (2), ``num_evaders`` (1), ``pursuer_speed`` (1.0), ``agent_speed`` (0.3),
``arena_size`` (10), ``num_obstacles`` (2), ``goal_radius`` (0.6), ``catch_radius`` (0.5),
``actions`` (``discrete``), ``obs`` (``full`` or ``partial``), ``sensing_radius`` (3.0),
``max_episode_steps`` (200), ``win_reward`` (1.0), ``catch_reward`` (0.5), ``progress_coef``
and ``distance_coef`` (0.5). ``render_mode``: ``"rgb_array"`` or ``"human"`` (single env).
``reset(seed=s)`` seeds the arena; arena ``i`` of a batch reset with ``seed=s`` is the single
arena reset with ``seed=s + i``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv

from rlgan.common.errors import invalid_choice, require

from .arena_core import NO_WINNER, TEAMS, ArenaCore, ArenaParams
from .arena_world import arrow_key_map
from .batched import (
    WindowRendering,
    check_num_envs,
    check_render_mode,
    make_generators,
    params_from_knobs,
)

__all__ = ["TEAMS", "ArenaParams", "PursuitArena", "PursuitArenaVector", "make_arena_params"]

RENDER_FPS = 15


def make_arena_params(knobs: dict[str, object]) -> ArenaParams:
    """Build :class:`ArenaParams` from keyword knobs, naming any unknown knob."""
    return params_from_knobs(ArenaParams, knobs, "PursuitArena")


def agent_slots(params: ArenaParams) -> dict[str, tuple[str, int]]:
    """Agent name -> (team, index in the team): ``red_0 .. red_{R-1}, blue_0 ..``, red first."""
    return {f"{t}_{i}": (t, i) for t, count in params.team_sizes.items() for i in range(count)}


def noop_actions(core: ArenaCore, num_envs: int) -> dict[str, np.ndarray]:
    """Per team, arrays of the stay action for ``num_envs`` arenas."""
    if core.continuous:
        return {t: np.zeros((num_envs, n, 2), np.float32) for t, n in core.sizes.items()}
    return {t: np.zeros((num_envs, n), np.int64) for t, n in core.sizes.items()}


class PursuitArena(WindowRendering, ParallelEnv):
    """One pursuit arena with PettingZoo's ``ParallelEnv`` API (see the module docstring).

    Rendering is :class:`~rlgan.envs.batched.WindowRendering`'s, as for the single-agent envs.
    """

    metadata: dict[str, Any] = {
        "name": "rlgan_pursuit_arena_v0",
        "render_modes": ["human", "rgb_array"],
        "render_fps": RENDER_FPS,
        "is_parallelizable": True,
    }

    def __init__(self, render_mode: str | None = None, **knobs: object) -> None:
        """Build one arena; ``knobs`` are :class:`ArenaParams` fields."""
        check_render_mode(render_mode)
        self.core = ArenaCore(1, make_arena_params(knobs))
        self.render_mode = render_mode
        self._slot = agent_slots(self.core.p)
        self.possible_agents = list(self._slot)
        self.agents: list[str] = []
        # one space object per agent, so that seeding one agent's space leaves the others'
        self._obs_spaces = {a: _copy_space(self.core.observation_space) for a in self._slot}
        self._act_spaces = {a: _copy_space(self.core.action_space) for a in self._slot}
        self._rng: np.random.Generator | None = None

    def observation_space(self, agent: str) -> spaces.Space:
        """The observation space of ``agent`` (the same object on every call)."""
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        """The action space of ``agent`` (the same object on every call)."""
        return self._act_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Start a new game; ``seed`` reseeds the arena's generator."""
        if seed is not None or self._rng is None:
            self._rng, _ = seeding.np_random(seed)
        self.core.reset_envs(np.zeros(1, dtype=np.int64), [self._rng])
        self.agents = list(self.possible_agents)
        if self.render_mode == "human":
            self.render()
        return self._per_agent(self.core.observe()), {a: {"active": True} for a in self.agents}

    def step(
        self, actions: Mapping[str, Any]
    ) -> tuple[
        dict[str, np.ndarray],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        """Apply every agent's action (missing ones stay); return PettingZoo's five dicts."""
        if not self.agents:
            return {}, {}, {}, {}, {}
        batch = noop_actions(self.core, 1)
        for agent, action in actions.items():
            if agent not in self._slot:
                raise invalid_choice("agent", agent, self.possible_agents)
            team, i = self._slot[agent]
            batch[team][0, i] = action
        rewards, terminated, winner = self.core.step(batch)
        active = self.core.active()
        done = bool(terminated[0])
        infos: dict[str, dict[str, Any]] = {}
        for agent, (team, i) in self._slot.items():
            infos[agent] = {"active": bool(active[team][0, i])}
            if done:
                infos[agent]["winner"] = TEAMS[int(winner[0])]
        obs = self._per_agent(self.core.observe())
        reward = {a: float(rewards[t][0, i]) for a, (t, i) in self._slot.items()}
        terms = dict.fromkeys(self.possible_agents, done)
        truncs = dict.fromkeys(self.possible_agents, False)
        if done:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return obs, reward, terms, truncs, infos

    def _per_agent(self, team_arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Split ``{team: (1, n, ...)}`` arrays into ``{agent: (...)}``."""
        return {a: team_arrays[t][0, i] for a, (t, i) in self._slot.items()}

    @property
    def play_noop(self) -> Any:
        """The action while no key is held (stay): keyboard play is real time."""
        return np.zeros(2, np.float32) if self.core.continuous else 0

    def get_keys_to_action(self) -> dict[tuple[int, ...], Any]:
        """Arrow keys -> one agent's action, as in ``rlgan/Pursuit-v0`` (diagonals add up)."""
        return arrow_key_map(self.core.continuous)

    def step_text(self) -> str:
        """The display's first line: ``step <elapsed>/<max_episode_steps>`` of the game."""
        return f"step {self.core.elapsed[0]}/{self.core.p.max_episode_steps}"


def _copy_space(space: spaces.Space) -> spaces.Space:
    """A fresh space equal to ``space`` (its own random generator)."""
    if isinstance(space, spaces.Discrete):
        return spaces.Discrete(int(space.n))
    assert isinstance(space, spaces.Box)
    return spaces.Box(space.low, space.high, space.shape, dtype=space.dtype)


class PursuitArenaVector:
    """``num_envs`` pursuit arenas stepped together as arrays, with per-team outputs.

    ``reset`` and ``step`` return ``obs[team]`` (N, n, obs_dim) and ``rewards[team]`` (N, n)
    for ``team`` in :data:`TEAMS`, ``terminated`` (N,) (a game ends for all its agents at
    once; ``truncated`` is always False) and ``infos`` with ``"active"`` (``{team: (N, n)}``
    bool) and ``"winner"`` ((N,) int8: -1 while playing, else the winning team's index in
    :data:`TEAMS`). Next-step autoreset as Gymnasium's vector envs (and rlgan's
    ``CoreVectorEnv``): the step after an arena's game ends ignores its actions, starts a new
    game and returns its first observation, reward 0 and ``terminated`` False.
    ``reset(options={"reset_mask": mask})`` restarts only the masked arenas and cancels their
    pending autoreset.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": RENDER_FPS}
    #: side of the frames returned by ``render()`` (pixels)
    render_size: int = 256

    def __init__(self, num_envs: int = 1, render_mode: str | None = None, **knobs: object) -> None:
        """Build ``num_envs`` arenas; ``knobs`` as for :class:`PursuitArena`."""
        check_num_envs(num_envs)
        if render_mode is not None and render_mode != "rgb_array":
            raise invalid_choice(
                "render_mode", render_mode, (None, "rgb_array"), "The batched arena has no window."
            )
        self.core = ArenaCore(num_envs, make_arena_params(knobs))
        self.num_envs = num_envs
        self.render_mode = render_mode
        self.teams = TEAMS
        self.team_sizes = dict(self.core.sizes)
        #: the observation / action space of one agent (every agent has the same)
        self.observation_space = self.core.observation_space
        self.action_space = self.core.action_space
        self._rngs = make_generators(None, num_envs)
        self._prev_done = np.zeros(num_envs, dtype=bool)

    def reset(
        self,
        seed: int | Sequence[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Start new games in every arena (arena ``i`` seeded ``seed + i``), or the masked ones.

        Without ``seed`` the arenas keep drawing from their generators (reproducible resets).
        """
        mask = None if options is None else options.get("reset_mask")
        if mask is None:
            if seed is not None:
                self._rngs = make_generators(seed, self.num_envs)
            idx = np.arange(self.num_envs)
        else:
            mask = np.asarray(mask, dtype=bool)
            require(
                mask.shape == (self.num_envs,),
                f"Invalid reset_mask of shape {mask.shape}: it needs one bool per arena "
                f"({self.num_envs},).",
            )
            if seed is not None:
                fresh = make_generators(seed, self.num_envs)
                self._rngs = [
                    new if m else old for new, old, m in zip(fresh, self._rngs, mask, strict=True)
                ]
            idx = np.flatnonzero(mask)
        if idx.size:
            self.core.reset_envs(idx, [self._rngs[i] for i in idx])
        self._prev_done[idx] = False
        return self.core.observe(), {"active": self.core.active()}

    def step(
        self, actions: Mapping[str, np.ndarray]
    ) -> tuple[
        dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray, np.ndarray, dict[str, Any]
    ]:
        """Step every arena with ``actions[team]`` ((N, n) or (N, n, 2)); see the class doc."""
        for team in TEAMS:
            require(
                team in actions,
                f"Invalid actions: no entry for team {team!r}; give one array per team "
                f"({', '.join(TEAMS)}).",
            )
        rewards, terminated, winner = self.core.step(actions)
        restart = np.flatnonzero(self._prev_done)
        if restart.size:
            self.core.reset_envs(restart, [self._rngs[i] for i in restart])
            for team in TEAMS:
                rewards[team][restart] = 0.0
            terminated[restart] = False
            winner[restart] = NO_WINNER
        self._prev_done = terminated.copy()
        infos = {"active": self.core.active(), "winner": winner}
        truncated = np.zeros(self.num_envs, dtype=bool)
        return self.core.observe(), rewards, terminated, truncated, infos

    def render(self) -> np.ndarray | None:
        """Return ``(num_envs, H, W, 3)`` frames in rgb_array mode."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; nothing to draw.")
            return None
        return self.core.draw(self.render_size)

    def close(self) -> None:
        """Nothing to release (no window)."""
