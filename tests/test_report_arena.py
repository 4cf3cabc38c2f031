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
