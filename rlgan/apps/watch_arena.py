"""``rlgan-watch run=<arena run>``: two teams of an ``rlgan-arena`` run playing one game at a time.

``red=`` / ``blue=`` pick who plays each side: ``final`` (the default, ``<team>.zip``), any
snapshot name :meth:`rlgan.arena.pool.SnapshotPool.find` accepts (``first``, ``latest``,
``20000``, ``red@20000``), ``scripted`` or ``script:<behaviour>`` (the arena's scripted
baselines, :mod:`rlgan.arena.scripted`) and ``random``. With ``play=true team=<team>`` you
drive that team's first agent with the keyboard (the env's own key map through
:func:`rlgan.render.keys.key_control`); its teammates and the other team act as picked.

:class:`ArenaMatch` puts the PettingZoo arena behind the small env interface
:class:`~rlgan.apps.watch_session.WatchSession` uses (``reset``, ``step``, ``render``,
``action_space``), so the session's window, keys, recording and panels work unchanged. Each
learned agent acts through its own :class:`~rlgan.apps.agents.PolicyAgent` (which also reads
the action probabilities for the panel); scripted and random teams through the arena's own
:class:`~rlgan.arena.policies.TeamPolicy` classes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from rlgan.common.errors import ConfigError, invalid_choice, require
from rlgan.common.run_dir import CONFIG_FILE

if TYPE_CHECKING:
    import numpy as np
    from gymnasium import spaces

    from rlgan.apps.agents import Decision
    from rlgan.render.panels import Panel

#: The arena's teams, in the order the arena lists its agents.
TEAMS = ("red", "blue")
#: Watch knobs that only an arena run takes.
ARENA_KNOBS = ("team", "red", "blue")
#: Names of a side besides the pool's snapshots.
FINAL, SCRIPTED, RANDOM = "final", "scripted", "random"
SCRIPT_PREFIX = "script:"
#: The id shown in the HUD, the caption and screenshot names.
ARENA_ID = "rlgan/PursuitArena"


def is_arena_run(run: Any) -> bool:
    """True when ``run`` is a folder written by ``rlgan-arena`` (cheap: reads its config)."""
    if run is None:
        return False
    path = Path(str(run)).expanduser() / CONFIG_FILE
    if not path.is_file():
        return False
    try:
        return OmegaConf.load(path).get("app") == "arena"
    except Exception:  # noqa: BLE001 - a damaged config is reported by read_run_config
        return False


def check_arena_knobs(cfg: DictConfig, arena: bool) -> None:
    """The cheap checks of ``team=``, ``red=`` and ``blue=`` (``arena``: run= is an arena)."""
    given = {knob: cfg.get(knob) for knob in ARENA_KNOBS if cfg.get(knob) is not None}
    if not arena:
        if given:
            knob, value = next(iter(given.items()))
            source = f"run={cfg.get('run')!r}" if cfg.get("run") is not None else "env.id"
            raise ConfigError(
                f"Invalid {knob}={value!r}: team=, red= and blue= pick the sides of an "
                f"rlgan-arena run, and {source} is a single-agent source; give run=<arena run "
                "folder> or drop them."
            )
        return
    team = cfg.get("team")
    if team is not None and team not in TEAMS:
        raise invalid_choice("team", team, TEAMS, "It names the side you play with play=true.")
    if cfg.play:
        require(
            team is not None,
            "Invalid play=true without team=: an arena run has two sides; pick the one you "
            "play with team=red (a pursuer) or team=blue (an evader).",
        )
    else:
        require(
            team is None,
            f"Invalid team={team!r} without play=true: team= names the side you play; add "
            "play=true to play it, or drop team= to watch both teams.",
        )
    for side in TEAMS:
        name = cfg.get(side)
        require(
            name is None or isinstance(name, str | int) and not isinstance(name, bool),
            f"Invalid {side}={name!r}: a snapshot name (final, first, latest, a step, "
            f"{side}@<step>), scripted, {SCRIPT_PREFIX}<behaviour> or random.",
        )


def side_choices(team: str) -> str:
    """The names a side takes besides the pool's own, for error messages."""
    from rlgan.arena.scripted import SCRIPTS

    scripts = ", ".join(f"{SCRIPT_PREFIX}{b}" for b in SCRIPTS[team])
    return f"{FINAL} ({team}.zip), {SCRIPTED}, {scripts}, {RANDOM}"


