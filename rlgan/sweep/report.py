"""``rlgan-report``: compare the runs of a sweep (or any run folders).

Example::

    rlgan-report multirun/rl/2026-11-24/01-30-00
    rlgan-report outputs/rl/*/* --metric eval/mean_reward --metric wall_time_s --sort desc

Runs are grouped by app and by their overrides with the seed removed; each group gets
mean ± std of the chosen metrics (and, with at least 5 seeds, the interquartile mean with a 95%
stratified-bootstrap confidence interval, from rliable), its run count and failed runs, sorted
by the mean of the first metric:
best first, in the direction the runs recorded in their ``metrics.json`` (``"directions"``),
else the metric's declaration (:mod:`rlgan.sweep.directions`); an unknown direction sorts
descending with a note, and ``--sort asc|desc`` overrides all of them.
Writes ``report.csv``, ``report.md`` and ``plots/`` into ``--out`` (default: ``report/`` inside
the folder given, or ``./report`` for several folders), and for a Bayesian search its best trial
as ``best_preset.yaml`` and a parameter-importance plot. Arena runs also get each team's ELO
over training from their ``elo.csv`` (``plots/arena_elo.png``, :mod:`rlgan.sweep.report_arena`).
See docs/sweeps.md.

``--metric`` names that no run recorded are refused (exit 2) with the metrics that were found.
Importing this module is cheap (``rlgan-report --help``): numpy, omegaconf, rich and matplotlib
are imported once a report is made.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlgan.common.errors import ConfigError
from rlgan.sweep.directions import UNKNOWN_HINT

if TYPE_CHECKING:
    from rlgan.sweep.directions import Direction
    from rlgan.sweep.grouping import Group
    from rlgan.sweep.runs import Run

PROG = "rlgan-report"
SORT_CHOICES = ("auto", "asc", "desc")
#: Keys of metrics.json that are not metrics.
_NOT_METRICS = {"app", "status", "seed", "objective", "error", "algo", "env_id", "directions"}
#: Apps whose runs are judged on several declared metrics at once, and where those are listed
#: (module, attribute): a report shows them all by default, after the runs' own objective.
#: An arena run optimises one side's win rate or ELO, but is read by both sides' figures.
HEADLINE_METRICS = {"arena": ("rlgan.arena.metrics", "OBJECTIVES")}
#: Apps whose runs leave figures of their own beyond the metrics, and the function (module,
#: attribute) that draws them for a section's groups: ``{file name: figure or None}``.
#: An arena run logs each team's ELO over training (elo.csv).
APP_FIGURES = {"arena": ("rlgan.sweep.report_arena", "arena_figures")}
#: How the sort order was chosen, as the report's titles say it.
_SORT_SOURCES = {
    "metrics.json": "direction from metrics.json",
    "declaration": "declared direction",
    "unknown": "direction unknown",
    "--sort": "--sort",
}


@dataclass
class AppSection:
    """The part of a report about one app's runs."""

    app: str
    metrics: list[str]
    descending: bool
    groups: list[Group]
    #: Where the order came from: ``metrics.json``, ``declaration``, ``unknown`` or ``--sort``.
    sort_source: str = "--sort"
    #: Notes about the order for the reader (unknown direction, runs that disagree).
    notes: list[str] = field(default_factory=list)
    failed: list[Run] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)
    #: Why some groups show mean ± std without an IQM (too few seeds).
    footnotes: list[str] = field(default_factory=list)
    #: Whether higher is better for the first metric (None: unknown), for the plots' labels.
    higher_is_better: bool | None = None


