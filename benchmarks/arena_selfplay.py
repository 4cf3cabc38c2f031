"""What the default ``rlgan-arena`` shows, over seeds: issue #14's "What it must show".

Trains the default run (2 pursuers vs 1 evader, conf/arena.yaml) once per seed, one after
the other (``rlgan-arena seed=<s>`` in a child process, so each run is as a user starts it),
then reads each run's ``metrics.json`` and reports, per quantity, the median over seeds with
its 95% percentile-bootstrap confidence interval (rliable, via :mod:`rlgan.sweep.stats`; with
5 seeds the interval spans roughly the second-lowest to the second-highest seed):

- wall time of the whole run (goal: under 10 minutes on a 2-core machine);
- learned red's win rate against the scripted evader, beside the scripted pursuers' own
  (chase, intercept) on the same evaluation seeds; learned blue's win rate against the
  scripted pursuers, beside the scripted evader's;
- the first snapshots' win rates against the scripts (the yardsticks);
- of the games each team's first snapshot lost against the scripts and the other team's
  kept pool (same seeds), the fraction its final snapshot won (goal: >= 80%);
- the final snapshot's ELO rank in its team's pool (goal: 1, the highest), by the run's
  ratings fitted to all its games at once and by its incremental (ML-Agents') ELO table, and
  how far apart each puts a team's kept snapshots (highest minus lowest rating; also by
  ratings fitted to the final pairings' latest matches alone, ``matches.csv``);
- the late snapshots against each other (both pools' kept snapshots but the first ones):
  red's win rate, and on what fraction of the evaluation maps every such pairing had the
  same winner (near 1: the map, not the snapshot, decides the game).

With ``--robustness``, also the last claim: self-play is more robust than training against
the scripts alone. Per seed, a run of the same budget with ``selfplay.scripted_ratio=1``
(each team meets only the other team's scripted baselines), then ``rlgan-arena exploit=`` on
both runs (a fresh best response of each team, ``best_response.total_timesteps`` arena steps,
against the run's final policy of the other); reported: the best responses' win rates
``exploit/vs_red`` and ``exploit/vs_blue`` for each kind of run (lower = more robust).

Usage::

    python benchmarks/arena_selfplay.py --seeds 0 1 2 3 4 --out /tmp/arena_bench
    python benchmarks/arena_selfplay.py --collect /tmp/arena_bench   # report finished runs
    python benchmarks/arena_selfplay.py --seeds 0 1 --out /tmp/a -- total_timesteps=200000
    python benchmarks/arena_selfplay.py --seeds 0 1 2 --robustness --out /tmp/arena_bench

Extra arguments after ``--`` are Hydra overrides for every run. A run folder that already
finished is not trained again (rerunning the command resumes an interrupted benchmark).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rlgan.common.child_process import run_group, sigterm_as_exit

#: (label, metric in metrics.json, how to show it) of the report's rows, in order.
ROWS: tuple[tuple[str, str, str], ...] = (
    ("wall time of the run (s)", "wall_time_s", "{:.0f}"),
    ("learned red vs scripted evader: win rate", "eval/red_win_rate", "{:.3f}"),
    ("  scripted chase vs scripted evader", "scripted/chase_vs_evade", "{:.3f}"),
    ("  scripted intercept vs scripted evader", "scripted/intercept_vs_evade", "{:.3f}"),
    ("  red's first snapshot vs scripted evader", "eval/red_first_win_rate", "{:.3f}"),
    ("  learned red minus the best scripted pursuer (paired)", "edge/red", "{:+.3f}"),
    ("learned blue vs scripted pursuers: win rate", "eval/blue_win_rate", "{:.3f}"),
    ("  learned blue vs scripted chase", "eval/blue_vs_chase", "{:.3f}"),
    ("  learned blue vs scripted intercept", "eval/blue_vs_intercept", "{:.3f}"),
    ("  scripted evader vs scripted pursuers", "scripted_blue", "{:.3f}"),
    ("  blue's first snapshot vs scripted pursuers", "eval/blue_first_win_rate", "{:.3f}"),
    ("  learned blue minus the scripted evader (paired)", "edge/blue", "{:+.3f}"),
    ("red final wins of the games red first lost", "eval/red_turned", "{:.3f}"),
    ("blue final wins of the games blue first lost", "eval/blue_turned", "{:.3f}"),
    ("red final snapshot's rank in its pool, fitted ELO", "eval/red_elo_rank", "{:.1f}"),
    ("  the same, incremental ELO", "eval/red_incremental_rank", "{:.1f}"),
    ("blue final snapshot's rank in its pool, fitted ELO", "eval/blue_elo_rank", "{:.1f}"),
    ("  the same, incremental ELO", "eval/blue_incremental_rank", "{:.1f}"),
    ("red final minus best other kept snapshot, fitted ELO", "gap/red", "{:+.0f}"),
    ("blue final minus best other kept snapshot, fitted ELO", "gap/blue", "{:+.0f}"),
    ("red window's ELO spread (highest - lowest), incremental", "spread/red/elo", "{:.0f}"),
    ("  the same, fitted to all games", "spread/red/all", "{:.0f}"),
    ("  the same, fitted to the final pairings", "spread/red/fit", "{:.0f}"),
    ("blue window's ELO spread (highest - lowest), incremental", "spread/blue/elo", "{:.0f}"),
    ("  the same, fitted to all games", "spread/blue/all", "{:.0f}"),
    ("  the same, fitted to the final pairings", "spread/blue/fit", "{:.0f}"),
    ("late red snapshots vs late blue ones: red's win rate", "late/p", "{:.3f}"),
    ("  maps on which every such pairing has the same winner", "late/agree", "{:.2f}"),
    ("pool size (kept snapshots per team)", "eval/red_pool_size", "{:.0f}"),
    ("red final ELO (fitted)", "eval/red_elo", "{:.0f}"),
    ("blue final ELO (fitted)", "eval/blue_elo", "{:.0f}"),
)

#: Metrics of run folders from before ``eval/<team>_elo`` was fitted to all games: where a
#: row's metric is read from in such a folder (its ``eval/<team>_elo_rank`` was incremental;
#: its ``fit_*`` ones came from the final pairings alone).
LEGACY_METRICS = {
    f"eval/{team}_{new}": f"eval/{team}_{old}"
    for team in ("red", "blue")
    for new, old in (("elo", "fit_elo"), ("elo_rank", "fit_rank"), ("incremental_rank", "elo_rank"))
}


#: Run kinds of ``--robustness``: folder prefix -> extra overrides of its self-play runs.
KINDS = {"seed": (), "script": ("selfplay.scripted_ratio=1",)}


def run_folder(out: Path, seed: int, kind: str = "seed") -> Path:
    """Where seed ``seed``'s run of ``kind`` (``seed``: default self-play) is written."""
    return out / f"{kind}_{seed}"


