"""Interrupting a run (Ctrl-C / SIGTERM) checkpoints it; resume continues in the same folder;
evaluate= scores a finished run without training."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from stable_baselines3.common.callbacks import BaseCallback

from rlgan.common.app import compose_config
from rlgan.common.csv_log import read_csv
from rlgan.common.run_dir import read_metrics
from rlgan.rl.train import train

FAST = [
    "algo.n_envs=4",
    "total_timesteps=3000",
    "eval.freq=500",
    "eval.episodes=2",
    "eval.final_episodes=2",
    "eval.n_envs=2",
    "checkpoint.freq=500",
    "checkpoint.keep=0",
    "stop_on_solve=0",
]


class InterruptAt(BaseCallback):
    """Raise KeyboardInterrupt (as Ctrl-C would) once ``steps`` timesteps are reached."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps

    def _on_step(self) -> bool:
        if self.num_timesteps >= self.steps:
            raise KeyboardInterrupt
        return True


def _snapshot(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in (folder / "checkpoints").iterdir()
    }


def test_interrupt_then_resume_continues_counting_in_the_same_folder(tmp_path, capsys):
    for algo in ("ppo", "dqn"):
        run = tmp_path / algo
        extra = ["algo.hyperparams.learning_starts=200"] if algo == "dqn" else []
        with pytest.raises(KeyboardInterrupt):  # recorded, checkpointed, then re-raised
            train(
                compose_config("rl", [f"algo={algo}", *FAST, *extra]),
                run_dir=run,
                callbacks=[InterruptAt(1200)],
            )
        metrics = read_metrics(run)
        assert metrics["status"] == "interrupted"
        assert 1200 <= metrics["timesteps"] < 3000
        assert f"resume={run}" in capsys.readouterr().out
        before_rows = read_csv(run / "progress.csv")
        before_ckpts = _snapshot(run)
        last_step = max(
            int(name[len("checkpoints/step_") :][:9])
            for name in before_ckpts
            if name.endswith(".zip")
        )
        assert last_step == metrics["timesteps"]  # the interrupt wrote a checkpoint
        if algo == "dqn":
            assert f"checkpoints/step_{last_step:09d}.replay.npz" in before_ckpts

        train(compose_config("rl", [f"resume={run}"]))
        after = read_metrics(run)
        assert after["status"] == "ok" and after["timesteps"] >= 3000
        rows = read_csv(run / "progress.csv")
        kept = [{key: row[key] for key in before_rows[0]} for row in rows[: len(before_rows)]]
        assert kept == before_rows  # appended, not rewritten
        new_steps = [int(row["step"]) for row in rows[len(before_rows) :]]
        assert new_steps and min(new_steps) > last_step - 1
        after_ckpts = _snapshot(run)
        for name, data in before_ckpts.items():  # earlier checkpoints untouched
            assert after_ckpts[name] == data
        assert any(name.endswith(".zip") and int(name[17:26]) > last_step for name in after_ckpts)
        assert (run / "model.zip").is_file() and (run / "best_model.zip").is_file()


def test_sigterm_checkpoints_and_marks_interrupted(tmp_path):
    run = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "rlgan.rl.cli",
        f"hydra.run.dir={run}",
        "total_timesteps=100000000",
        "stop_on_solve=0",
        "eval.freq=2000",
        "eval.episodes=2",
        "checkpoint.freq=0",
        "algo.n_envs=4",
        "env.vectorization=dummy",
    ]
    proc = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 90
    while time.time() < deadline and not (run / "progress.csv").is_file():
        time.sleep(0.2)
    assert (run / "progress.csv").is_file(), proc.communicate(timeout=5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err  # 128 + SIGTERM, the shell's convention
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "interrupted", metrics
    assert list((run / "checkpoints").glob(f"step_{metrics['timesteps']:09d}.zip"))
    assert "rlgan-rl: interrupted" in out and "Traceback" not in err


def test_evaluate_prints_mean_and_std_without_training(tmp_path, capsys):
    run = tmp_path / "run"
    train(
        compose_config(
            "rl", ["algo.n_envs=4", "total_timesteps=1000", "eval.freq=0", "eval.final_episodes=2"]
        ),
        run_dir=run,
    )
    capsys.readouterr()
    before = sorted(p.name for p in run.rglob("*"))
    mean = train(
        compose_config("rl", [f"evaluate={run}", "eval.episodes=3", "eval.final_episodes=3"])
    )
    out = capsys.readouterr().out
    assert "mean return" in out and "±" in out and "over 3 episodes" in out
    assert f"{mean:.2f}" in out
    assert sorted(p.name for p in run.rglob("*")) == before
