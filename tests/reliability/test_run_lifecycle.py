"""The shared run lifecycle under faults: statuses, failed and no-op resumes, provenance.

Each case asserts the outcome a user relies on (docs/reliability.md): the exit path's status,
a one-paragraph error naming the problem, and that a finished run's files stay byte-identical.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from rlgan.common.app import compose_config
from rlgan.common.csv_log import read_csv
from rlgan.common.errors import ConfigError
from rlgan.common.lifecycle import (
    PROVENANCE_FILE,
    SCHEMA_VERSION,
    RunLifecycle,
    clean_after_crash,
    read_provenance,
)
from rlgan.common.run_dir import read_metrics

RL_TINY = [
    "algo.n_envs=2",
    "total_timesteps=512",
    "eval.freq=256",
    "eval.episodes=2",
    "eval.final_episodes=2",
    "eval.n_envs=2",
    "checkpoint.freq=256",
    "checkpoint.keep=0",
    "stop_on_solve=0",
    "progress_bar=false",
    "log.tensorboard=false",
    "algo.hyperparams.n_steps=64",
    "algo.hyperparams.batch_size=64",
]
GAN_TINY = [
    "data=moons",
    "model=mlp",
    "model.g_hidden=[16]",
    "model.d_hidden=[16]",
    "train.batch_size=32",
    "train.iterations=20",
    "train.log_every=5",
    "eval.freq=10",
    "train.sample_every=20",
    "checkpoint.freq=5",
    "checkpoint.keep=0",
    "eval.n_samples=200",
    "progress_bar=false",
    "log.tensorboard=false",
]


def _runs_own_files(folder: Path) -> dict[str, bytes]:
    """A run folder's files without Hydra's own (``.hydra/`` and the job's log)."""
    return {
        k: v
        for k, v in _snapshot(folder).items()
        if not k.startswith(".hydra") and not k.endswith(".log")
    }


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a run folder, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def rl_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished tiny PPO run (copied by tests that change it)."""
    from rlgan.rl.train import train

    folder = tmp_path_factory.mktemp("rl_run")
    train(compose_config("rl", RL_TINY), run_dir=folder)
    return folder


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished tiny GAN run on moons."""
    from rlgan.gan.train import train

    folder = tmp_path_factory.mktemp("gan_run")
    train(compose_config("gan", GAN_TINY), run_dir=folder)
    return folder


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


# ---- provenance ---------------------------------------------------------------------------
def test_every_run_records_its_provenance(rl_run: Path, gan_run: Path) -> None:
    for folder, app in ((rl_run, "rl"), (gan_run, "gan")):
        data = read_provenance(folder)
        assert data is not None and data["app"] == app
        assert data["schema_version"] == SCHEMA_VERSION
        session = data["sessions"][0]
        for package in ("rlgan", "torch", "stable-baselines3", "gymnasium", "hydra-core"):
            assert session["packages"][package], package
        assert session["cpu"] and session["python"] and isinstance(session["command"], list)
        assert "git" in session and "gpus" in session
        metrics = read_metrics(folder)
        assert metrics["status"] == "ok" and metrics["run_schema"] == SCHEMA_VERSION


# ---- resume rules -------------------------------------------------------------------------
def test_no_op_resume_of_a_finished_run_changes_nothing(
    rl_run: Path, gan_run: Path, capsys: pytest.CaptureFixture
) -> None:
    from rlgan.gan.train import train as train_gan
    from rlgan.rl.train import train as train_rl

    for folder, train in ((rl_run, train_rl), (gan_run, train_gan)):
        app = "rl" if train is train_rl else "gan"
        before = _snapshot(folder)
        value = train(compose_config(app, [f"resume={folder}"]))
        assert "already finished" in capsys.readouterr().out
        assert _snapshot(folder) == before
        objective = read_metrics(folder)["objective"]
        assert value == pytest.approx(read_metrics(folder)[objective])


def test_resume_with_a_larger_budget_continues_and_records_it(rl_run: Path, tmp_path: Path) -> None:
    from rlgan.rl.train import train

    folder = _copy(rl_run, tmp_path / "run")
    train(compose_config("rl", [f"resume={folder}", "total_timesteps=1024"]))
    metrics = read_metrics(folder)
    assert metrics["status"] == "ok" and metrics["timesteps"] >= 1024
    saved = yaml.safe_load((folder / ".hydra/config.yaml").read_text())
    assert saved["total_timesteps"] == 1024 and saved["resume"] is None
    sessions = read_provenance(folder)["sessions"]
    assert len(sessions) == 2
    assert sessions[1]["resumed_from_step"] == 512
    assert sessions[1]["overrides_applied"] == {"total_timesteps": 1024}
    _assert_progress_consistent(folder)


def _assert_progress_consistent(folder: Path) -> None:
    """Steps never go backwards and no evaluation appears twice in ``progress.csv``."""
    rows = read_csv(folder / "progress.csv")
    steps = [int(float(row["step"])) for row in rows]
    assert steps == sorted(steps)
    evals = [step for step, row in zip(steps, rows, strict=True) if row.get("eval/mean_reward")]
    assert evals and len(evals) == len(set(evals))


def test_gan_resume_with_more_iterations_continues(gan_run: Path, tmp_path: Path) -> None:
    from rlgan.gan.train import train

    folder = _copy(gan_run, tmp_path / "run")
    train(compose_config("gan", [f"resume={folder}", "train.iterations=30"]))
    metrics = read_metrics(folder)
    assert metrics["status"] == "ok" and metrics["step"] == 30
    steps = [int(row["step"]) for row in read_csv(folder / "progress.csv")]
    assert steps == sorted(steps) and len(steps) == len(set(steps)) and steps[-1] == 30


@pytest.mark.parametrize(
    ("app", "override", "words"),
    [
        ("rl", "seed=5", "seed=5"),
        ("rl", "eval.freq=100", "eval.freq=100"),
        ("rl", "total_timesteps=100", "already done 512"),
        ("gan", "train.lr_g=0.5", "train.lr_g=0.5"),
        ("gan", "train.iterations=10", "already done 20"),
    ],
)
def test_resume_refuses_overrides_it_cannot_honour(
    app: str, override: str, words: str, rl_run: Path, gan_run: Path
) -> None:
    from rlgan.gan.train import train as train_gan
    from rlgan.rl.train import train as train_rl

    folder, train = (rl_run, train_rl) if app == "rl" else (gan_run, train_gan)
    before = _snapshot(folder)
    with pytest.raises(ConfigError, match=words.replace(".", r"\.")):
        train(compose_config(app, [f"resume={folder}", override]))
    assert _snapshot(folder) == before


def test_evaluate_with_resume_is_refused(rl_run: Path) -> None:
    from rlgan.rl.train import train

    with pytest.raises(ConfigError, match="give one of them"):
        train(compose_config("rl", [f"resume={rl_run}", f"evaluate={rl_run}"]))


def test_resume_of_another_apps_run_names_the_right_command(rl_run: Path, gan_run: Path) -> None:
    from rlgan.gan.train import train as train_gan
    from rlgan.rl.train import train as train_rl

    with pytest.raises(ConfigError, match="written by rlgan-gan"):
        train_rl(compose_config("rl", [f"resume={gan_run}"]))
    with pytest.raises(ConfigError, match="written by rlgan-rl"):
        train_gan(compose_config("gan", [f"resume={rl_run}"]))


@pytest.mark.parametrize(
    "damage", ["missing", "invalid_yaml", "not_a_mapping", "binary", "newer_schema"]
)
def test_damaged_saved_config_is_a_one_paragraph_error(
    damage: str, rl_run: Path, tmp_path: Path
) -> None:
    from rlgan.rl.train import train

    folder = _copy(rl_run, tmp_path / "run")
    config = folder / ".hydra/config.yaml"
    if damage == "missing":
        config.unlink()
    elif damage == "invalid_yaml":
        config.write_text("algo: {name: ppo\n  : [\n")
    elif damage == "not_a_mapping":
        config.write_text("- just\n- a list\n")
    elif damage == "binary":
        config.write_bytes(b"\xff\xfe\x00garbage\x9c")
    else:
        data = json.loads((folder / PROVENANCE_FILE).read_text())
        data["schema_version"] = SCHEMA_VERSION + 1
        (folder / PROVENANCE_FILE).write_text(json.dumps(data))
    before = _snapshot(folder)
    for knob in ("resume", "evaluate"):
        with pytest.raises(ConfigError) as caught:
            train(compose_config("rl", [f"{knob}={folder}", "eval.final_episodes=1"]))
        message = str(caught.value)
        assert "\n" not in message and str(folder) in message
        assert {
            "missing": "no .hydra/config.yaml",
            "invalid_yaml": "not valid YAML",
            "not_a_mapping": "not an rlgan config",
            "binary": "config",
            "newer_schema": "schema",
        }[damage] in message
    assert _snapshot(folder) == before


def test_all_checkpoints_damaged_leaves_a_finished_run_byte_identical(
    rl_run: Path, tmp_path: Path
) -> None:
    from rlgan.rl.train import train

    folder = _copy(rl_run, tmp_path / "run")
    for checkpoint in (folder / "checkpoints").glob("step_*.zip"):
        checkpoint.write_bytes(b"")
    before = _snapshot(folder)
    with pytest.raises(ConfigError):
        train(compose_config("rl", [f"resume={folder}", "total_timesteps=2048"]))
    assert _snapshot(folder) == before


# ---- every exit path sets the status ------------------------------------------------------
def test_an_unexpected_error_is_recorded_failed_in_both_apps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rlgan.gan import train as gan_train
    from rlgan.gan.trainer import GanTrainer
    from rlgan.rl import train as rl_train

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(GanTrainer, "train_step", boom)
    with pytest.raises(RuntimeError):
        gan_train.train(compose_config("gan", GAN_TINY), run_dir=tmp_path / "gan")
    monkeypatch.setattr(rl_train.PeriodicCheckpointCallback, "save", boom)
    with pytest.raises(RuntimeError):
        rl_train.train(compose_config("rl", RL_TINY), run_dir=tmp_path / "rl")
    for app in ("gan", "rl"):
        metrics = read_metrics(tmp_path / app)
        assert metrics["status"] == "failed", app
        assert metrics["error"] == "RuntimeError: disk on fire", app


def test_lifecycle_statuses_on_each_exit_path(tmp_path: Path) -> None:
    from omegaconf import OmegaConf

    cfg = OmegaConf.create({"app": "rl", "seed": 0})
    closed: list[str] = []
    with RunLifecycle("rl", tmp_path / "ok", cfg, {"x": 1}) as life:
        life.on_close(lambda: closed.append("ok"))
    assert read_metrics(tmp_path / "ok")["status"] == "ok"
    with pytest.raises(KeyboardInterrupt), RunLifecycle("rl", tmp_path / "int", cfg, {}) as life:
        life.on_close(lambda: closed.append("int"))
        raise KeyboardInterrupt
    assert read_metrics(tmp_path / "int")["status"] == "interrupted"
    with pytest.raises(ValueError), RunLifecycle("rl", tmp_path / "bad", cfg, {}) as life:
        life.on_close(lambda: closed.append("bad"))
        raise ValueError("bad value")
    metrics = read_metrics(tmp_path / "bad")
    assert metrics["status"] == "failed" and metrics["error"] == "ValueError: bad value"
    assert closed == ["ok", "int", "bad"]


# ---- after kill -9 ------------------------------------------------------------------------
def test_resume_after_a_crash_cleans_temporary_files_and_cuts_progress(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    (folder / "checkpoints").mkdir(parents=True)
    orphan = folder / "checkpoints" / ".step_000000300.zip.abc123.tmp"
    orphan.write_bytes(b"half a zip")
    (folder / "progress.csv").write_text("step,eval/mean_reward\n100,1\n200,2\n300,3\n400,4\n")
    clean_after_crash(folder, 200)
    assert not orphan.exists()
    assert [row["step"] for row in read_csv(folder / "progress.csv")] == ["100", "200"]


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_loses_at_most_one_interval(tmp_path: Path) -> None:
    """Kill a DQN run with SIGKILL five times at seeded random moments, resuming each time."""
    import random

    from rlgan.rl.model_io import load_checkpoint

    rng = random.Random(1234)
    run = tmp_path / "run"
    freq = 500
    first = [
        sys.executable,
        "-m",
        "rlgan.rl.cli",
        f"hydra.run.dir={run}",
        "algo=dqn",
        "total_timesteps=1000000",
        f"checkpoint.freq={freq}",
        "checkpoint.keep=2",
        "eval.freq=1000",
        "eval.episodes=2",
        "eval.final_episodes=2",
        "eval.n_envs=2",
        "algo.hyperparams.learning_starts=200",
        "algo.hyperparams.train_freq=4",
        "algo.hyperparams.gradient_steps=1",
        "algo.hyperparams.buffer_size=5000",
        "stop_on_solve=0",
        "progress_bar=false",
        "log.tensorboard=false",
    ]
    resume = [
        sys.executable,
        "-m",
        "rlgan.rl.cli",
        f"hydra.run.dir={tmp_path / 'hydra'}",
        f"resume={run}",
    ]
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    done_before = 0
    for kill in range(5):
        proc = subprocess.Popen(
            first if kill == 0 else resume,
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _wait_for_progress(run, done_before, proc)
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        checkpoints = sorted((run / "checkpoints").glob("step_*.zip"))
        assert checkpoints, "a checkpoint exists after the first interval"
        loaded = load_checkpoint(run, "dqn", None, "cpu")
        assert loaded is not None
        step = int(loaded[0].num_timesteps)
        assert step >= done_before, "no checkpoint went backwards"
        reached = _progress_step(run)
        assert reached - step <= freq + 256, "at most one checkpoint interval is lost"
        done_before = step
    budget = done_before + 1000
    final = subprocess.run(
        [*resume, f"total_timesteps={budget}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert final.returncode == 0, final.stderr[-2000:]
    metrics = read_metrics(run)
    assert metrics["status"] == "ok" and metrics["timesteps"] >= budget
    _assert_progress_consistent(run)
    assert not list(run.rglob(".*.tmp"))


def _progress_step(run: Path) -> int:
    """The largest step in ``progress.csv`` and the checkpoints (0 when none yet)."""
    steps = [int(float(row["step"])) for row in read_csv(run / "progress.csv") if row["step"]]
    ckpts = (
        [int(p.name[5:14]) for p in (run / "checkpoints").glob("step_*.zip")]
        if (run / "checkpoints").is_dir()
        else []
    )
    return max(steps + ckpts + [0])


def _wait_for_progress(run: Path, after: int, proc: subprocess.Popen) -> None:
    """Wait until the run has checkpointed beyond ``after`` timesteps."""
    deadline = time.time() + 120
    while time.time() < deadline:
        ckpts = (
            [int(p.name[5:14]) for p in (run / "checkpoints").glob("step_*.zip")]
            if (run / "checkpoints").is_dir()
            else []
        )
        if ckpts and max(ckpts) > after:
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended early: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.1)
    proc.kill()
    pytest.fail("the run made no checkpoint within 120 s")


# ---- unwritable output places, found before any work --------------------------------------
def test_a_file_where_the_run_folder_must_go_is_refused_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rlgan.gan import train as gan_train
    from rlgan.rl import train as rl_train

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("heavy work started before the run folder was checked")

    monkeypatch.setattr(rl_train, "make_vec_env", no_work)  # the first heavy step of each app
    monkeypatch.setattr(gan_train, "build_data", no_work)
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    for train, app, overrides in (
        (rl_train.train, "rl", RL_TINY),
        (gan_train.train, "gan", GAN_TINY),
    ):
        with pytest.raises(ConfigError, match="is a file, but a folder must go there"):
            train(compose_config(app, overrides), run_dir=blocker / "run")
    assert blocker.read_text() == "a file, not a folder"


def test_report_out_and_watch_record_places_are_checked_first(rl_run: Path, tmp_path: Path) -> None:
    from rlgan.render.recorder import check_video_path
    from rlgan.sweep.report import make_report

    blocker = tmp_path / "taken"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="--out=.*is a file"):
        make_report([str(rl_run)], out=blocker / "report", plots=False)
    with pytest.raises(ConfigError, match="record=.*does not exist"):
        check_video_path(tmp_path / "missing" / "agent.gif")
    with pytest.raises(ConfigError, match="record=.*is a folder|must end in"):
        check_video_path(tmp_path)
    assert not (rl_run / "report").exists()


# ---- multiruns: an interrupt stops the sweep; a re-run skips ok jobs and resumes the rest ---
@pytest.mark.slow
def test_interrupted_sweep_exits_143_and_a_rerun_finishes_it(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    command = [
        sys.executable,
        "-m",
        "rlgan.rl.cli",
        "-m",
        "seed=0,1",
        f"hydra.sweep.dir={sweep}",
        "total_timesteps=6000",
        "eval.freq=1000",
        "eval.episodes=2",
        "eval.final_episodes=2",
        "eval.n_envs=2",
        "checkpoint.freq=500",
        "algo.n_envs=2",
        "stop_on_solve=0",
        "progress_bar=false",
        "log.tensorboard=false",
    ]
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    proc = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 120
    while time.time() < deadline and not list((sweep / "0").glob("checkpoints/step_*.zip")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err[-2000:]
    assert read_metrics(sweep / "0")["status"] == "interrupted"
    assert not (sweep / "1" / "metrics.json").exists(), "the sweep stopped at the interrupt"

    rerun = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    for job in ("0", "1"):
        assert read_metrics(sweep / job)["status"] == "ok", job
        assert read_metrics(sweep / job)["timesteps"] >= 6000, job
    sessions = read_provenance(sweep / "0")["sessions"]
    assert len(sessions) == 2 and sessions[1]["resumed_from_step"] > 0
    _assert_progress_consistent(sweep / "0")

    before = {job: _runs_own_files(sweep / job) for job in ("0", "1")}
    again = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.count("already finished") == 2
    for job in ("0", "1"):  # Hydra rewrites its own files; the run's files stay
        assert _runs_own_files(sweep / job) == before[job]


# ---- refused commands leave no run folder; the divergence guard says what it kept ---------
@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("rlgan.rl.cli", ["total_timesteps=-5"]),
        ("rlgan.rl.cli", ["evaluate=/nonexistent/run"]),
        ("rlgan.gan.cli", ["train.batch_size=0"]),
    ],
)
def test_a_command_refused_before_work_leaves_no_run_folder(
    module: str, args: list[str], tmp_path: Path
) -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    outputs = tmp_path / "outputs"  # Hydra's folder for this command, removed with its parents
    assert not outputs.exists(), sorted(outputs.rglob("*"))


@pytest.mark.parametrize(("poison_at", "kept"), [(13, 10), (3, None)])
def test_divergence_names_the_last_good_checkpoint_or_that_there_is_none(
    poison_at: int, kept: int | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rlgan.gan.train import train
    from rlgan.gan.trainer import GanTrainer, TrainingDivergedError

    original = GanTrainer.train_step

    def poisoned(self: GanTrainer) -> dict[str, float]:
        if self.step == poison_at:
            for parameter in self.generator.parameters():
                parameter.data.fill_(float("nan"))
        return original(self)

    monkeypatch.setattr(GanTrainer, "train_step", poisoned)
    with pytest.raises(TrainingDivergedError) as caught:
        train(compose_config("gan", [*GAN_TINY, "checkpoint.freq=10"]), run_dir=tmp_path)
    metrics = read_metrics(tmp_path)
    assert metrics["status"] == "failed"
    assert metrics["diverged_at_iteration"] == poison_at + 1
    assert f"iteration {poison_at + 1}" in str(caught.value)
    assert metrics["last_good_checkpoint_step"] == kept
    if kept is None:
        assert "No good checkpoint exists" in str(caught.value)
    else:
        assert f"step_{kept:09d}.pt (iteration {kept})" in str(caught.value)


@pytest.mark.slow
def test_a_new_sweep_into_an_old_sweep_folder_leaves_the_old_runs_alone(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    base = [
        sys.executable,
        "-m",
        "rlgan.rl.cli",
        "-m",
        f"hydra.sweep.dir={sweep}",
        "total_timesteps=256",
        "eval.freq=0",
        "eval.final_episodes=1",
        "eval.n_envs=1",
        "checkpoint.freq=0",
        "algo.n_envs=2",
        "progress_bar=false",
        "log.tensorboard=false",
    ]
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    first = subprocess.run(
        [*base, "seed=0"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr[-2000:]
    before = _snapshot(sweep / "0")
    other = subprocess.run(
        [*base, "seed=5"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert "already holds a different run" in other.stdout + other.stderr
    assert _runs_own_files(sweep / "0") == {
        k: v for k, v in before.items() if not k.startswith(".hydra") and not k.endswith(".log")
    }
    assert read_metrics(sweep / "0")["status"] == "ok"


def test_a_run_that_stopped_early_solved_is_finished(
    rl_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from rlgan.rl.train import train

    folder = _copy(rl_run, tmp_path / "run")
    config = folder / ".hydra" / "config.yaml"
    saved = yaml.safe_load(config.read_text())
    saved["total_timesteps"] = 4096  # its budget; it stopped (solved) at 512 with status ok
    config.write_text(yaml.safe_dump(saved))
    before = _snapshot(folder)
    train(compose_config("rl", [f"resume={folder}"]))
    assert "already finished" in capsys.readouterr().out
    assert _snapshot(folder) == before
