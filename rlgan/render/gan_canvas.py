"""Pictures of a GAN's state for the live view: a 2-D decision surface, an image grid.

Both return a pygame surface of exactly the requested size.

- :func:`decision_surface`: the discriminator's probability of "real" over the plane as a
  heat map (orange: judged generated, white: undecided, blue: judged real), with the real
  points (blue) and the generated points (orange) on top;
- :func:`image_grid`: a grid of image samples (:func:`rlgan.common.imaging.tile_images`),
  scaled up without blurring.
"""

from __future__ import annotations

import numpy as np
import pygame

from rlgan.common.imaging import tile_images
from rlgan.render.panels import BACKGROUND

FAKE_COLOR = np.array((245, 147, 34), dtype=np.float32)
NEUTRAL_COLOR = np.array((232, 234, 235), dtype=np.float32)
REAL_COLOR = np.array((8, 119, 189), dtype=np.float32)
REAL_POINT = (10, 60, 150)
FAKE_POINT = (200, 80, 0)
OUTLINE = (255, 255, 255)
MAX_POINTS = 2000

Bounds = tuple[float, float, float, float]


def probability_colors(probabilities: np.ndarray) -> np.ndarray:
    """Map D's probabilities in [0, 1] to RGB uint8: orange (0), white (0.5), blue (1)."""
    p = np.clip(np.nan_to_num(np.asarray(probabilities, dtype=np.float32), nan=0.5), 0, 1)
    p = p[..., None]
    low = NEUTRAL_COLOR + (FAKE_COLOR - NEUTRAL_COLOR) * (1 - 2 * p)
    high = NEUTRAL_COLOR + (REAL_COLOR - NEUTRAL_COLOR) * (2 * p - 1)
    return np.where(p < 0.5, low, high).astype(np.uint8)


def plane_bounds(
    real: np.ndarray | None,
    fake: np.ndarray | None,
    heatmap: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> Bounds:
    """The plotted region ``(x_min, x_max, y_min, y_max)``: the heat map's, else the points'."""
    if heatmap is not None:
        xs, ys = np.asarray(heatmap[0]), np.asarray(heatmap[1])
        return float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max())
    points = [
        np.asarray(p, dtype=np.float64).reshape(-1, 2)
        for p in (real, fake)
        if p is not None and len(p)
    ]
    if not points:
        return -1.0, 1.0, -1.0, 1.0
    allp = np.concatenate(points)
    allp = allp[np.isfinite(allp).all(axis=1)]
    if not len(allp):
        return -1.0, 1.0, -1.0, 1.0
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    center, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 1e-6) * 1.15
    return center[0] - half, center[0] + half, center[1] - half, center[1] + half


def _grid_axes(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Accept 1-D axes or 2-D meshgrids (``np.meshgrid(xs, ys)``); return 1-D axes."""
    xs, ys = np.asarray(xs), np.asarray(ys)
    if xs.ndim == 2:
        xs = xs[0, :]
    if ys.ndim == 2:
        ys = ys[:, 0]
    return xs, ys


def decision_surface(
    size: tuple[int, int],
    *,
    real: np.ndarray | None = None,
    fake: np.ndarray | None = None,
    heatmap: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> pygame.Surface:
    """Draw the heat map (``grid[i, j] = D(xs[j], ys[i])``) and the points; y points up."""
    width, height = size
    canvas = pygame.Surface(size)
    canvas.fill(BACKGROUND)
    x0, x1, y0, y1 = plane_bounds(real, fake, heatmap)
    side = min(width, height)
    plot = pygame.Rect((width - side) // 2, (height - side) // 2, side, side)
    if heatmap is not None:
        xs, ys = _grid_axes(heatmap[0], heatmap[1])
        grid = np.asarray(heatmap[2], dtype=np.float32).reshape(len(ys), len(xs))
        colors = probability_colors(grid[::-1])  # row 0 = largest y = top of the screen
        small = pygame.image.frombuffer(
            np.ascontiguousarray(colors).tobytes(), (len(xs), len(ys)), "RGB"
        )
        canvas.blit(pygame.transform.smoothscale(small, plot.size), plot.topleft)
    else:
        canvas.fill(tuple(int(c) for c in NEUTRAL_COLOR), plot)
    pixels = pygame.surfarray.pixels3d(canvas)  # indexed [x, y]
    for points, color in ((real, REAL_POINT), (fake, FAKE_POINT)):
        if points is None or not len(points):
            continue
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)[:MAX_POINTS]
        px = plot.x + (pts[:, 0] - x0) / (x1 - x0) * (plot.width - 1)
        py = plot.y + (1 - (pts[:, 1] - y0) / (y1 - y0)) * (plot.height - 1)
        keep = np.isfinite(px) & np.isfinite(py)
        px, py = px[keep].astype(int), py[keep].astype(int)
        for radius, paint in ((2, OUTLINE), (1, color)):
            for dx in range(-radius, radius + 1):
                for dy in range(-radius, radius + 1):
                    qx, qy = px + dx, py + dy
                    inside = (
                        (qx >= plot.left)
                        & (qx < plot.right)
                        & (qy >= plot.top)
                        & (qy < plot.bottom)
                    )
                    pixels[qx[inside], qy[inside]] = paint
    del pixels  # unlock the surface
    pygame.draw.rect(canvas, (90, 90, 90), plot, 1)
    return canvas


def image_grid(
    size: tuple[int, int],
    images: np.ndarray,
    max_images: int = 100,
    columns: int | None = None,
) -> pygame.Surface:
    """Tile ``images`` (B, C, H, W) with values in [0, 1] into a grid that fits ``size``.

    The tiling is :func:`rlgan.common.imaging.tile_images` (``columns`` wide; None: a
    square-ish grid; a class-conditional run's grid has one row per class); here it is only
    scaled up by a whole factor (crisp pixels), or down to fit, and centred.
    """
    tiles = tile_images(
        np.asarray(images, dtype=np.float32)[:max_images],
        columns=columns,
        pad=1,
        background=BACKGROUND,
    )
    small = pygame.image.frombuffer(
        np.ascontiguousarray(tiles).tobytes(), (tiles.shape[1], tiles.shape[0]), "RGB"
    )
    scale = max(1, min(size[0] // tiles.shape[1], size[1] // tiles.shape[0]))
    big = pygame.transform.scale(small, (tiles.shape[1] * scale, tiles.shape[0] * scale))
    if big.get_width() > size[0] or big.get_height() > size[1]:
        fit = min(size[0] / big.get_width(), size[1] / big.get_height())
        big = pygame.transform.smoothscale(
            big, (max(1, int(big.get_width() * fit)), max(1, int(big.get_height() * fit)))
        )
    canvas = pygame.Surface(size)
    canvas.fill(BACKGROUND)
    canvas.blit(big, big.get_rect(center=canvas.get_rect().center))
    return canvas
