"""NumPy drawing of batches of top-down frames (no display, no pygame needed)."""

from __future__ import annotations

import numpy as np


def fill_canvas(num_envs: int, size: int, colour: tuple[int, int, int]) -> np.ndarray:
    """Return ``(num_envs, size, size, 3)`` uint8 frames filled with ``colour``."""
    canvas = np.empty((num_envs, size, size, 3), dtype=np.uint8)
    canvas[...] = colour
    return canvas


def draw_discs(
    canvas: np.ndarray, centres: np.ndarray, radii: np.ndarray, colour: tuple[int, int, int]
) -> None:
    """Paint filled discs onto ``canvas`` (N, S, S, 3) in place.

    ``centres`` (N, M, 2) are (x, y) in pixels, ``radii`` (N, M) in pixels; x grows to the
    right and y downward (row index). A pixel is painted when its centre lies in a disc.
    """
    if centres.shape[1] == 0:
        return
    size = canvas.shape[1]
    coords = np.arange(size) + 0.5
    dx = coords[None, None, :] - centres[:, :, 0:1]
    dy = coords[None, None, :] - centres[:, :, 1:2]
    r2 = (radii * radii)[:, :, None, None]
    inside = (dy[:, :, :, None] ** 2 + dx[:, :, None, :] ** 2 <= r2).any(axis=1)
    canvas[inside] = colour


def upscale_grid(colours: np.ndarray, size: int) -> np.ndarray:
    """Nearest-neighbour resize of (N, G, G, 3) cell colours to (N, size, size, 3) frames."""
    grid = colours.shape[1]
    index = (np.arange(size) * grid) // size
    return colours[:, index][:, :, index]


def draw_rings(
    canvas: np.ndarray,
    centres: np.ndarray,
    radii: np.ndarray,
    width: float,
    colour: tuple[int, int, int],
) -> None:
    """Paint circle outlines ``width`` pixels wide onto ``canvas`` (N, S, S, 3) in place.

    Same coordinates as :func:`draw_discs`; a pixel is painted when its centre lies within
    ``width / 2`` of a circle. Discs or rings with a NaN centre are not painted.
    """
    if centres.shape[1] == 0:
        return
    size = canvas.shape[1]
    coords = np.arange(size) + 0.5
    dx = coords[None, None, :] - centres[:, :, 0:1]
    dy = coords[None, None, :] - centres[:, :, 1:2]
    dist = np.sqrt(dy[:, :, :, None] ** 2 + dx[:, :, None, :] ** 2)
    on = (np.abs(dist - radii[:, :, None, None]) <= width / 2).any(axis=1)
    canvas[on] = colour
