"""A short self-play run learns: both teams end above their first snapshots against the scripts.

Smoke-sized (CI): a fraction of the default budget, one final evaluation, no GIF. The real
figures come from benchmarks/arena_selfplay.py; the margins here are wide on purpose (a
seed's exact trajectory is not portable across CPUs).
"""

from __future__ import annotations

import json

import pytest

from rlgan.common.app import compose_config

SHORT = [
    "total_timesteps=240000",
    "selfplay.team_change=60000",
    "selfplay.save_steps=20000",
    "selfplay.swap_steps=5000",
    "selfplay.window=3",
    "eval.freq=0",
    "eval.games=50",
    "checkpoint.freq=0",
    "log.tensorboard=false",
    "log.timeline=false",
    "progress_bar=false",
]


@pytest.mark.slow
def test_short_self_play_run_beats_its_first_snapshots_against_the_scripts(tmp_path) -> None:
    from rlgan.arena.train import train

    train(compose_config("arena", SHORT), run_dir=tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["status"] == "ok"
    for team in ("red", "blue"):
        first = metrics[f"eval/{team}_first_win_rate"]
        final = metrics[f"eval/{team}_win_rate"]
        # Untrained snapshots almost never win against the scripts (measured: red 0-6%,
        # blue 0%); after the short run red wins most games and blue a fair share.
        assert final >= first + 0.15, (team, first, final)