def finished(folder: Path) -> bool:
    """Whether ``folder`` holds a finished run."""
    path = folder / "metrics.json"
    return path.is_file() and json.loads(path.read_text()).get("status") == "ok"


def run_arena(folder: Path, args: Sequence[str], resumable: bool = True) -> None:
    """``rlgan-arena <args>`` into ``folder`` unless it finished there (resumed if begun)."""
    if finished(folder):
        print(f"finished already: {folder}", flush=True)
        return
    command = [sys.executable, "-m", "rlgan.arena.cli", "progress_bar=false"]
    if resumable and (folder / "checkpoints").is_dir():
        command.append(f"resume={folder}")
    else:
        command += [f"hydra.run.dir={folder}", *args]
    print("running:", " ".join(command), flush=True)
    run_group(command, check=True, env={**os.environ, "MPLBACKEND": "Agg"})


def train(out: Path, seeds: Sequence[int], overrides: Sequence[str]) -> None:
    """Train the default runs that are not finished yet, one at a time."""
    for seed in seeds:
        run_arena(run_folder(out, seed), [f"seed={seed}", *overrides])


def robustness(out: Path, seeds: Sequence[int], overrides: Sequence[str]) -> None:
    """Script-only runs of the same budget, then best responses against both kinds of run."""
    for seed in seeds:
        for kind, extra in KINDS.items():
            folder = run_folder(out, seed, kind)
            run_arena(folder, [f"seed={seed}", *extra, *overrides])
            target = f"exploit={folder}"
            run_arena(run_folder(out, seed, f"exploit_{kind}"), [target, f"seed={seed}"], False)


