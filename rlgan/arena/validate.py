"""Check an ``rlgan-arena`` config completely before any training starts.

Every problem is a one-paragraph :class:`~rlgan.common.errors.ConfigError` naming the bad
value and the valid choices. Each team's algorithm and network are checked with the RL
runner's own checks (its algorithm table, policy names, hyperparameters, network adapter),
applied to the team's ``<team>.algo`` / ``<team>.net`` nodes; the arena's knobs with the
arena's own parameter class. :func:`check_config` returns what it resolved as
:class:`CheckedArena`, which the build steps use as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gymnasium import spaces
from omegaconf import DictConfig, OmegaConf

from rlgan.arena.knobs import check_run_knobs
from rlgan.arena.schedule import TEAMS, SelfPlaySettings
from rlgan.common.config_keys import ClosedNode, check_known_keys
from rlgan.common.device import resolve_device
from rlgan.common.errors import ConfigError, require, require_int
from rlgan.rl.algos import AlgoSpec, check_action_space, check_policy, get_algo
from rlgan.rl.hyperparams import check_hyperparams
from rlgan.rl.policy import build_policy_kwargs, has_custom_net

#: The env knobs that are team sizes, given as ``<team>.agents`` instead.
TEAM_SIZE_KNOBS = {"red": "num_pursuers", "blue": "num_evaders"}
#: The arena's name in messages.
ARENA_NAME = "PursuitArena"


def arena_nodes(cfg: DictConfig) -> tuple[ClosedNode, ...]:
    """The closed nodes of an ``arena`` config (a team's own net class keeps its node open)."""
    nodes = [
        ClosedNode(""),
        ClosedNode("env"),
        ClosedNode("selfplay"),
        ClosedNode("elo"),
        ClosedNode("eval"),
        ClosedNode("checkpoint"),
        ClosedNode("best_response"),
        ClosedNode("log"),
    ]
    for team in TEAMS:
        nodes.append(ClosedNode(team, extra=("algo", "net")))
        nodes.append(ClosedNode(f"{team}.algo", group="algo", extra=("optimizer",)))
        if not has_custom_net(team_view(cfg, team)):
            nodes.append(ClosedNode(f"{team}.net", group="net"))
    return tuple(nodes)


def team_view(cfg: DictConfig, team: str) -> DictConfig:
    """A team's ``algo`` and ``net`` as a config of the RL runner's shape (for its checks)."""
    node = cfg.get(team) or {}
    return OmegaConf.create({"algo": node.get("algo") or {}, "net": node.get("net")})


@dataclass
class CheckedTeam:
    """One team, checked: its size, algorithm row, policy and SB3 arguments."""

    name: str
    agents: int
    algo: AlgoSpec
    policy: str
    hyperparams: dict[str, Any] = field(default_factory=dict)
    policy_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckedArena:
    """What validation resolved: everything the build steps need, checked once."""

    teams: dict[str, CheckedTeam]
    #: The arena's knobs (``env.kwargs`` plus the team sizes), for ``PursuitArenaVector``.
    env_knobs: dict[str, Any]
    #: The arena's parameters (:class:`rlgan.envs.arena_core.ArenaParams`).
    params: Any
    settings: SelfPlaySettings
    observation_space: spaces.Space
    action_space: spaces.Space


def _in_team(team: str, err: ConfigError) -> ConfigError:
    """``err`` said about ``team`` (its knobs are ``<team>.algo.*``, ``<team>.net.*``)."""
    text = str(err).replace("algo.", f"{team}.algo.").replace("net.", f"{team}.net.")
    text = text.replace(f"{team}.{team}.", f"{team}.").replace(" for env.id=", " for ")
    text = text.replace("; pick algo=", f"; pick algo@{team}.algo=")
    text = text.replace("Pick another algo=... or env=...", f"Pick another algo@{team}.algo=...")
    text = text.replace("pick one with algo=<name>", f"pick one with algo@{team}.algo=<name>")
    return ConfigError(f"Team {team}: {text}")


def check_team_size(team: str, value: Any) -> int:
    """``<team>.agents``: 1-4 pursuers (red), 1-2 evaders (blue)."""
    from rlgan.envs.arena_core import MAX_BLUE, MAX_RED

    most = MAX_RED if team == "red" else MAX_BLUE
    role = "pursuers" if team == "red" else "evaders"
    require_int(
        f"{team}.agents",
        value,
        1,
        most,
        meaning=f"{role} in team {team}; a team needs at least one agent",
    )
    return int(value)


def check_team(cfg: DictConfig, team: str, action_space: spaces.Space) -> CheckedTeam:
    """Check ``<team>.algo`` and ``<team>.net`` with the RL runner's checks."""
    view = team_view(cfg, team)
    agents = check_team_size(team, (cfg.get(team) or {}).get("agents"))
    try:
        require(
            view.algo.get("name") is not None,
            "Invalid config: no algorithm selected; pick one with algo=<name>.",
        )
        algo = get_algo(view.algo.name)
        policy = check_policy(algo, view.algo.get("policy", "MlpPolicy"))
        check_action_space(algo, action_space, ARENA_NAME)
        if algo.action_masks:
            raise ConfigError(
                f"Invalid algo.name={algo.name!r}: {algo.name} needs the env's action masks "
                f"and {ARENA_NAME} has none (every move is always valid); pick algo=ppo."
            )
        policy_kwargs = build_policy_kwargs(view, algo)
        hyperparams = check_hyperparams(algo, view.algo.get("hyperparams"))
    except ConfigError as err:
        raise _in_team(team, err) from None
    return CheckedTeam(team, agents, algo, str(policy), hyperparams, policy_kwargs)


def env_knobs(cfg: DictConfig) -> dict[str, Any]:
    """The arena's constructor knobs: ``env.kwargs`` plus the team sizes."""
    kwargs = OmegaConf.to_container(cfg.env.get("kwargs") or OmegaConf.create({}), resolve=True)
    assert isinstance(kwargs, dict)
    for team, knob in TEAM_SIZE_KNOBS.items():
        if knob in kwargs:
            raise ConfigError(
                f"Invalid env.kwargs.{knob}={kwargs[knob]!r}: the size of team {team} is "
                f"{team}.agents (e.g. {team}.agents={kwargs[knob]}); drop env.kwargs.{knob}."
            )
    sizes = {
        knob: check_team_size(team, cfg[team].get("agents"))
        for team, knob in TEAM_SIZE_KNOBS.items()
    }
    return {**kwargs, **sizes}


def check_env(cfg: DictConfig) -> tuple[dict[str, Any], Any]:
    """Check ``env.*``; return the arena's knobs and parameters."""
    from rlgan.envs.pursuit_arena import make_arena_params

    knobs = env_knobs(cfg)
    try:
        params = make_arena_params(dict(knobs))
    except ConfigError as err:
        raise ConfigError(f"env.kwargs: {err}") from None
    return knobs, params


def check_config(cfg: DictConfig) -> CheckedArena:
    """Validate the whole config (cheap: builds no arena, imports SB3); return findings."""
    check_known_keys(cfg, "arena", arena_nodes(cfg))
    check_run_knobs(cfg)
    resolve_device(cfg.get("device", "auto"))
    knobs, params = check_env(cfg)
    from rlgan.envs.arena_core import ArenaCore

    core = ArenaCore(1, params)
    teams = {team: check_team(cfg, team, core.action_space) for team in TEAMS}
    return CheckedArena(
        teams=teams,
        env_knobs=knobs,
        params=params,
        settings=SelfPlaySettings.from_config(cfg.selfplay),
        observation_space=core.observation_space,
        action_space=core.action_space,
    )
