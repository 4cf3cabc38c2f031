"""Pictures of a GAN run, written atomically.

PNG files, 2-D scatter plots over the discriminator's heat map, GIFs (the timeline of sample
grids, the latent interpolation) and the loss/metric plots (image grids are
:func:`rlgan.common.imaging.tile_images`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from rlgan.common.atomic import atomic_write_bytes  # noqa: E402
from rlgan.common.csv_log import read_csv  # noqa: E402
from rlgan.common.imaging import save_gif  # noqa: E402


def save_png(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Atomically save an ``(H, W, 3)`` uint8 array as a PNG."""
    import imageio.v2 as imageio

    buffer = io.BytesIO()
    imageio.imwrite(buffer, array, format="png")
    return atomic_write_bytes(path, buffer.getvalue())


def scatter_with_heatmap(
    real: np.ndarray,
    fake: np.ndarray,
    heatmap: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    title: str = "",
) -> np.ndarray:
    """Render real vs generated 2-D points over the discriminator's output; return RGB."""
    fig, ax = plt.subplots(figsize=(5, 5), dpi=80)
    if heatmap is not None:
        xs, ys, probs = heatmap
        mesh = ax.pcolormesh(
            xs, ys, probs, cmap="coolwarm", shading="auto", alpha=0.6, vmin=0.0, vmax=1.0
        )
        fig.colorbar(mesh, ax=ax, fraction=0.046, pad=0.04, label="D(x) (sigmoid)")
    ax.scatter(real[:, 0], real[:, 1], s=2, c="black", alpha=0.5, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:orange", alpha=0.5, label="generated")
    if heatmap is not None:
        ax.set_xlim(heatmap[0].min(), heatmap[0].max())
        ax.set_ylim(heatmap[1].min(), heatmap[1].max())
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=4)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.canvas.draw()
    array = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return array


def save_timeline(
    samples_dir: str | os.PathLike, path: str | os.PathLike, seconds_per_frame: float = 0.5
) -> Path | None:
    """Join the ``step_*.png`` grids of ``samples_dir`` into an animated GIF (None if none)."""
    import imageio.v2 as imageio

    frames = [imageio.imread(p) for p in sorted(Path(samples_dir).glob("step_*.png"))]
    return save_gif(path, frames, seconds_per_frame)


def _columns(rows: list[dict[str, str]], key: str) -> tuple[list[float], list[float]]:
    """The ``(step, value)`` pairs of rows where ``key`` has a value."""
    steps, values = [], []
    for row in rows:
        if row.get(key, "") not in ("", None):
            steps.append(float(row["step"]))
            values.append(float(row[key]))
    return steps, values


def plot_progress(
    progress_csv: str | os.PathLike, path: str | os.PathLike, keys: Sequence[str], title: str
) -> Path | None:
    """One subplot per column in ``keys`` (those present) of ``progress.csv``; save a PNG."""
    rows = read_csv(progress_csv)
    present = [k for k in keys if any(row.get(k, "") != "" for row in rows)]
    if not present:
        return None
    fig, axes = plt.subplots(
        len(present), 1, figsize=(7, 2.2 * len(present)), dpi=90, sharex=True, squeeze=False
    )
    for ax, key in zip(axes[:, 0], present, strict=True):
        steps, values = _columns(rows, key)
        ax.plot(steps, values, linewidth=1.4, marker="." if len(steps) < 30 else None)
        ax.set_ylabel(key, fontsize=8)
        ax.grid(alpha=0.3)
    axes[0, 0].set_title(title)
    axes[-1, 0].set_xlabel("iteration")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return atomic_write_bytes(path, buffer.getvalue())
