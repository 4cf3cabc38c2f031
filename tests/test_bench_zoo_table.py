"""benchmarks/zoo_table.py: RL Zoo's published rows against our runs' median and CI.

The table is built from run folders fabricated here (metrics.json and Hydra's overrides, as
``rlgan-rl -m`` writes them); one slow test trains a tiny multirun end to end.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from rlgan.common.errors import ConfigError
from rlgan.sweep.runs import find_runs
from rlgan.sweep.stats import Interval

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    """Import benchmarks/zoo_table.py (the benchmarks folder is not a package)."""
    name = "zoo_table_bench"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "zoo_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


zt = _load()


def _run(
    root: Path,
    job: int,
    algo: str,
    env_id: str,
    final: float | None,
    status: str = "ok",
    source: str = "zoo",
    seed: int | None = None,
    steps: int = 5000,
) -> Path:
    """A run folder as a multirun job writes it."""
    folder = root / f"{algo}_{env_id}" / str(job)
    (folder / ".hydra").mkdir(parents=True)
    overrides = [f"algo={algo}", f"env.id={env_id}", f"hyperparams_source={source}"]
    overrides.append(f"seed={job if seed is None else seed}")
    (folder / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    metrics: dict[str, object] = {"app": "rl", "status": status, "seed": job}
    if status == "failed":
        metrics["error"] = "ValueError: diverged"
    else:
        metrics.update(
            {
                "algo": algo,
                "env_id": env_id,
                "hyperparams_source": source,
                "eval/mean_reward": final,
                "eval/episodes": 100,
                "timesteps": steps,
                "wall_time_s": 10.0 + job,
            }
        )
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def _row(key: str):  # noqa: ANN202 - a ZooRow
    return zt.parse_rows([key])[0]


def test_rows_carry_the_published_figures() -> None:
    rows = zt.ZOO_ROWS
    assert len(rows) == 12 and len({r.key for r in rows}) == 12
    lunar = [r for r in rows if "LunarLander" in r.env_id]
    assert len(lunar) == 2
    assert all(
        r.env_id == "LunarLander-v3" and r.published_env_id == "LunarLander-v2" for r in lunar
    )
    assert all("LunarLander-v2" in r.note and "v3" in r.note for r in lunar)
    assert _row("ppo:LunarLander-v2") is _row("ppo:LunarLander-v3")  # the published id too
    acrobot = _row("dqn:Acrobot-v1")
    assert (acrobot.mean, acrobot.std, acrobot.n_timesteps) == (-76.639, 11.752, 100_000)
    assert "not over seeds" in zt.ATTRIBUTION and "DLR-RM/rl-baselines3-zoo" in zt.ATTRIBUTION


def test_parse_rows_refuses_an_unknown_row_naming_the_valid_ones() -> None:
    assert [r.key for r in zt.parse_rows(["dqn:CartPole-v1,ppo:CartPole-v1"])] == [
        "dqn:CartPole-v1",
        "ppo:CartPole-v1",
    ]
    assert len(zt.parse_rows(None)) == 14  # the 12 rows and the 2 optional MuJoCo rows
    with pytest.raises(ConfigError, match=r"'a2c:CartPole-v1'.*dqn:CartPole-v1"):
        zt.parse_rows(["a2c:CartPole-v1"])


def test_verdict_places_the_zoo_mean_against_our_interval() -> None:
    ci = Interval(point=-80.0, low=-90.0, high=-70.0)
    assert zt.verdict(-76.6, ci) == "yes (within)"
    assert zt.verdict(-95.0, ci) == "yes (below)"
    assert zt.verdict(-60.0, ci) == "no (above)"
    assert zt.verdict(500.0, Interval(500.0, 500.0, 500.0)) == "yes (within)"


def test_job_overrides_use_the_zoo_budget_unless_scaled() -> None:
    row = _row("dqn:Acrobot-v1")
    full = zt.job_overrides(row, 1.0, 100)
    assert "hyperparams_source=zoo" in full and "stop_on_solve=0" in full
    assert "eval.final_episodes=100" in full
    assert not any(o.startswith("total_timesteps=") for o in full)  # RL Zoo's n_timesteps
    quick = zt.job_overrides(row, 0.1, 20, ["device=cpu"])
    assert "total_timesteps=10000" in quick and quick[-1] == "device=cpu"
    assert "eval.freq=1000" in quick


def test_table_median_ci_and_verdicts_from_run_folders(tmp_path: Path) -> None:
    for job, final in enumerate((500.0, 500.0, 500.0)):
        _run(tmp_path, job, "dqn", "CartPole-v1", final)
    for job, final in enumerate((-90.0, -85.0, -80.0)):  # zoo's -76.6 above: "no"
        _run(tmp_path, job, "dqn", "Acrobot-v1", final)
    _run(tmp_path, 3, "dqn", "Acrobot-v1", None, status="failed")
    _run(tmp_path, 4, "dqn", "Acrobot-v1", -60.0, source="defaults")  # not RL Zoo's: ignored
    for job, final in enumerate((-150.0, -140.0, -145.0)):  # zoo's -157.0 below: "yes"
        _run(tmp_path, job, "sac", "Pendulum-v1", final)
    rows = zt.parse_rows(["dqn:CartPole-v1,dqn:Acrobot-v1,sac:Pendulum-v1,td3:Pendulum-v1"])
    results = {r.row.key: r for r in zt.collect([tmp_path], rows, {})}

    cart = results["dqn:CartPole-v1"]
    assert cart.interval == Interval(500.0, 500.0, 500.0)
    assert cart.verdict == "yes (within)"

    acro = results["dqn:Acrobot-v1"]
    assert sorted(acro.finals) == [-90.0, -85.0, -80.0]
    assert acro.runs == 4 and len(acro.failed) == 1 and acro.ignored == 1
    # the bootstrap median of 3 seeds: the middle one, its 95% CI from lowest to highest
    assert acro.interval == Interval(-85.0, -90.0, -80.0)
    assert acro.verdict == "no (above)"

    pend = results["sac:Pendulum-v1"]
    assert pend.interval == Interval(-145.0, -150.0, -140.0)
    assert pend.verdict == "yes (below)"
    assert results["td3:Pendulum-v1"].verdict == "not run"


def test_refused_row_says_which_key_instead_of_failing() -> None:
    from rlgan.rl.zoo import zoo_entry
    from rlgan.rl.zoo_translate import ZooRefusalError

    entry = zoo_entry("ppo", "Acrobot-v1")
    assert entry is not None
    note = zt.refusal_note(ZooRefusalError(entry, "normalize", "not yet"))
    assert note == "needs normalize (not yet supported)"
    row = _row("ppo:Acrobot-v1")
    result = zt.summarize(row, [], note)
    assert result.verdict == note and result.interval is None
    cells = zt.table_cells(result)
    assert cells[-1] == note and cells[4] == "-"


def test_a_refused_row_is_skipped_and_the_table_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = "needs normalize (not yet supported)"
    monkeypatch.setattr(zt, "refusal_of", lambda overrides: note)
    monkeypatch.setattr(zt, "run_row", lambda *a, **k: pytest.fail("a refused row was trained"))
    out = tmp_path / "out"
    assert (
        zt.main(["--rows", "ppo:Acrobot-v1,ppo:MountainCarContinuous-v0", "--out", str(out)]) == 0
    )
    text = (out / "zoo_table.md").read_text()
    assert text.count(note) == 2


def test_collect_writes_markdown_and_csv_with_attribution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "sweep"
    for job, final in enumerate((240.0, 250.0, 260.0)):
        _run(runs, job, "ppo", "LunarLander-v3", final)
    out = tmp_path / "table"
    status = zt.main(["--collect", str(runs), "--rows", "ppo:LunarLander-v3", "--out", str(out)])
    assert status == 0
    text = (out / "zoo_table.md").read_text()
    assert "LunarLander-v3 (table: LunarLander-v2)" in text and zt.ATTRIBUTION in text
    assert "250 [240, 260]" in text and "yes (within)" in text
    assert "| 240, 250, 260 | 2/3 |" in text  # two seeds at or above RL Zoo's 242.1
    assert zt.VERDICT in capsys.readouterr().out
    with (out / "zoo_table.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["env_id"] == "LunarLander-v3" and row["published_env_id"] == "LunarLander-v2"
    assert float(row["median"]) == 250.0 and row["seeds_ok"] == "3"
    assert row["seeds_at_or_above_zoo_mean"] == "2"
    assert float(row["zoo_mean"]) == 242.119 and row["verdict"] == "yes (within)"


@pytest.mark.parametrize(
    "argv",
    [
        ["--rows", "dqn:Pong-v5"],
        ["--seeds", "0"],
        ["--budget-scale", "1.5"],
        ["--mujoco-steps", "0"],
        ["--collect", "/nonexistent/zoo_runs"],
        ["--published-agents", "/nonexistent/rl-trained-agents"],
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert zt.main([*argv, "--rows", "dqn:CartPole-v1", "--out", str(out)]) == 2
    assert "zoo_table: error: Invalid" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_tiny_multirun_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "zoo"
    argv = ["--rows", "ppo:CartPole-v1", "--budget-scale", "0.02", "--seeds", "2"]
    status = zt.main([*argv, "--eval-episodes", "5", "--out", str(out)])
    assert status == 0
    runs = find_runs([out])
    assert len(runs) == 2 and {r.status for r in runs} == {"ok"}
    assert {r.metrics["hyperparams_source"] for r in runs} == {"zoo"}
    assert all(r.metrics["eval/episodes"] == 5 for r in runs)
    assert all(1900 <= r.metrics["timesteps"] <= 2600 for r in runs)  # 2% of 100k, 8 envs
    with (out / "zoo_table.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["seeds_ok"] == "2" and row["median"] != ""
    assert float(row["ci_low"]) <= float(row["median"]) <= float(row["ci_high"])


def test_help_lists_the_rows_and_exits_0(capsys):
    with pytest.raises(SystemExit) as stopped:
        zt.build_parser().parse_args(["--help"])
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    assert "ppo:LunarLander-v3" in shown and "10% of RL Zoo's budgets" in shown
    assert "sac:HalfCheetah-v4" in shown and "--mujoco-steps" in shown


# ---- the optional MuJoCo rows ---------------------------------------------------------------


def test_mujoco_rows_carry_the_published_figures_and_say_which_version() -> None:
    cheetah, hopper = zt.MUJOCO_ROWS
    assert (cheetah.mean, cheetah.std, cheetah.n_timesteps) == (9535.451, 100.470, 1_000_000)
    assert (hopper.mean, hopper.std, hopper.n_timesteps) == (2325.547, 1129.676, 1_000_000)
    for row in (cheetah, hopper):
        assert row.algo == "sac" and row.requires == "mujoco"
        assert row.env_id.endswith("-v4") and row.published_env_id.endswith("-v3")
        assert row.steps == zt.MUJOCO_STEPS < row.n_timesteps
        assert "-v3" in row.note and "-v4" in row.note and "-v5" in row.note
        assert "--mujoco-steps" in row.note
        assert _row(f"sac:{row.published_env_id}") is row  # the published id is accepted
    assert zt.ALL_ROWS == zt.ZOO_ROWS + zt.MUJOCO_ROWS


def test_mujoco_steps_is_the_budget_of_the_mujoco_rows_only() -> None:
    rows = zt.with_mujoco_steps(zt.parse_rows(["sac:HalfCheetah-v4,dqn:Acrobot-v1"]), 20_000)
    cheetah, acrobot = rows
    assert cheetah.steps == 20_000 and acrobot == _row("dqn:Acrobot-v1")
    assert "total_timesteps=20000" in zt.job_overrides(cheetah, 1.0, 100)
    assert "total_timesteps=2000" in zt.job_overrides(cheetah, 0.1, 100)  # --quick
    default = zt.job_overrides(_row("sac:HalfCheetah-v4"), 1.0, 100)
    assert f"total_timesteps={zt.MUJOCO_STEPS}" in default
    assert "hyperparams_source=zoo" in default and "env.id=HalfCheetah-v4" in default


def test_without_mujoco_the_rows_say_so_and_are_not_trained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "mujoco", None)  # `import mujoco` fails
    monkeypatch.setattr(zt, "run_row", lambda *a, **k: pytest.fail("a row without mujoco ran"))
    assert zt.missing_requirement(_row("sac:Hopper-v4")) == "mujoco not installed"
    assert zt.missing_requirement(_row("dqn:Acrobot-v1")) is None
    out = tmp_path / "out"
    assert zt.main(["--rows", "sac:HalfCheetah-v3,sac:Hopper-v4", "--out", str(out)]) == 0
    text = (out / "zoo_table.md").read_text()
    assert text.count("| mujoco not installed |") == 2
    assert "`pip install mujoco` adds the rows" in text


def test_mujoco_row_in_the_table_shows_the_share_of_the_budget(tmp_path: Path) -> None:
    for job, final in enumerate((5000.0, 5600.0, 6100.0)):
        _run(tmp_path, job, "sac", "HalfCheetah-v4", final, steps=300_000)
    (result,) = zt.collect([tmp_path], zt.parse_rows(["sac:HalfCheetah-v4"]), {})
    cells = zt.table_cells(result)
    assert cells[1] == "HalfCheetah-v4 (table: HalfCheetah-v3)"
    assert cells[6] == "0/3"  # none of 5,000-6,100 reaches RL Zoo's 9,535
    assert cells[8] == "300,000 (30%)" and cells[-1] == "no (above)"
    assert "trained for less than RL Zoo's 1,000,000 steps" in zt.markdown([result], ["x"])


@pytest.mark.skipif(
    importlib.util.find_spec("mujoco") is None, reason="mujoco (optional) not installed"
)
def test_mujoco_rows_are_trainable_with_rl_zoo_settings_when_mujoco_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # MuJoCo writes its warnings to MUJOCO_LOG.TXT in the cwd
    for row in zt.MUJOCO_ROWS:
        assert zt.missing_requirement(row) is None
        assert zt.refusal_of(zt.job_overrides(row, 1.0, 10)) is None  # the v4 entry translates


# ---- the control: RL Zoo's own trainer on the same rows and seeds ---------------------------


def _control(
    root: Path,
    algo: str,
    env_id: str,
    seed: int,
    zoo: float | None,
    ours: float | None = None,
    status: str = "ok",
) -> Path:
    """A control seed's record as ``run_control`` writes it."""
    folder = root / zt.CONTROL_DIR / f"{algo}_{env_id}" / f"seed_{seed}"
    folder.mkdir(parents=True)
    record: dict[str, object] = {"algo": algo, "env_id": env_id, "seed": seed, "status": status}
    record.update({"n_timesteps": 100_000, "eval_episodes": 100, "wall_time_s": 300.0 + seed})
    if status == "failed":
        record["error"] = "rl_zoo3.train exit status 1; see train.log"
    else:
        record["zoo_trainer"] = zoo
        if ours is not None:
            record.update({"ours": ours, "same_weights": ours == zoo})
    (folder / zt.CONTROL_FILE).write_text(json.dumps(record))
    return folder


