"""IQM, bootstrap CIs and performance profiles (rliable) as rlgan-report uses them."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from test_report import make_run

from rlgan.sweep.numbers import format_number, shortest_distinct
from rlgan.sweep.report import make_report
from rlgan.sweep.stats import (
    MIN_SEEDS,
    interval_estimates,
    iqm,
    performance_profile,
    seed_stats,
)

#: A small table of final returns: 6 seeds of one configuration, 3 of another.
SIX = [10.0, 20.0, 30.0, 40.0, 50.0, 500.0]
THREE = [100.0, 110.0, 120.0]


def test_iqm_matches_hand_computed_values() -> None:
    # 8 values: the lowest 2 and highest 2 are trimmed, IQM = mean(3, 4, 5, 6).
    assert iqm([8, 1, 7, 2, 6, 3, 5, 4]) == pytest.approx(4.5)
    # 5 values: one trimmed at each end (floor(0.25 * 5) = 1): mean(20, 30, 40).
    assert iqm([100, 10, 40, 20, 30]) == pytest.approx(30.0)
    # 6 values: one trimmed at each end: mean(20, 30, 40, 50) = 35, far from the mean 108.
    assert iqm(SIX) == pytest.approx(35.0)
    assert np.mean(SIX) == pytest.approx(108.33, abs=0.01)


def test_bootstrap_ci_contains_the_iqm_within_the_observed_range() -> None:
    stats = seed_stats(SIX)
    assert stats.count == 6 and stats.mean == pytest.approx(np.mean(SIX))
    assert stats.std == pytest.approx(np.std(SIX, ddof=1))
    ci = stats.iqm
    assert ci is not None and ci.point == pytest.approx(35.0)
    assert min(SIX) <= ci.low <= ci.point <= ci.high <= max(SIX)
    # Narrower than the range; mean ± 2 std would leave it (below 0 here).
    assert ci.high - ci.low < max(SIX) - min(SIX)
    assert stats.mean - 2 * stats.std < min(SIX)
    # Identical seeds: a zero-width interval at their value.
    same = seed_stats([7.0] * MIN_SEEDS).iqm
    assert same is not None and (same.low, same.point, same.high) == (7.0, 7.0, 7.0)


def test_bootstrap_is_reproducible_and_leaves_numpy_random_alone() -> None:
    np.random.seed(123)
    expected_next = np.random.random()
    np.random.seed(123)
    first = interval_estimates({"a": SIX, "b": THREE}, "IQM")
    assert np.random.random() == expected_next  # the caller's stream is untouched
    again = interval_estimates({"a": SIX, "b": THREE}, "IQM")
    assert first == again
    other = interval_estimates({"a": SIX}, "IQM", seed=1)
    assert other["a"].point == first["a"].point
    # Median and mean are rliable's too; a different seed moves the interval a little only.
    assert interval_estimates({"a": SIX}, "median")["a"].point == pytest.approx(35.0)
    assert interval_estimates({"a": SIX}, "mean")["a"].point == pytest.approx(np.mean(SIX))
    assert abs(other["a"].low - first["a"].low) <= 10


def test_few_seeds_get_no_interval() -> None:
    stats = seed_stats(THREE)
    assert stats.iqm is None and stats.mean == pytest.approx(110.0)
    assert seed_stats([1.0, math.nan]).count == 1
    assert seed_stats([]).count == 0 and math.isnan(seed_stats([]).mean)


@pytest.mark.parametrize("higher", [True, False])
def test_performance_profile_respects_the_direction(higher: bool) -> None:
    profile = performance_profile({"a": SIX, "b": THREE}, higher_is_better=higher, points=11)
    taus = profile.thresholds
    assert taus[0] < min(SIX) and taus[-1] > max(SIX)
    a = profile.fractions["a"]
    # Below every score all runs beat the threshold when higher is better, none otherwise.
    assert a[0] == (1.0 if higher else 0.0) and a[-1] == (0.0 if higher else 1.0)
    diffs = np.diff(a)
    assert np.all(diffs <= 0) if higher else np.all(diffs >= 0)
    low, high = profile.intervals["a"]
    assert np.all(low <= a + 1e-9) and np.all(a <= high + 1e-9)
    assert np.all((low >= 0) & (high <= 1))


def test_numbers_are_short_and_distinct() -> None:
    assert format_number(490.0) == "490"
    assert format_number(14.142135) == "14.14"
    assert format_number(0.9859374850242252) == "0.9859"
    assert format_number(12345.678) == "12346"
    assert format_number(1234567.0) == "1.23e+06"
    assert format_number(3.16e-5) == "3.16e-05"
    assert format_number(math.nan) == "-"
    shown = shortest_distinct(["0.9859374850242252", "0.9712", "0.98512", "relu", "10"])
    assert shown["0.9859374850242252"] == "0.986" and shown["0.98512"] == "0.985"
    assert shown["0.9712"] == "0.971" and shown["relu"] == "relu" and shown["10"] == "10"
    # More digits when 3 would merge two values.
    close = shortest_distinct(["0.98591", "0.98612"])
    assert close == {"0.98591": "0.9859", "0.98612": "0.9861"}


def _seeded_sweep(root: Path, seeds: dict[str, list[float]], app: str, objective: str) -> None:
    num = 0
    for name, values in seeds.items():
        for seed, value in enumerate(values):
            make_run(
                root,
                num,
                [f"lr={name}", f"seed={seed}"],
                {"status": "ok", objective: value},
                app=app,
                objective=objective,
            )
            num += 1


def test_table_shows_iqm_with_ci_from_five_seeds_and_says_why_not(tmp_path: Path) -> None:
    from rich.console import Console

    _seeded_sweep(tmp_path / "sweep", {"a": SIX, "b": THREE}, "rl", "eval/mean_reward")
    console = Console(record=True, width=200)
    out = tmp_path / "out"
    report = make_report([str(tmp_path / "sweep")], out=out, plots=False, console=console)
    (section,) = report.sections
    assert [g.label for g in section.groups] == ["lr=b", "lr=a"]  # sorted by mean
    text = console.export_text()
    ci = seed_stats(SIX).iqm
    assert ci is not None
    cell = f"{format_number(ci.point)} [{format_number(ci.low)}, {format_number(ci.high)}]"
    assert "eval/mean_reward IQM [95% CI]" in text and cell in text
    assert "3 seeds†" in text and f"fewer than {MIN_SEEDS} finished seeds" in text
    markdown = (out / "report.md").read_text()
    assert cell in markdown and "108.3 ± 192.4" in markdown and "110 ± 10" in markdown
    assert section.footnotes and section.footnotes[0].startswith("†")
    rows = {r["group"]: r for r in csv.DictReader((out / "report.csv").open())}
    assert float(rows["lr=a"]["eval/mean_reward iqm"]) == pytest.approx(35.0)
    assert float(rows["lr=a"]["eval/mean_reward iqm ci95 low"]) == pytest.approx(ci.low)
    assert rows["lr=b"]["eval/mean_reward iqm"] == ""


def test_no_iqm_column_when_every_group_has_few_seeds(tmp_path: Path) -> None:
    _seeded_sweep(tmp_path / "sweep", {"a": THREE, "b": [1.0, 2.0]}, "rl", "eval/mean_reward")
    make_report([str(tmp_path / "sweep")], out=tmp_path / "out", plots=False)
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "IQM [95% CI]" not in markdown.split("|", 1)[1]
    assert "No IQM column: with fewer than 5 finished seeds" in markdown