@dataclass
class Report:
    """Everything a report computed and where it wrote it."""

    out: Path
    sections: list[AppSection]
    searches: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of ``rlgan-report``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Summarise rlgan runs: a table of mean ± std per configuration "
        "(seeds pooled; IQM with a 95%% bootstrap CI from 5 seeds), report.csv, report.md, "
        "plots, and for a Bayesian search best_preset.yaml and parameter importances.",
    )
    parser.add_argument("paths", nargs="+", help="a multirun folder, or run folders")
    parser.add_argument(
        "--metric",
        action="append",
        default=None,
        metavar="NAME",
        help="metric to show (repeatable); the first one sorts the table "
        "(default: each app's objective, e.g. eval/mean_reward)",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="output folder (default: PATH/report for one folder, ./report for several)",
    )
    parser.add_argument(
        "--sort",
        default="auto",
        choices=SORT_CHOICES,
        help="order of the first metric; auto: best first, as the runs' "
        "metrics.json or the metric's declaration says (descending, with a "
        "note, when neither knows it)",
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    return parser


def _objective(runs: Sequence[Run]) -> str:
    """The metric the app's runs optimise (their most common ``objective``)."""
    named = Counter(str(r.metrics["objective"]) for r in runs if r.metrics.get("objective"))
    if named:
        return named.most_common(1)[0][0]
    for run in runs:
        for key, value in run.metrics.items():
            if (
                key not in _NOT_METRICS
                and isinstance(value, (int, float))
                and not isinstance(value, bool)
            ):
                return key
    return "objective"


def _metrics_found(runs: Sequence[Run]) -> set[str]:
    """Names of the numeric metrics in the runs' ``metrics.json``."""
    return {
        key
        for run in runs
        for key, value in run.metrics.items()
        if key not in _NOT_METRICS
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
    }


def _logged_columns(runs: Sequence[Run]) -> set[str]:
    """Names of the columns of the runs' ``progress.csv`` (read only when needed)."""
    return {key for run in runs for row in run.progress()[:1] for key in row}


def check_metrics(runs: Sequence[Run], metrics: Sequence[str] | None) -> None:
    """Raise :class:`ConfigError` for a ``--metric`` that no run recorded.

    A metric counts as recorded when a run's ``metrics.json`` or ``progress.csv`` has it.
    """
    if not metrics:
        return
    found = _metrics_found(runs)
    missing = [m for m in metrics if m not in found]
    if missing:
        logged = _logged_columns(runs)
        missing = [m for m in missing if m not in logged]
    if not missing:
        return
    names = ", ".join(repr(m) for m in missing)
    listed = ", ".join(sorted(found)) or "none"
    raise ConfigError(
        f"Invalid --metric {names}: no run recorded "
        f"{'it' if len(missing) == 1 else 'them'}. Metrics found in the "
        f"{len(runs)} runs' metrics.json: {listed}."
    )


def headline_metrics(app: str) -> tuple[str, ...]:
    """The metrics ``app``'s runs are shown with by default (:data:`HEADLINE_METRICS`)."""
    import importlib

    if app not in HEADLINE_METRICS:
        return ()
    module, attribute = HEADLINE_METRICS[app]
    return tuple(getattr(importlib.import_module(module), attribute))


def _section(app: str, runs: Sequence[Run], metrics: Sequence[str] | None, sort: str) -> AppSection:
    """Group and sort one app's runs (``sort``: ``auto``, ``asc`` or ``desc``)."""
    from rlgan.sweep.grouping import group_runs, sort_groups

    if metrics:
        chosen = list(metrics)
    else:
        chosen = [_objective(runs)]
        found = _metrics_found(runs)
        chosen += [m for m in headline_metrics(app) if m in found and m not in chosen]
        if any("wall_time_s" in r.metrics for r in runs):
            chosen.append("wall_time_s")
    notes: list[str] = []
    resolved = _direction(chosen[0], runs)
    if sort == "auto":
        descending, source = resolved.descending, resolved.source
        if resolved.note:
            notes.append(resolved.note)
        if not resolved.known:
            notes.append(
                f"{chosen[0]}: direction unknown, sorted descending; pass "
                f"--sort asc|desc ({UNKNOWN_HINT})"
            )
    else:
        descending, source = sort == "desc", "--sort"
    groups = sort_groups(group_runs(runs), chosen[0], descending)
    failed = [r for r in runs if r.status == "failed"]
    return AppSection(
        app=app,
        metrics=chosen,
        descending=descending,
        groups=groups,
        failed=failed,
        sort_source=source,
        notes=notes,
        higher_is_better=resolved.descending if resolved.known else None,
    )


def _direction(metric: str, runs: Sequence[Run]) -> Direction:
    """The direction of ``metric``: the runs' ``metrics.json`` records, else its declaration."""
    from rlgan.sweep.directions import resolve_direction

    return resolve_direction(metric, (run.metrics.get("directions") for run in runs))


def _load_search(sweep_dir: Path, runs: Sequence[Run]) -> dict[str, Any]:
    """A Bayesian search's results; trials rebuilt from the runs if the file lacks them.

    A file without ``direction`` (the released hydra-optuna-sweeper's) gets the objective's
    direction from the runs or its declaration, when known.
    """
    from omegaconf import OmegaConf

    from rlgan.sweep.directions import DIRECTIONS
    from rlgan.sweep.optuna_search import RESULTS_FILE

    loaded = OmegaConf.to_container(OmegaConf.load(sweep_dir / RESULTS_FILE))
    results: dict[str, Any] = dict(loaded) if isinstance(loaded, dict) else {}
    results["sweep_dir"] = str(sweep_dir)
    mine = sorted((r for r in runs if r.path.parent == sweep_dir), key=lambda r: r.job_num or 0)
    objective = str(results.get("objective") or _objective(mine))
    if not results.get("trials"):
        results["trials"] = [
            {"number": r.job_num, "value": r.metric(objective) if r.status == "ok" else None}
            for r in mine
        ]
    if results.get("direction") not in DIRECTIONS:
        resolved = _direction(objective, mine)
        if resolved.known:
            results["direction"] = resolved.direction
    return results


def _default_out(paths: Sequence[str]) -> Path:
    """``PATH/report`` for one folder, ``./report`` for several."""
    return Path(paths[0]) / "report" if len(paths) == 1 else Path("report")


def make_report(
    paths: Sequence[str],
    metrics: Sequence[str] | None = None,
    out: str | Path | None = None,
    sort: str = "auto",
    plots: bool = True,
    console: Any = None,
) -> Report:
    """Scan ``paths``, print the tables and write report.csv, report.md and plots.

    Raises :class:`ConfigError` when a path is missing or holds no runs, or when no run
    recorded one of ``metrics``.
    """
    from rich.console import Console

    from rlgan.common.atomic import atomic_write_text
    from rlgan.common.writable import require_writable_dir
    from rlgan.sweep.runs import find_runs, find_sweep_dirs, mixed_versions
    from rlgan.sweep.tables import (
        display_rows,
        footnotes,
        markdown_table,
        rich_table,
        table_rows,
        write_csv,
    )

    if sort not in SORT_CHOICES:
        raise ConfigError(f"Invalid --sort={sort!r}: valid choices are {', '.join(SORT_CHOICES)}.")
    runs = find_runs(paths)
    if not runs:
        raise ConfigError(
            f"No runs found in {', '.join(map(str, paths))}: a run folder holds "
            "metrics.json or .hydra/config.yaml. Pass a multirun folder (e.g. "
            "multirun/rl/<date>/<time>) or run folders (outputs/rl/<date>/<time>)."
        )
    check_metrics(runs, metrics)
    console = console or Console()
    out_dir = Path(out) if out is not None else _default_out(list(map(str, paths)))
    require_writable_dir(out_dir, "--out")
    report = Report(out=out_dir, sections=[])
    apps = sorted({run.app for run in runs})
    csv_rows: list[dict[str, Any]] = []
    md = [f"# Sweep report\n\n{len(runs)} runs from: " + ", ".join(f"`{p}`" for p in paths)]
    for app in apps:
        section = _section(app, [r for r in runs if r.app == app], metrics, sort)
        report.sections.append(section)
        header, cells = display_rows(section.groups, section.metrics)
        order = (
            ("descending" if section.descending else "ascending")
            + ", "
            + _SORT_SOURCES.get(section.sort_source, section.sort_source)
        )
        title = f"{app}: {len(section.groups)} groups, sorted by {section.metrics[0]} ({order})"
        _print_table(
            console, rich_table(title, *display_rows(section.groups, section.metrics, True))
        )
        section.footnotes = footnotes(section.groups, section.metrics)
        for line in section.footnotes:
            console.print(line, markup=False, highlight=False)
        for note in section.notes:
            console.print(f"note: {note}", markup=False, highlight=False, style="yellow")
        common = section.groups[0].common
        if common:
            console.print(
                f"{app}: overrides shared by every group: {' '.join(common)}",
                markup=False,
                highlight=False,
            )
        shared = f"Shared by every group: `{' '.join(common)}`.\n\n" if common else ""
        notes = "".join(f"> **Note**: {note}.\n\n" for note in section.notes)
        below = "".join(f"\n\n{line}" for line in section.footnotes)
        md.append(
            f"## {app}\n\nSorted by the mean of `{section.metrics[0]}` ({order}); mean ± std "
            f"(sample std) over finished runs, seeds pooled; with at least 5 seeds also the "
            f"interquartile mean (IQM) with its 95% stratified-bootstrap CI (rliable). "
            f"{shared}\n\n{notes}" + markdown_table(header, cells) + below
        )
        for group in section.groups:
            mixed = mixed_versions(group.runs)
            if mixed:
                shown = "; ".join(f"{name} {' / '.join(v)}" for name, v in mixed.items())
                warning = (
                    f"warning: {app} group {group.label} mixes package versions "
                    f"({shown}): its runs may not be comparable."
                )
                console.print(warning, markup=False, highlight=False, style="yellow")
                md.append(f"> **Warning**: group `{group.label}` mixes package versions ({shown}).")
        if section.failed:
            console.print(f"[bold red]{len(section.failed)} failed {app} run(s):[/]")
            lines = []
            for run in section.failed:
                console.print(
                    f"  {run.path}: {run.error or 'no error recorded'}",
                    markup=False,
                    highlight=False,
                )
                lines.append(f"- `{run.path}`: {run.error or 'no error recorded'}")
            md.append("### Failed runs\n\n" + "\n".join(lines))
        csv_rows.extend(table_rows(section.groups, section.metrics))
        if plots:
            section.plots.extend(_section_plots(section, out_dir / "plots"))
            md.extend(f"![{p.stem}](plots/{p.name})" for p in section.plots)
            if not any("aggregate" in p.name for p in section.plots):
                md.append(
                    f"No aggregate-metrics figure or performance profile: no group has "
                    f"{_min_seeds()} finished seeds."
                )
    for index, sweep_dir in enumerate(find_sweep_dirs(runs)):
        results = _load_search(sweep_dir, runs)
        report.searches.append(results)
        md.append(_search_section(index, sweep_dir, results, runs, out_dir, plots, report, console))
    report.files.append(write_csv(out_dir / "report.csv", csv_rows))
    report.files.append(atomic_write_text(out_dir / "report.md", "\n\n".join(md) + "\n"))
    for section in report.sections:
        report.files.extend(section.plots)
    console.print(
        f"Wrote {out_dir / 'report.csv'}, {out_dir / 'report.md'}"
        + (f" and {out_dir / 'plots'}/" if plots else ""),
        markup=False,
        highlight=False,
    )
    return report


def _print_table(console: Any, table: Any) -> None:
    """Print a rich table, as wide as it needs when the output is not a terminal.

    Rich gives a log or a pipe 80 columns; a wider table would be cut there.
    """
    if not console.is_terminal:
        needed = console.measure(table, options=console.options.update_width(10_000)).maximum
        if needed > console.width:
            console.width = needed
    console.print(table)


def _min_seeds() -> int:
    """Fewest seeds for an IQM with a CI (:data:`rlgan.sweep.stats.MIN_SEEDS`)."""
    from rlgan.sweep.stats import MIN_SEEDS

    return MIN_SEEDS


def _section_plots(section: AppSection, folder: Path) -> list[Path]:
    """Draw and save one app's figures for its first metric; return the files written."""
    from rlgan.sweep.plots import (
        STEP_UNITS,
        aggregate_figure,
        final_values_figure,
        learning_curves_figure,
        profile_figure,
        save_figure,
        slug,
    )

    metric, app, better = section.metrics[0], section.app, section.higher_is_better
    figures = {
        "curves": learning_curves_figure(
            section.groups, metric, f"{app}: {metric}", STEP_UNITS.get(app, "step"), better
        ),
        "final": final_values_figure(section.groups, metric, f"{app}: final {metric}", better),
        "aggregate": aggregate_figure(
            section.groups, metric, f"{app}: {metric}, aggregates over seeds", better
        ),
        "profile": profile_figure(
            section.groups, metric, f"{app}: {metric}, performance profile", better
        ),
    }
    named = {f"{app}_{kind}_{slug(metric)}.png": figure for kind, figure in figures.items()}
    named.update(app_figures(section))
    return [
        save_figure(figure, folder / name) for name, figure in named.items() if figure is not None
    ]


def app_figures(section: AppSection) -> dict[str, Any]:
    """The figures of :data:`APP_FIGURES` for ``section``'s app, by file name (may be None)."""
    import importlib

    if section.app not in APP_FIGURES:
        return {}
    module, attribute = APP_FIGURES[section.app]
    draw = getattr(importlib.import_module(module), attribute)
    return dict(draw(section.groups, section.app))


def _shown(value: Any) -> str:
    """A parameter or objective value as the report prints it (numbers to 4 digits)."""
    from rlgan.sweep.numbers import format_number

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value) if isinstance(value, int) else format_number(value)
    return str(value)


