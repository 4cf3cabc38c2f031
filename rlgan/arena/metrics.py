"""Every metric an ``rlgan-arena`` run reports, declared once (name, direction, meaning).

Light on purpose (no torch, SB3 or Gymnasium): validation reads :data:`OBJECTIVES`, and
``rlgan-report`` and the sweeper read the directions.
"""

from __future__ import annotations

from rlgan.common.metrics import declare

RED_WIN_RATE = declare(
    "eval/red_win_rate",
    higher_is_better=True,
    meaning="final red policy's win rate against the scripted evader (deterministic seeds)",
)
BLUE_WIN_RATE = declare(
    "eval/blue_win_rate",
    higher_is_better=True,
    meaning="final blue policy's win rate against the scripted pursuers (all behaviours)",
)
RED_ELO = declare(
    "eval/red_elo",
    higher_is_better=True,
    meaning="ELO rating of red's final snapshot (scripted baselines anchored at elo.initial)",
)
BLUE_ELO = declare(
    "eval/blue_elo",
    higher_is_better=True,
    meaning="ELO rating of blue's final snapshot (scripted baselines anchored at elo.initial)",
)
#: The names a config may pick as ``objective``.
OBJECTIVES = tuple(spec.name for spec in (RED_WIN_RATE, BLUE_WIN_RATE, RED_ELO, BLUE_ELO))
