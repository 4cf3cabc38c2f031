"""Pictures the apps draw: a grid of images, the points of a 2-D heat map, GIF files.

The GAN runner saves grids as PNGs (:mod:`rlgan.gan.visuals`) and the live viewer shows them
in a window (:mod:`rlgan.render`); the GAN runner's timeline and interpolation GIFs and the
notebook's rollout GIFs are written by :func:`save_gif` (imageio, imported when used).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def tile_images(
    images: np.ndarray,
    columns: int | None = None,
    pad: int = 1,
    background: tuple[int, int, int] = (255, 255, 255),
    upscale_to: int = 1,
) -> np.ndarray:
    """Tile ``(B, C, H, W)`` (or ``(B, H, W)``) images in [0, 1] into one ``(H', W', 3)`` uint8.

    ``C`` is 1 (grey) or 3 (RGB); NaNs become 0 and values are clipped to [0, 1]. Each image
    is upscaled by an integer factor so that its longer side reaches ``upscale_to`` pixels
    (1: no upscaling). ``columns`` defaults to a square-ish grid; ``pad`` pixels of
    ``background`` separate the cells.
    """
    batch = np.asarray(images, dtype=np.float32)
    if batch.ndim == 3:
        batch = batch[:, None]
    if batch.ndim != 4 or batch.shape[1] not in (1, 3) or batch.shape[0] == 0:
        raise ValueError(
            f"images of shape {batch.shape} are not (B, C, H, W) with B >= 1 and C 1 or 3."
        )
    rgb = np.clip(np.nan_to_num(batch), 0.0, 1.0)
    if rgb.shape[1] == 1:
        rgb = np.repeat(rgb, 3, axis=1)
    count, _, height, width = rgb.shape
    scale = max(1, math.ceil(upscale_to / max(height, width)))
    if scale > 1:
        rgb = rgb.repeat(scale, axis=2).repeat(scale, axis=3)
        height, width = height * scale, width * scale
    pixels = (rgb * 255).round().astype(np.uint8).transpose(0, 2, 3, 1)
    columns = max(1, columns or math.ceil(math.sqrt(count)))
    rows = math.ceil(count / columns)
    grid = np.empty((rows * (height + pad) + pad, columns * (width + pad) + pad, 3), np.uint8)
    grid[:] = background
    for index in range(count):
        row, col = divmod(index, columns)
        top, left = pad + row * (height + pad), pad + col * (width + pad)
        grid[top : top + height, left : left + width] = pixels[index]
    return grid


def heatmap_points(
    bounds: tuple[float, float, float, float], resolution: int = 80
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Axes and the ``(resolution**2, 2)`` float32 points of a grid covering ``bounds``.

    ``bounds`` is ``(x_min, x_max, y_min, y_max)``. Returns ``(xs, ys, points)``; evaluate a
    function on ``points`` and reshape the result to ``(len(ys), len(xs))``.
    """
    x0, x1, y0, y1 = (float(b) for b in bounds)
    if not (math.isfinite(x0 + x1 + y0 + y1) and x1 > x0 and y1 > y0):
        raise ValueError(
            f"bounds={bounds!r} must be finite (x_min, x_max, y_min, y_max) with "
            "x_min < x_max and y_min < y_max."
        )
    xs = np.linspace(x0, x1, resolution, dtype=np.float32)
    ys = np.linspace(y0, y1, resolution, dtype=np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return xs, ys, np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)


def save_gif(
    path: str | os.PathLike, frames: Sequence[np.ndarray], seconds_per_frame: float
) -> Path | None:
    """Atomically write ``(H, W, 3)`` uint8 ``frames`` as a looping GIF (None if no frames).

    Frames whose shape differs from the last one's are left out (a GIF has one size).
    """
    import imageio.v2 as imageio

    from rlgan.common.atomic import atomic_write_bytes

    if not frames:
        return None
    shape = np.asarray(frames[-1]).shape
    kept = [np.asarray(f, dtype=np.uint8) for f in frames if np.asarray(f).shape == shape]
    buffer = io.BytesIO()
    # imageio's GIF writer (Pillow) takes each frame's duration in milliseconds.
    duration_ms = round(1000 * seconds_per_frame)
    imageio.mimsave(buffer, kept, format="gif", duration=duration_ms, loop=0)
    return atomic_write_bytes(path, buffer.getvalue())
