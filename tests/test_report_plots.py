"""The report's figures are readable: inspected before they are saved.

Every figure function returns its matplotlib Figure; each is drawn here and checked with
matplotlib's own bounding boxes: the legend lies inside the figure and off the axes, no tick
label overlaps another, and there is a title and axis labels.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from test_report import make_run

from rlgan.sweep.grouping import Group, group_runs, sort_groups
from rlgan.sweep.labels import group_labels
from rlgan.sweep.plots import (
    aggregate_figure,
    final_values_figure,
    importance_figure,
    learning_curves_figure,
    profile_figure,
    save_figure,
    search_history_figure,
)
from rlgan.sweep.runs import find_runs

#: CartPole's best possible return: no band may pass it.
MAX_RETURN = 500.0


def _inside(inner, outer, slack: float = 1.0) -> bool:
    return (
        inner.x0 >= outer.x0 - slack
        and inner.y0 >= outer.y0 - slack
        and inner.x1 <= outer.x1 + slack
        and inner.y1 <= outer.y1 + slack
    )


def _drawn_tick_labels(axis) -> list:
    """The tick labels matplotlib draws: visible, non-empty, at ticks inside the view."""
    low, high = sorted(axis.get_view_interval())
    slack = 1e-9 * max(1.0, abs(high - low))
    return [
        tick.label1
        for tick in axis.get_major_ticks()
        if low - slack <= tick.get_loc() <= high + slack
        and tick.label1.get_visible()
        and tick.label1.get_text()
    ]


def assert_readable(figure) -> None:
    """Legend inside the figure and off every axes; no overlapping tick labels; labelled."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    page = figure.bbox
    legends = list(figure.legends) + [ax.get_legend() for ax in figure.axes if ax.get_legend()]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert _inside(box, page), f"legend {box} outside the figure {page}"
        for ax in figure.axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), "legend covers an axes"
    titled = bool(figure.get_suptitle()) or all(ax.get_title() for ax in figure.axes)
    assert titled, "a figure needs a title"
    for ax in figure.axes:
        assert ax.get_xlabel() or figure.get_supxlabel(), "x axis without a label"
        for axis in (ax.xaxis, ax.yaxis):
            shown = _drawn_tick_labels(axis)
            boxes = [t.get_window_extent(renderer) for t in shown]
            for box in boxes:
                assert _inside(box, page), f"tick label {box} cut by the figure's edge"
            for (ta, a), (tb, b) in itertools.combinations(zip(shown, boxes, strict=True), 2):
                assert not a.overlaps(b), f"tick labels {ta.get_text()!r}, {tb.get_text()!r}"
        title = ax.title.get_window_extent(renderer)
        assert not ax.get_title() or _inside(title, page)


def _sweep(root: Path, n_groups: int = 12, seeds: int = 5, points: int = 11) -> list[Group]:
    """An Optuna-like RL sweep: long float values, CartPole-like returns capped at 500."""
    rng = random.Random(0)
    num = 0
    for g in range(n_groups):
        lam = 0.8 + 0.19 * rng.random()
        act = ("relu", "tanh", "elu")[g % 3]
        for seed in range(seeds if g % 2 == 0 else 3):
            final = min(MAX_RETURN, rng.uniform(150, 700))
            progress = [
                (s, min(MAX_RETURN, final * s / 50000 + rng.uniform(-30, 30)))
                for s in np.linspace(0, 50000, points).astype(int)
            ]
            overrides = [
                f"algo.hyperparams.gae_lambda={lam!r}",
                f"net.activation={act}",
                "total_timesteps=50000",
                f"seed={seed}",
            ]
            make_run(
                root, num, overrides, {"status": "ok", "eval/mean_reward": final}, progress=progress
            )
            num += 1
    return sort_groups(group_runs(find_runs([root])), "eval/mean_reward", descending=True)


@pytest.fixture(scope="module")
def groups(tmp_path_factory: pytest.TempPathFactory) -> list[Group]:
    return _sweep(tmp_path_factory.mktemp("plots"))


def test_labels_show_what_varies_with_short_numbers(groups: list[Group]) -> None:
    labels = group_labels(groups)
    assert len(set(labels)) == len(labels)
    assert all(label.startswith(f"#{i} ") for i, label in enumerate(labels, start=1))
    assert all("total_timesteps" not in label for label in labels)  # the same everywhere
    first = labels[0]
    assert "gae_lambda=0." in first and "activation=" in first and "algo." not in first
    value = first.split("gae_lambda=")[1].split()[0]
    assert 3 <= len(value.replace("0.", "", 1)) <= 5  # 0.986, not 0.9859374850242252


