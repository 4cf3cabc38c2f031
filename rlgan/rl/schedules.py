"""Hyperparameter schedules written in configs: ``lin_2e-3`` means linear from 2e-3 to 0.

SB3 calls a schedule with ``progress_remaining`` (1 at the start of training, 0 at the end).
Accepted forms for a scheduled knob (``learning_rate``, ``clip_range``, ...):

- a number: constant;
- ``"lin_<start>"``: linear from ``start`` to 0 over the run;
- a mapping ``{schedule: linear, start: <a>, end: <b>}``: linear from ``a`` to ``b``;
  ``end_fraction: <f>`` (default 1) reaches ``b`` after that fraction of the run and holds it,
  so a decay can end well before the budget does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stable_baselines3.common.utils import LinearSchedule

from rlgan.common.errors import ConfigError

#: Hyperparameters that SB3 accepts as schedules.
SCHEDULED_KNOBS = ("learning_rate", "clip_range", "clip_range_vf")

Schedule = Callable[[float], float]


def parse_schedule(knob: str, value: Any) -> float | Schedule:
    """Turn a config value into a float or an SB3 schedule; ConfigError when malformed."""
    if isinstance(value, bool):
        raise _bad(knob, value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.startswith("lin_"):
        start = _to_float(knob, value, value[len("lin_") :])
        return LinearSchedule(start, 0.0, 1.0)
    if isinstance(value, Mapping) and value.get("schedule") == "linear":
        start = _to_float(knob, value, value.get("start"))
        end = _to_float(knob, value, value.get("end", 0.0))
        fraction = _to_float(knob, value, value.get("end_fraction", 1.0))
        if not 0.0 < fraction <= 1.0:
            raise _bad(knob, value)
        return LinearSchedule(start, end, fraction)
    raise _bad(knob, value)


def schedule_start(value: Any) -> float | None:
    """The initial value of a (parsed or unparsed) schedule, or ``None`` when unknown."""
    if isinstance(value, LinearSchedule):
        return float(value.start)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value.startswith("lin_"):
        try:
            return float(value[len("lin_") :])
        except ValueError:
            return None
    if isinstance(value, Mapping):
        try:
            return float(value.get("start"))
        except (TypeError, ValueError):
            return None
    return None


def _to_float(knob: str, whole: Any, part: Any) -> float:
    """Parse one number of a schedule or raise the schedule error."""
    try:
        return float(part)
    except (TypeError, ValueError):
        raise _bad(knob, whole) from None


def _bad(knob: str, value: Any) -> ConfigError:
    """The error for a malformed schedule value."""
    shown = dict(value) if isinstance(value, Mapping) else value
    return ConfigError(
        f"Invalid algo.hyperparams.{knob}={shown!r}: use a number (constant), 'lin_<start>' "
        "(linear from start to 0, e.g. lin_2e-3) or {schedule: linear, start: <a>, end: <b>} "
        "with an optional end_fraction in (0, 1] (when the end value is reached)."
    )
