"""Matplotlib plots shared by the runners and the report: curves with a std band, bars."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

Curve = tuple[Sequence[float], Sequence[float], Sequence[float] | None]


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
