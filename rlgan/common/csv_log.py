"""A ``progress.csv`` writer whose columns may grow as new keys appear."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any


class CSVLogger:
    """Append rows (dicts) to a CSV file; re-writes the header when a new key appears.

    Rows already in the file (for example from before a resume) are kept.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fields: list[str] = []
        if self.path.is_file():
            with self.path.open(newline="") as handle:
                reader = csv.reader(handle)
                self.fields = next(reader, [])

    def log(self, row: dict[str, Any]) -> None:
        """Append one row."""
        new = [key for key in row if key not in self.fields]
        if new:
            self._rewrite_with(self.fields + new)
        with self.path.open("a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.fields)
            if handle.tell() == 0:
                writer.writeheader()
            writer.writerow({k: row.get(k, "") for k in self.fields})

    def _rewrite_with(self, fields: list[str]) -> None:
        """Re-write the file under a wider header."""
        rows: list[dict[str, str]] = []
        if self.path.is_file() and self.path.stat().st_size:
            with self.path.open(newline="") as handle:
                rows = list(csv.DictReader(handle))
        self.fields = fields
        with self.path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for old in rows:
                writer.writerow({k: old.get(k, "") for k in fields})


def read_csv(path: str | os.PathLike) -> list[dict[str, str]]:
    """Read a CSV file into a list of dict rows (empty list when absent)."""
    path = Path(path)
    if not path.is_file():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))
