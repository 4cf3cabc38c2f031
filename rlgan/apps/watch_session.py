"""One ``rlgan-watch`` window: the environment, who acts in it, the keys and the drawing.

:class:`WatchSession` runs the loop; :mod:`rlgan.apps.watch_sources` supplies the environment
and the agent, :mod:`rlgan.apps.watch_panels` the side panel, :mod:`rlgan.render` the window.
pygame, numpy, torch and the agents are imported when a session starts, not with this module.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from rlgan.apps.watch_arena import ARENA_ID, is_arena_run, open_arena
from rlgan.apps.watch_config import PLAY_FPS, WATCH_FPS, check_watch_config, env_id_of
from rlgan.apps.watch_sources import check_watch_env_id, load_run, make_render_env

if TYPE_CHECKING:
    import numpy as np

    from rlgan.apps.agents import Decision, PolicyAgent, RandomAgent
    from rlgan.render.keys import KeyControl
    from rlgan.render.panels import HudLine, Panel

PANEL_WIDTH = 280
MIN_FRAME_HEIGHT = 480
MIN_WINDOW_HEIGHT = 360
MAX_FPS = 240
#: Rows of the HUD bar above the playfield; further HUD lines go into more columns.
HUD_ROWS = 3


@functools.cache
def speed_keys() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The pygame keys that speed the session up, and those that slow it down."""
    import pygame

    return ((pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS), (pygame.K_MINUS, pygame.K_KP_MINUS))


@dataclass
class WatchResult:
    """What a watch session did: returns of finished episodes, frames shown, files saved."""

    returns: list[float] = field(default_factory=list)
    frames: int = 0
    steps: int = 0
    screenshots: list[Path] = field(default_factory=list)
    recording: Path | None = None
    #: The winning team of each finished game, for environments that name one (arenas).
    winners: list[str] = field(default_factory=list)


def auto_scale(frame_height: int) -> float:
    """Window scale that shows a frame at least ``MIN_FRAME_HEIGHT`` pixels high.

    Large enlargements are rounded to whole numbers so grid worlds stay crisp.
    """
    scale = max(1.0, MIN_FRAME_HEIGHT / frame_height)
    return float(round(scale)) if scale >= 1.5 else scale


