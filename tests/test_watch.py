"""rlgan-watch: trained / random agents, keys, recording and clear errors (headless)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import imageio.v3 as iio
import numpy as np
import pygame
import pytest
import torch
from omegaconf import OmegaConf

from rlgan.apps.watch import WatchSession, watch
from rlgan.common.errors import ConfigError


def watch_config(*overrides, **options):
    """Compose rlgan-watch's config as its command line would (``key=value`` or options)."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    from rlgan.apps.watch import OPEN_NODES
    from rlgan.common.hydra_cli import open_node_overrides

    overrides = open_node_overrides(
        [*overrides, *(f"{key}={value}" for key, value in options.items())], OPEN_NODES
    )
    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="rlgan.conf.watch", version_base="1.3"):
        cfg = compose(config_name="watch", overrides=["fps=0", "headless=true", *overrides])
    return cfg


def _hud_text(session: WatchSession) -> str:
    """The session's HUD lines as one string (highlighted lines included)."""
    from rlgan.render.panels import hud_text

    return "\n".join(hud_text(line)[0] for line in session._hud())


def _train_run(folder: Path, *overrides: str) -> Path:
    """A real, tiny rlgan-rl run on CartPole (a run folder with config and models)."""
    from rlgan.common.app import compose_config
    from rlgan.rl.train import train

    cfg = compose_config(
        "rl",
        [
            "total_timesteps=1024",
            "eval.freq=0",
            "eval.final_episodes=1",
            "log.tensorboard=false",
            "checkpoint.freq=0",
            "progress_bar=false",
            *overrides,
        ],
    )
    train(cfg, run_dir=folder)
    assert (folder / "best_model.zip").is_file()
    return folder


@pytest.fixture(scope="module")
def ppo_run(tmp_path_factory):
    return _train_run(tmp_path_factory.mktemp("ppo") / "run")


@pytest.fixture(scope="module")
def dqn_run(tmp_path_factory):
    return _train_run(tmp_path_factory.mktemp("dqn") / "run", "algo=dqn")


def test_random_agent_plays_the_requested_episodes():
    result = watch(watch_config("env.id=CartPole-v1", episodes=2, seed=3))
    assert len(result.returns) == 2
    assert all(9 <= r <= 200 for r in result.returns)  # random CartPole episodes are short
    assert result.steps == sum(result.returns)  # CartPole pays 1 per step
    assert result.frames == result.steps  # one frame per step, the last one included


def test_trained_ppo_run_shows_its_action_probabilities(ppo_run, tmp_path):
    session = WatchSession(watch_config(run=ppo_run, episodes=1))
    try:
        assert session.agent.label == "PPO (best_model.zip)"
        obs = session.obs
        assert session.frame()
        decision = session.decision()  # for the new observation
        model = session.agent.model
        with torch.no_grad():
            obs_t, _ = model.policy.obs_to_tensor(session.obs)
            probs = model.policy.get_distribution(obs_t).distribution.probs[0].numpy()
        assert decision.kind == "probabilities"
        np.testing.assert_allclose(decision.values, probs, rtol=1e-5)
        assert decision.action == int(np.argmax(probs))  # deterministic=true
        assert not np.array_equal(obs, session.obs)
        shot = iio.imread(session.viewer.screenshot(tmp_path / "ppo.png"))
        width, height = session.viewer.size
        assert shot.shape == (height, width, 3)
        panel = shot[:, width - 280 :]
        assert (np.abs(panel.astype(int) - (255, 170, 40)).sum(axis=2) < 10).sum() > 50
        assert "deterministic" in _hud_text(session)
    finally:
        session.close()


def test_dqn_run_shows_q_values(dqn_run):
    session = WatchSession(watch_config(run=dqn_run, which="best"))
    try:
        decision = session.decision()
        with torch.no_grad():
            obs_t, _ = session.agent.model.policy.obs_to_tensor(session.obs)
            q = session.agent.model.policy.q_net(obs_t)[0].numpy()
        assert decision.kind == "Q-values"
        np.testing.assert_allclose(decision.values, q, rtol=1e-5)
        assert decision.action == int(np.argmax(q))
        assert session.decision().panel(session.names).labels == ["left", "right"]
    finally:
        session.close()


def _post(*keys):
    for key in keys:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))


