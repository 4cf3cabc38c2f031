"""SB3's logger pointed at the run folder: ``progress.csv`` (with ``step``), TensorBoard, stdout.

Giving the model our own logger also stops SB3 from creating an empty ``/tmp/SB3-<time>``
folder for every model it trains.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.logger import (
    HumanOutputFormat,
    KVWriter,
    Logger,
    TensorBoardOutputFormat,
)

from rlgan.common.csv_log import CSVLogger
from rlgan.common.run_dir import PROGRESS_FILE, TB_DIR


class ProgressCSVWriter(KVWriter):
    """An SB3 output format appending rows to ``progress.csv``, each with a ``step`` column.

    Rows already in the file (from before a resume) are kept; new metric names widen the
    header. ``step`` is the number of environment timesteps at the time of the dump.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.csv = CSVLogger(path)

    def write(self, key_values: dict[str, Any], key_excluded: dict[str, tuple[str, ...]],
              step: int = 0) -> None:
        """Append one row of the scalar values (strings, tensors and videos are skipped)."""
        row: dict[str, Any] = {"step": int(step)}
        for key, value in key_values.items():
            excluded = key_excluded.get(key) or ()
            if "csv" in excluded:
                continue
            if isinstance(value, (int, float, np.integer, np.floating)):
                row[key] = value.item() if isinstance(value, np.generic) else value
        if len(row) > 1:
            self.csv.log(row)

    def close(self) -> None:
        """Nothing to close: every row is written and closed immediately."""


def make_run_logger(run_dir: str | os.PathLike, tensorboard: bool = True,
                    stdout: bool = False) -> Logger:
    """An SB3 :class:`Logger` writing into ``run_dir`` (``progress.csv``, ``tb/``, stdout)."""
    run_dir = Path(run_dir)
    formats: list[KVWriter] = [ProgressCSVWriter(run_dir / PROGRESS_FILE)]
    if tensorboard:
        formats.append(TensorBoardOutputFormat(str(run_dir / TB_DIR)))
    if stdout:
        formats.append(HumanOutputFormat(sys.stdout))
    return Logger(folder=str(run_dir), output_formats=formats)
