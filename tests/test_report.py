"""rlgan-report on run folders built by hand (the shared run-folder conventions)."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rlgan.sweep.curves import aligned_curve
from rlgan.sweep.grouping import group_runs
from rlgan.sweep.report import main, make_report
from rlgan.sweep.runs import find_runs


def make_run(
    root: Path,
    num: int,
    overrides: list[str],
    metrics: dict,
    app: str = "rl",
    progress: list[tuple[int, float]] | None = None,
    objective: str = "eval/mean_reward",
) -> Path:
    """A run folder as Hydra + our runners leave it."""
    run = root / str(num)
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    (run / ".hydra" / "config.yaml").write_text(f"app: {app}\nseed: 0\n")
    seed = next((int(o.split("=")[1]) for o in overrides if o.startswith("seed=")), 0)
    full = {"app": app, "seed": seed, "objective": objective, "wall_time_s": 1.0 + num}
    full.update(metrics)
    (run / "metrics.json").write_text(json.dumps(full))
    if progress is not None:
        with (run / "progress.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["step", objective, "train/loss"])
            for step, value in progress:
                writer.writerow([step, value, 0.5])
    return run


@pytest.fixture()
def sweep(tmp_path: Path) -> Path:
    """A 2x2 RL sweep (algo x seed) plus one failed run and one GAN run."""
    root = tmp_path / "multirun"
    rewards = {("ppo", 0): 500.0, ("ppo", 1): 480.0, ("a2c", 0): 100.0, ("a2c", 1): 140.0}
    num = 0
    for (algo, seed), final in rewards.items():
        make_run(
            root,
            num,
            [f"algo={algo}", f"seed={seed}"],
            {"status": "ok", "eval/mean_reward": final},
            progress=[(0, 20.0), (500, final / 2), (1000 + 100 * seed, final)],
        )
        num += 1
    make_run(
        root,
        num,
        ["algo=dqn", "seed=0"],
        {"status": "failed", "error": "ConfigError: Invalid algo.learning_rate=-1"},
    )
    make_run(
        root,
        num + 1,
        ["loss=hinge", "seed=0"],
        {"status": "ok", "reverse_kl": 0.02, "directions": {"reverse_kl": "minimize"}},
        app="gan",
        objective="reverse_kl",
        progress=[(0, 1.0), (100, 0.02)],
    )
    return root


def test_find_and_group_runs_pools_seeds(sweep: Path) -> None:
    runs = find_runs([sweep])
    assert len(runs) == 6
    groups = {(g.app, g.label): g for g in group_runs(runs)}
    assert set(groups) == {
        ("rl", "algo=ppo"),
        ("rl", "algo=a2c"),
        ("rl", "algo=dqn"),
        ("gan", "loss=hinge"),
    }
    ppo = groups[("rl", "algo=ppo")].stat("eval/mean_reward")
    assert ppo.count == 2
    assert ppo.mean == pytest.approx(490.0)
    assert ppo.std == pytest.approx(np.std([500.0, 480.0], ddof=1))
    assert groups[("rl", "algo=dqn")].n_failed == 1
    assert groups[("rl", "algo=dqn")].stat("eval/mean_reward").count == 0


def test_report_writes_sorted_csv_markdown_and_plots(sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    report = make_report([str(sweep)], out=out)
    rl = next(s for s in report.sections if s.app == "rl")
    assert [g.label for g in rl.groups] == ["algo=ppo", "algo=a2c", "algo=dqn"]
    assert rl.metrics[0] == "eval/mean_reward" and rl.descending
    assert rl.sort_source == "declaration" and rl.notes == []
    gan = next(s for s in report.sections if s.app == "gan")
    assert gan.metrics[0] == "reverse_kl" and not gan.descending
    assert gan.sort_source == "metrics.json" and gan.notes == []
    with (out / "report.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    # Apps in name order, groups by the objective within an app.
    assert [r["group"] for r in rows] == ["loss=hinge", "algo=ppo", "algo=a2c", "algo=dqn"]
    assert float(rows[2]["eval/mean_reward mean"]) == pytest.approx(120.0)
    assert rows[3]["failed"] == "1" and rows[3]["eval/mean_reward mean"] == ""
    markdown = (out / "report.md").read_text()
    assert "490 ± 14.14" in markdown
    assert "Invalid algo.learning_rate=-1" in markdown
    for name in (
        "rl_curves_eval_mean_reward.png",
        "rl_final_eval_mean_reward.png",
        "gan_curves_reverse_kl.png",
    ):
        assert (out / "plots" / name).stat().st_size > 1000


def test_sort_metric_and_no_plots_options(sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "r2"
    assert (
        main(
            [
                str(sweep),
                "--metric",
                "wall_time_s",
                "--sort",
                "desc",
                "--no-plots",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = [r for r in csv.DictReader((out / "report.csv").open()) if r["app"] == "rl"]
    # wall_time_s is 1 + job number: a2c (jobs 2, 3) beats ppo (jobs 0, 1) when descending.
    assert [r["group"] for r in rows][:2] == ["algo=a2c", "algo=ppo"]
    assert not (out / "plots").exists()


def test_curves_align_runs_on_common_grid(sweep: Path) -> None:
    runs = [r for r in find_runs([sweep]) if r.overrides[0] == "algo=ppo"]
    grid, mean, std = aligned_curve(runs, "eval/mean_reward", points=12)
    assert grid[0] == 0 and grid[-1] == 1100
    assert mean[0] == pytest.approx(20.0) and std[0] == pytest.approx(0.0)
    # Past seed 0's last step (1000) its final 500 is carried forward next to seed 1's 480.
    assert mean[-1] == pytest.approx(490.0)
    at_500 = np.interp(500, grid, mean)
    assert at_500 == pytest.approx((250 + 240) / 2, rel=0.05)


def _three_groups(
    root: Path,
    app: str,
    objective: str,
    values: tuple[float, float, float],
    directions: dict[str, str] | None = None,
) -> None:
    """Run folders of groups ``lr=a``, ``lr=b``, ``lr=c`` whose objective takes ``values``."""
    for num, (name, value) in enumerate(zip("abc", values, strict=True)):
        extra = {"directions": directions} if directions is not None else {}
        make_run(
            root,
            num,
            [f"lr={name}", "seed=0"],
            {"status": "ok", objective: value, **extra},
            app=app,
            objective=objective,
        )


@pytest.mark.parametrize(
    "app, objective, order",
    [
        # Distances and "how many steps until solved": lower is better, so ascending.
        ("gan", "eval/sliced_w1", ["lr=b", "lr=c", "lr=a"]),
        ("rl", "solved_at_timesteps", ["lr=b", "lr=c", "lr=a"]),
        ("rl", "eval/mean_reward", ["lr=a", "lr=c", "lr=b"]),
    ],
)
def test_sort_order_comes_from_the_declaration(
    tmp_path: Path, app: str, objective: str, order: list[str]
) -> None:
    _three_groups(tmp_path / "sweep", app, objective, (30.0, 10.0, 20.0))
    report = make_report([str(tmp_path / "sweep")], out=tmp_path / "out", plots=False)
    (section,) = report.sections
    assert section.metrics[0] == objective and section.sort_source == "declaration"
    assert [g.label for g in section.groups] == order
    assert section.notes == []
    ascending = order[0] == "lr=b"
    assert section.descending is not ascending
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert ("ascending" if ascending else "descending") + ", declared direction" in markdown


def test_directions_in_metrics_json_win_over_the_declaration(tmp_path: Path) -> None:
    # Runs that say eval/mean_reward is minimised are believed (a declaration can change).
    _three_groups(
        tmp_path / "sweep",
        "rl",
        "eval/mean_reward",
        (30.0, 10.0, 20.0),
        directions={"eval/mean_reward": "minimize"},
    )
    report = make_report([str(tmp_path / "sweep")], out=tmp_path / "out", plots=False)
    (section,) = report.sections
    assert section.sort_source == "metrics.json" and not section.descending
    assert [g.label for g in section.groups] == ["lr=b", "lr=c", "lr=a"]


def test_runs_that_disagree_on_a_direction_are_noted(tmp_path: Path) -> None:
    root = tmp_path / "sweep"
    _three_groups(
        root, "rl", "custom/score", (30.0, 10.0, 20.0), directions={"custom/score": "minimize"}
    )
    make_run(
        root,
        3,
        ["lr=d", "seed=0"],
        {"status": "ok", "custom/score": 5.0, "directions": {"custom/score": "maximize"}},
        objective="custom/score",
    )
    report = make_report([str(root)], out=tmp_path / "out", plots=False)
    (section,) = report.sections
    assert not section.descending  # 3 runs against 1
    (note,) = section.notes
    assert "disagree" in note and "3 minimize, 1 maximize" in note


def test_undeclared_metric_sorts_descending_with_a_note(tmp_path: Path) -> None:
    from rich.console import Console

    _three_groups(tmp_path / "sweep", "rl", "custom/score", (30.0, 10.0, 20.0))
    console = Console(record=True, width=300)
    report = make_report(
        [str(tmp_path / "sweep")], out=tmp_path / "out", plots=False, console=console
    )
    (section,) = report.sections
    assert section.sort_source == "unknown" and section.descending
    assert [g.label for g in section.groups] == ["lr=a", "lr=c", "lr=b"]
    hint = "custom/score: direction unknown, sorted descending; pass --sort asc|desc"
    assert section.notes and section.notes[0].startswith(hint)
    assert hint in console.export_text()
    assert hint in (tmp_path / "out" / "report.md").read_text()
    # --sort overrides, and then there is nothing to note.
    report = make_report(
        [str(tmp_path / "sweep")],
        out=tmp_path / "out",
        plots=False,
        sort="asc",
        console=Console(record=True),
    )
    (section,) = report.sections
    assert section.sort_source == "--sort" and section.notes == []
    assert [g.label for g in section.groups] == ["lr=b", "lr=c", "lr=a"]


def test_sort_overrides_a_declared_direction(tmp_path: Path) -> None:
    _three_groups(tmp_path / "sweep", "gan", "eval/sliced_w1", (30.0, 10.0, 20.0))
    report = make_report([str(tmp_path / "sweep")], out=tmp_path / "out", plots=False, sort="desc")
    (section,) = report.sections
    assert section.descending and [g.label for g in section.groups] == ["lr=a", "lr=c", "lr=b"]


def test_bayesian_search_results_are_reported(sweep: Path, tmp_path: Path) -> None:
    (sweep / "optimization_results.yaml").write_text(
        "name: optuna\nbest_params:\n  algo: ppo\nbest_value: 500.0\n"
    )
    out = tmp_path / "r3"
    report = make_report([str(sweep)], out=out)
    (search,) = report.searches
    assert search["best_params"] == {"algo": "ppo"}
    # A results file without a direction gets the objective's (eval/mean_reward: declared).
    assert search["direction"] == "maximize"
    values = [t["value"] for t in search["trials"]]
    assert values[:4] == [500.0, 480.0, 100.0, 140.0] and values[4] is None
    assert "Best parameters" in (out / "report.md").read_text()
    assert (out / "plots" / "search_history_0.png").is_file()


def test_empty_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "No runs found" in err and "Traceback" not in err
    assert main([str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_console_script_exits_nonzero_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rlgan.sweep.report", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "rlgan-report: error: No runs found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_metrics_counts_as_incomplete(tmp_path: Path) -> None:
    run = tmp_path / "0" / ".hydra"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text("app: rl\nseed: 3\n")
    (run / "overrides.yaml").write_text("- seed=3\n")
    report = make_report([str(tmp_path)], out=tmp_path / "out", plots=False)
    (group,) = report.sections[0].groups
    assert group.label == "(defaults)" and group.n_incomplete == 1
    assert math.isnan(group.stat("objective").mean)


def test_a_group_that_mixes_package_versions_is_warned_about(tmp_path: Path) -> None:
    root = tmp_path / "multirun"
    for num, torch_version in enumerate(("2.13.0", "2.14.1")):
        run = make_run(root, num, [f"seed={num}"], {"status": "ok", "eval/mean_reward": 500.0})
        sessions = [{"packages": {"rlgan": "0.1.0", "torch": torch_version}}]
        (run / "provenance.json").write_text(
            json.dumps({"schema_version": 1, "sessions": sessions})
        )
    make_run(root, 2, ["seed=2"], {"status": "ok", "eval/mean_reward": 500.0})  # no provenance
    from rich.console import Console

    console = Console(record=True, width=200)
    make_report([str(root)], out=tmp_path / "report", plots=False, console=console)
    text = console.export_text()
    assert "mixes package versions (torch 2.13.0 / 2.14.1)" in text
    assert "rlgan" not in text.split("mixes package versions")[1].split(")")[0]
    assert "mixes package versions" in (tmp_path / "report" / "report.md").read_text()
