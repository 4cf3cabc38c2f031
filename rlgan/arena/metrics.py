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
    meaning="ELO rating of red's newest snapshot, fitted to all the run's evaluation games at "
    "once (order-independent; scripted baselines anchored at elo.initial)",
)
BLUE_ELO = declare(
    "eval/blue_elo",
    higher_is_better=True,
    meaning="ELO rating of blue's newest snapshot, fitted to all the run's evaluation games at "
    "once (order-independent; scripted baselines anchored at elo.initial)",
)
#: The names a config may pick as ``objective``.
OBJECTIVES = tuple(spec.name for spec in (RED_WIN_RATE, BLUE_WIN_RATE, RED_ELO, BLUE_ELO))
RED_FIRST_WIN_RATE = declare(
    "eval/red_first_win_rate",
    higher_is_better=True,
    meaning="red's first snapshot's win rate against the scripted evader (the yardstick)",
)
BLUE_FIRST_WIN_RATE = declare(
    "eval/blue_first_win_rate",
    higher_is_better=True,
    meaning="blue's first snapshot's win rate against the scripted pursuers (the yardstick)",
)
RED_TURNED = declare(
    "eval/red_turned",
    higher_is_better=True,
    meaning="of the games red's first snapshot lost (scripts and blue's pool, same seeds), "
    "the fraction its final snapshot won",
)
BLUE_TURNED = declare(
    "eval/blue_turned",
    higher_is_better=True,
    meaning="of the games blue's first snapshot lost (scripts and red's pool, same seeds), "
    "the fraction its final snapshot won",
)
RED_ELO_RANK = declare(
    "eval/red_elo_rank",
    higher_is_better=False,
    meaning="rank of red's final snapshot in red's pool by fitted ELO (1: the highest rated)",
)
BLUE_ELO_RANK = declare(
    "eval/blue_elo_rank",
    higher_is_better=False,
    meaning="rank of blue's final snapshot in blue's pool by fitted ELO (1: the highest rated)",
)
RED_INCREMENTAL_ELO = declare(
    "eval/red_incremental_elo",
    higher_is_better=True,
    meaning="ELO rating of red's newest snapshot in the incremental table (ML-Agents'; "
    "depends on the order of the matches)",
)
BLUE_INCREMENTAL_ELO = declare(
    "eval/blue_incremental_elo",
    higher_is_better=True,
    meaning="ELO rating of blue's newest snapshot in the incremental table (ML-Agents'; "
    "depends on the order of the matches)",
)
RED_INCREMENTAL_RANK = declare(
    "eval/red_incremental_rank",
    higher_is_better=False,
    meaning="rank of red's final snapshot in red's pool by the incremental ELO table",
)
BLUE_INCREMENTAL_RANK = declare(
    "eval/blue_incremental_rank",
    higher_is_better=False,
    meaning="rank of blue's final snapshot in blue's pool by the incremental ELO table",
)
