"""The one line an ``rlgan-arena`` run ends with, in the shared :class:`RunSummary` format.

For example (one line)::

  rlgan-arena: ok: PPO x2 red vs PPO x1 blue in PursuitArena, 800,000 arena steps in 301.2 s,
  red wins 79% vs the scripted evader (scripted pursuers 54%-72%), blue wins 40% vs the
  scripted pursuers (scripted evader 28%-46%), ELO red 1,486 blue 1,239; objective
  eval/red_win_rate = 0.79; run folder outputs/...
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from rlgan.common.metrics import metric_value
from rlgan.common.summary import RunSummary, format_value


def _percent(value: Any) -> str:
    """``0.734`` as ``73%`` (``n/a`` when missing)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f"{float(value):.0%}" if ok else "n/a"


def scripted_range(metrics: Mapping[str, Any], team: str) -> str:
    """The scripted baselines' own win rates for ``team``, as ``54-72%`` or ``37%``."""
    rates = [
        float(value) if team == "red" else 1.0 - float(value)
        for key, value in metrics.items()
        if key.startswith("scripted/") and isinstance(value, (int, float))
    ]
    if not rates:
        return "n/a"
    low, high = min(rates), max(rates)
    return _percent(low) if round(low, 2) == round(high, 2) else f"{low:.0%}-{high:.0%}"


def summary_line(metrics: Mapping[str, Any], run_dir: str | os.PathLike) -> str:
    """The run's one line from its ``metrics.json`` fields."""
    algos, teams = metrics.get("algos") or {}, metrics.get("teams") or {}
    what = " vs ".join(
        f"{str(algos.get(team, '?')).upper()} x{teams.get(team, '?')} {team}"
        for team in ("red", "blue")
    )
    details = [
        f"red wins {_percent(metrics.get('eval/red_win_rate'))} vs the scripted evader "
        f"(scripted pursuers {scripted_range(metrics, 'red')})",
        f"blue wins {_percent(metrics.get('eval/blue_win_rate'))} vs the scripted pursuers "
        f"(scripted evader {scripted_range(metrics, 'blue')})",
        f"ELO red {format_value(metrics.get('eval/red_elo'))} "
        f"blue {format_value(metrics.get('eval/blue_elo'))}",
    ]
    objective = str(metrics.get("objective") or "eval/red_win_rate")
    return RunSummary(
        command="rlgan-arena",
        status=str(metrics.get("status")),
        what=f"{what} in PursuitArena",
        done=metrics.get("timesteps"),
        unit="arena steps",
        wall_time_s=metrics.get("wall_time_s"),
        details=details,
        objective=objective,
        value=metric_value(metrics, objective),
        run_dir=run_dir,
    ).line()
