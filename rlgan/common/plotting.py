"""Matplotlib plots shared by the runners and the report: curves with a band, bars, heat maps."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

Curve = tuple[Sequence[float], Sequence[float], Sequence[float] | None]
#: Cells a heat map annotates with their value (larger matrices show colours only).
ANNOTATE_CELLS = 400


def plot_curves(
    path: str | os.PathLike,
    curves: Mapping[str, Curve],
    *,
    xlabel: str,
    ylabel: str,
    title: str = "",
    hline: float | None = None,
    logy: bool = False,
) -> Path:
    """Plot ``{label: (x, mean, std or None)}`` as lines with a ±std band; save a PNG."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=100)
    for label, (x, mean, std) in curves.items():
        x_arr, mean_arr = np.asarray(x, dtype=float), np.asarray(mean, dtype=float)
        (line,) = ax.plot(x_arr, mean_arr, label=label, linewidth=1.6)
        if std is not None:
            std_arr = np.asarray(std, dtype=float)
            ax.fill_between(
                x_arr,
                mean_arr - std_arr,
                mean_arr + std_arr,
                color=line.get_color(),
                alpha=0.2,
                linewidth=0,
            )
    if hline is not None:
        ax.axhline(hline, color="grey", linestyle="--", linewidth=1, label=f"{hline:g}")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(curves) > 1 or hline is not None:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_bars(
    path: str | os.PathLike,
    labels: Sequence[str],
    means: Sequence[float],
    stds: Sequence[float],
    *,
    ylabel: str,
    title: str = "",
) -> Path:
    """Bar chart of ``means`` with ``stds`` error bars; save a PNG."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(max(5.0, 0.6 * len(labels) + 2), 4.2), dpi=100)
    positions = np.arange(len(labels))
    ax.bar(positions, means, yerr=stds, capsize=4, color="tab:blue", alpha=0.8)
    ax.set_xticks(positions, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_heatmap(
    path: str | os.PathLike,
    values: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    xlabel: str,
    ylabel: str,
    title: str = "",
    colorbar: str = "",
    vmin: float = 0.0,
    vmax: float = 1.0,
) -> Path:
    """Draw a ``(rows, cols)`` matrix as a heat map (NaN cells grey) and save a PNG.

    Cells are annotated with their values while the matrix has at most
    :data:`ANNOTATE_CELLS` cells.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid = np.asarray(values, dtype=float)
    rows, cols = grid.shape
    fig, ax = plt.subplots(
        figsize=(min(16.0, 2.5 + 0.55 * cols), min(14.0, 1.8 + 0.4 * rows)), dpi=100
    )
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#cccccc")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(range(cols), col_labels, rotation=45, ha="right", fontsize=7)
    ax.set_yticks(range(rows), row_labels, fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    if rows * cols <= ANNOTATE_CELLS:
        middle = (vmin + vmax) / 2
        spread = (vmax - vmin) / 4
        for i in range(rows):
            for j in range(cols):
                if np.isfinite(grid[i, j]):
                    dark = abs(grid[i, j] - middle) > spread
                    ax.text(
                        j,
                        i,
                        f"{grid[i, j]:.2f}",
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="white" if dark else "black",
                    )
    fig.colorbar(image, ax=ax, label=colorbar)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
