"""benchmarks/arena_selfplay.py's report, from fake run folders (no training)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def bench() -> ModuleType:
    """The benchmark script as a module."""
    name = "arena_selfplay_bench"
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "arena_selfplay.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def write(folder: Path, metrics: dict) -> None:
    """A finished run folder holding ``metrics``."""
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps({"status": "ok", **metrics}))


def test_report_gives_medians_and_each_seed(tmp_path) -> None:
    module = bench()
    for seed, red in enumerate([0.7, 0.8, 0.9]):
        write(
            tmp_path / f"seed_{seed}",
            {
                "seed": seed,
                "eval/red_win_rate": red,
                "scripted/chase_vs_evade": 0.5,
                "scripted/intercept_vs_evade": 0.7,
                "eval/red_elo_rank": 1,
            },
        )
    write(tmp_path / "seed_9", {"seed": 9, "eval/red_win_rate": 0.0} | {"status": "failed"})
    write(tmp_path / "exploit_seed_0", {"exploit/vs_red": 0.25, "exploit/vs_blue": 0.5})
    write(tmp_path / "exploit_script_0", {"exploit/vs_red": 0.75})
    runs = module.collect(tmp_path)
    assert [m["seed"] for m in runs] == [0, 1, 2]
    table = module.report(runs)
    assert "3 seeds (0, 1, 2)" in table
    row = next(line for line in table.splitlines() if "learned red vs scripted evader" in line)
    assert "| 0.800 [" in row and row.endswith("0.700, 0.800, 0.900 |")
    evader = next(line for line in table.splitlines() if "scripted evader vs scripted" in line)
    assert "0.400" in evader  # 1 - mean(0.5, 0.7)
    robust = module.robustness_report(tmp_path)
    red = next(line for line in robust.splitlines() if line.startswith("| final red"))
    assert "0.250" in red and "0.750" in red
    blue = next(line for line in robust.splitlines() if line.startswith("| final blue"))
    assert blue.endswith("| n/a |")
    paired = robust.split("paired by seed")[1]
    assert "| final red | -0.500 [-0.500, -0.500] | 1 of 1 | 0: -0.500 |" in paired
    assert "final blue" not in paired  # no script-only run to pair it with


def test_late_matchup_and_rating_spread_come_from_the_run_files(tmp_path) -> None:
    module = bench()
    run = tmp_path / "seed_0"
    write(run, {"seed": 0})
    pairs = [
        ("script:chase", "blue@0", "rrrr"),
        ("red@0", "blue@10", "bbbb"),
        ("red@10", "blue@10", "rrrb"),
        ("red@10", "blue@20", "rrbb"),
        ("red@20", "blue@10", "rrrb"),
        ("red@20", "blue@20", "rrrb"),
    ]
    lines = ["red,blue,red_wins,games,winners"]
    lines += [f"{red},{blue},{won.count('r')},{len(won)},{won}" for red, blue, won in pairs]
    (run / "matches.csv").write_text("\n".join(lines) + "\n")
    elo = ["step,team,player,elo,games", "20,red,red@0,700,8", "20,red,red@10,1300,8"]
    elo += ["20,red,red@20,1420,8", "10,blue,blue@10,900,4", "20,blue,blue@10,1000,8"]
    elo += ["20,blue,blue@0,800,8", "20,blue,blue@20,1100,8"]
    (run / "elo.csv").write_text("\n".join(elo) + "\n")
    assert module.late_value(run, "p") == 11 / 16  # the first snapshots' games left out
    assert module.late_value(run, "agree") == 0.75  # maps 1, 2 red, map 4 blue; map 3 split
    assert module.window_spread(run, "red", "elo") == 120.0  # red@20 - red@10, last evaluation
    assert module.window_spread(run, "blue", "elo") == 100.0
    assert module.window_spread(run, "red", "all") != module.window_spread(run, "red", "all")
    fitted = module.window_spread(run, "red", "fit")
    assert 0 <= fitted < 120  # red@10 and red@20 won alike but for one game


def test_rating_rows_read_both_new_and_older_run_folders(tmp_path) -> None:
    module = bench()
    new = {"eval/red_elo_rank": 1, "eval/red_incremental_rank": 3, "eval/red_incremental_elo": 0}
    old = {"eval/red_elo_rank": 3, "eval/red_fit_rank": 1}  # before the fitted ratings
    for metrics in (new, old):
        assert module.values(metrics, "eval/red_elo_rank") == 1.0  # fitted
        assert module.values(metrics, "eval/red_incremental_rank") == 3.0
    run = tmp_path / "seed_0"
    write(run, {"seed": 0})
    rows = ["step,team,player,elo_incremental,elo_fitted,games", "20,red,red@0,700,900,8"]
    rows += ["20,red,red@10,1300,1250,8", "20,red,red@20,1420,1260,8"]
    (run / "elo.csv").write_text("\n".join(rows) + "\n")
    assert module.window_spread(run, "red", "elo") == 120.0
    assert module.window_spread(run, "red", "all") == 10.0
