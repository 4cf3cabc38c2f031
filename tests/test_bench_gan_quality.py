"""benchmarks/gan_quality.py: bad input stops before any run; runs in parallel processes.

The summary is checked on fabricated results; one slow test runs two tiny 2-D experiments on
two seeds with ``--jobs 2`` end to end.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest
from helpers_processes import process_alive as _alive

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gan_quality.py"


def _load() -> ModuleType:
    """Import benchmarks/gan_quality.py (the benchmarks folder is not a package)."""
    name = "gan_quality_bench"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


gq = _load()


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--experiments", "nope"], "--experiments='nope'"),
        (["--experiments", "grid25", "--jobs", "0"], "--jobs=0"),
        (["--experiments", "grid25", "--threads", "-1"], "--threads=-1"),
        (["--experiments", "grid25", "--seeds", "1", "1"], "--seeds [1, 1]"),
        (["--experiments", "grid25", "--", "foo=1"], "foo"),
        (["--experiments", "grid25", "--", "data=nope"], "data/nope"),
        (["--experiments", "grid25", "--", "train.iterations=abc"], "train.iterations='abc'"),
    ],
)
def test_bad_input_exits_2_before_any_run(
    argv: list[str], named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each mistake is one error naming the bad value, exit status 2, and no folder made."""
    out = tmp_path / "out"
    assert gq.main(["--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gan_quality: error: ")
    assert named in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_unknown_experiment_lists_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """The error for an unknown experiment names every experiment the script has."""
    assert gq.main(["--experiments", "digits"]) == 2
    err = capsys.readouterr().err
    for name in gq.EXPERIMENTS:
        assert name in err


def _metrics(fd_ratio: float, cpu_s: float) -> dict[str, float | str]:
    """A digits run's figures as run_one returns them."""
    return {
        "objective": "eval/fd_ratio",
        "eval/fd_ratio": fd_ratio,
        "eval/fd_classifier": 1.7 * fd_ratio,
        "eval/fd_train": 1.7,
        "eval/class_coverage": 10.0,
        "eval/class_kl": 0.002,
        "total_s": cpu_s + 1.0,
        "cpu_s": cpu_s,
    }


def test_summary_orders_seeds_and_takes_the_worst_by_direction() -> None:
    """Seeds are listed in order whatever order they finished in; fd_ratio's worst is its max."""
    finished = {3: _metrics(1.20, 100.0), 0: _metrics(0.95, 90.0), 1: _metrics(1.05, 110.0)}
    text = gq.summarise("digits_dcgan", finished)
    assert "over seeds [0, 1, 3]" in text
    assert "fd_ratio (the objective) per seed: 0: 0.95, 1: 1.05, 3: 1.2" in text
    assert "median {'fd_ratio': 1.05," in text
    assert "worst seed {'fd_ratio': 1.2," in text
    assert "100 s/run CPU (max 110 s)" in text


def _two_jobs(experiments: list[str], out: Path, *overrides: str) -> list[str]:
    """The command running ``experiments`` on seeds 0 and 1, two runs at a time, into ``out``."""
    return [
        sys.executable,
        str(SCRIPT),
        "--experiments",
        *experiments,
        "--seeds",
        "0",
        "1",
        "--jobs",
        "2",
        "--out",
        str(out),
        "--",
        *overrides,
        "log.tensorboard=false",
    ]


@pytest.mark.slow
def test_two_jobs_run_every_seed_and_record_them(tmp_path: Path) -> None:
    """--jobs 2 runs each (experiment, seed) once, prints its summary and writes the JSON."""
    out = tmp_path / "out"
    done = subprocess.run(
        _two_jobs(["grid25", "ring8"], out, "train.iterations=30", "eval.freq=30"),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 run(s) at a time" in done.stdout
    for name in ("grid25", "ring8"):
        assert f"** {name} over seeds [0, 1]:" in done.stdout
        assert done.stdout.count(f"{name} seed ") == 2
    record = json.loads((out / "gan_quality.json").read_text())
    assert record["jobs"] == 2
    assert record["overrides"] == ["train.iterations=30", "eval.freq=30", "log.tensorboard=false"]
    for name in ("grid25", "ring8"):
        runs = record["runs"][name]
        assert sorted(runs) == ["0", "1"]
        for seed, metrics in runs.items():
            saved = json.loads((out / f"{name}_seed{seed}" / "metrics.json").read_text())
            assert saved["seed"] == int(seed)
            assert metrics["eval/high_quality_frac"] == saved["eval/high_quality_frac"]
            assert metrics["cpu_s"] > 0
    # Different seeds trained different generators.
    grid = record["runs"]["grid25"]
    assert grid["0"]["eval/sliced_w1"] != grid["1"]["eval/sliced_w1"]


def _children(pid: int) -> list[int]:
    """The pids of ``pid``'s worker processes (multiprocessing's spawned ones), from /proc."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields.get("PPid", "0")) == pid and b"spawn_main" in cmdline:
            found.append(int(status.parent.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_stop_signal_stops_every_worker(tmp_path: Path) -> None:
    """SIGTERM (kill, a CI timeout) ends the runs in the workers too, not only the main process."""
    out = tmp_path / "out"
    proc = subprocess.Popen(
        _two_jobs(["grid25"], out, "train.iterations=1000000"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 300
        while len(workers) < 2 or not all((out / f"grid25_seed{s}").is_dir() for s in (0, 1)):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the two runs did not start"
            time.sleep(0.5)
            workers = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in workers), f"workers {workers} outlived the benchmark"
        assert not (out / "gan_quality.json").exists()
    finally:
        proc.kill()
        for pid in filter(_alive, workers):
            os.kill(pid, signal.SIGKILL)
