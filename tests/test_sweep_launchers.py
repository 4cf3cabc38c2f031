"""Multirun mechanics on a toy Hydra app: basic, joblib and submitit_local launchers, the
rlgan_optuna Bayesian sweeper, failure recording, and rlgan-report on the results; and
``rlgan-arena -m`` (smoke-sized) on every launcher rlgan ships (Ray in its own environment)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from rlgan.sweep.report import make_report

TOY_APP = Path(__file__).with_name("test_sweep_toy_app.py")


def run_toy(sweep_dir: Path, *overrides: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the toy app as a multirun into ``sweep_dir``; fail the test on a non-zero exit."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    proc = subprocess.run(
        [sys.executable, str(TOY_APP), "-m", *overrides, f"hydra.sweep.dir={sweep_dir}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=sweep_dir.parent,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def job_metrics(sweep_dir: Path) -> list[dict]:
    """metrics.json of every job, in job order."""
    jobs = sorted((p for p in sweep_dir.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    return [json.loads((job / "metrics.json").read_text()) for job in jobs]


def test_basic_launcher_2x2_survives_failing_jobs(tmp_path: Path) -> None:
    sweep = tmp_path / "basic"
    run_toy(sweep, "x=1,3,-1,101", "seed=0,1")
    metrics = job_metrics(sweep)
    assert len(metrics) == 8
    statuses = [m["status"] for m in metrics]
    assert statuses == ["ok"] * 4 + ["failed"] * 4
    assert "Invalid x=-1.0" in metrics[4]["error"]
    assert metrics[6]["error"] == "RuntimeError: diverged"
    report = make_report([str(sweep)], plots=False)
    (section,) = report.sections
    assert [g.label for g in section.groups] == ["x=3", "x=1", "x=-1", "x=101"]
    best = section.groups[0]
    assert best.stat("score").mean == pytest.approx(10.05)
    assert [g.n_failed for g in section.groups] == [0, 0, 2, 2]
    assert (sweep / "report" / "report.md").is_file()


def test_joblib_launcher_2x2_runs_jobs_in_parallel_workers(tmp_path: Path) -> None:
    sweep = tmp_path / "joblib"
    run_toy(
        sweep, "x=1,3", "seed=0,1", "sleep=0.5", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"
    )
    metrics = job_metrics(sweep)
    assert [m["status"] for m in metrics] == ["ok"] * 4
    assert [m["score"] for m in metrics] == pytest.approx([6.0, 6.1, 10.0, 10.1])
    pids = {m["pid"] for m in metrics}
    assert len(pids) == 2 and os.getpid() not in pids


def test_submitit_local_launcher(tmp_path: Path) -> None:
    sweep = tmp_path / "submitit"
    run_toy(
        sweep,
        "x=2,3",
        "seed=0,1",
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=2",
        timeout=180,
    )
    metrics = job_metrics(sweep)
    assert [m["score"] for m in metrics] == pytest.approx([9.0, 9.1, 10.0, 10.1])
    assert len({m["pid"] for m in metrics}) == 4  # one process per job
    assert (sweep / ".submitit").is_dir()


def test_bayesian_search_four_trials_and_report(tmp_path: Path) -> None:
    sweep = tmp_path / "optuna"
    # The toy config has no `objective` to take a direction from: give it.
    proc = run_toy(
        sweep,
        "x=interval(0, 6)",
        "hydra/sweeper=rlgan_optuna",
        "hydra.sweeper.direction=maximize",
        "hydra.sweeper.n_trials=4",
        "hydra.sweeper.n_jobs=2",
        "hydra.sweeper.seed=0",
        "seed=1",
    )
    assert "alembic" not in proc.stderr.lower() and "Warning" not in proc.stderr
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert results["n_trials"] == 4 and results["n_failed"] == 0
    values = [t["value"] for t in results["trials"]]
    assert results["best_value"] == pytest.approx(max(values))
    xs = [t["params"]["x"] for t in results["trials"]]
    assert all(0 <= x <= 6 for x in xs) and len(set(xs)) == 4
    # Each trial's job returned the toy objective for the sampled x (seed=1 fixed override).
    for trial, metrics in zip(results["trials"], job_metrics(sweep), strict=True):
        assert metrics["score"] == pytest.approx(10 - (trial["params"]["x"] - 3) ** 2 + 0.1)
    report = make_report([str(sweep)])
    (search,) = report.searches
    assert search["best_params"] == results["best_params"]
    assert (sweep / "report" / "plots" / "search_history_0.png").is_file()


def test_bayesian_search_counts_failed_trials(tmp_path: Path) -> None:
    sweep = tmp_path / "optuna_fail"
    run_toy(
        sweep,
        "x=choice(-1, 3)",
        "hydra/sweeper=rlgan_optuna",
        "hydra.sweeper.n_trials=4",
        "hydra.sweeper.n_jobs=4",
        "hydra.sweeper.sampler=random",
        "hydra.sweeper.seed=0",
        "hydra.sweeper.direction=maximize",
    )
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    # RandomSampler(seed=0) draws x = 3, -1, 3, 3: the bad config fails, the search goes on.
    assert [(t["params"]["x"], t["state"]) for t in results["trials"]] == [
        ("3", "complete"),
        ("-1", "failed"),
        ("3", "complete"),
        ("3", "complete"),
    ]
    assert results["n_failed"] == 1 and results["best_value"] == pytest.approx(10.0)
    assert job_metrics(sweep)[1]["status"] == "failed"


def test_bayesian_search_takes_its_direction_from_the_objective(tmp_path: Path) -> None:
    # No hydra.sweeper.direction: eval/fd_classifier is declared lower-is-better, so the
    # search minimises (the toy's score stands in for the distance).
    sweep = tmp_path / "optuna_min"
    proc = run_toy(
        sweep,
        "x=interval(0, 6)",
        "hydra/sweeper=rlgan_optuna",
        "+objective=eval/fd_classifier",
        "hydra.sweeper.n_trials=3",
        "hydra.sweeper.n_jobs=3",
        "hydra.sweeper.sampler=random",
        "hydra.sweeper.seed=0",
    )
    assert "from the declaration of eval/fd_classifier" in proc.stdout
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert results["direction"] == "minimize"
    assert results["objective"] == "eval/fd_classifier"
    values = [t["value"] for t in results["trials"]]
    assert results["best_value"] == pytest.approx(min(values))


# -- rlgan-arena on every launcher --------------------------------------------------------------
#: A self-play run of a few seconds: 512 arena steps on 4 short arenas, one PPO epoch per team.
ARENA_TINY = [
    "total_timesteps=512",
    "env.n_arenas=4",
    "+env.kwargs.max_episode_steps=50",
    "selfplay.team_change=256",
    "selfplay.save_steps=128",
    "selfplay.swap_steps=128",
    "selfplay.window=2",
    "eval.freq=0",
    "eval.games=4",
    "checkpoint.freq=0",
    "log.tensorboard=false",
    "log.timeline=false",
    "progress_bar=false",
    *(
        f"{team}.algo.hyperparams.{knob}"
        for team in ("red", "blue")
        for knob in ("n_steps=16", "batch_size=64", "n_epochs=1")
    ),
]


def run_arena_sweep(
    sweep_dir: Path, *overrides: str, python: str = sys.executable, env: dict | None = None
) -> list[dict]:
    """``rlgan-arena -m seed=0,1`` (tiny) into ``sweep_dir``; every job's metrics.json."""
    env = env or {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    proc = subprocess.run(
        [python, "-m", "rlgan.arena.cli", "-m", "seed=0,1", *ARENA_TINY, *overrides]
        + [f"hydra.sweep.dir={sweep_dir}"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=sweep_dir.parent,
        env={**env, "MPLBACKEND": "Agg"},
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = job_metrics(sweep_dir)
    assert [m["status"] for m in metrics] == ["ok", "ok"], [m.get("error") for m in metrics]
    assert [m["seed"] for m in metrics] == [0, 1]
    assert all(m["app"] == "arena" and m["timesteps"] >= 512 for m in metrics)
    return metrics


def test_arena_basic_launcher_and_its_report(tmp_path: Path) -> None:
    from rlgan.sweep.report_arena import elo_series

    sweep = tmp_path / "arena_basic"
    metrics = run_arena_sweep(sweep)
    report = make_report([str(sweep)])
    (section,) = report.sections
    assert section.app == "arena" and len(section.groups[0].ok_runs) == 2
    assert (sweep / "report" / "plots" / "arena_elo.png").is_file()
    for run, job in zip(section.groups[0].ok_runs, metrics, strict=True):
        for team in ("red", "blue"):  # the ELO curve ends at the final snapshot's rating
            steps, ratings = elo_series(run, team)
            assert steps[-1] == job["timesteps"]
            assert ratings[-1] == pytest.approx(job[f"eval/{team}_elo"])


def test_arena_joblib_launcher(tmp_path: Path) -> None:
    sweep = tmp_path / "arena_joblib"
    run_arena_sweep(sweep, "hydra/launcher=joblib_2")
    launcher = yaml.safe_load((sweep / "multirun.yaml").read_text())["hydra"]["launcher"]
    assert launcher["n_jobs"] == 2


def test_arena_submitit_local_launcher(tmp_path: Path) -> None:
    sweep = tmp_path / "arena_submitit"
    run_arena_sweep(sweep, "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=3")
    assert (sweep / ".submitit").is_dir()


@pytest.mark.slow
def test_arena_ray_launcher(tmp_path: Path) -> None:
    from tests.test_sweep_ray import ray_python

    python = ray_python()
    if python is None:
        pytest.skip(
            "Ray launcher NOT tested with rlgan-arena: no Ray environment (hydra-ray-launcher "
            "lives in its own, see docs/sweeps.md, 'Ray'); set RLGAN_RAY_PYTHON or create "
            ".venv-ray."
        )
    ray_tmp = Path(tempfile.mkdtemp(prefix="rlray", dir="/tmp"))
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env.update(HOME=str(tmp_path), RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")
    try:
        run_arena_sweep(
            tmp_path / "arena_ray",
            "hydra/launcher=ray",
            "+hydra.launcher.ray.init.num_cpus=2",
            f"+hydra.launcher.ray.init._temp_dir={ray_tmp}",
            python=python,
            env=env,
        )
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
