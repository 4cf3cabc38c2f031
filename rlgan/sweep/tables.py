"""The report's table: one row per group, as CSV, Markdown and a rich console table."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rlgan.common.atomic import atomic_write_text
from rlgan.sweep.grouping import Group


def table_rows(groups: Sequence[Group], metrics: Sequence[str]) -> list[dict[str, Any]]:
    """Flat rows (for report.csv): counts, then mean/std/n of each metric."""
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


def display_rows(
    groups: Sequence[Group], metrics: Sequence[str]
) -> tuple[list[str], list[list[str]]]:
    """Header and text cells of the human-readable table (``mean ± std`` per metric)."""
    header = ["#", "group", "runs", "failed"] + list(metrics)
    cells = []
    for rank, group in enumerate(groups, start=1):
        failed = str(group.n_failed)
        if group.n_incomplete:
            failed += f" (+{group.n_incomplete} incomplete)"
        cells.append(
            [str(rank), group.label, str(len(group.runs)), failed]
            + [group.stat(metric).text() for metric in metrics]
        )
    return header, cells


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
        table.add_column(name, justify="left" if i == 1 else "right", overflow="fold")
    for row in cells:
        table.add_row(*row)
    return table
