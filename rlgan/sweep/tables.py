"""The report's table: one row per group, as CSV, Markdown and a rich console table.

Each metric gets ``mean ± std`` over the group's finished seeds; when some group of the table
has at least :data:`rlgan.sweep.stats.MIN_SEEDS` seeds, a second column gives the IQM with its
95% stratified-bootstrap CI (rliable), and groups with fewer seeds show why not (a footnote,
:func:`footnotes`). Numbers are printed with 3-4 significant digits
(:func:`rlgan.sweep.numbers.format_number`); report.csv keeps full precision.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rlgan.common.atomic import atomic_write_text
from rlgan.sweep.grouping import Group
from rlgan.sweep.labels import group_labels
from rlgan.sweep.numbers import format_number
from rlgan.sweep.stats import CONFIDENCE, FEW_SEEDS_NOTE, MIN_SEEDS

#: Narrowest the group column gets on a narrow terminal (longer labels fold).
GROUP_MIN_WIDTH = 24
#: Marks a group whose IQM cell is empty because it has too few seeds.
FEW_SEEDS_MARK = "†"


def table_rows(groups: Sequence[Group], metrics: Sequence[str]) -> list[dict[str, Any]]:
    """Flat rows (for report.csv): counts, then mean/std/n and IQM with CI of each metric.

    The IQM columns are empty for groups with fewer than :data:`MIN_SEEDS` seeds.
    """
    rows = []
    for group in groups:
        row: dict[str, Any] = {
            "app": group.app,
            "group": group.label,
            "overrides": " ".join(group.overrides),
            "runs": len(group.runs),
            "ok": len(group.ok_runs),
            "failed": group.n_failed,
            "incomplete": group.n_incomplete,
        }
        for metric in metrics:
            stat = group.stat(metric)
            row[f"{metric} mean"] = stat.mean if stat.count else ""
            row[f"{metric} std"] = stat.std if stat.count else ""
            row[f"{metric} n"] = stat.count
            robust = group.seed_stats(metric).iqm
            row[f"{metric} iqm"] = robust.point if robust else ""
            row[f"{metric} iqm ci95 low"] = robust.low if robust else ""
            row[f"{metric} iqm ci95 high"] = robust.high if robust else ""
        rows.append(row)
    return rows


def write_csv(path: str | os.PathLike, rows: Sequence[dict[str, Any]]) -> Path:
    """Write rows (dicts sharing keys in order of first appearance) to a CSV file."""
    fields: list[str] = []
    for row in rows:
        fields.extend(key for key in row if key not in fields)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: row.get(key, "") for key in fields})
    return atomic_write_text(Path(path), buffer.getvalue())


def has_robust(groups: Sequence[Group], metric: str) -> bool:
    """Whether some group has enough seeds of ``metric`` for an IQM with a CI."""
    return any(group.stat(metric).count >= MIN_SEEDS for group in groups)


def iqm_header(metric: str) -> str:
    """The header of ``metric``'s IQM column."""
    return f"{metric} IQM [{CONFIDENCE:.0%} CI]"


def iqm_cell(group: Group, metric: str) -> str:
    """``IQM [low, high]``, or the seed count and :data:`FEW_SEEDS_MARK` when too few."""
    stats = group.seed_stats(metric)
    if stats.iqm is None:
        return f"{stats.count} seeds{FEW_SEEDS_MARK}" if stats.count else "-"
    iqm = stats.iqm
    return f"{format_number(iqm.point)} [{format_number(iqm.low)}, {format_number(iqm.high)}]"


def display_rows(
    groups: Sequence[Group], metrics: Sequence[str], short: bool = False
) -> tuple[list[str], list[list[str]]]:
    """Header and text cells of the human-readable table.

    Per metric: ``mean ± std``, then ``IQM [95% CI]`` when some group has at least
    :data:`MIN_SEEDS` seeds (see :func:`footnotes` for the others). ``short`` (the console):
    groups by what varies between them, numbers shortened
    (:func:`rlgan.sweep.labels.group_labels`), and the IQM of the first metric only; else
    (report.md) groups by their full overrides and the IQM of every metric.
    """
    names = group_labels(groups, limit=None, rank=False) if short else [g.label for g in groups]
    robust = {
        metric: has_robust(groups, metric) and (not short or metric == metrics[0])
        for metric in metrics
    }
    header = ["#", "group", "runs", "failed"]
    for metric in metrics:
        header.append(metric)
        if robust[metric]:
            header.append(iqm_header(metric))
    cells = []
    for rank, group in enumerate(groups, start=1):
        failed = str(group.n_failed)
        if group.n_incomplete:
            failed += f" (+{group.n_incomplete} incomplete)"
        row = [str(rank), names[rank - 1], str(len(group.runs)), failed]
        for metric in metrics:
            row.append(group.stat(metric).text())
            if robust[metric]:
                row.append(iqm_cell(group, metric))
        cells.append(row)
    return header, cells


def footnotes(groups: Sequence[Group], metrics: Sequence[str]) -> list[str]:
    """Lines saying why some (or every) group shows mean ± std without an IQM and CI."""
    few = {
        metric for metric in metrics for group in groups if 0 < group.stat(metric).count < MIN_SEEDS
    }
    if not few:
        return []
    if any(has_robust(groups, metric) for metric in few):
        return [f"{FEW_SEEDS_MARK} {FEW_SEEDS_NOTE[0].upper()}{FEW_SEEDS_NOTE[1:]}."]
    return [f"No IQM column: {FEW_SEEDS_NOTE}."]


def markdown_table(header: Sequence[str], cells: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (``|`` in cells escaped)."""

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|") for v in values) + " |"

    out = [line(header), "|" + "|".join("---" for _ in header) + "|"]
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def rich_table(title: str, header: Sequence[str], cells: Sequence[Sequence[str]]) -> Any:
    """A :class:`rich.table.Table` of the same cells."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, name in enumerate(header):
        # Numbers stay on one line (their column is as wide as its widest cell); the group
        # column and long headers fold.
        widest = max((len(row[i]) for row in cells), default=0)
        table.add_column(
            name,
            justify="left" if i == 1 else "right",
            overflow="fold",
            min_width=min(widest, GROUP_MIN_WIDTH) if i == 1 else widest,
        )
    for row in cells:
        table.add_row(*row)
    return table