def test_every_figure_is_readable(groups: list[Group], tmp_path: Path) -> None:
    results = {
        "objective": "eval/mean_reward",
        "direction": "maximize",
        "best_value": 498.123456,
        "trials": [
            {"number": n, "value": None if n % 7 == 3 else 100 + 10 * n, "state": "complete"}
            for n in range(40)
        ],
    }
    results["best_value"] = max(t["value"] for t in results["trials"] if t["value"] is not None)
    figures = {
        "curves": learning_curves_figure(
            groups, "eval/mean_reward", "rl: eval/mean_reward", "environment steps", True
        ),
        "final": final_values_figure(groups, "eval/mean_reward", "rl: final", True),
        "aggregate": aggregate_figure(groups, "eval/mean_reward", "rl: aggregates", True),
        "profile": profile_figure(groups, "eval/mean_reward", "rl: profile", True),
        "history": search_history_figure(results, "search: objective per trial"),
        "importance": importance_figure(
            {"algo.hyperparams.learning_rate": 0.6, "net.activation": 0.3, "gamma": 0.1},
            "search: importance",
        ),
    }
    for name, figure in figures.items():
        assert figure is not None, name
        assert_readable(figure)
        assert save_figure(figure, tmp_path / f"{name}.png").stat().st_size > 5000
    # Every reference line of the search history is in its legend, and its ticks are trials.
    history = figures["history"]
    (legend,) = history.legends
    texts = [t.get_text() for t in legend.get_texts()]
    assert any(t.startswith("best value 490 (trial 39)") for t in texts)
    ax = history.axes[0]
    assert len(ax.get_lines()) == len(texts)
    assert all(float(t).is_integer() for t in ax.get_xticks())


def test_bands_stay_within_what_the_seeds_did(groups: list[Group]) -> None:
    figure = learning_curves_figure(groups, "eval/mean_reward", "curves")
    bands = [c for c in figure.axes[0].collections if isinstance(c, PolyCollection)]
    assert bands
    lowest = min(
        float(row["eval/mean_reward"]) for g in groups for r in g.runs for row in r.progress()
    )
    for band in bands:
        ys = np.concatenate([path.vertices[:, 1] for path in band.get_paths()])
        assert ys.max() <= MAX_RETURN + 1e-9 and ys.min() >= lowest - 1e-9
    # Few points: a marker on each; the first 10 groups only.
    lines = figure.axes[0].get_lines()
    assert len(lines) == 10 and all(line.get_marker() == "o" for line in lines)


def test_many_points_get_no_markers(tmp_path: Path) -> None:
    dense = _sweep(tmp_path, n_groups=2, seeds=2, points=80)
    figure = learning_curves_figure(dense, "eval/mean_reward", "curves")
    assert all(line.get_marker() in (None, "None", "") for line in figure.axes[0].get_lines())


def test_lower_is_better_metric_of_a_gan_sweep(tmp_path: Path) -> None:
    root = tmp_path / "gan"
    num = 0
    for loss, centre in (("hinge", 0.05), ("ns", 0.2)):
        for seed in range(5):
            make_run(
                root,
                num,
                [f"loss={loss}", f"seed={seed}"],
                {"status": "ok", "eval/sliced_w1": centre + 0.01 * seed},
                app="gan",
                objective="eval/sliced_w1",
            )
            num += 1
    gan = sort_groups(group_runs(find_runs([root])), "eval/sliced_w1", descending=False)
    profile = profile_figure(gan, "eval/sliced_w1", "gan: profile", higher_is_better=False)
    assert_readable(profile)
    assert "score < τ" in profile.axes[0].get_ylabel()
    hinge = profile.axes[0].get_lines()[0].get_ydata()
    assert hinge[0] == 0.0 and hinge[-1] == 1.0  # below every distance none, above all of them
    aggregate = aggregate_figure(gan, "eval/sliced_w1", "gan: aggregates", False)
    assert_readable(aggregate)
    assert "lower is better" in aggregate.get_supxlabel()
    # Fewer than 5 seeds everywhere: no aggregate figure and no profile.
    assert aggregate_figure(gan[:1] and [Group("gan", ("loss=x",))], "eval/sliced_w1", "t") is None