def test_keys_pause_step_speed_toggle_screenshot_reset_quit(ppo_run, tmp_path):
    session = WatchSession(watch_config(run=ppo_run, episodes=0, fps=30, screenshot_dir=tmp_path))
    try:
        session.viewer.fps = 0  # keep the test fast; speed keys are checked on the attribute
        assert session.frame() and session.result.steps == 1
        _post(pygame.K_SPACE)
        assert session.frame() and session.paused and session.result.steps == 1
        assert session.frame() and session.result.steps == 1  # paused: no step
        assert "PAUSED: space resumes" in _hud_text(session)
        _post(pygame.K_RIGHT)
        assert session.frame() and session.result.steps == 2  # one single step
        assert session.frame() and session.result.steps == 2
        session.viewer.fps = 30
        _post(pygame.K_PLUS)
        session.frame()
        assert session.viewer.fps == 45
        _post(pygame.K_MINUS, pygame.K_MINUS)
        session.frame()
        assert session.viewer.fps == 20
        session.viewer.fps = 0
        _post(pygame.K_d)
        session.frame()
        assert session.deterministic is False
        _post(pygame.K_s)
        session.frame()
        (shot,) = session.result.screenshots
        assert shot.parent == tmp_path and iio.imread(shot).shape[2] == 3
        _post(pygame.K_r)
        session.frame()
        assert session.episode == 2 and session.episode_step == 0
        _post(pygame.K_SPACE)  # resume
        assert session.frame() and session.result.steps == 3
        _post(pygame.K_q)
        assert session.frame() is False
        assert session.viewer.closed
    finally:
        session.close()


def test_play_mode_moves_the_maze_agent_on_key_presses():
    session = WatchSession(watch_config("env.id=rlgan/Maze-v0", play="true"))
    try:
        assert session.frame() and session.result.steps == 0  # turn based: waits for keys
        core = session.env.unwrapped.core
        _post(pygame.K_RIGHT)  # the start cell is the top-left one: right or down is open
        _post(pygame.K_DOWN)
        start = core.pos.copy()
        session.frame()
        session.frame()
        assert session.result.steps == 2
        assert not np.array_equal(core.pos, start)
        assert "keys" in [p.title for p in session._panels()]
    finally:
        session.close()


