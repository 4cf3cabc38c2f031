"""The timeline GIF: games between the two teams' newest snapshots at several points of training.

At each evaluation the run records a clip, ``matches/step_<9 digits>.gif``: the first
:data:`CLIP_GAMES` games of the evaluation seeds (the same maps every time) between the
newest red and the newest blue snapshot, side by side in one tiled frame
(:func:`rlgan.common.imaging.tile_images`) under a caption naming the players. A game that
ended stays on its last frame until the others end. At the end of the run the clips are
joined, oldest first, into ``plots/timeline.gif``. Frames are the arena's own
``rgb_array`` drawings; files are written by :class:`rlgan.render.recorder.FrameRecorder`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from rlgan.arena.matches import MatchResult, play_matches
from rlgan.arena.policies import TeamPolicy
from rlgan.common.imaging import tile_images
from rlgan.render.recorder import FrameRecorder

CLIPS_DIR = "matches"
TIMELINE_GIF = "timeline.gif"
#: Games per clip, tiled 2 x 2.
CLIP_GAMES = 4
#: Side of one game's picture in a clip (pixels).
CLIP_SIZE = 160
#: One frame every this many arena steps.
CLIP_EVERY = 1
#: Frames per second of the GIFs (a game of 200 steps lasts about 13 s).
CLIP_FPS = 15
#: Frames the final position is held for, so that the outcome can be seen.
CLIP_HOLD = 15
#: Height of the caption strip above a clip's frames (pixels).
CAPTION_HEIGHT = 14


def clip_path(run_dir: str | os.PathLike, step: int) -> Path:
    """Where the clip recorded at arena step ``step`` is written."""
    return Path(run_dir) / CLIPS_DIR / f"step_{int(step):09d}.gif"


def captioned(frames: np.ndarray, caption: str) -> np.ndarray:
    """``(B, H, W, 3)`` uint8 frames tiled into one picture under a one-line caption."""
    grid = tile_images(frames.transpose(0, 3, 1, 2).astype(np.float32) / 255.0, columns=2)
    strip = Image.new("RGB", (grid.shape[1], CAPTION_HEIGHT), (255, 255, 255))
    ImageDraw.Draw(strip).text((3, 1), caption, fill=(0, 0, 0))
    return np.concatenate([np.asarray(strip), grid], axis=0)


class _FrameCollector:
    """A :data:`~rlgan.arena.matches.StepWatcher` keeping every ``every``-th tiled frame."""

    def __init__(self, caption: str, every: int) -> None:
        self.caption, self.every = caption, max(1, int(every))
        self.frames: list[np.ndarray] = []
        self._last: np.ndarray | None = None
        self._steps = 0

    def __call__(self, arena: Any, playing: np.ndarray) -> None:
        """Take the arenas' frames; a finished game keeps its last one."""
        now = arena.render()
        if self._last is None:
            self._last = now.copy()
        self._last[playing] = now[playing]
        self._steps += 1
        ended = not playing.any() or self._steps % self.every == 0
        if ended:
            self.frames.append(captioned(self._last, self.caption))

    def finish(self, hold: int = 0) -> list[np.ndarray]:
        """The frames, the final position included and shown ``hold`` more times."""
        if self._last is not None and self._steps % self.every:
            self.frames.append(captioned(self._last, self.caption))
        if self.frames:
            self.frames += [self.frames[-1]] * hold
        return self.frames


def record_clip(
    path: str | os.PathLike,
    make_arena: Any,
    red: TeamPolicy,
    blue: TeamPolicy,
    seed: int,
    caption: str,
) -> MatchResult:
    """Play :data:`CLIP_GAMES` games of ``red`` against ``blue`` and write them as a GIF.

    ``make_arena(n, render_mode=...)`` builds the arenas (a
    :class:`rlgan.envs.pursuit_arena.PursuitArenaVector`); returns the games' result.
    """

    def arenas(games: int) -> Any:
        arena = make_arena(games, render_mode="rgb_array")
        arena.render_size = CLIP_SIZE
        return arena

    collector = _FrameCollector(caption, CLIP_EVERY)
    result = play_matches(arenas, red, blue, CLIP_GAMES, seed, watch=collector)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    recorder = FrameRecorder(path, fps=CLIP_FPS)
    for frame in collector.finish(CLIP_HOLD):
        recorder.add(frame)
    recorder.close()
    return result


def read_gif(path: str | os.PathLike) -> list[np.ndarray]:
    """The RGB frames of a GIF."""
    import imageio.v3 as iio

    frames = np.asarray(iio.imread(path, index=None))
    if frames.ndim == 3:  # a single frame
        frames = frames[None]
    return [frame[..., :3] for frame in frames]


def join_clips(run_dir: str | os.PathLike, path: str | os.PathLike) -> Path | None:
    """Join the run's clips (oldest first) into one GIF at ``path``; None if it has none.

    Clips of another size than the newest one are left out (a GIF has one size).
    """
    clips = sorted((Path(run_dir) / CLIPS_DIR).glob("step_*.gif"))
    if not clips:
        return None
    frames = [frame for clip in clips for frame in read_gif(clip)]
    shape = frames[-1].shape
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    recorder = FrameRecorder(path, fps=CLIP_FPS, max_frames=len(frames))
    for frame in frames:
        if frame.shape == shape:
            recorder.add(frame)
    return recorder.close()
