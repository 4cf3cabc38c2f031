"""rlgan-arena's config checks and a smoke run of its training loop (with a resume)."""

from __future__ import annotations

import json

import pytest

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError

SMALL = [
    "env.n_arenas=4",
    "selfplay.team_change=256",
    "selfplay.save_steps=128",
    "selfplay.swap_steps=128",
    "selfplay.window=2",
    "eval.freq=512",
    "eval.games=4",
    "checkpoint.freq=512",
    "red.algo.hyperparams.n_steps=16",
    "red.algo.hyperparams.batch_size=64",
    "red.algo.hyperparams.n_epochs=1",
    "blue.algo.hyperparams.n_steps=16",
    "blue.algo.hyperparams.batch_size=64",
    "blue.algo.hyperparams.n_epochs=1",
]


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        (["red.agents=0"], "red.agents=0"),
        (["blue.agents=3"], "blue.agents=3"),
        (["selfplay.window=0"], "selfplay.window=0"),
        (["selfplay.play_against_latest_model_ratio=2"], "play_against_latest_model_ratio=2"),
        (["algo@red.algo=sac"], "Team red: Invalid red.algo.name='sac'"),
        (["algo@blue.algo=maskable_ppo"], "Team blue"),
        (["+env.kwargs.num_pursuers=3"], "red.agents"),
        (["+env.kwargs.speed=3"], "speed"),
        (["+selfplay.windw=3"], "Did you mean window?"),
        (["objective=eval/nope"], "objective"),
    ],
)
def test_bad_arena_configs_are_one_paragraph_errors(overrides: list[str], needle: str) -> None:
    from rlgan.arena.validate import check_config

    with pytest.raises(ConfigError) as err:
        check_config(compose_config("arena", overrides))
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_default_config_checks_and_continuous_arena_takes_sac() -> None:
    from rlgan.arena.validate import check_config

    checked = check_config(compose_config("arena"))
    assert checked.teams["red"].agents == 2 and checked.teams["blue"].agents == 1
    sac = ["algo@red.algo=sac", "net@red.net=mlp_large", "+env.kwargs.actions=continuous"]
    assert check_config(compose_config("arena", sac)).teams["red"].algo.name == "sac"


@pytest.mark.slow
def test_smoke_run_writes_the_run_folder_and_resumes(tmp_path) -> None:
    from rlgan.arena.pool import SnapshotPool
    from rlgan.arena.train import train

    run = tmp_path / "run"
    value = train(compose_config("arena", ["total_timesteps=1024", *SMALL]), run_dir=run)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["timesteps"] >= 1024
    assert value == metrics["eval/red_win_rate"]
    for name in ("red.zip", "blue.zip", "elo.csv", "progress.csv", "provenance.json"):
        assert (run / name).is_file(), name
    red = SnapshotPool(run, "red", 2)
    assert red.first().step == 0 and len(red.snapshots()) <= 3
    elo = (run / "elo.csv").read_text().splitlines()
    assert elo[0] == "step,team,player,elo,games" and len(elo) > 4
    # A larger budget with resume= continues the run from its checkpoint.
    more = compose_config("arena", [f"resume={run}", "total_timesteps=2048", *SMALL])
    train(more, run_dir=None)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["timesteps"] >= 2048
    sessions = json.loads((run / "provenance.json").read_text())["sessions"]
    assert len(sessions) == 2 and sessions[1]["resumed_from_step"] >= 1024
