"""rlgan-watch on an rlgan-arena run: both teams, picked snapshots, playing one side, errors."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import imageio.v3 as iio
import pytest
from omegaconf import OmegaConf

from rlgan.apps.watch import WatchSession
from rlgan.common.errors import ConfigError
from tests.test_watch import watch_config

#: A short game, so that a few hundred frames hold several of them.
GAME_STEPS = 20


class _Spaces(gym.Env):
    """An env with the arena's spaces, only for building untrained PPO models."""

    def __init__(self, observation_space: gym.Space, action_space: gym.Space) -> None:
        self.observation_space, self.action_space = observation_space, action_space


def _save_ppo(path: Path, env: gym.Env, seed: int) -> None:
    """An untrained PPO model with the arena's spaces, saved to ``path``."""
    from stable_baselines3 import PPO

    path.parent.mkdir(parents=True, exist_ok=True)
    PPO("MlpPolicy", env, n_steps=16, batch_size=16, seed=seed, device="cpu").save(path)


@pytest.fixture(scope="module")
def arena_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fabricated arena run folder: config, final models and two snapshots per team."""
    from rlgan.arena.validate import check_config
    from rlgan.common.app import compose_config

    run = tmp_path_factory.mktemp("arena") / "run"
    cfg = compose_config("arena", [f"+env.kwargs.max_episode_steps={GAME_STEPS}"])
    checked = check_config(cfg)
    (run / ".hydra").mkdir(parents=True)
    OmegaConf.save(cfg, run / ".hydra" / "config.yaml")
    env = _Spaces(checked.observation_space, checked.action_space)
    for i, team in enumerate(("red", "blue")):
        _save_ppo(run / f"{team}.zip", env, seed=i)
        for step in (100, 200):
            _save_ppo(run / "pool" / team / f"step_{step:09d}.zip", env, seed=step + i)
    return run


def test_watch_arena_headless_records_a_gif_with_both_teams_panels(arena_run, tmp_path) -> None:
    gif = tmp_path / "arena.gif"
    cfg = watch_config(run=str(arena_run), record=str(gif), max_frames=60, episodes=0, scale=1)
    session = WatchSession(cfg)
    try:
        assert session.env_id == "rlgan/PursuitArena"
        titles = [getattr(p, "title", "") for p in session._panels()]
        assert any(t.startswith("red (red_0): probabilities") for t in titles)
        assert any(t.startswith("blue (blue_0): probabilities") for t in titles)
        hud = " ".join(str(line) for line in session._hud())
        assert "red: PPO red vs blue: PPO blue" in hud
        while session.frame():
            pass
    finally:
        result = session.close()
    assert result.frames == 60 and result.steps >= 59
    assert len(result.winners) >= 2 and set(result.winners) <= {"red", "blue"}
    frames = iio.imread(gif, index=None)
    assert frames.shape[0] >= 30 and frames.ndim == 4


@pytest.mark.parametrize(
    ("red", "blue", "labels"),
    [
        ("first", "latest", ("PPO step_000000100", "PPO step_000000200")),
        ("red@200", "200", ("PPO step_000000200", "PPO step_000000200")),
        ("scripted", "random", ("script:chase", "random")),
        ("script:intercept", "script:evade", ("script:intercept", "script:evade")),
    ],
)
def test_red_and_blue_pick_snapshots_and_baselines(arena_run, red, blue, labels) -> None:
    cfg = watch_config(run=str(arena_run), red=red, blue=blue, max_frames=GAME_STEPS + 5)
    session = WatchSession(cfg)
    try:
        assert (session.env.actors["red"].label, session.env.actors["blue"].label) == labels
        while session.frame():
            pass
    finally:
        result = session.close()
    assert len(result.winners) == 1


def test_play_one_side_with_the_keyboard_against_the_other_team(arena_run) -> None:
    cfg = watch_config(run=str(arena_run), play="true", team="blue", ready=0, max_frames=5)
    session = WatchSession(cfg)
    try:
        assert session.agent is None and session.control is not None
        assert session.env.seat == "blue_0"
        titles = [getattr(p, "title", "") for p in session._panels()]
        assert any(t.startswith("red (red_0)") for t in titles)
        assert not any(str(t).startswith("blue (") for t in titles)
        before = session.env.arena.core.evaders[0, 0].copy()
        session._step(1)  # move east (action 1 in every key map of the arena)
        after = session.env.arena.core.evaders[0, 0]
        assert after[0] > before[0]
    finally:
        session.close()


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"team": "green", "play": "true"}, "Invalid team='green': valid choices are red, blue"),
        ({"play": "true"}, "pick the one you play with team=red"),
        ({"team": "red"}, "Invalid team='red' without play=true"),
        ({"red": "red@999"}, "Invalid red='red@999': team red has no such snapshot"),
        ({"blue": "script:chase"}, "Invalid blue='script:chase'"),
        ({"blue": "nope"}, "Besides snapshots: final (blue.zip), scripted"),
    ],
)
def test_bad_arena_options_are_one_paragraph_errors(arena_run, options, needle) -> None:
    with pytest.raises(ConfigError) as err:
        WatchSession(watch_config(run=str(arena_run), **options))
    assert needle in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("knob", ["team=red", "red=first", "blue=random"])
def test_arena_knobs_on_a_single_agent_source_are_refused(knob) -> None:
    with pytest.raises(ConfigError) as err:
        WatchSession(watch_config(knob, "env.id=CartPole-v1"))
    assert "rlgan-arena run" in str(err.value) and "\n" not in str(err.value)


def test_single_agent_play_is_unchanged() -> None:
    session = WatchSession(watch_config("env.id=rlgan/Pursuit-v0", play="true", max_frames=2))
    try:
        assert session.env_id == "rlgan/Pursuit-v0" and session.control is not None
        assert not hasattr(session.env, "team_panel")
    finally:
        session.close()


def test_command_line_exits_2_on_an_unknown_snapshot(arena_run) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from rlgan.apps.watch import main; main()",
            f"run={arena_run}",
            "red=7",
            "headless=true",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Invalid red='7'" in done.stderr + done.stdout
