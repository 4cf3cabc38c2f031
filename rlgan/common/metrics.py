"""Metrics declared once, next to the code that computes them.

Each metric an app reports is declared with :func:`declare` in the module that computes it:
its name, whether higher is better, and a one-line meaning. Everything that needs to know
about a metric reads the declaration instead of guessing from the name: the runners' list of
valid ``objective`` values, ``metrics.json``, ``rlgan-report``'s sort order and the Optuna
sweeper's direction.

Example, in the module that computes the metric::

    SLICED_W1 = declare("eval/sliced_w1", higher_is_better=False,
                        meaning="sliced Wasserstein-1 distance between real and generated")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_REGISTRY: dict[str, MetricSpec] = {}


@dataclass(frozen=True)
class MetricSpec:
    """What a metric is: its name, its direction and what it means."""

    name: str
    higher_is_better: bool
    meaning: str

    @property
    def direction(self) -> str:
        """``maximize`` or ``minimize``, as Optuna and Hydra's sweepers spell it."""
        return "maximize" if self.higher_is_better else "minimize"


def declare(name: str, *, higher_is_better: bool, meaning: str) -> MetricSpec:
    """Declare metric ``name`` (idempotent for an identical declaration) and return it.

    Raises ``ValueError`` when ``name`` was already declared differently: a metric means one
    thing everywhere.
    """
    spec = MetricSpec(name, bool(higher_is_better), meaning)
    known = _REGISTRY.get(name)
    if known is not None and known != spec:
        raise ValueError(f"metric {name!r} is declared twice, differently: {known} vs {spec}")
    _REGISTRY[name] = spec
    return spec


def metric_spec(name: str) -> MetricSpec | None:
    """The declaration of ``name`` (None when nothing declared it)."""
    return _REGISTRY.get(name)


def declared_metrics() -> dict[str, MetricSpec]:
    """Every declared metric, by name (a copy)."""
    return dict(_REGISTRY)


def higher_is_better(name: str, default: bool = True) -> bool:
    """Whether a larger value of ``name`` is better (``default`` for undeclared names)."""
    spec = _REGISTRY.get(name)
    return spec.higher_is_better if spec is not None else default


def metric_value(metrics: Mapping[str, Any], name: str) -> float:
    """The value of metric ``name`` in a run's metrics, as a float (NaN when missing)."""
    value = metrics.get(name)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok else float("nan")


def check_objective(objective: Any, choices: Sequence[str]) -> None:
    """Refuse an ``objective`` that is not one of ``choices`` (one-paragraph ConfigError)."""
    from rlgan.common.errors import invalid_choice

    if objective not in choices:
        raise invalid_choice(
            "objective",
            objective,
            tuple(choices),
            "It names the metric the run returns to a Hydra sweeper.",
        )
