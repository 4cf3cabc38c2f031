"""Numbers as the report prints them: short, and no shorter than needed to tell them apart."""

from __future__ import annotations

import math
from collections.abc import Iterable


def format_number(value: float, digits: int = 4) -> str:
    """``value`` with at most ``digits`` significant digits, on one short line.

    ``490``, ``14.14``, ``0.9859``, ``12346`` (no exponent below 100,000), ``1.23e+06``,
    ``3.16e-05``; ``-`` for NaN or None.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    value = float(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 1e5 or size < 1e-3:
        return f"{value:.{max(digits - 2, 1)}e}"
    if size >= 10 ** (digits - 1):
        return f"{value:.0f}"
    return f"{value:.{digits}g}"


def _is_float_text(text: str) -> bool:
    """Whether ``text`` is a float literal that is not written as a plain integer."""
    try:
        float(text)
    except ValueError:
        return False
    stripped = text.strip().lstrip("+-")
    return not stripped.isdigit() and stripped.lower() not in ("inf", "nan", "infinity")


def shortest_distinct(values: Iterable[str], min_digits: int = 3) -> dict[str, str]:
    """Float-looking values with the fewest digits (``>= min_digits``) that keep them apart.

    Other values are unchanged. ``{"0.9859374850242252", "0.9712"}`` -> ``0.986`` and
    ``0.971``; values that would need more digits than they are written with are left as
    written.
    """
    distinct = list(dict.fromkeys(values))
    floats = [v for v in distinct if _is_float_text(v)]
    shown = {v: v for v in distinct}
    for digits in range(min_digits, 18):
        trial = {v: f"{float(v):.{digits}g}" for v in floats}
        trial = {v: (t if len(t) < len(v) else v) for v, t in trial.items()}
        candidate = {**shown, **trial}
        if len(set(candidate.values())) == len(distinct):
            return candidate
    return shown
