"""What rlgan-watch shows and at what pace: the HUD bar, "random", play speed, the ready pause."""

from __future__ import annotations

import numpy as np
import pygame
import pytest
from omegaconf import DictConfig

from rlgan.apps.watch import OPEN_NODES, WatchSession
from rlgan.apps.watch_config import PLAY_FPS, WATCH_FPS
from rlgan.common.hydra_cli import open_node_overrides
from rlgan.render.panels import ACCENT, hud_text


def watch_config(*overrides: str, **options: object) -> DictConfig:
    """Compose rlgan-watch's config as its command line would (headless, fps=0 unless given)."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    args = [*overrides, *(f"{key}={value}" for key, value in options.items())]
    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="rlgan.conf.watch", version_base="1.3"):
        return compose(
            config_name="watch",
            overrides=open_node_overrides(["fps=0", "headless=true", *args], OPEN_NODES),
        )


class FakeClock:
    """A clock the test moves by hand (the ready pause reads it)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _session(*overrides: str, clock: FakeClock | None = None, **options) -> WatchSession:
    cfg = watch_config(*overrides, **options)
    return WatchSession(cfg, clock=clock) if clock is not None else WatchSession(cfg)


def _post(*keys: int) -> None:
    for key in keys:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))


def _texts(session: WatchSession) -> list[str]:
    return [hud_text(line)[0] for line in session._hud()]


def _crop(image: np.ndarray, rect: pygame.Rect) -> np.ndarray:
    return image[rect.top : rect.bottom, rect.left : rect.right]


@pytest.mark.parametrize("panel", [True, False])
def test_pursuit_hud_sits_above_the_arena_and_never_covers_the_goal(panel):
    session = _session("env.id=rlgan/Pursuit-v0", f"panel={str(panel).lower()}", episodes=0)
    try:
        session.paused = True  # a PAUSED line too: the longest HUD there is
        assert session.frame()
        layout = session.viewer.layout
        assert not layout.hud.colliderect(layout.frame)
        assert layout.hud.bottom <= layout.frame.top and layout.hud.height > 0
        shown = session.viewer.capture()
        # The same frame without HUD text: the playfield must be pixel for pixel the same.
        session.viewer.draw(session._frame(), None, session._panels())
        bare = session.viewer.capture()
        assert (_crop(shown, layout.frame) == _crop(bare, layout.frame)).all()
        assert (_crop(shown, layout.hud) != _crop(bare, layout.hud)).any()
        # The whole arena is shown at the auto scale (>= 480 px high), goal zone included.
        frame = session._frame()
        target = session.viewer.blit_frame(frame, layout.frame)
        assert target.height >= 480 and layout.frame.contains(target)
        from rlgan.envs.pursuit import COLOURS

        goal = np.all(_crop(shown, layout.frame) == COLOURS["goal"], axis=2)
        assert goal.sum() > 100  # the goal zone is in plain sight
        status = [line for line in session._hud() if isinstance(line, tuple)]
        assert status == [("PAUSED: space resumes, -> steps", ACCENT)]
        accent = np.abs(_crop(shown, layout.hud).astype(int) - ACCENT).sum(axis=2) < 10
        assert accent.sum() > 20  # the status line is drawn in the bar, highlighted
    finally:
        session.close()


def test_a_random_agent_is_called_random_and_d_does_not_pretend_otherwise():
    session = _session("env.id=CartPole-v1", episodes=0)
    try:
        assert session.frame()
        text = "\n".join(_texts(session))
        assert "random" in text.splitlines()[3] and "deterministic" not in text
        _post(pygame.K_d)
        session.frame()
        assert session.mode() == "random" and "stochastic" not in "\n".join(_texts(session))
    finally:
        session.close()


@pytest.mark.parametrize(
    ("overrides", "fps"),
    [
        (["env.id=rlgan/Pursuit-v0", "play=true"], PLAY_FPS),  # real time: a human pace
        (["env.id=CartPole-v1", "play=true"], PLAY_FPS),  # steps while a key is held
        (["env.id=rlgan/Maze-v0", "play=true"], WATCH_FPS),  # turn based: pace is yours
        (["env.id=rlgan/Pursuit-v0"], WATCH_FPS),  # watching an agent
        (["env.id=rlgan/Pursuit-v0", "play=true", "fps=24"], 24),  # fps= overrides
        (["env.id=rlgan/Pursuit-v0", "play=true", "fps=0"], 0),
    ],
)
def test_default_frame_rate_is_slower_when_you_play(overrides, fps):
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="rlgan.conf.watch", version_base="1.3"):
        cfg = compose(config_name="watch", overrides=["headless=true", *overrides])
    session = WatchSession(cfg)
    try:
        assert session.viewer.fps == fps
    finally:
        session.close()
    assert PLAY_FPS < WATCH_FPS


def test_each_real_time_episode_starts_with_a_ready_pause():
    clock = FakeClock()
    session = _session("env.id=rlgan/Pursuit-v0", play="true", ready=1.0, clock=clock)
    try:
        for _ in range(3):
            assert session.frame()
        assert session.result.steps == 0  # the pursuers wait
        (status,) = [line for line in session._hud() if isinstance(line, tuple)]
        assert status == ("READY: any key starts (1.0 s)", ACCENT)
        clock.now += 0.6
        assert session.frame() and session.result.steps == 0
        assert "READY: any key starts (0.4 s)" in _texts(session)
        clock.now += 0.5  # the second is over: the game runs (real time, no key: stay)
        assert session.frame() and session.result.steps == 1
        assert not any(isinstance(line, tuple) for line in session._hud())
        session._reset()  # the next episode waits again
        assert session.frame() and session.result.steps == 1
        _post(pygame.K_SPACE)  # any key starts at once; it does nothing else (no pause)
        assert session.frame() and session.ready_until is None and not session.paused
        assert session.result.steps == 2
        assert session.frame() and session.result.steps == 3
    finally:
        session.close()


def test_no_ready_pause_when_watching_turn_based_or_ready_0():
    for overrides in (
        ["env.id=rlgan/Pursuit-v0"],  # an agent plays
        ["env.id=rlgan/Maze-v0", "play=true"],  # waits for your keys anyway
        ["env.id=rlgan/Pursuit-v0", "play=true", "ready=0"],
    ):
        session = _session(*overrides, clock=FakeClock())
        try:
            assert session.ready_until is None
        finally:
            session.close()