class WatchSession:
    """One ``rlgan-watch`` window: the environment, who acts, and the key handling.

    :meth:`frame` runs one iteration (keys, maybe a step, draw); :meth:`run` loops until the
    episodes are done, ``max_frames`` is reached or the window is closed. When you play a
    real-time game, each episode starts with a "ready" pause of ``cfg.ready`` seconds on
    ``clock`` (any key ends it).
    """

    def __init__(self, cfg: DictConfig, clock: Callable[[], float] = time.monotonic) -> None:
        from rlgan.apps.agents import RandomAgent
        from rlgan.render.display import require_window, use_headless_driver
        from rlgan.render.keys import action_names, key_control
        from rlgan.render.panels import hud_height
        from rlgan.render.viewer import Viewer

        check_watch_config(cfg)
        if cfg.headless:
            use_headless_driver()
        else:
            require_window("rlgan-watch", instead="add headless=true to draw off-screen")
        self.cfg = cfg
        self.clock = clock
        self.control: KeyControl | None = None
        self.agent: PolicyAgent | RandomAgent | None = None
        if is_arena_run(cfg.run):
            self.env, self.agent = open_arena(cfg)
            self.env_id = ARENA_ID
        else:
            if cfg.run is not None or cfg.get("model") is not None:
                env_cfg, self.agent = load_run(cfg)
            else:
                env_cfg = {
                    "id": check_watch_env_id(env_id_of(cfg)),
                    "kwargs": dict(OmegaConf.to_container(cfg.env.kwargs) or {}),
                }
            self.env = make_render_env(env_cfg, int(cfg.seed))
            self.env_id = str(self.env.spec.id if self.env.spec else env_cfg["id"])
        if cfg.play:
            self.control = key_control(self.env_id, self.env.action_space, self.env)
        elif self.agent is None:
            self.agent = RandomAgent(self.env.action_space, int(cfg.seed))
        self.names = action_names(self.env_id, self.env.action_space, self.env)
        self.random = isinstance(self.agent, RandomAgent)
        self.result = WatchResult()
        self.paused = False
        self.deterministic = bool(cfg.deterministic)
        self.ready_until: float | None = None
        self._single_step = False
        self._key_queue: list[int] = []
        self._decision: Decision | None = None
        self.obs, _ = self.env.reset(seed=int(cfg.seed))
        self.episode = 1
        self.episode_step = 0
        self.episode_return = 0.0
        self._done = False
        frame = self._frame()
        height, width = frame.shape[:2]
        scale = float(cfg.scale) if cfg.scale is not None else auto_scale(height)
        panel = PANEL_WIDTH if cfg.panel else 0
        bar = hud_height(HUD_ROWS)
        size = (round(width * scale) + panel, max(round(height * scale) + bar, MIN_WINDOW_HEIGHT))
        fps = self.default_fps() if cfg.fps is None else int(cfg.fps)
        self.viewer = Viewer(
            size=size,
            caption=f"rlgan-watch: {self.env_id}",
            fps=fps,
            panel_width=panel,
            hud_rows=HUD_ROWS,
        )
        if cfg.record is not None:
            self.viewer.start_recording(cfg.record, fps=fps or WATCH_FPS)
        self._get_ready()

    def default_fps(self) -> int:
        """The frame-rate limit when ``fps`` is null: slower when you play in real time."""
        playing = self.control is not None and not self.control.turn_based
        return PLAY_FPS if playing else WATCH_FPS

    # ------------------------------------------------------------------ one iteration
    def frame(self) -> bool:
        """Handle keys, step the environment when due, draw; False when the session ends."""
        if self._done or not self.viewer.poll():
            return False
        pressed = self.viewer.take_keys()
        if self.ready_until is not None and (pressed or self.clock() >= self.ready_until):
            self.ready_until = None
            pressed = []  # the key that starts the episode does nothing else
        for key in pressed:
            self._handle_key(key)
        action = None if self.ready_until is not None else self._next_action(pressed)
        if action is not None:
            self._step(action)
        if not self.viewer.show(self._frame(), self._hud(), self._panels()):
            return False
        self.result.frames += 1
        max_frames = self.cfg.max_frames
        if max_frames is not None and self.result.frames >= max_frames:
            self._done = True
        return not self._done

    def run(self) -> WatchResult:
        """Loop :meth:`frame` to the end, then close everything; return the result."""
        try:
            while self.frame():
                pass
        finally:
            self.close()
        return self.result

    def close(self) -> WatchResult:
        """Finish the recording, close the window and the environment."""
        if self.viewer.recording:
            self.result.recording = self.viewer.stop_recording()
        self.viewer.close()
        self.env.close()
        return self.result

    # ------------------------------------------------------------------ keys and actions
    def _handle_key(self, key: int) -> None:
        """Apply one control key (movement keys in play mode are left to the control)."""
        import pygame

        speed_up, slow_down = speed_keys()
        if key == pygame.K_SPACE:
            self.paused = not self.paused
        elif key == pygame.K_RIGHT and self.paused and self.control is None:
            self._single_step = True
        elif key in speed_up and self.viewer.fps > 0:
            self.viewer.fps = min(MAX_FPS, max(self.viewer.fps + 1, round(self.viewer.fps * 1.5)))
        elif key in slow_down:
            fps = self.viewer.fps or 60
            self.viewer.fps = max(1, min(fps - 1, round(fps / 1.5)))
        elif key == pygame.K_r:
            self._reset()
        elif key == pygame.K_s:
            self._screenshot()
        elif key == pygame.K_d and self.agent is not None and not self.random:
            self.deterministic = not self.deterministic
            self._decision = None

    def _next_action(self, pressed: list[int]) -> Any | None:
        """The action for this frame, or None to hold still (paused, or waiting for a key)."""
        if self.control is not None:
            # Turn-based games take one key press per frame, so fast typing is not lost.
            self._key_queue.extend(pressed)
            if self.paused:
                return None
            keys = [self._key_queue.pop(0)] if self._key_queue else []
            return self.control.action(keys, self.viewer.held_keys(self.control.keys))
        if self.paused and not self._single_step:
            return None
        self._single_step = False
        return self.decision().action

    def decision(self) -> Decision:
        """The agent's decision for the current observation (computed once per step)."""
        assert self.agent is not None
        if self._decision is None:
            self._decision = self.agent.decide(self.obs, self.deterministic, self.env)
        return self._decision

    def _step(self, action: Any) -> None:
        """Step the environment; finish the episode when it ends."""
        self.obs, reward, terminated, truncated, info = self.env.step(action)
        self._decision = None
        self.episode_step += 1
        self.result.steps += 1
        self.episode_return += float(reward)
        if terminated or truncated:
            self.result.returns.append(self.episode_return)
            if "winner" in info:  # a game between teams (an arena run)
                self.result.winners.append(str(info["winner"]))
            episodes = int(self.cfg.episodes)
            if episodes and len(self.result.returns) >= episodes:
                self._done = True
            else:
                self._reset()

    def _reset(self) -> None:
        """Start the next episode."""
        self.obs, _ = self.env.reset()
        self._decision = None
        if self.agent is not None:
            self.agent.reset()  # a recurrent policy forgets its hidden state
        self.episode += 1
        self.episode_step = 0
        self.episode_return = 0.0
        self._get_ready()

    def _get_ready(self) -> None:
        """Start the "ready" pause of an episode you play in real time (``ready`` seconds)."""
        ready = float(self.cfg.get("ready") or 0)
        if self.control is not None and self.control.real_time and ready > 0:
            self.ready_until = self.clock() + ready
            self._key_queue.clear()

    def _screenshot(self) -> None:
        """Save the window to ``screenshot_dir`` as a PNG."""
        folder = Path(str(self.cfg.screenshot_dir)).expanduser()
        name = self.env_id.replace("/", "-")
        path = (
            folder / f"rlgan-watch-{name}-{time.strftime('%Y%m%d-%H%M%S')}-"
            f"{self.result.frames:06d}.png"
        )
        self.result.screenshots.append(self.viewer.screenshot(path))
        print(f"rlgan-watch: screenshot saved to {path}")

    # ------------------------------------------------------------------ drawing
    def _frame(self) -> np.ndarray:
        """The environment's current RGB frame."""
        return self.env.render()

    def mode(self) -> str:
        """How actions are picked: keyboard, random, deterministic or stochastic."""
        if self.control is not None:
            return "keyboard"
        if self.random:
            return "random"
        return "deterministic" if self.deterministic else "stochastic"

    def _hud(self) -> list[HudLine]:
        """Who acts, episode, step, return, recent returns, fps and mode; then the status."""
        from rlgan.render.panels import ACCENT

        episodes = int(self.cfg.episodes)
        last = ", ".join(f"{r:.1f}" for r in self.result.returns[-3:]) or "-"
        who = "you (keyboard)" if self.control is not None else self.agent.label
        limit = self.viewer.fps or "none"
        lines: list[HudLine] = [
            f"{who} on {self.env_id}",
            f"episode {self.episode}{f'/{episodes}' if episodes else ''}  step {self.episode_step}",
            f"return {self.episode_return:.1f}  last {last}",
            f"fps {self.viewer.measured_fps:.0f} (limit {limit})  {self.mode()}",
        ]
        extra = getattr(self.env, "hud_lines", None)
        if callable(extra):
            lines += [str(line) for line in extra()]
        core = getattr(self.env.unwrapped, "core", None)
        if core is not None and hasattr(core, "hud"):
            lines += [str(line) for line in core.hud(0)]
        if self.ready_until is not None:
            left = max(0.0, self.ready_until - self.clock())
            lines.append((f"READY: any key starts ({left:.1f} s)", ACCENT))
        elif self.paused:
            lines.append(("PAUSED: space resumes" + ("" if self.control else ", -> steps"), ACCENT))
        return lines

    def _panels(self) -> list[Panel]:
        """The side panels of this frame (:data:`rlgan.apps.watch_panels.WATCH_PANELS`)."""
        from rlgan.apps.watch_panels import watch_panels

        return watch_panels(self)
