"""Tests of rlgan.common: devices, seeding, atomic writes, run folders, error policy."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from rlgan.common import atomic, run_dir
from rlgan.common.csv_log import CSVLogger, read_csv
from rlgan.common.device import resolve_device
from rlgan.common.errors import ConfigError, invalid_choice, require_positive
from rlgan.common.plotting import plot_bars, plot_curves
from rlgan.common.seeding import seed_everything


def test_resolve_device_auto_and_cpu() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("CPU") == torch.device("cpu")


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "tpu"])
def test_resolve_device_rejects_unknown_names(bad: str) -> None:
    with pytest.raises(ConfigError, match="valid choices are auto, cpu, cuda"):
        resolve_device(bad)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_resolve_device_cuda_without_gpu_says_so() -> None:
    with pytest.raises(ConfigError, match="no CUDA GPU is available"):
        resolve_device("cuda")


@pytest.mark.cuda
def test_resolve_device_cuda_with_gpu() -> None:
    assert resolve_device("cuda:0").type == "cuda"


def test_seed_everything_repeats_every_generator() -> None:
    def draw() -> tuple[float, float, float]:
        return random.random(), float(np.random.rand()), float(torch.rand(1))

    seed_everything(123)
    first = draw()
    seed_everything(123)
    assert draw() == first
    seed_everything(124)
    assert draw() != first


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path) -> None:
    target = tmp_path / "sub" / "data.bin"
    atomic.atomic_write_bytes(target, b"old")
    atomic.atomic_write_bytes(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert [p.name for p in target.parent.iterdir()] == ["data.bin"]


def test_atomic_write_keeps_old_file_when_writer_fails(tmp_path) -> None:
    target = tmp_path / "ckpt.pt"
    atomic.atomic_torch_save(target, {"step": 1})

    def broken(handle) -> None:
        handle.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic.atomic_write(target, broken)
    assert torch.load(target)["step"] == 1
    assert len(list(tmp_path.iterdir())) == 1


def test_atomic_json_turns_non_finite_into_null(tmp_path) -> None:
    path = atomic.atomic_write_json(
        tmp_path / "m.json", {"a": float("nan"), "b": np.float32(2.5), "c": [float("inf")]}
    )
    assert json.loads(path.read_text()) == {"a": None, "b": 2.5, "c": [None]}


def test_checkpoint_listing_orders_by_step_and_prunes(tmp_path) -> None:
    for step in (30, 1000, 200):
        atomic.atomic_write_bytes(run_dir.checkpoint_path(tmp_path, step, ".zip"), b"x")
    atomic.atomic_write_bytes(run_dir.checkpoint_path(tmp_path, 5000, ".pkl"), b"x")
    steps = [step for step, _ in run_dir.list_checkpoints(tmp_path, ".zip")]
    assert steps == [30, 200, 1000]
    assert run_dir.latest_checkpoint(tmp_path, ".zip")[0] == 1000
    run_dir.prune_checkpoints(tmp_path, ".zip", keep=1)
    assert [s for s, _ in run_dir.list_checkpoints(tmp_path, ".zip")] == [1000]
    assert run_dir.latest_checkpoint(tmp_path / "nothing", ".zip") is None


def test_metrics_round_trip_and_status_check(tmp_path) -> None:
    run_dir.write_metrics(tmp_path, {"status": "ok", "eval/mean_reward": 500.0})
    assert run_dir.read_metrics(tmp_path)["eval/mean_reward"] == 500.0
    with pytest.raises(ValueError, match="status"):
        run_dir.write_metrics(tmp_path, {"status": "great"})


def test_load_run_config_errors_name_the_folder(tmp_path) -> None:
    with pytest.raises(ConfigError, match="no such folder"):
        run_dir.load_run_config(tmp_path / "missing", knob="resume")
    with pytest.raises(ConfigError, match=r"resume=.*not an rlgan run"):
        run_dir.load_run_config(tmp_path, knob="resume")
    run_dir.save_config(tmp_path, OmegaConf.create({"app": "rl", "seed": 3}))
    assert run_dir.load_run_config(tmp_path).seed == 3


def test_error_helpers_name_value_and_choices() -> None:
    err = invalid_choice("algo", "foo", ["ppo", "dqn"])
    assert str(err) == "Invalid algo='foo': valid choices are ppo, dqn."
    with pytest.raises(ConfigError, match="n_envs=0"):
        require_positive("n_envs", 0)
    require_positive("lr", 0.0, allow_zero=True)


def test_csv_logger_widens_header_and_keeps_rows(tmp_path) -> None:
    path = tmp_path / "progress.csv"
    logger = CSVLogger(path)
    logger.log({"step": 1, "loss": 0.5})
    logger.log({"step": 2, "loss": 0.4, "metric": 7})
    CSVLogger(path).log({"step": 3, "loss": 0.3})  # a resumed run appends
    rows = read_csv(path)
    assert [r["step"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["metric"] == "" and rows[1]["metric"] == "7"


def test_plots_are_written(tmp_path) -> None:
    x = np.arange(10)
    curve = plot_curves(
        tmp_path / "c.png",
        {"a": (x, x * 2.0, np.ones(10)), "b": (x, x, None)},
        xlabel="step",
        ylabel="r",
        hline=5,
    )
    bars = plot_bars(tmp_path / "b.png", ["a", "b"], [1.0, 2.0], [0.1, 0.2], ylabel="r")
    for path in (curve, bars):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_stop_request_turns_sigterm_into_a_flag_then_raises_on_the_second() -> None:
    from rlgan.common.lifecycle import RunInterrupted, StopRequest

    with StopRequest() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs between bytecodes
            pass
        assert stop.requested and stop.signum == signal.SIGTERM
        with pytest.raises(RunInterrupted) as caught:
            stop.check()
        assert caught.value.exit_code == 143
        with pytest.raises(RunInterrupted):  # a second signal stops at once
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_source_checkout_without_install_finds_conf_and_envs(tmp_path) -> None:
    """A bare checkout on PYTHONPATH (no install) still imports rlgan.conf and rlgan.envs."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = (
        "import sys; sys.meta_path[:] = [f for f in sys.meta_path "
        "if 'editable' not in type(f).__module__.lower()]\n"
        "import rlgan.conf, rlgan.envs; print(rlgan.conf.__file__)"
    )
    env = {**os.environ, "PYTHONPATH": repo}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().endswith(os.path.join("conf", "__init__.py"))


def test_set_torch_threads_sets_and_validates() -> None:
    from rlgan.common.device import set_torch_threads

    before = torch.get_num_threads()
    try:
        set_torch_threads(2)
        assert torch.get_num_threads() == 2
        set_torch_threads(None)  # keeps the current setting
        assert torch.get_num_threads() == 2
        with pytest.raises(ConfigError, match="threads=-1"):
            set_torch_threads(-1)
    finally:
        torch.set_num_threads(before)


class _Stream:
    """A stand-in for stdout/stderr that says whether it is a terminal."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("setting", "tty", "shown"),
    [
        ("auto", True, True),
        ("auto", False, False),
        (True, False, True),
        ("true", False, True),
        (False, True, False),
        ("False", True, False),
    ],
)
def test_progress_bar_setting_is_shared_by_both_runners(setting, tty, shown) -> None:
    from rlgan.common.progress import want_progress

    assert want_progress(setting, _Stream(tty)) is shown


def test_progress_bar_bad_setting_names_the_choices() -> None:
    from rlgan.common.progress import check_progress

    with pytest.raises(ConfigError, match=r"progress_bar='often'.*auto, true, false"):
        check_progress("often")