def resolve_side(run: Path, run_cfg: DictConfig, team: str, name: Any) -> tuple[str, Any]:
    """Who plays ``team``: ``("model", path)``, ``("scripted", name)`` or ``("random", None)``.

    Unknown names are one-paragraph ConfigErrors listing the run's snapshots and the other
    choices; nothing is loaded here.
    """
    from rlgan.arena.pool import SnapshotPool
    from rlgan.arena.scripted import SCRIPTS

    text = FINAL if name is None else str(name).strip()
    if text == FINAL:
        path = run / f"{team}.zip"
        require(
            path.is_file(),
            f"Invalid {team}={text!r}: {path} does not exist (the run did not finish); pick a "
            f"snapshot of its pool instead, e.g. {team}=latest.",
        )
        return "model", path
    if text == RANDOM:
        return RANDOM, None
    if text == SCRIPTED or text.startswith(SCRIPT_PREFIX):
        behaviour = SCRIPTS[team][0] if text == SCRIPTED else text.removeprefix(SCRIPT_PREFIX)
        if behaviour not in SCRIPTS[team]:
            raise invalid_choice(team, text, [f"{SCRIPT_PREFIX}{b}" for b in SCRIPTS[team]])
        return SCRIPTED, behaviour
    window = int(run_cfg.selfplay.window)
    try:
        snapshot = SnapshotPool(run, team, window).find(text, knob=team)
    except ConfigError as err:
        raise ConfigError(f"{err} Besides snapshots: {side_choices(team)}.") from None
    return "model", snapshot.path


class TeamActor:
    """Who acts for one team: a learned model per agent, or a batched team policy."""

    def __init__(
        self,
        team: str,
        agents: list[str],
        label: str,
        models: list[Any] | None = None,
        policy: Any = None,
    ) -> None:
        from rlgan.apps.agents import PolicyAgent

        self.team, self.agents, self.label = team, agents, label
        self.policy = policy
        self.seats = [PolicyAgent(model, label) for model in models or []]
        self._start = True

    def decide(self, obs: dict[str, np.ndarray], deterministic: bool) -> dict[str, Decision]:
        """Every agent's :class:`~rlgan.apps.agents.Decision` for the current observations."""
        import numpy as np

        from rlgan.apps.agents import Decision

        if self.seats:
            return {
                agent: seat.decide(obs[agent], deterministic)
                for agent, seat in zip(self.agents, self.seats, strict=True)
            }
        rows = np.stack([obs[agent] for agent in self.agents])
        actions = self.policy.act(rows, np.full(len(rows), self._start))
        self._start = False
        return {agent: Decision(action) for agent, action in zip(self.agents, actions, strict=True)}

    def reset(self) -> None:
        """A new game: recurrent policies forget their state."""
        self._start = True
        for seat in self.seats:
            seat.reset()


class ArenaMatch:
    """One :class:`~rlgan.envs.pursuit_arena.PursuitArena` as WatchSession's environment.

    ``step(action)`` takes every agent's action (``{agent: action}``, from :class:`ArenaAgent`)
    or, when you play ``seat``, your action alone (the other agents act as their team's
    :class:`TeamActor` decides). The reward is your team's (red's while watching); a game's
    end puts its ``winner`` in the info.
    """

    def __init__(self, arena: Any, actors: dict[str, TeamActor], seat: str | None) -> None:
        self.arena = arena
        self.actors = actors
        self.seat = seat
        self.team = seat.rsplit("_", 1)[0] if seat else "red"
        self.action_space: spaces.Space = arena.action_space(arena.possible_agents[0])
        self.observation_space: spaces.Space = arena.observation_space(arena.possible_agents[0])
        self.spec = None
        self.deterministic = True
        self.wins = dict.fromkeys(TEAMS, 0)
        self._obs: dict[str, np.ndarray] = {}
        self._decisions: dict[str, Decision] | None = None

    @property
    def unwrapped(self) -> ArenaMatch:
        """The match itself (the key map and action names are looked up here)."""
        return self

    @property
    def core(self) -> Any:
        """The arena's rules core (its HUD lines show in the session's HUD)."""
        return self.arena.core

    @property
    def action_names(self) -> tuple[str, ...]:
        """The arena's discrete action names (none for continuous actions)."""
        from rlgan.envs.arena_world import ACTION_NAMES

        return ACTION_NAMES if self.arena.core.p.actions == "discrete" else ()

    def __getattr__(self, name: str) -> Any:
        """The arena's own attributes (its key map and ``play_noop``, where it has them)."""
        if name.startswith("_") or name == "arena":
            raise AttributeError(name)
        return getattr(self.arena, name)

    def reset(self, seed: int | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """A new game (``seed`` reseeds the arena)."""
        self._obs, infos = self.arena.reset(seed=seed)
        self._decisions = None
        for actor in self.actors.values():
            actor.reset()
        return self._obs, infos

    def decisions(self) -> dict[str, Decision]:
        """Every agent's decision for the current observations (computed once per step)."""
        if self._decisions is None:
            self._decisions = {}
            for actor in self.actors.values():
                self._decisions.update(actor.decide(self._obs, self.deterministic))
        return self._decisions

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict]:
        """One arena step with every agent's action, or yours (see the class docstring)."""
        if isinstance(action, dict):
            actions = dict(action)
        else:
            actions = {agent: d.action for agent, d in self.decisions().items()}
            actions[str(self.seat)] = action
        self._obs, rewards, terms, truncs, infos = self.arena.step(actions)
        self._decisions = None
        mine = f"{self.team}_0"
        done = any(terms.values())
        info: dict[str, Any] = {}
        if done:
            winner = infos[mine]["winner"]
            self.wins[winner] += 1
            info["winner"] = winner
        return self._obs, float(rewards[mine]), done, any(truncs.values()) and not done, info

    def render(self) -> np.ndarray:
        """The arena's RGB frame."""
        return self.arena.render()

    def close(self) -> None:
        """Close the arena."""
        self.arena.close()

    def hud_lines(self) -> list[str]:
        """Who plays whom and the games won so far."""
        sides = " vs ".join(f"{team}: {self.actors[team].label}" for team in TEAMS)
        return [sides, f"games won: red {self.wins['red']}, blue {self.wins['blue']}"]

    def team_panel(self, team: str, names: list[str]) -> Panel | None:
        """The action values of ``team``'s first agent (None for the side you play)."""
        agent = self.actors[team].agents[0]
        if agent == self.seat:
            return None
        panel = self.decisions()[agent].panel(names)
        if panel is not None:
            panel.title = f"{team} ({agent}): {panel.title}"
        return panel