def robustness_report(out: Path) -> str:
    """Best responses' win rates against self-play and script-only runs (lower = robust)."""
    from rlgan.sweep.stats import interval_estimates

    lines = [
        "",
        "Robustness: a fresh best response's win rate against each run's final policy "
        "(lower = harder to exploit); median [95% bootstrap CI]; per seed",
        "",
        "| against | self-play run | script-only run |",
        "|---|---|---|",
    ]
    paired = []
    for team in ("red", "blue"):
        cells = []
        rates_by_kind = {kind: exploit_rates(out, kind, team) for kind in KINDS}
        for kind, found in rates_by_kind.items():
            if not found:
                cells.append("n/a")
                continue
            rates = list(found.values())
            est = interval_estimates({kind: rates}, "median")[kind]
            each = ", ".join(f"{seed}: {value:.3f}" for seed, value in found.items())
            cells.append(f"{est.point:.3f} [{est.low:.3f}, {est.high:.3f}] ({each})")
        lines.append(f"| final {team} | {cells[0]} | {cells[1]} |")
        mine, theirs = rates_by_kind["seed"], rates_by_kind["script"]
        seeds = [seed for seed in mine if seed in theirs]
        if seeds:
            diffs = [mine[seed] - theirs[seed] for seed in seeds]
            est = interval_estimates({team: diffs}, "median")[team]
            each = ", ".join(f"{seed}: {d:+.3f}" for seed, d in zip(seeds, diffs, strict=True))
            lower = sum(d < 0 for d in diffs)
            paired.append(
                f"| final {team} | {est.point:+.3f} [{est.low:+.3f}, {est.high:+.3f}] | "
                f"{lower} of {len(diffs)} | {each} |"
            )
    for team in ("red", "blue"):
        cells = []
        for kind in KINDS:
            rates = [
                float(m[f"eval/{team}_win_rate"])
                for m in collect(out, kind)
                if isinstance(m.get(f"eval/{team}_win_rate"), (int, float))
            ]
            if rates:
                est = interval_estimates({kind: rates}, "median")[kind]
                cells.append(f"{est.point:.3f} [{est.low:.3f}, {est.high:.3f}] ({len(rates)})")
            else:
                cells.append("n/a")
        lines.append(f"| (its own {team} vs the scripts) | {cells[0]} | {cells[1]} |")
    if paired:
        lines += [
            "",
            "Self-play minus script-only, paired by seed (negative: self-play harder to exploit)",
            "",
            "| against | median [95% CI] | seeds self-play lower | per seed |",
            "|---|---|---|---|",
            *paired,
        ]
    return "\n".join(lines)


def exploit_rates(out: Path, kind: str, team: str) -> dict[str, float]:
    """``{seed: exploit/vs_<team>}`` of the finished best-response runs against ``kind``."""
    found = {}
    for path in sorted(out.glob(f"exploit_{kind}_*/metrics.json")):
        metrics = json.loads(path.read_text())
        value = metrics.get(f"exploit/vs_{team}")
        if metrics.get("status") == "ok" and isinstance(value, (int, float)):
            found[path.parent.name.rsplit("_", 1)[1]] = float(value)
    return found


def match_rows(folder: Path) -> list[dict[str, str]]:
    """The rows of a run's ``matches.csv`` (empty when it has none)."""
    path = folder / "matches.csv"
    if not path.is_file():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def window(names: Sequence[str] | set[str], team: str) -> list[str]:
    """``team``'s snapshots among ``names`` but its first one (the yardstick), oldest first."""
    steps = sorted(int(n.split("@")[1]) for n in names if n.startswith(f"{team}@"))
    return [f"{team}@{step}" for step in steps[1:]]


def fitted(folder: Path) -> dict[str, float]:
    """Ratings fitted to all of a run's final pairings at once (scripts anchored at 1200)."""
    from rlgan.arena.elo import fit_ratings

    results = [
        (r["red"], r["blue"], float(r["red_wins"]), int(r["games"])) for r in match_rows(folder)
    ]
    names = {name for row in results for name in row[:2]}
    return fit_ratings(results, {name: 1200.0 for name in names if name.startswith("script:")})


def fitted_gap(folder: Path, team: str) -> float:
    """Fitted ELO of ``team``'s final snapshot minus the best of its other kept ones.

    Read from the run's ``matches.csv`` (its first snapshot, the yardstick, left out); NaN
    when the run has no such file.
    """
    ratings = fitted(folder)
    kept = window(set(ratings), team)
    if len(kept) < 2:
        return math.nan
    return ratings[kept[-1]] - max(ratings[name] for name in kept[:-1])


