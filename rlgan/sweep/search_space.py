"""Turn Hydra sweep overrides (``choice``, ``range``, ``interval``, ``a,b``) into Optuna spaces.

Semantics (documented in docs/sweeps.md):

- ``choice(a, b)`` and ``a,b`` -> categorical;
- ``range(start, stop[, step])`` -> integers (or floats) from ``start`` up to but NOT including
  ``stop``, like Python's ``range`` (the released Optuna sweeper includes ``stop``);
- ``interval(low, high)`` -> a float in ``[low, high]``; ``tag(log, interval(...))`` samples
  on a log scale; ``tag(int, interval(...))`` samples integers;
- anything else is a fixed override passed unchanged to every trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rlgan.common.errors import ConfigError


@dataclass
class SearchSpace:
    """The parameters a Bayesian search samples, plus the overrides every trial gets."""

    distributions: dict[str, Any] = field(default_factory=dict)
    fixed: list[str] = field(default_factory=list)


def _number(value: Any) -> float | int:
    """Return ``value`` as an int when it is integral, else as a float."""
    if isinstance(value, bool):
        raise ConfigError(f"Invalid bound {value!r}: search-space bounds must be numbers.")
    if isinstance(value, int):
        return value
    return float(value)


def _range_distribution(key: str, sweep: Any) -> Any:
    """Distribution for ``range(start, stop, step)`` with Python's exclusive ``stop``."""
    from optuna.distributions import FloatDistribution, IntDistribution

    start, stop, step = (_number(sweep.start), _number(sweep.stop), _number(sweep.step))
    if step <= 0 or stop <= start:
        raise ConfigError(
            f"Invalid search range for {key!r}: range({start}, {stop}, {step}) "
            "is empty; it needs start < stop and a positive step."
        )
    count = 0
    while start + step * count < stop - 1e-12 * abs(step):
        count += 1
    if all(isinstance(v, int) for v in (start, stop, step)):
        return IntDistribution(int(start), int(start + step * (count - 1)), step=int(step))
    return FloatDistribution(float(start), float(start + step * (count - 1)), step=float(step))


def _interval_distribution(key: str, sweep: Any) -> Any:
    """Distribution for ``interval(low, high)`` with the ``log`` and ``int`` tags."""
    from optuna.distributions import FloatDistribution, IntDistribution

    low, high = _number(sweep.start), _number(sweep.end)
    log = "log" in sweep.tags
    if high <= low:
        raise ConfigError(
            f"Invalid search interval for {key!r}: interval({low}, {high}) needs low < high."
        )
    if log and low <= 0:
        raise ConfigError(
            f"Invalid search interval for {key!r}: a log-scale interval needs "
            f"low > 0, got low={low}."
        )
    if "int" in sweep.tags:
        return IntDistribution(int(low), int(high), log=log)
    return FloatDistribution(float(low), float(high), log=log)


def build_search_space(overrides: Sequence[str]) -> SearchSpace:
    """Parse ``key=value`` override strings into a :class:`SearchSpace`.

    Raises :class:`ConfigError` for an unparsable override or an empty range.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, RangeSweep
    from hydra.errors import HydraException
    from optuna.distributions import CategoricalDistribution

    parser = OverridesParser.create()
    space = SearchSpace()
    for text in overrides:
        try:
            (override,) = parser.parse_overrides([text])
        except HydraException as err:
            raise ConfigError(f"Invalid search-space override {text!r}: {err}") from err
        key = override.get_key_element()
        if not override.is_sweep_override():
            space.fixed.append(f"{key}={override.get_value_element_as_str()}")
            continue
        value = override.value()
        if isinstance(value, ChoiceSweep):
            choices = list(override.sweep_string_iterator())
            space.distributions[key] = CategoricalDistribution(choices)
        elif isinstance(value, RangeSweep):
            space.distributions[key] = _range_distribution(key, value)
        elif isinstance(value, IntervalSweep):
            space.distributions[key] = _interval_distribution(key, value)
        else:  # pragma: no cover - Hydra has no other sweep types today
            raise ConfigError(
                f"Invalid search-space override {text!r}: unsupported sweep type "
                f"{type(value).__name__}; use choice, range or interval."
            )
    return space
