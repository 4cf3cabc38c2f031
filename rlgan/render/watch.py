"""``rlgan-watch``: watch a trained agent, a random agent, or play an environment yourself.

::

    rlgan-watch run=outputs/rl/<date>/<time>          # the run's best model, 3 episodes
    rlgan-watch run=<dir> which=final episodes=0      # final model, until the window closes
    rlgan-watch env=Acrobot-v1                        # a random agent on any Gymnasium id
    rlgan-watch env=rlgan/Pursuit-v0 play=true        # you play, with the arrow keys
    rlgan-watch run=<dir> record=cartpole.gif headless=true max_frames=300

Keys: space pause/resume, right arrow one step while paused, +/- speed, r reset the episode,
s screenshot, d deterministic/stochastic, q or Esc quit. Options are in ``conf/watch.yaml``.

Importing this module costs Hydra only: pygame, numpy, torch and the agents are imported once a
session starts, so ``rlgan-watch --help`` and a command line Hydra refuses (exit 2, see
:mod:`rlgan.common.hydra_cli`) stay fast.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from rlgan.common.errors import ConfigError, invalid_choice, require, require_positive
from rlgan.common.hydra_cli import hydra_command

if TYPE_CHECKING:
    import numpy as np

    from rlgan.render.agents import Decision, PolicyAgent, RandomAgent
    from rlgan.render.keys import KeyControl
    from rlgan.render.panels import Panel

log = logging.getLogger(__name__)

#: rlgan-watch's own config package: in ``rlgan.conf`` ``env`` is a config group, so Hydra
#: would take ``env=CartPole-v1`` for a file choice instead of a value.
WATCH_CONFIG_PATH = "pkg://rlgan.conf.watch"
WHICH_CHOICES = ("best", "final")
PANEL_WIDTH = 280
MIN_FRAME_HEIGHT = 480
MAX_FPS = 240
KEY_HELP = ("space pause, -> step, +/- speed", "r reset, s screenshot, d det/stoch, q quit")


@functools.cache
def speed_keys() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The pygame keys that speed the session up, and those that slow it down."""
    import pygame

    return ((pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS),
            (pygame.K_MINUS, pygame.K_KP_MINUS))


@dataclass
class WatchResult:
    """What a watch session did: returns of finished episodes, frames shown, files saved."""

    returns: list[float] = field(default_factory=list)
    frames: int = 0
    steps: int = 0
    screenshots: list[Path] = field(default_factory=list)
    recording: Path | None = None


def check_watch_config(cfg: DictConfig) -> None:
    """Validate the cheap options before any model or environment is loaded."""
    from rlgan.common.device import resolve_device
    from rlgan.render.recorder import check_video_path

    require(cfg.run is not None or cfg.env is not None,
            "rlgan-watch needs run=<run folder> (watch a trained agent) or env=<Gymnasium id> "
            "(a random agent; add play=true to play it yourself), e.g. "
            "rlgan-watch env=CartPole-v1.")
    require(cfg.run is None or cfg.env is None,
            f"Invalid run={cfg.run!r} with env={cfg.env!r}: give one of them. run= plays the "
            "environment the run was trained on.")
    require(not (cfg.play and cfg.run is not None),
            f"Invalid play=true with run={cfg.run!r}: play=true is for you to play "
            "env=<id> yourself; drop it to watch the run's agent.")
    if cfg.which not in WHICH_CHOICES:
        raise invalid_choice("which", cfg.which, WHICH_CHOICES)
    for knob in ("episodes", "fps"):
        value = cfg[knob]
        require(isinstance(value, int) and not isinstance(value, bool) and value >= 0,
                f"Invalid {knob}={value!r}: it must be an integer >= 0 (0: "
                f"{'until the window is closed' if knob == 'episodes' else 'no limit'}).")
    if cfg.scale is not None:
        require_positive("scale", cfg.scale)
    if cfg.max_frames is not None:
        require(isinstance(cfg.max_frames, int) and cfg.max_frames > 0,
                f"Invalid max_frames={cfg.max_frames!r}: it must be an integer >= 1 or null.")
    if cfg.record is not None:
        check_video_path(cfg.record)
    resolve_device(cfg.device)