class _Lever(gym.Env):
    """A turn-based env that brings its own key map and action names."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}
    observation_space = gym.spaces.Box(-1, 1, (1,))
    action_space = gym.spaces.Discrete(3)
    action_names = ("idle", "pull", "push")
    play_noop = None  # turn based

    def __init__(self, render_mode=None):
        self.render_mode = render_mode
        self.actions = []

    def get_keys_to_action(self):
        return {(pygame.K_p,): 1, (pygame.K_o,): 2}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(1, np.float32), {}

    def step(self, action):
        self.actions.append(action)
        return np.zeros(1, np.float32), 1.0, False, False, {}

    def render(self):
        return np.zeros((48, 64, 3), np.uint8)


gym.register("rlgan-test/Lever-v0", entry_point=_Lever)


def test_play_mode_uses_the_environments_own_key_map():
    session = WatchSession(watch_config("env.id=rlgan-test/Lever-v0", play="true"))
    try:
        assert session.frame() and session.result.steps == 0
        _post(pygame.K_o, pygame.K_x, pygame.K_p)  # x is not in the map: skipped
        for _ in range(4):
            session.frame()
        assert session.env.unwrapped.actions == [2, 1]
        (keys,) = [p for p in session._panels() if p.title == "keys"]
        assert keys.lines[0] == "p/o: one move per press"
    finally:
        session.close()


def test_play_mode_on_pursuit_takes_the_envs_map():
    session = WatchSession(watch_config("env.id=rlgan/Pursuit-v0", play="true", ready=0))
    try:
        env = session.env.unwrapped
        assert session.control.keys_to_action == env.get_keys_to_action()
        assert session.control.noop == 0 and not session.control.turn_based
        assert session.frame() and session.result.steps == 1  # real time: no key, stay
        assert session.names[3] == "up"
    finally:
        session.close()


def test_a_panel_added_to_watch_panels_is_drawn(monkeypatch):
    from rlgan.apps import watch_panels
    from rlgan.render import TextPanel

    extra = TextPanel(["hello"], title="extra")
    monkeypatch.setattr(
        watch_panels, "WATCH_PANELS", [*watch_panels.WATCH_PANELS, lambda session: extra]
    )
    session = WatchSession(watch_config("env.id=CartPole-v1"))
    try:
        assert session._panels()[-1] is extra
        assert session.frame()
    finally:
        session.close()


def test_record_writes_a_gif_of_max_frames(tmp_path):
    path = tmp_path / "cartpole.gif"
    result = watch(watch_config("env.id=CartPole-v1", record=path, max_frames=6, episodes=0))
    assert result.frames == 6 and result.recording == path
    frames = iio.imread(path, index=None)
    assert frames.shape[0] == 6 and frames.shape[3] == 3


def test_run_folder_copied_from_another_machine_still_plays(ppo_run, tmp_path):
    moved = shutil.copytree(ppo_run, tmp_path / "elsewhere" / "run")
    config = moved / ".hydra" / "config.yaml"
    cfg = OmegaConf.load(config)  # as written on another machine: paths that do not exist here
    cfg.resume = "/home/someone-else/rlgan/outputs/rl/2026-01-01/00-00-00"
    cfg.data_dir = "/mnt/cluster/scratch/data"
    OmegaConf.save(cfg, config)
    result = watch(watch_config(run=moved, episodes=0, max_frames=20))
    assert result.frames == 20 and result.steps == 20


class _NoRender(gym.Env):
    metadata = {"render_modes": []}
    observation_space = gym.spaces.Box(-1, 1, (2,))
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(2, np.float32), {}

    def step(self, action):
        return np.zeros(2, np.float32), 0.0, True, False, {}


gym.register("rlgan-test/NoRender-v0", entry_point=_NoRender)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "needs run=<run folder>"),
        ({"env.id": "CartPole-v1", "run": "/tmp"}, "give one of them"),
        ({"run": "/tmp", "env.kwargs.size": 9}, "env.kwargs=.*is for env.id"),
        ({"env.id": "CartPole-v2"}, "Invalid env.id='CartPole-v2'.*Close matches: CartPole-v1"),
        ({"env.id": "rlgan-test/NoRender-v0"}, "cannot render RGB frames"),
        ({"env.id": "Pendulum-v1", "play": "true"}, "no keyboard mapping"),
        ({"env.id": "CartPole-v1", "which": "latest"}, "which='latest'.*best, final"),
        ({"env.id": "CartPole-v1", "episodes": -1}, "episodes=-1"),
        ({"env.id": "CartPole-v1", "fps": 2.5}, "fps=2.5.*or null"),
        ({"env.id": "CartPole-v1", "ready": -1}, "ready=-1"),
        ({"env.id": "CartPole-v1", "device": "tpu"}, "device='tpu'"),
        ({"env.id": "CartPole-v1", "record": "clip.avi"}, r"\.gif or \.mp4"),
        ({"env.id": "CartPole-v1", "env.kwargs.sutton_barto_rewad": True}, "sutton_barto_reward"),
        ({"run": "/nonexistent/outputs/rl/run"}, "no such folder"),
    ],
)
def test_bad_options_raise_one_clear_error(options, message):
    with pytest.raises(ConfigError, match=message):
        watch(watch_config(*(f"{key}={value}" for key, value in options.items())))


def test_run_folder_without_model_or_config(ppo_run, tmp_path):
    empty = tmp_path / "not_a_run"
    empty.mkdir()
    with pytest.raises(ConfigError, match="not an rlgan run"):
        watch(watch_config(run=empty))
    gan_run = tmp_path / "gan_run"
    (gan_run / ".hydra").mkdir(parents=True)
    (gan_run / ".hydra" / "config.yaml").write_text("app: gan\nseed: 0\n")
    with pytest.raises(ConfigError, match="not an rlgan-rl run.*written by rlgan-gan"):
        watch(watch_config(run=gan_run))
    no_model = shutil.copytree(ppo_run, tmp_path / "no_model")
    for model in ("best_model.zip", "model.zip"):
        (no_model / model).unlink()
    shutil.rmtree(no_model / "checkpoints", ignore_errors=True)
    with pytest.raises(ConfigError, match="holds no trained model"):
        watch(watch_config(run=no_model))
    broken = shutil.copytree(ppo_run, tmp_path / "broken")
    for model in (
        broken / "best_model.zip",
        broken / "model.zip",
        *(broken / "checkpoints").glob("step_*.zip"),
    ):
        model.write_bytes(b"not a zip file")  # a damaged best model alone falls back
    with pytest.raises(ConfigError, match="(?i)no loadable"):
        watch(watch_config(run=broken))


def test_command_line_error_is_one_paragraph_with_exit_code_2(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from rlgan.apps.watch import main; main()",
            f"run={tmp_path / 'missing'}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "rlgan-watch: error: Invalid run=" in result.stderr
    assert list(tmp_path.iterdir()) == []  # watching writes no output folder
