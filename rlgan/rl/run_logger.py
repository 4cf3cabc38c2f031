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
from rlgan.common.tensorboard import EventFile, is_scalar


class ProgressCSVWriter(KVWriter):
    """An SB3 output format appending rows to ``progress.csv``, each with a ``step`` column.

    Rows already in the file (from before a resume) are kept; new metric names widen the
    header. ``step`` is the number of environment timesteps at the time of the dump.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.csv = CSVLogger(path)

    def write(
        self, key_values: dict[str, Any], key_excluded: dict[str, tuple[str, ...]], step: int = 0
    ) -> None:
        """Append one row of the scalar values (strings, tensors and videos are skipped)."""
        row: dict[str, Any] = {"step": int(step)}
        for key, value in key_values.items():
            excluded = key_excluded.get(key) or ()
            if "csv" in excluded:
                continue
            if is_scalar(value):
                row[key] = value.item() if isinstance(value, np.generic) else value
        if len(row) > 1:
            self.csv.log(row)

    def close(self) -> None:
        """Nothing to close: every row is written and closed immediately."""


class TensorBoardScalarsFormat(KVWriter):
    """SB3's TensorBoard output, writing each dump's numbers as one event from this thread.

    SB3's own format writes one event per number (``add_scalar``, ~16 protobuf events per
    PPO iteration) through ``SummaryWriter``, whose writer thread wakes for each of them.
    Here the numbers of a dump share one event of an :class:`~rlgan.common.tensorboard.
    EventFile`, written by the training thread at most every ``flush_secs`` seconds and on
    :meth:`close` (as ``rlgan-gan`` writes its rows). Strings, histograms, images, videos and
    figures, which rlgan's runs do not log, go through SB3's format, opened on first use.
    """

    def __init__(self, folder: str, flush_secs: float = 2.0) -> None:
        self.folder = folder
        self.events = EventFile(folder, flush_secs)
        self.others: TensorBoardOutputFormat | None = None

    def write(
        self, key_values: dict[str, Any], key_excluded: dict[str, tuple[str, ...]], step: int = 0
    ) -> None:
        """Queue the numbers as one event; hand anything else to SB3's format."""
        numbers, others, others_excluded = {}, {}, {}
        for key, value in key_values.items():
            excluded = key_excluded.get(key) or ()
            if "tensorboard" in excluded:
                continue
            if is_scalar(value):
                numbers[key] = value
            else:
                others[key], others_excluded[key] = value, excluded
        self.events.add_scalars(numbers, step)
        if others:
            if self.others is None:
                self.others = TensorBoardOutputFormat(self.folder)
            self.others.write(others, others_excluded, step)

    def close(self) -> None:
        """Write what is queued and close the event files."""
        self.events.close()
        if self.others is not None:
            self.others.close()


def make_run_logger(
    run_dir: str | os.PathLike, tensorboard: bool = True, stdout: bool = False
) -> Logger:
    """An SB3 :class:`Logger` writing into ``run_dir`` (``progress.csv``, ``tb/``, stdout)."""
    run_dir = Path(run_dir)
    formats: list[KVWriter] = [ProgressCSVWriter(run_dir / PROGRESS_FILE)]
    if tensorboard:
        formats.append(TensorBoardScalarsFormat(str(run_dir / TB_DIR)))
    if stdout:
        formats.append(HumanOutputFormat(sys.stdout))
    return Logger(folder=str(run_dir), output_formats=formats)


def silent_logger() -> Logger:
    """An SB3 :class:`Logger` that writes nothing, for models whose app logs by itself.

    Set on a model before ``learn`` (``model.set_logger``), it keeps SB3 from creating an empty
    ``/tmp/SB3-<time>`` folder on every call.
    """
    return Logger(folder=None, output_formats=[])
