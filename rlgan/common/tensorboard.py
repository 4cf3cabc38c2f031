"""TensorBoard event files written from the calling thread, one event per logged row.

Both runners log this way. Two choices, each measured:

- ``SummaryWriter.add_scalar`` makes one protobuf event per number; a row of a dozen numbers,
  logged hundreds of times a run, then costs more than the rest of the logging together. One
  ``Summary`` holding every value of the row is 5.6x cheaper (benchmarks/tensorboard_rows.py,
  RESULTS.md), and TensorBoard reads each value of an event as its own scalar.
- ``SummaryWriter`` hands every event to a writer thread. On a 2-core machine that thread
  wakes for each row and takes the interpreter lock from the training loop, which cost more
  than writing the events itself (benchmarks/rl_overhead.py). :class:`EventFile` keeps the
  rows in memory and writes them in the calling thread when a flush is due (every
  ``flush_secs``, and on :meth:`EventFile.close`); TensorBoard reloads every 5 s, so a live
  view stays as current.
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.record_writer import RecordWriter

#: TensorBoard's event-file format version, written as the first event of every file.
FILE_VERSION = "brain.Event:2"
_FILE_NUMBERS = itertools.count()


def is_scalar(value: Any) -> bool:
    """Whether ``value`` is a number TensorBoard can plot (Python or NumPy, bools included)."""
    return isinstance(value, (bool, int, float, np.integer, np.floating, np.bool_))


def scalars_summary(values: Mapping[str, Any]) -> Summary:
    """One ``Summary`` holding the numbers among ``values`` (non-numbers are skipped)."""
    return Summary(
        value=[
            Summary.Value(tag=key, simple_value=float(value))
            for key, value in values.items()
            if is_scalar(value)
        ]
    )


class EventFile:
    """A TensorBoard event file in ``log_dir``, written by the thread that logs to it.

    Rows are kept in memory and written (TensorBoard's record framing) when a flush is due:
    on the first row after ``flush_secs`` seconds, on :meth:`flush` and on :meth:`close`.
    The file name follows TensorBoard's ``events.out.tfevents.<time>.<host>.<pid>.<n>``.

    Args:
        log_dir: the folder of the event file (created if missing).
        flush_secs: the longest time a row waits in memory before it is written.

    """

    def __init__(self, log_dir: str | os.PathLike, flush_secs: float = 2.0) -> None:
        folder = Path(log_dir)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / (
            f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
            f"{os.getpid()}.{next(_FILE_NUMBERS)}"
        )
        self.flush_secs = float(flush_secs)
        self._records = RecordWriter(open(self.path, "wb"))  # noqa: SIM115 - closed in close()
        self._pending: list[bytes] = []
        self._last_flush = time.monotonic()
        self.add_event(Event(wall_time=time.time(), file_version=FILE_VERSION))
        self.flush()

    def add_event(self, event: Event) -> None:
        """Queue one event; write the queue if a flush is due."""
        self._pending.append(event.SerializeToString())
        if time.monotonic() - self._last_flush >= self.flush_secs:
            self.flush()

    def add_scalars(self, values: Mapping[str, Any], step: int) -> None:
        """Log the numbers among ``values`` as one event at ``step`` (others are skipped)."""
        summary = scalars_summary(values)
        if summary.value:
            self.add_event(Event(wall_time=time.time(), step=int(step), summary=summary))

    def flush(self) -> None:
        """Write every queued event to the file."""
        if self._records.closed:
            return
        for data in self._pending:
            self._records.write(data)
        self._pending.clear()
        self._records.flush()
        self._last_flush = time.monotonic()

    def close(self) -> None:
        """Write what is queued and close the file (closing twice is harmless)."""
        if not self._records.closed:
            self.flush()
            self._records.close()