def _search_section(
    index: int,
    sweep_dir: Path,
    results: dict[str, Any],
    runs: Sequence[Run],
    out_dir: Path,
    plots: bool,
    report: Report,
    console: Any,
) -> str:
    """Report one Bayesian search: best trial, best_preset.yaml, history and importance plots.

    Returns its Markdown section.
    """
    from rlgan.sweep.importance import param_importances
    from rlgan.sweep.plots import importance_figure, save_figure, search_history_figure
    from rlgan.sweep.presets_out import PRESET_FILE, write_best_preset

    best = dict(results.get("best_params") or {})
    shown = " ".join(f"{k}={_shown(v)}" for k, v in best.items())
    console.print(
        f"Bayesian search in {sweep_dir}: best value {_shown(results.get('best_value'))}"
        + (f" with {shown}" if shown else ""),
        markup=False,
        highlight=False,
    )
    md = [
        f"## Bayesian search `{sweep_dir}`\n\nBest value: {_shown(results.get('best_value'))}"
        "\n\nBest parameters:\n\n" + "\n".join(f"- `{k}`: {v}" for k, v in best.items())
    ]
    name = PRESET_FILE if index == 0 else PRESET_FILE.replace(".yaml", f"_{index}.yaml")
    preset = write_best_preset(out_dir / name, results, runs)
    if preset is not None:
        report.files.append(preset)
        console.print(f"Best trial as a preset: {preset}", markup=False, highlight=False)
        md.append(
            f"The best trial as a preset: [`{name}`]({name}); copy it into the `experiment/` "
            "folder of a config folder on Hydra's search path and select it with "
            "`+experiment=<file name>` (docs/sweeps.md)."
        )
    importances = param_importances(results)
    if importances:
        md.append(
            "Parameter importance (Optuna's fANOVA, share of the objective's variance):\n\n"
            + "\n".join(f"- `{k}`: {v:.2f}" for k, v in importances.items())
        )
    if plots:
        figures = {
            f"search_history_{index}.png": search_history_figure(
                results, f"Bayesian search {index}: objective per trial"
            ),
            f"search_importance_{index}.png": importance_figure(
                importances,
                f"Bayesian search {index}: parameter importance "
                f"({sum(t.get('value') is not None for t in results['trials'])} trials)",
            ),
        }
        for file_name, figure in figures.items():
            if figure is not None:
                made = save_figure(figure, out_dir / "plots" / file_name)
                md.append(f"![{made.stem}](plots/{made.name})")
                report.files.append(made)
    return "\n\n".join(md)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``rlgan-report``; returns the exit status (2 for bad input)."""
    args = build_parser().parse_args(argv)
    try:
        make_report(
            args.paths, metrics=args.metric, out=args.out, sort=args.sort, plots=not args.no_plots
        )
    except ConfigError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
