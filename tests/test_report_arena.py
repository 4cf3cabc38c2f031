"""rlgan-report on rlgan-arena runs: grouped like any app, with both sides' ELO and win rates."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rlgan.sweep.directions import resolve_direction
from rlgan.sweep.report import headline_metrics, make_report
from tests.test_report import make_run

HEADLINE = ("eval/red_win_rate", "eval/blue_win_rate", "eval/red_elo", "eval/blue_elo")


def _arena_run(root: Path, num: int, overrides: list[str], red: float, blue: float) -> Path:
    """An arena run folder with its final win rates and ratings (ELO grows with the rate)."""
    metrics = {
        "status": "ok",
        "eval/red_win_rate": red,
        "eval/blue_win_rate": blue,
        "eval/red_elo": 1200.0 + 400 * red,
        "eval/blue_elo": 1200.0 + 400 * blue,
        "timesteps": 1024,
    }
    return make_run(root, num, overrides, metrics, app="arena", objective="eval/red_win_rate")


@pytest.fixture()
def arena_sweep(tmp_path: Path) -> Path:
    """Two arena configurations x two seeds, one failed arena run and one RL run."""
    root = tmp_path / "multirun"
    rates = {(16, 0): (0.8, 0.3), (16, 1): (0.6, 0.5), (64, 0): (0.2, 0.9), (64, 1): (0.4, 0.7)}
    for num, ((steps, seed), (red, blue)) in enumerate(rates.items()):
        overrides = [f"red.algo.hyperparams.n_steps={steps}", f"seed={seed}"]
        _arena_run(root, num, overrides, red, blue)
    failed = make_run(
        root, 4, ["red.algo.hyperparams.n_steps=64", "seed=2"], {"status": "failed"}, app="arena"
    )
    assert failed.is_dir()
    make_run(root, 5, ["algo=ppo", "seed=0"], {"status": "ok", "eval/mean_reward": 10.0})
    return root


def test_arena_metrics_are_declared_for_the_report() -> None:
    assert headline_metrics("arena") == HEADLINE
    assert headline_metrics("rl") == ()
    for name in (*HEADLINE, "eval/red_elo_rank"):
        resolved = resolve_direction(name)
        assert resolved.source == "declaration"
    assert resolve_direction("eval/blue_elo").direction == "maximize"
    assert resolve_direction("eval/red_elo_rank").direction == "minimize"


def test_best_preset_usage_names_the_arena_command() -> None:
    from rlgan.sweep.presets_out import _usage

    assert _usage("arena")[0].startswith("#   rlgan-arena -m +experiment=best")
    assert "pkg://rlgan.arena.presets" in _usage("arena")[1]


def test_report_groups_arena_runs_with_elo_and_win_rates(arena_sweep, tmp_path) -> None:
    out = tmp_path / "report"
    report = make_report([str(arena_sweep)], out=out, plots=False)
    arena = next(s for s in report.sections if s.app == "arena")
    assert arena.metrics == [*HEADLINE, "wall_time_s"]
    assert arena.sort_source == "declaration" and arena.descending and arena.notes == []
    labels = [g.label for g in arena.groups]
    assert labels == ["red.algo.hyperparams.n_steps=16", "red.algo.hyperparams.n_steps=64"]
    rl = next(s for s in report.sections if s.app == "rl")
    assert rl.metrics == ["eval/mean_reward", "wall_time_s"]  # single-agent reports unchanged
    rows = [r for r in csv.DictReader((out / "report.csv").open()) if r["app"] == "arena"]
    assert float(rows[0]["eval/red_win_rate mean"]) == pytest.approx(0.7)
    assert float(rows[0]["eval/blue_win_rate mean"]) == pytest.approx(0.4)
    assert float(rows[1]["eval/blue_elo mean"]) == pytest.approx(1200 + 400 * 0.8)
    assert rows[1]["failed"] == "1"
    markdown = (out / "report.md").read_text()
    assert "## arena" in markdown and "eval/blue_elo" in markdown


def test_arena_runs_sort_by_the_objective_they_chose(tmp_path) -> None:
    root = tmp_path / "multirun"
    for num, (red, blue) in enumerate(((0.9, 0.1), (0.1, 0.9))):
        run = _arena_run(root, num, ["seed=0", f"red.agents={num + 1}"], red, blue)
        text = (run / "metrics.json").read_text()
        (run / "metrics.json").write_text(
            text.replace('"objective": "eval/red_win_rate"', '"objective": "eval/blue_elo"')
        )
    (section,) = make_report([str(root)], out=tmp_path / "r", plots=False).sections
    assert section.metrics[:4] == [
        "eval/blue_elo",
        "eval/red_win_rate",
        "eval/blue_win_rate",
        "eval/red_elo",
    ]
    assert [g.label for g in section.groups] == ["red.agents=2", "red.agents=1"]


def test_arena_plots_are_drawn_for_the_objective(arena_sweep, tmp_path) -> None:
    out = tmp_path / "report"
    make_report([str(arena_sweep)], out=out)
    assert (out / "plots" / "arena_final_eval_red_win_rate.png").stat().st_size > 1000
    assert not (out / "plots" / "arena_elo.png").exists()  # no run has an elo.csv


#: Newest-snapshot ratings per (group, seed): {team: [(step, rating), ...]}.
ELO_RUNS = {
    ("n_steps=16", 0): {
        "red": [(100, 1300.0), (200, 1350.0)],
        "blue": [(100, 1100.0), (200, 1150.0)],
    },
    ("n_steps=16", 1): {
        "red": [(100, 1320.0), (200, 1390.0)],
        "blue": [(100, 1080.0), (200, 1110.0)],
    },
    ("n_steps=64", 0): {
        "red": [(100, 1250.0), (200, 1260.0)],
        "blue": [(100, 1210.0), (200, 1240.0)],
    },
}


def _write_elo_csv(
    run: Path, series: dict[str, list[tuple[int, float]]], legacy: bool = False
) -> None:
    """An elo.csv as rlgan-arena logs it: every kept snapshot at each evaluation.

    Besides each team's newest snapshot (taken at the evaluation's step), the first snapshot
    (``<team>@0``) is logged at a far-off rating, which the ELO-over-training series must skip.
    The ``series`` ratings are the fitted column (the incremental one is 300 points off);
    ``legacy``: an older run's file, with the (incremental) ``elo`` column alone.
    """
    with (run / "elo.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        if legacy:
            writer.writerow(["step", "team", "player", "elo", "games"])
        else:
            writer.writerow(["step", "team", "player", "elo_incremental", "elo_fitted", "games"])
        for team, points in series.items():
            for step, rating in points:
                for player, fitted in ((f"{team}@0", 500.0), (f"{team}@{step}", rating)):
                    ratings = [fitted] if legacy else [fitted + 300.0, fitted]
                    writer.writerow([step, team, player, *ratings, 10])
    config = run / ".hydra" / "config.yaml"
    config.write_text(config.read_text() + "elo:\n  initial: 1200.0\n")


@pytest.fixture()
def elo_sweep(tmp_path: Path) -> Path:
    """Two arena configurations (2 seeds and 1 seed) whose runs logged elo.csv."""
    root = tmp_path / "multirun"
    for num, ((override, seed), series) in enumerate(ELO_RUNS.items()):
        red = 0.9 if override == "n_steps=16" else 0.1  # the n_steps=16 group ranks first
        run = _arena_run(root, num, [f"red.algo.hyperparams.{override}", f"seed={seed}"], red, 0.5)
        _write_elo_csv(run, series, legacy=override == "n_steps=64")
    return root


def test_elo_series_is_the_newest_snapshots_fitted_rating_read_from_elo_csv(elo_sweep) -> None:
    from rlgan.sweep.report_arena import elo_series
    from rlgan.sweep.runs import load_run

    steps, ratings = elo_series(load_run(elo_sweep / "1"), "red")
    assert steps.tolist() == [100.0, 200.0]
    assert ratings.tolist() == [1320.0, 1390.0]
    steps, ratings = elo_series(load_run(elo_sweep / "2"), "blue")  # an older run's file
    assert ratings.tolist() == [1210.0, 1240.0]
    (elo_sweep / "2" / "elo.csv").unlink()
    assert elo_series(load_run(elo_sweep / "2"), "blue") is None


def test_report_draws_each_teams_elo_over_training(elo_sweep, tmp_path) -> None:
    from rlgan.sweep.report_arena import elo_figure

    out = tmp_path / "report"
    report = make_report([str(elo_sweep)], out=out)
    (section,) = report.sections
    png = out / "plots" / "arena_elo.png"
    assert png in section.plots and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![arena_elo](plots/arena_elo.png)" in (out / "report.md").read_text()
    # The figure's lines are the groups' means over seeds of the elo.csv ratings.
    figure = elo_figure(section.groups, "t")
    red_axes, blue_axes = figure.axes[:2]
    assert red_axes.get_title() == "red (pursuers)" and blue_axes.get_title() == "blue (evaders)"
    first, second = red_axes.get_lines()[:2]
    assert first.get_xdata().tolist() == [100.0, 200.0]
    assert first.get_ydata().tolist() == pytest.approx([1310.0, 1370.0])  # seeds 0 and 1
    assert second.get_ydata().tolist() == pytest.approx([1250.0, 1260.0])
    assert blue_axes.get_lines()[0].get_ydata().tolist() == pytest.approx([1090.0, 1130.0])
    anchor = red_axes.get_lines()[-1]
    assert anchor.get_linestyle() == "--" and list(anchor.get_ydata()) == [1200.0, 1200.0]
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert labels == ["#1 n_steps=16", "#2 n_steps=64", "scripted baselines (anchored)"]
