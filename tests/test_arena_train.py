"""rlgan-arena's config checks and a smoke run of its training loop (with a resume)."""

from __future__ import annotations

import csv
import json
import tempfile

import pytest
from omegaconf import OmegaConf

from rlgan.common.app import compose_config
from rlgan.common.csv_log import read_csv
from rlgan.common.errors import ConfigError

SMALL = [
    "env.n_arenas=4",
    "+env.kwargs.max_episode_steps=50",
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
        (["selfplay.scripted_ratio=-1"], "selfplay.scripted_ratio=-1"),
        (["best_response.against=green"], "best_response.against"),
        (["best_response.total_timesteps=0"], "best_response.total_timesteps=0"),
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
def test_smoke_run_writes_the_run_folder_resumes_and_is_exploited(
    tmp_path, tmp_path_factory, capsys, monkeypatch
) -> None:
    from rlgan.arena.pool import SnapshotPool
    from rlgan.arena.train import train

    tmp = tmp_path_factory.mktemp("tmp")  # private: other processes' SB3 folders stay out
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    run = tmp_path / "run"
    value = train(compose_config("arena", ["total_timesteps=1024", *SMALL]), run_dir=run)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["timesteps"] >= 1024
    assert value == metrics["eval/red_win_rate"]
    for name in (
        "red.zip",
        "blue.zip",
        "elo.csv",
        "progress.csv",
        "provenance.json",
        "plots/elo.png",
        "plots/win_matrix.png",
        "plots/timeline.gif",
        "matches/step_000000512.gif",
    ):
        assert (run / name).is_file(), name
    assert list((run / "tb").glob("events.out.tfevents.*"))
    for team in ("red", "blue"):
        assert 0.0 <= metrics[f"eval/{team}_first_win_rate"] <= 1.0
        assert 1 <= metrics[f"eval/{team}_elo_rank"] <= metrics[f"eval/{team}_pool_size"]
    assert 0.0 <= metrics["scripted/intercept_vs_evade"] <= 1.0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("rlgan-arena: ok: PPO x2 red vs PPO x1 blue in PursuitArena")
    red = SnapshotPool(run, "red", 2)
    assert red.first().step == 0 and len(red.snapshots()) <= 3
    elo = (run / "elo.csv").read_text().splitlines()
    assert elo[0] == "step,team,player,elo_incremental,elo_fitted,games" and len(elo) > 4
    rows = read_csv(run / "elo.csv")
    last = max(int(row["step"]) for row in rows)
    final = {row["player"]: row for row in rows if int(row["step"]) == last}
    for team in ("red", "blue"):  # the headline rating is the newest snapshot's fitted one
        newest = f"{team}@{last}"
        assert metrics[f"eval/{team}_elo"] == pytest.approx(float(final[newest]["elo_fitted"]))
        assert metrics[f"eval/{team}_incremental_elo"] == pytest.approx(
            float(final[newest]["elo_incremental"])
        )
        assert 1 <= metrics[f"eval/{team}_incremental_rank"] <= metrics[f"eval/{team}_pool_size"]
    saved = json.loads(sorted((run / "checkpoints").glob("*.arena.json"))[-1].read_text())
    before_resume = saved["elo"]["results"]
    assert before_resume  # the table's game records travel with the checkpoint
    # A larger budget with resume= continues the run from its checkpoint.
    more = compose_config("arena", [f"resume={run}", "total_timesteps=2048", *SMALL])
    train(more, run_dir=None)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["timesteps"] >= 2048
    saved = json.loads(sorted((run / "checkpoints").glob("*.arena.json"))[-1].read_text())
    results = saved["elo"]["results"]
    assert results[: len(before_resume)] == before_resume
    assert len(results) > len(before_resume)
    sessions = json.loads((run / "provenance.json").read_text())["sessions"]
    assert len(sessions) == 2 and sessions[1]["resumed_from_step"] >= 1024
    # exploit=: fresh best responses in a folder of their own; the target stays as it was.
    before = {p: p.stat().st_mtime_ns for p in run.rglob("*") if p.is_file()}
    exploit = tmp_path / "exploit"
    attack = [f"exploit={run}", "best_response.total_timesteps=256", "best_response.games=4"]
    rate = train(compose_config("arena", [*attack, *SMALL]), run_dir=exploit)
    found = json.loads((exploit / "metrics.json").read_text())
    assert found["status"] == "ok" and found["against"] == ["red", "blue"]
    assert rate == pytest.approx((found["exploit/vs_red"] + found["exploit/vs_blue"]) / 2)
    assert (exploit / "best_response_red.zip").is_file()
    assert (exploit / "best_response_blue.zip").is_file()
    assert {p: p.stat().st_mtime_ns for p in run.rglob("*") if p.is_file()} == before
    assert "best responses against" in capsys.readouterr().out
    assert not list(tmp.glob("SB3-*"))  # no model, fresh or loaded, left a /tmp/SB3-* folder


def test_exploit_refuses_folders_that_are_not_finished_arena_runs(tmp_path) -> None:
    from rlgan.arena.exploit import exploit

    with pytest.raises(ConfigError, match="no such folder"):
        exploit(compose_config("arena", [f"exploit={tmp_path / 'nope'}"]), run_dir=tmp_path)
    run = tmp_path / "run"
    (run / ".hydra").mkdir(parents=True)
    cfg = compose_config("arena")
    (run / ".hydra" / "config.yaml").write_text(OmegaConf.to_yaml(cfg))
    with pytest.raises(ConfigError, match="no final red.zip") as err:
        exploit(compose_config("arena", [f"exploit={run}"]), run_dir=tmp_path / "out")
    assert "\n" not in str(err.value) and not (tmp_path / "out").exists()


def test_scripted_ratio_one_trains_against_the_scripts_alone(tmp_path) -> None:
    from rlgan.arena.train import train

    over = ["total_timesteps=256", "selfplay.scripted_ratio=1", "eval.freq=0", *SMALL]
    over += ["log.timeline=false", "log.tensorboard=false"]
    train(compose_config("arena", over), run_dir=tmp_path)
    with (tmp_path / "progress.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["red/opponent"] == "script:evade" for row in rows)
    assert {row["blue/opponent"] for row in rows} <= {"script:chase", "script:intercept"}