class ArenaAgent:
    """The session's agent while watching an arena: both teams act through :class:`ArenaMatch`."""

    def __init__(self, match: ArenaMatch) -> None:
        self.match = match
        self.label = " vs ".join(match.actors[team].label for team in TEAMS)

    def decide(self, obs: Any, deterministic: bool, env: Any = None) -> Decision:
        """Every agent's action, as one joint action (the panels show the teams' values)."""
        from rlgan.apps.agents import Decision

        if deterministic != self.match.deterministic:
            self.match.deterministic = deterministic
            self.match._decisions = None
        joint = {agent: d.action for agent, d in self.match.decisions().items()}
        return Decision(joint)

    def reset(self) -> None:
        """Nothing to forget: the match resets its teams with the arena."""


def _load_model(path: Path, algo: str, knob: str, device: str, trust: bool) -> Any:
    """One team model; a damaged or foreign file is a one-paragraph ConfigError."""
    from rlgan.rl.model_io import load_model_file

    try:
        return load_model_file(path, algo, None, device, trust)
    except ConfigError:
        raise
    except Exception as err:  # noqa: BLE001 - any load failure is the file's fault
        raise ConfigError(
            f"Invalid {knob}: {path} could not be loaded as a {algo.upper()} model "
            f"({type(err).__name__}: {err}). The file may be damaged or written by an "
            "incompatible version."
        ) from err


def open_arena(cfg: DictConfig) -> tuple[ArenaMatch, ArenaAgent | None]:
    """The arena of ``cfg.run`` with its sides as picked; the agent (None when you play).

    Every name is resolved (and every error raised) before any model loads.
    """
    from rlgan.arena.policies import RandomPolicy
    from rlgan.arena.scripted import ScriptedPolicy
    from rlgan.arena.validate import check_env
    from rlgan.common.device import resolve_device
    from rlgan.common.lifecycle import read_run_config
    from rlgan.envs.pursuit_arena import PursuitArena

    run = Path(str(cfg.run)).expanduser()
    run_cfg = read_run_config(run, "run", app="arena")
    knobs, params = check_env(run_cfg)
    sides = {team: resolve_side(run, run_cfg, team, cfg.get(team)) for team in TEAMS}
    arena = PursuitArena(render_mode="rgb_array", **knobs)
    device = str(resolve_device(cfg.device))
    actors = {}
    for team, (kind, what) in sides.items():
        agents = [a for a in arena.possible_agents if a.rsplit("_", 1)[0] == team]
        if kind == "model":
            algo = str(run_cfg[team].algo.name)
            model = _load_model(what, algo, f"{team}={what.name}", device, bool(cfg.trust))
            label = f"{algo.upper()} {what.stem}"
            actors[team] = TeamActor(team, agents, label, models=[model] * len(agents))
        elif kind == SCRIPTED:
            policy = ScriptedPolicy(team, what, params)
            actors[team] = TeamActor(team, agents, f"{SCRIPT_PREFIX}{what}", policy=policy)
        else:
            policy = RandomPolicy(arena.core.action_space, int(cfg.seed))
            actors[team] = TeamActor(team, agents, RANDOM, policy=policy)
    seat = f"{cfg.team}_0" if cfg.play else None
    match = ArenaMatch(arena, actors, seat)
    match.deterministic = bool(cfg.deterministic)
    return match, None if seat else ArenaAgent(match)