def test_control_columns_paired_differences_and_verdict_from_folders(tmp_path: Path) -> None:
    for job, final in enumerate((-75.2, -76.0, -73.5)):
        _run(tmp_path, job, "qrdqn", "Acrobot-v1", final)
    # RL Zoo's trainer here: -72, -70, -74 over seeds 0..2; ours re-evaluated alike
    for seed, (zoo, ours) in enumerate(((-72.0, -75.0), (-70.0, -77.0), (-74.0, -74.0))):
        _control(tmp_path, "qrdqn", "Acrobot-v1", seed, zoo, ours)
    for job, final in enumerate((-110.0, -113.0, -105.0)):
        _run(tmp_path, job, "dqn", "MountainCar-v0", final)
    _control(tmp_path, "dqn", "MountainCar-v0", 0, None, status="failed")
    rows = zt.parse_rows(["qrdqn:Acrobot-v1,dqn:MountainCar-v0,dqn:CartPole-v1"])
    results = {r.row.key: r for r in zt.collect([tmp_path], rows, {})}

    acro = results["qrdqn:Acrobot-v1"]
    assert acro.control == {0: -72.0, 1: -70.0, 2: -74.0}
    assert acro.control_interval == Interval(-72.0, -74.0, -70.0)
    assert acro.paired == pytest.approx({0: -3.0, 1: -7.0, 2: 0.0})
    assert acro.same_weights == {0: False, 1: False, 2: True}
    assert acro.control_verdict == "no (above)"  # RL Zoo's -69.1 above its own trainer too
    assert acro.verdict == "no (above)"
    cells = zt.control_cells(acro)
    assert cells[0] == "-72 [-74, -70]" and cells[1] == "-72, -70, -74"
    assert cells[2] == "-3 (seed 0), -7 (seed 1), 0 (seed 2, same weights)"
    acro.same_weights = {0: True, 1: True, 2: True}
    assert zt.control_cells(acro)[2].endswith("0 (seed 2) - same weights on every seed")

    car = results["dqn:MountainCar-v0"]
    assert car.control == {} and car.control_verdict == "all 1 control runs failed"
    assert results["dqn:CartPole-v1"].control_verdict == "-"

    text = zt.markdown(list(results.values()), [str(tmp_path)])
    assert all(h in text for h in zt.CONTROL_HEADER) and "rl_zoo3.train" in text
    assert "dqn:MountainCar-v0: 1 failed control run(s)" in text
    # without any control the table keeps its columns
    plain = zt.markdown([zt.summarize(_row("dqn:CartPole-v1"), [])], ["x"])
    assert zt.CONTROL_HEADER[0] not in plain

    out = tmp_path / "table"
    assert (
        zt.main(["--collect", str(tmp_path), "--rows", "qrdqn:Acrobot-v1", "--out", str(out)]) == 0
    )
    with (out / "zoo_table.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert float(row["control_median"]) == -72.0 and row["control_verdict"] == "no (above)"
    assert row["control_per_seed"] == "0:-72.0;1:-70.0;2:-74.0"
    assert row["paired_diff_per_seed"].startswith("0:-3.0")
    assert row["same_weights_per_seed"] == "0:False;1:False;2:True"
    assert "| -72 [-74, -70] |" in (out / "zoo_table.md").read_text()


def test_zoo_train_command_is_rl_zoos_trainer_with_its_budget_unless_scaled(
    tmp_path: Path,
) -> None:
    row = _row("dqn:LunarLander-v2")
    full = zt.zoo_train_command(row, 2, tmp_path, row.n_timesteps)
    assert full[1:3] == ["-m", "rl_zoo3.train"] and "-n" not in full
    text = " ".join(full)
    assert "--algo dqn --env LunarLander-v3 --seed 2" in text
    assert f"-f {tmp_path / 'rl_zoo'}" in text and "--eval-freq -1" in text
    assert "--num-threads 1" in text and "-tb" not in text
    assert zt.zoo_train_command(row, 2, tmp_path, 1000)[-2:] == ["-n", "1000"]


def test_a_failing_trainer_is_recorded_and_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail = [sys.executable, "-c", "import sys; sys.exit(3)"]
    monkeypatch.setattr(zt, "zoo_train_command", lambda *a: fail)
    row, folder = _row("dqn:CartPole-v1"), tmp_path / "seed_0"
    record = zt.run_control(row, 0, folder, 500, 5, None)
    assert record["status"] == "failed" and "exit status 3" in record["error"]
    assert zt.read_control(folder)["status"] == "failed"
    (result,) = zt.collect([tmp_path], [row], {})
    assert result.control_failed and result.control_verdict == "all 1 control runs failed"


@pytest.mark.parametrize("flag", ["--zoo-control", "--zoo-control-only"])
def test_control_bad_input_exits_2_and_writes_nothing(
    flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = [flag, "--rows", "dqn:CartPole-v1", "--out", str(out)]
    assert zt.main([*argv, "--collect", str(tmp_path)]) == 2
    assert f"Invalid {flag} with --collect" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "rl_zoo3", None)  # not installed
    assert zt.main(argv) == 2
    assert "rl_zoo3 is not installed" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_tiny_control_end_to_end_trains_evaluates_and_continues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "zoo"
    # 1,024 steps: past RL Zoo's learning_starts (1,000), so one round of 128 gradient steps
    # (train_freq 256) is trained by both sides, not only the initial weights
    argv = ["--rows", "dqn:CartPole-v1", "--budget-scale", "0.02048", "--seeds", "1"]
    assert zt.main([*argv, "--eval-episodes", "2", "--zoo-control", "--out", str(out)]) == 0
    folder = zt.control_folder(out, _row("dqn:CartPole-v1"), 0)
    record = zt.read_control(folder)
    assert record["status"] == "ok" and record["n_timesteps"] == 1024
    assert record["ours_run"] == str(out / "dqn_CartPole-v1" / "0")
    assert 1 <= record["zoo_trainer"] <= 500 and 1 <= record["ours"] <= 500
    # hyperparams_source=zoo reproduces RL Zoo's trainer: the same final weights, bit for bit
    # (both trained here, one torch thread each), hence the same evaluation
    assert record["same_weights"] is True
    assert record["ours"] == record["zoo_trainer"]
    agent = zt.zoo_agent_folder(folder, _row("dqn:CartPole-v1"), 1024, 0)
    assert agent is not None and (agent / "CartPole-v1.zip").is_file()
    assert zt.zoo_agent_folder(folder, _row("dqn:CartPole-v1"), 2048, 0) is None  # other budget
    assert zt.zoo_agent_folder(folder, _row("dqn:CartPole-v1"), 1024, 1) is None  # other seed
    with (out / "zoo_table.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert float(row["control_median"]) == record["zoo_trainer"]
    assert row["same_weights_per_seed"] == "0:True"
    # a second control call finds the model and the evaluations: nothing is trained again
    monkeypatch.setattr(zt.subprocess, "run", lambda *a, **k: pytest.fail("trained again"))
    again = zt.run_control(_row("dqn:CartPole-v1"), 0, folder, 1024, 2, None)
    assert again["zoo_trainer"] == record["zoo_trainer"] and again["ours"] == record["ours"]


# ---- RL Zoo's published agents, re-evaluated here ---------------------------------------------


def _published_agent(root: Path, algo: str, name: str, env_id: str) -> Path:
    """An agent folder as DLR-RM/rl-trained-agents holds it: ``<algo>/<name>_1/``.

    ``name`` is the id the folder is named after, ``env_id`` the env its model is built on.
    """
    from collections import OrderedDict

    import yaml
    from stable_baselines3 import DQN

    folder = root / algo / f"{name}_1"
    (folder / name).mkdir(parents=True)
    DQN("MlpPolicy", env_id, learning_starts=0, buffer_size=64, seed=0).save(folder / f"{name}.zip")
    for file, values in (
        ("config.yml", {"policy": "MlpPolicy", "n_timesteps": 100.0}),
        ("args.yml", {"algo": algo, "env": name, "seed": 7}),
    ):
        (folder / name / file).write_text(yaml.dump(OrderedDict(values)))
    return folder


def test_published_agents_are_evaluated_on_our_seeds_recorded_and_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs, agents, out = tmp_path / "runs", tmp_path / "rl-trained-agents", tmp_path / "table"
    for job, final in enumerate((9.0, 10.0, 11.0)):
        _run(runs, job, "dqn", "CartPole-v1", final)
        _run(runs, job, "dqn", "LunarLander-v3", -100.0 - job)
    cartpole = _published_agent(agents, "dqn", "CartPole-v1", "CartPole-v1")
    _published_agent(agents, "dqn", "LunarLander-v2", "LunarLander-v3")  # played on -v3
    rows = "dqn:CartPole-v1,dqn:LunarLander-v3,dqn:MountainCar-v0"
    argv = ["--collect", str(runs), "--rows", rows, "--eval-episodes", "2", "--out", str(out)]
    assert zt.main([*argv, "--seeds", "1", "--published-agents", str(agents)]) == 0

    records = zt.read_published([out])
    car = records["dqn:CartPole-v1"]
    assert car["status"] == "ok" and sorted(car["per_seed"]) == ["0", "1", "2"]  # our runs
    # the control's evaluation function, on the agent folder, evaluation envs from the seed
    assert car["per_seed"]["1"] == zt.evaluate_final(cartpole, 2, 1)
    lunar = records["dqn:LunarLander-v3"]
    assert lunar["status"] == "ok" and lunar["trained_on"] == "LunarLander-v2"
    assert records["dqn:MountainCar-v0"]["status"] == "not found"
    text = (out / "zoo_table.md").read_text()
    assert zt.PUBLISHED_HEADER in text and "| not found |" in text
    assert "RL Zoo's LunarLander-v2 agent, played on LunarLander-v3" in text
    with (out / "zoo_table.csv").open() as handle:
        by_env = {r["env_id"]: r for r in csv.DictReader(handle)}
    values = sorted(car["per_seed"].values())
    assert float(by_env["CartPole-v1"]["published_median"]) == values[1]
    assert by_env["MountainCar-v0"]["published_status"] == "not found"

    # a second call evaluates nothing again; --collect alone keeps the column
    monkeypatch.setattr(zt, "evaluate_final", lambda *a: pytest.fail("evaluated again"))
    assert zt.main([*argv, "--published-agents", str(agents)]) == 0
    assert zt.main(["--collect", str(out), "--rows", "dqn:CartPole-v1"]) == 0
    assert zt.PUBLISHED_HEADER in (out / "zoo_table.md").read_text()