def window_spread(folder: Path, team: str, how: str) -> float:
    """Highest minus lowest rating of ``team``'s kept snapshots (its first left out).

    ``how``: ``elo`` (the run's incremental table at its last evaluation, ``elo.csv``),
    ``all`` (the run's ratings fitted to all its games, ``elo.csv``; NaN for runs from before
    that column) or ``fit`` (ratings fitted to all the final pairings at once).
    """
    if how == "fit":
        ratings = fitted(folder)
    else:
        from rlgan.arena.elo_log import ELO_FILE, read_elo_log, row_rating

        rows = read_elo_log(folder / ELO_FILE)
        last = max((int(row["step"]) for row in rows), default=0)
        rows = [row for row in rows if int(row["step"]) == last]
        if how == "all" and not all(row.get("elo_fitted") for row in rows):
            return math.nan
        ratings = {r["player"]: row_rating(r, fitted=how == "all") for r in rows}
    kept = [ratings[name] for name in window(set(ratings), team)]
    return max(kept) - min(kept) if len(kept) > 1 else math.nan


def late_pairings(folder: Path) -> list[str]:
    """The winners strings (``rrb...``) of every pairing of two kept, non-first snapshots."""
    rows = match_rows(folder)
    names = {name for row in rows for name in (row["red"], row["blue"])}
    reds, blues = set(window(names, "red")), set(window(names, "blue"))
    return [row["winners"] for row in rows if row["red"] in reds and row["blue"] in blues]


def late_value(folder: Path, what: str) -> float:
    """Late red snapshots against late blue ones: red's win rate (``p``), or the fraction of
    the evaluation maps on which every such pairing had the same winner (``agree``)."""
    games = late_pairings(folder)
    if not games:
        return math.nan
    if what == "p":
        return sum(won.count("r") for won in games) / sum(len(won) for won in games)
    maps = range(min(len(won) for won in games))
    return sum(len({won[i] for won in games}) == 1 for i in maps) / len(maps)


def values(metrics: dict, key: str) -> float:
    """One run's value of a report row (NaN when missing)."""
    folder = Path(metrics.get("_folder", ""))
    if key.startswith("gap/"):
        return fitted_gap(folder, key.split("/")[1])
    if key.startswith("spread/"):
        _, team, how = key.split("/")
        return window_spread(folder, team, how)
    if key.startswith("late/"):
        return late_value(folder, key.split("/")[1])
    if key == "edge/red":
        scripted = [v for k, v in metrics.items() if k.startswith("scripted/") and v is not None]
        return values(metrics, "eval/red_win_rate") - max(scripted, default=math.nan)
    if key == "edge/blue":
        return values(metrics, "eval/blue_win_rate") - values(metrics, "scripted_blue")
    if key == "scripted_blue":
        rates = [v for k, v in metrics.items() if k.startswith("scripted/") and v is not None]
        return 1.0 - sum(rates) / len(rates) if rates else math.nan
    if key in LEGACY_METRICS and "eval/red_incremental_elo" not in metrics:
        key = LEGACY_METRICS[key]  # a run folder from before the fitted ratings
    value = metrics.get(key)
    return float(value) if isinstance(value, (int, float)) else math.nan


def collect(out: Path, kind: str = "seed") -> list[dict]:
    """The metrics of every finished run of ``kind`` below ``out``."""
    runs = []
    for path in sorted(out.glob(f"{kind}_*/metrics.json")):
        metrics = json.loads(path.read_text())
        if metrics.get("status") == "ok":
            runs.append({**metrics, "_folder": str(path.parent)})
    return runs


def report(runs: Sequence[dict]) -> str:
    """The Markdown table: median [95% CI] and each seed's value, per row."""
    from rlgan.sweep.stats import interval_estimates

    seeds = [int(m.get("seed", -1)) for m in runs]
    lines = [
        f"{len(runs)} seeds ({', '.join(map(str, seeds))}); median [95% bootstrap CI]; per seed",
        "",
        "| quantity | median [95% CI] | per seed |",
        "|---|---|---|",
    ]
    for label, key, shown in ROWS:
        column = [values(m, key) for m in runs]
        finite = [v for v in column if math.isfinite(v)]
        if finite:
            est = interval_estimates({key: finite}, "median")[key]
            cell = f"{shown.format(est.point)} [{shown.format(est.low)}, {shown.format(est.high)}]"
        else:
            cell = "n/a"
        each = ", ".join(shown.format(v) if math.isfinite(v) else "n/a" for v in column)
        lines.append(f"| {label} | {cell} | {each} |")
    return "\n".join(lines)


#: First seed of the fresh maps of ``--fresh-games`` (far from every run's evaluation seeds).
FRESH_SEED = 99_999


