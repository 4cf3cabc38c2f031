"""Which way a metric improves, for ``rlgan-report``'s sort order and the Optuna sweeper.

A direction is never guessed from a metric's name. It comes from, in this order:

1. the runs themselves: the ``"directions"`` mapping (``{metric: "maximize" | "minimize"}``)
   that each run writes into its ``metrics.json`` for the declared metrics it reports;
2. the metric's declaration (:mod:`rlgan.common.metrics`), made by the module that computes
   it; the light declaring modules in :data:`DECLARING_MODULES` are imported first;
3. nothing: the direction is unknown, and the caller says so (the report sorts descending and
   prints a note; the sweeper maximizes and logs a warning).

Importing this module is cheap (standard library and :mod:`rlgan.common.metrics` only), so
``rlgan-report --help`` stays fast; the declaring modules are imported at the first look-up.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: The two directions, spelt as Optuna, Hydra's sweepers and ``metrics.json`` spell them.
DIRECTIONS = ("maximize", "minimize")

#: Light modules (no torch, no SB3) whose import declares the apps' metrics.
DECLARING_MODULES = ("rlgan.rl.metrics", "rlgan.gan.metric_names", "rlgan.arena.metrics")

#: Where a direction came from (:attr:`Direction.source`).
FROM_RUNS = "metrics.json"
FROM_DECLARATION = "declaration"
UNKNOWN = "unknown"

#: Why a direction is unknown, for the report's note.
UNKNOWN_HINT = "no run recorded it in metrics.json and no module declares it"


def load_declarations() -> None:
    """Import the modules that declare the apps' metrics (cheap after the first call)."""
    for name in DECLARING_MODULES:
        importlib.import_module(name)


def declared_direction(metric: str) -> str | None:
    """``maximize`` or ``minimize`` from ``metric``'s declaration (None when undeclared)."""
    from rlgan.common.metrics import metric_spec

    load_declarations()
    spec = metric_spec(metric)
    return spec.direction if spec is not None else None


@dataclass(frozen=True)
class Direction:
    """The direction of one metric and where it came from."""

    metric: str
    #: ``maximize``, ``minimize``, or None when unknown.
    direction: str | None
    #: :data:`FROM_RUNS`, :data:`FROM_DECLARATION` or :data:`UNKNOWN`.
    source: str
    #: Set when the runs' records disagree (the most common direction was used).
    note: str | None = None

    @property
    def known(self) -> bool:
        """Whether the direction is known (from the runs or a declaration)."""
        return self.direction is not None

    @property
    def descending(self) -> bool:
        """Whether to sort descending (best first); descending when unknown."""
        return self.direction != "minimize"


def recorded_directions(records: Iterable[Any], metric: str) -> Counter[str]:
    """How many runs recorded each direction for ``metric``.

    ``records`` are the runs' ``"directions"`` mappings (anything else, such as None for a run
    written before runs recorded directions, or a value other than ``maximize``/``minimize``,
    is ignored).
    """
    counts: Counter[str] = Counter()
    for record in records:
        if isinstance(record, Mapping):
            value = record.get(metric)
            if value in DIRECTIONS:
                counts[str(value)] += 1
    return counts


def resolve_direction(metric: str, records: Iterable[Any] = ()) -> Direction:
    """The direction of ``metric``: from the runs' ``"directions"`` records, else declared.

    When runs disagree the most common direction wins and :attr:`Direction.note` says so;
    when neither the runs nor a declaration know the metric, the direction is None (the caller
    says so: see :data:`UNKNOWN_HINT`).
    """
    counts = recorded_directions(records, metric)
    if counts:
        (direction, _), *others = counts.most_common()
        note = None
        if others:
            shown = ", ".join(f"{n} {d}" for d, n in counts.most_common())
            note = (
                f"runs disagree on the direction of {metric} ({shown} in metrics.json); "
                f"using {direction}"
            )
        return Direction(metric, direction, FROM_RUNS, note)
    declared = declared_direction(metric)
    if declared is not None:
        return Direction(metric, declared, FROM_DECLARATION)
    return Direction(metric, None, UNKNOWN)