def check_watch_env_id(env_id: Any) -> str:
    """Return ``env_id`` if Gymnasium knows it, else a ConfigError with close matches."""
    import difflib

    import gymnasium as gym

    import rlgan.envs  # noqa: F401 - registers rlgan/... ids

    if isinstance(env_id, str) and (env_id in gym.registry or ":" in env_id):
        return env_id
    names = sorted(gym.registry)
    close = difflib.get_close_matches(str(env_id), names, n=4, cutoff=0.5)
    hint = f"Close matches: {', '.join(close)}." if close else \
        f"Registered ids include {', '.join(names[:6])}, ..."
    raise ConfigError(f"Invalid env={env_id!r}: no Gymnasium environment is registered under "
                      f"that id. {hint} Any registered Gymnasium id works, e.g. "
                      "env=CartPole-v1, env=rlgan/Pursuit-v0 or env=rlgan/Maze-v0.")


def _load_run(cfg: DictConfig) -> tuple[Any, PolicyAgent, str, DictConfig]:
    """The run's environment config, agent and env id; clear errors for broken folders."""
    from rlgan.common.device import resolve_device
    from rlgan.common.run_dir import load_run_config
    from rlgan.render.agents import PolicyAgent
    from rlgan.rl.model_io import load_run_model, run_model_path

    run_dir = Path(str(cfg.run)).expanduser()
    run_cfg = load_run_config(run_dir, "run")
    if run_cfg.get("app") != "rl" or "env" not in run_cfg:
        raise ConfigError(f"Invalid run={str(cfg.run)!r}: it is not an rlgan-rl run (its "
                          f"config has app={run_cfg.get('app')!r}). rlgan-watch plays "
                          "agents trained by rlgan-rl.")
    model_path = run_model_path(run_dir, str(cfg.which))
    try:
        model, run_cfg = load_run_model(run_dir, str(cfg.which),
                                        device=str(resolve_device(cfg.device)))
    except (OSError, ValueError, KeyError, RuntimeError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(f"Invalid run={str(cfg.run)!r}: its model {str(model_path)!r} could "
                          f"not be loaded ({type(err).__name__}: {err}). The file may be "
                          "damaged or written by an incompatible version.") from err
    try:
        env_cfg = OmegaConf.to_container(run_cfg.env, resolve=True)
    except Exception as err:  # noqa: BLE001 - any resolution failure is the folder's fault
        raise ConfigError(f"Invalid run={str(cfg.run)!r}: its env config cannot be resolved "
                          f"here ({err}).") from err
    label = f"{str(run_cfg.algo.name).upper()} ({model_path.name})"
    return env_cfg, PolicyAgent(model, label), str(env_cfg["id"]), run_cfg


def _make_render_env(env_cfg: dict[str, Any], seed: int) -> Any:
    """The environment with ``render_mode="rgb_array"``; a ConfigError if it cannot render."""
    import gymnasium as gym
    import numpy as np

    from rlgan.rl.env_factory import check_env_id, make_env

    env_id = check_env_id(env_cfg["id"])
    declared = _declared_render_modes(env_id)
    if declared is not None and "rgb_array" not in declared:
        raise ConfigError(f"Invalid env={env_id!r}: it cannot render RGB frames (its render "
                          f"modes are {declared or 'none'}; rlgan-watch needs 'rgb_array'). "
                          "Watch an environment that supports render_mode='rgb_array'.")
    try:
        env = make_env(env_cfg, seed=seed, render_mode="rgb_array")
    except (TypeError, ValueError, gym.error.Error) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(f"Invalid env={env_id!r}: it could not be made with "
                          f"render_mode='rgb_array' ({type(err).__name__}: {err}).") from err
    modes = list(env.unwrapped.metadata.get("render_modes") or [])
    frame = env.render() if "rgb_array" in modes else None
    if not (isinstance(frame, np.ndarray) and frame.ndim == 3 and frame.shape[2] in (3, 4)):
        env.close()
        raise ConfigError(f"Invalid env={env_id!r}: it cannot render RGB frames (its render "
                          f"modes are {modes or 'none'}; rlgan-watch needs 'rgb_array'). "
                          "Watch an environment that supports render_mode='rgb_array'.")
    return env


def auto_scale(frame_height: int) -> float:
    """Window scale that shows a frame at least ``MIN_FRAME_HEIGHT`` pixels high.

    Large enlargements are rounded to whole numbers so grid worlds stay crisp.
    """
    scale = max(1.0, MIN_FRAME_HEIGHT / frame_height)
    return float(round(scale)) if scale >= 1.5 else scale


def _declared_render_modes(env_id: str) -> list[str] | None:
    """The render modes an environment class declares in its metadata (None: unknown)."""
    import gymnasium as gym
    from gymnasium.envs.registration import load_env_creator

    try:
        entry = gym.spec(env_id).entry_point
        creator = load_env_creator(entry) if isinstance(entry, str) else entry
    except Exception:  # noqa: BLE001 - gym.make reports a broken entry point itself
        return None
    metadata = getattr(creator, "metadata", None)
    if not isinstance(metadata, dict) or "render_modes" not in metadata:
        return None
    return list(metadata["render_modes"] or [])


class WatchSession:
    """One ``rlgan-watch`` window: the environment, who acts, and the key handling.

    :meth:`frame` runs one iteration (keys, maybe a step, draw); :meth:`run` loops until the
    episodes are done, ``max_frames`` is reached or the window is closed.
    """

    def __init__(self, cfg: DictConfig) -> None:
        from rlgan.render.agents import RandomAgent
        from rlgan.render.display import use_headless_driver
        from rlgan.render.keys import action_names, key_control
        from rlgan.render.viewer import Viewer

        check_watch_config(cfg)
        self.cfg = cfg
        self.control: KeyControl | None = None
        self.agent: PolicyAgent | RandomAgent | None = None
        if cfg.run is not None:
            env_cfg, self.agent, self.env_id, _ = _load_run(cfg)
        else:
            env_cfg = {"id": check_watch_env_id(cfg.env),
                       "kwargs": OmegaConf.to_container(cfg.env_kwargs)}
        self.env = _make_render_env(env_cfg, int(cfg.seed))
        self.env_id = str(self.env.spec.id if self.env.spec else env_cfg["id"])
        if cfg.play:
            self.control = key_control(self.env_id, self.env.action_space)
        elif self.agent is None:
            self.agent = RandomAgent(self.env.action_space, int(cfg.seed))
        self.names = action_names(self.env_id, self.env.action_space, self.env)
        self.result = WatchResult()
        self.paused = False
        self.deterministic = bool(cfg.deterministic)
        self._single_step = False
        self._key_queue: list[int] = []
        self._decision: Decision | None = None
        self.obs, _ = self.env.reset(seed=int(cfg.seed))
        self.episode = 1
        self.episode_step = 0
        self.episode_return = 0.0
        self._done = False
        frame = self._frame()
        if cfg.headless:
            use_headless_driver()
        height, width = frame.shape[:2]
        scale = float(cfg.scale) if cfg.scale is not None else auto_scale(height)
        panel = PANEL_WIDTH if cfg.panel else 0
        size = (round(width * scale) + panel, max(round(height * scale), 360))
        self.viewer = Viewer(size=size, caption=f"rlgan-watch: {self.env_id}",
                             fps=int(cfg.fps), panel_width=panel)
        if cfg.record is not None:
            self.viewer.start_recording(cfg.record, fps=int(cfg.fps) or 30)

    # ------------------------------------------------------------------ one iteration
    def frame(self) -> bool:
        """Handle keys, step the environment when due, draw; False when the session ends."""
        if self._done or not self.viewer.poll():
            return False
        pressed = self.viewer.take_keys()
        for key in pressed:
            self._handle_key(key)
        action = self._next_action(pressed)
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
        elif key == pygame.K_d and self.agent is not None:
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
            return self.control.action(keys, self.viewer.held_keys())
        if self.paused and not self._single_step:
            return None
        self._single_step = False
        return self.decision().action

    def decision(self) -> Decision:
        """The agent's decision for the current observation (computed once per step)."""
        assert self.agent is not None
        if self._decision is None:
            self._decision = self.agent.decide(self.obs, self.deterministic)
        return self._decision

    def _step(self, action: Any) -> None:
        """Step the environment; finish the episode when it ends."""
        self.obs, reward, terminated, truncated, _ = self.env.step(action)
        self._decision = None
        self.episode_step += 1
        self.result.steps += 1
        self.episode_return += float(reward)
        if terminated or truncated:
            self.result.returns.append(self.episode_return)
            episodes = int(self.cfg.episodes)
            if episodes and len(self.result.returns) >= episodes:
                self._done = True
            else:
                self._reset()

    def _reset(self) -> None:
        """Start the next episode."""
        self.obs, _ = self.env.reset()
        self._decision = None
        self.episode += 1
        self.episode_step = 0
        self.episode_return = 0.0

    def _screenshot(self) -> None:
        """Save the window to ``screenshot_dir`` as a PNG."""
        folder = Path(str(self.cfg.screenshot_dir)).expanduser()
        name = self.env_id.replace("/", "-")
        path = folder / f"rlgan-watch-{name}-{time.strftime('%Y%m%d-%H%M%S')}-" \
                        f"{self.result.frames:06d}.png"
        self.result.screenshots.append(self.viewer.screenshot(path))
        print(f"rlgan-watch: screenshot saved to {path}")

    # ------------------------------------------------------------------ drawing
    def _frame(self) -> np.ndarray:
        """The environment's current RGB frame."""
        return self.env.render()

    def _hud(self) -> list[str]:
        """Episode, step, return, recent returns, fps and mode."""
        episodes = int(self.cfg.episodes)
        last = ", ".join(f"{r:.1f}" for r in self.result.returns[-3:]) or "-"
        who = "you (keyboard)" if self.control is not None else self.agent.label
        mode = "" if self.control is not None else \
            ("  deterministic" if self.deterministic else "  stochastic")
        limit = self.viewer.fps or "none"
        lines = [
            f"{who} on {self.env_id}",
            f"episode {self.episode}{f'/{episodes}' if episodes else ''}  "
            f"step {self.episode_step}",
            f"return {self.episode_return:.1f}  last {last}",
            f"fps {self.viewer.measured_fps:.0f} (limit {limit}){mode}",
        ]
        core = getattr(self.env.unwrapped, "core", None)
        if core is not None and hasattr(core, "hud"):
            lines += [str(line) for line in core.hud(0)]
        if self.paused:
            lines.append("PAUSED: space resumes" + ("" if self.control else ", -> steps"))
        return lines

    def _panels(self) -> list[Panel]:
        """Action values (agents) or key help (play), then the episode returns."""
        from rlgan.render.panels import Sparkline, TextPanel

        panels: list[Panel] = []
        if self.control is not None:
            panels.append(TextPanel([self.control.help, "space pause, r reset",
                                     "s screenshot, q quit"], title="keys"))
        else:
            chart = self.decision().panel(self.names)
            if chart is not None:
                panels.append(chart)
        panels.append(Sparkline(self.result.returns[-50:] or [self.episode_return],
                                title="episode return"))
        if self.control is None:
            panels.append(TextPanel(list(KEY_HELP), title="keys"))
        return panels


def watch(cfg: DictConfig) -> WatchResult:
    """Run ``rlgan-watch`` with a composed config (see ``conf/watch.yaml``)."""
    return WatchSession(cfg).run()


def watch_objective(cfg: DictConfig) -> float:
    """:func:`watch`, returning the mean return of the finished episodes (NaN when none)."""
    import numpy as np

    result = watch(cfg)
    if result.recording is not None:
        print(f"rlgan-watch: recording saved to {result.recording}")
    mean = float(np.mean(result.returns)) if result.returns else float("nan")
    print(f"rlgan-watch: {len(result.returns)} episode(s), mean return {mean:.2f}, "
          f"{result.frames} frames")
    return mean


@hydra_command(config_path=WATCH_CONFIG_PATH, config_name="watch")
def main(cfg: DictConfig) -> None:
    """Entry point of ``rlgan-watch``."""
    from rlgan.common.app import run_app

    run_app("rlgan-watch", watch_objective, cfg)
