"""Record RGB frames to an animated GIF or an MP4 video (imageio)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from rlgan.common.errors import ConfigError

#: File suffixes :class:`FrameRecorder` can write.
VIDEO_SUFFIXES = (".gif", ".mp4")


def check_video_path(path: str | os.PathLike, knob: str = "record") -> Path:
    """Validate a recording target (suffix, ffmpeg for MP4) before any work starts."""
    target = Path(path).expanduser()
    suffix = target.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise ConfigError(
            f"Invalid {knob}={str(path)!r}: the file must end in "
            f"{' or '.join(VIDEO_SUFFIXES)} (animated GIF or MP4 video)."
        )
    if suffix == ".mp4":
        try:
            import imageio_ffmpeg

            imageio_ffmpeg.get_ffmpeg_exe()
        except (ImportError, RuntimeError) as err:
            raise ConfigError(
                f"Invalid {knob}={str(path)!r}: MP4 needs the imageio-ffmpeg "
                f"package ({err}); install it (pip install imageio-ffmpeg) or "
                "record a .gif instead."
            ) from err
    from rlgan.common.writable import require_writable_file

    return require_writable_file(target, knob)


class FrameRecorder:
    """Collect frames (H x W x 3 uint8) and write them as a GIF or MP4 at ``fps``.

    MP4 frames stream to ffmpeg as they arrive; GIF frames are kept in memory (at most
    ``max_frames``, later ones are dropped) and written on :meth:`close`. The file appears
    under its final name only once complete (written beside it, then renamed).
    """

    def __init__(self, path: str | os.PathLike, fps: int = 30, max_frames: int = 3000) -> None:
        self.path = check_video_path(path)
        self.fps = max(1, int(fps))
        self.max_frames = int(max_frames)
        self.frame_count = 0
        self._frames: list[np.ndarray] = []
        self._tmp_path = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self._writer = None
        self._closed = False

    def add(self, frame: np.ndarray) -> None:
        """Append one RGB frame."""
        if self._closed or self.frame_count >= self.max_frames:
            return
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        if self.path.suffix.lower() == ".mp4":
            if self._writer is None:
                import imageio.v2 as imageio

                self._writer = imageio.get_writer(
                    self._tmp_path,
                    format="FFMPEG",
                    fps=self.fps,
                    codec="libx264",
                    macro_block_size=2,
                    quality=7,
                    pixelformat="yuv420p",
                    output_params=["-loglevel", "error"],
                )
            self._writer.append_data(_even_size(frame))
        else:
            self._frames.append(frame.copy())
        self.frame_count += 1

    def close(self) -> Path | None:
        """Write the file (if any frame was added) and return its path."""
        if self._closed:
            return self.path if self.path.exists() else None
        self._closed = True
        try:
            if self._writer is not None:
                self._writer.close()
            elif self._frames:
                import imageio.v3 as iio

                iio.imwrite(
                    self._tmp_path,
                    np.stack(self._frames),
                    extension=".gif",
                    duration=1000.0 / self.fps,
                    loop=0,
                )
                self._frames.clear()
            else:
                return None
            os.replace(self._tmp_path, self.path)
        finally:
            if self._tmp_path.exists():
                self._tmp_path.unlink()
        return self.path


def _even_size(frame: np.ndarray) -> np.ndarray:
    """Crop a frame to even width and height (yuv420p video needs both even)."""
    height, width = frame.shape[:2]
    return frame[: height - height % 2, : width - width % 2]