def fresh_rates(folder: Path, games: int) -> dict[str, float]:
    """A finished run's final models and the scripts on ``games`` fresh maps, deterministic.

    ``{"red": ..., "blue": ..., "script:<red>": ...}``: learned red's and learned blue's win
    rates against the other team's scripts (all of them), and each scripted pursuer's win
    rate against the scripted evader, all on the same maps (seeds ``FRESH_SEED + i``).
    """
    from functools import partial

    from rlgan.envs.pursuit_arena import PursuitArenaVector

    from rlgan.arena.matches import play_matches
    from rlgan.arena.policies import ModelPolicy
    from rlgan.arena.scripted import scripted_baselines
    from rlgan.arena.validate import check_env
    from rlgan.common.lifecycle import read_run_config
    from rlgan.rl.model_io import load_model_file

    cfg = read_run_config(folder, "run", app="arena")
    knobs, params = check_env(cfg)
    make = partial(PursuitArenaVector, **knobs)
    scripts = {team: scripted_baselines(team, params) for team in ("red", "blue")}
    learned = {
        team: ModelPolicy(
            load_model_file(folder / f"{team}.zip", cfg[team].algo.name, None, "cpu"), True
        )
        for team in ("red", "blue")
    }
    out: dict[str, float] = {}
    red = [play_matches(make, learned["red"], b, games, FRESH_SEED) for b in scripts["blue"]]
    out["red"] = sum(r.red_wins for r in red) / sum(r.games for r in red)
    blue = [play_matches(make, r, learned["blue"], games, FRESH_SEED) for r in scripts["red"]]
    out["blue"] = sum(r.blue_wins for r in blue) / sum(r.games for r in blue)
    for pursuer in scripts["red"]:
        for evader in scripts["blue"]:
            result = play_matches(make, pursuer, evader, games, FRESH_SEED)
            out[pursuer.name] = result.win_rate("red")
    return out


def fresh_report(runs: Sequence[dict], games: int) -> str:
    """Learned vs scripted on ``games`` fresh maps per run, paired: median [95% CI]."""
    from rlgan.sweep.stats import interval_estimates

    columns: dict[str, list[float]] = {}
    for metrics in runs:
        rates = fresh_rates(Path(metrics["_folder"]), games)
        scripted = [v for k, v in rates.items() if k.startswith("script:")]
        evader = 1.0 - sum(scripted) / len(scripted)
        row = {
            "learned red vs scripted evader": rates["red"],
            "best scripted pursuer vs scripted evader": max(scripted),
            "learned red minus the best scripted pursuer": rates["red"] - max(scripted),
            "learned blue vs scripted pursuers": rates["blue"],
            "scripted evader vs scripted pursuers": evader,
            "learned blue minus the scripted evader": rates["blue"] - evader,
        }
        for label, value in row.items():
            columns.setdefault(label, []).append(value)
        print(f"{metrics['_folder']}: {rates}", flush=True)
    lines = [
        "",
        f"On {games} fresh maps (seeds {FRESH_SEED} + i, the same for every run), deterministic:",
        "",
        "| quantity | median [95% CI] | per seed |",
        "|---|---|---|",
    ]
    for label, column in columns.items():
        est = interval_estimates({label: column}, "median")[label]
        each = ", ".join(f"{v:+.3f}" for v in column)
        lines.append(f"| {label} | {est.point:+.3f} [{est.low:+.3f}, {est.high:+.3f}] | {each} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Train the seeds (unless ``--collect``), then print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--out", type=Path, default=Path("outputs/bench_arena_selfplay"))
    parser.add_argument("--collect", type=Path, help="only report the runs below this folder")
    parser.add_argument(
        "--robustness",
        action="store_true",
        help="also train script-only runs and best responses against both kinds of run",
    )
    parser.add_argument(
        "--fresh-games",
        type=int,
        default=0,
        help="also replay each run's final models and the scripts on this many fresh maps",
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for every run (after --)")
    args = parser.parse_args(argv)
    out = args.collect or args.out
    if args.collect is None:
        out.mkdir(parents=True, exist_ok=True)
        train(out, args.seeds, args.overrides)
        if args.robustness:
            robustness(out, args.seeds, args.overrides)
    runs = collect(out)
    if not runs:
        raise SystemExit(f"no finished run below {out}")
    table = report(runs)
    if args.robustness or list(out.glob("exploit_*")):
        table += "\n" + robustness_report(out)
    if args.fresh_games:
        table += "\n" + fresh_report(runs, args.fresh_games)
    (out / "report.md").write_text(table + "\n", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    with sigterm_as_exit():  # kill or a time limit stops the training command too
        main()
