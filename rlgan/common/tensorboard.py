"""TensorBoard scalars written as one event per logged row (both runners log this way).

``SummaryWriter.add_scalar`` makes one protobuf event per number; a row of a dozen numbers,
logged hundreds of times a run, then costs more than the rest of the logging together. One
``Summary`` holding every value of the row is 5.6x cheaper (benchmarks/tensorboard_rows.py,
RESULTS.md), and TensorBoard reads each value of an event as its own scalar.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from tensorboard.compat.proto.summary_pb2 import Summary
from torch.utils.tensorboard import SummaryWriter


def is_scalar(value: Any) -> bool:
    """Whether ``value`` is a number TensorBoard can plot (Python or NumPy, bools included)."""
    return isinstance(value, (bool, int, float, np.integer, np.floating, np.bool_))


def write_scalars(writer: SummaryWriter, values: Mapping[str, Any], step: int) -> None:
    """Write the numbers among ``values`` as one event at ``step`` (non-numbers are skipped)."""
    summary = Summary(
        value=[
            Summary.Value(tag=key, simple_value=float(value))
            for key, value in values.items()
            if is_scalar(value)
        ]
    )
    if summary.value:
        writer.file_writer.add_summary(summary, int(step))
