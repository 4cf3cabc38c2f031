"""Loading run files never runs code stored in them: crafted files are refused, not executed.

Each crafted file would create a marker file when unpickled plainly; the loaders must refuse
it with our own error (a ConfigError naming the file) and the marker must never appear.
``trust=True`` loads legitimate files that the allow-list cannot vouch for.
"""

from __future__ import annotations

import base64
import io
import json
import pickle
import random
import shutil
import sys
import zipfile
from collections import deque
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
from gymnasium import spaces
from stable_baselines3.common.utils import LinearSchedule
from tiny_runs import dqn, ppo

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.run_dir import checkpoint_path, list_checkpoints
from rlgan.common.safe_pickle import UnsafeFileError, load_pickle, resolve_global, safe_loads
from rlgan.gan.checkpoints import load_gan_checkpoint, save_gan_checkpoint
from rlgan.nets.activations import make_activation
from rlgan.rl.model_io import (
    LEGACY_REPLAY_SUFFIX,
    REPLAY_SUFFIX,
    STATE_SUFFIX,
    load_checkpoint,
    load_run_model,
)
from rlgan.rl.train import train

PPO = ppo(256)
DQN = dqn(256)


class MarkerPayload:
    """Unpickling this opens (creates) ``path``: the stand-in for arbitrary code."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self) -> tuple:
        return (open, (self.path, "w"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny PPO run and one tiny DQN run (two checkpoints each), trained once."""
    root = tmp_path_factory.mktemp("safe_runs")
    out = {}
    for name, overrides in (("ppo", PPO), ("dqn", DQN)):
        train(compose_config("rl", overrides), run_dir=root / name)
        out[name] = root / name
    return out


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / run.name))


def _only_newest_checkpoint(run: Path) -> int:
    """Delete all but the newest checkpoint step's files; return that step."""
    steps = sorted({step for step, _ in list_checkpoints(run, "")})
    for step, path in list_checkpoints(run, ""):
        if step != steps[-1]:
            path.unlink()
    return steps[-1]


# ---- the allow-list itself ------------------------------------------------------------------
def test_allow_list_round_trips_what_rlgan_pickles() -> None:
    objects = {
        "array": np.arange(6, dtype=np.float32).reshape(2, 3),
        "scalar": np.float64(1.5),
        "space": spaces.Box(-1.0, 1.0, (3,), np.float32),
        "discrete": spaces.Discrete(4, seed=0),
        "schedule": LinearSchedule(1.0, 0.0, 1.0),
        "queue": deque([{"r": np.float32(1.0)}], maxlen=3),
        "tensor": torch.ones(2, 2),
        "activation": partial(make_activation, "tanh"),
        "device": torch.device("cpu"),
        "dtype": np.float32,
        "rng": np.random.default_rng(3),
    }
    loaded = safe_loads(pickle.dumps(objects))
    assert np.array_equal(loaded["array"], objects["array"])
    assert loaded["space"] == objects["space"] and loaded["discrete"] == objects["discrete"]
    assert loaded["schedule"](0.5) == pytest.approx(0.5) and loaded["queue"].maxlen == 3
    assert torch.equal(loaded["tensor"], objects["tensor"])
    assert isinstance(loaded["activation"](), torch.nn.Tanh)
    assert loaded["rng"].random() == np.random.default_rng(3).random()


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("builtins", "open"),
        ("io", "open"),
        ("os", "system"),
        ("posix", "system"),
        ("builtins", "eval"),
        ("builtins", "getattr"),
        ("subprocess", "Popen"),
        ("numpy", "save"),
        ("numpy", "load"),
        ("numpy", "memmap"),
        ("numpy", "savetxt"),
        ("numpy.lib.format", "open_memmap"),
        ("torch", "load"),
        ("stable_baselines3.common.save_util", "load_from_pkl"),
        ("stable_baselines3.common.logger", "CSVOutputFormat"),
        ("stable_baselines3.common.utils", "LinearSchedule.__init__"),
        ("torch.serialization", "load"),
        ("rlgan.rl.train", "train"),
    ],
)
def test_allow_list_refuses_code_and_file_access(module: str, name: str) -> None:
    assert resolve_global(module, name) is None


def test_refused_modules_are_never_imported() -> None:
    sys.modules.pop("this", None)  # importing `this` prints the Zen of Python
    crafted = b"\x80\x02cthis\ns\n."
    with pytest.raises(UnsafeFileError, match="this.s"):
        safe_loads(crafted, "crafted.pkl")
    assert "this" not in sys.modules


def test_tensor_storage_is_read_weights_only(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    inner = io.BytesIO()
    torch.save(MarkerPayload(marker), inner)  # a "storage" whose bytes hold a payload
    crafted = pickle.dumps(_StorageBytes(inner.getvalue()))
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        safe_loads(crafted, "crafted.pkl")
    assert not marker.exists()


class _StorageBytes:
    """Pickles as ``torch.storage._load_from_bytes(data)``, like a pickled tensor storage."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __reduce__(self) -> tuple:
        from torch.storage import _load_from_bytes

        return (_load_from_bytes, (self.data,))


# ---- crafted files through the loaders ------------------------------------------------------
def test_crafted_gan_checkpoint_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = checkpoint_path(tmp_path, 5, ".pt")
    path.parent.mkdir(parents=True)
    torch.save({"step": 5, "generator": MarkerPayload(marker)}, path)
    with pytest.raises(UnsafeFileError) as caught:
        load_gan_checkpoint(tmp_path, "cpu")
    assert str(path) in str(caught.value) and "trust=true" in str(caught.value)
    assert not marker.exists()


def test_crafted_legacy_replay_pickle_is_refused(runs: dict[str, Path], tmp_path: Path) -> None:
    run = _copy(runs["dqn"], tmp_path)
    step = _only_newest_checkpoint(run)
    marker = tmp_path / "marker"
    checkpoint_path(run, step, REPLAY_SUFFIX).unlink()
    replay = checkpoint_path(run, step, LEGACY_REPLAY_SUFFIX)
    replay.write_bytes(pickle.dumps(MarkerPayload(marker)))
    with pytest.raises(UnsafeFileError) as caught:
        load_checkpoint(run, "dqn", None)
    assert replay.name in str(caught.value) and "trust=true" in str(caught.value)
    assert not marker.exists()
    with pytest.raises(UnsafeFileError, match="io.open"):
        load_pickle(replay)
    assert not marker.exists()


def test_crafted_replay_npz_with_objects_is_refused(runs: dict[str, Path], tmp_path: Path) -> None:
    run = _copy(runs["dqn"], tmp_path)
    step = _only_newest_checkpoint(run)
    marker = tmp_path / "marker"
    replay = checkpoint_path(run, step, REPLAY_SUFFIX)
    payload = np.array([MarkerPayload(marker)], dtype=object)
    with replay.open("wb") as handle:
        np.savez(handle, format=np.array("rlgan-replay-1"), observations=payload)
    with pytest.raises(ConfigError) as caught:
        load_checkpoint(run, "dqn", None)
    assert replay.name in str(caught.value)
    assert not marker.exists()


def _rewrite_data(path: Path, key: str, value: object) -> None:
    """Replace entry ``key`` of an SB3 zip's ``data`` JSON by ``value``."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(entries["data"])
    data[key] = value
    entries["data"] = json.dumps(data).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)


def _only_final_model(run: Path) -> Path:
    (run / "best_model.zip").unlink()
    shutil.rmtree(run / "checkpoints")
    return run / "model.zip"


def test_crafted_sb3_zip_is_refused(runs: dict[str, Path], tmp_path: Path) -> None:
    run = _copy(runs["ppo"], tmp_path)
    model = _only_final_model(run)
    marker = tmp_path / "marker"
    serialized = base64.b64encode(pickle.dumps(MarkerPayload(marker))).decode()
    _rewrite_data(model, "policy_kwargs", {":type:": "<class 'dict'>", ":serialized:": serialized})
    with pytest.raises(UnsafeFileError) as caught:
        load_run_model(run, which="best")
    assert str(model) in str(caught.value) and "trust=true" in str(caught.value)
    assert not marker.exists()


# ---- trust=true: legitimate files the allow-list cannot vouch for ---------------------------
def test_trust_loads_a_model_with_a_pickled_function(runs: dict[str, Path], tmp_path: Path) -> None:
    import cloudpickle

    run = _copy(runs["ppo"], tmp_path)
    model = _only_final_model(run)

    def schedule(progress: float) -> float:  # a local function: cloudpickled by value
        return 1e-3 * progress

    serialized = base64.b64encode(cloudpickle.dumps(schedule)).decode()
    _rewrite_data(
        model, "learning_rate", {":type:": "<class 'function'>", ":serialized:": serialized}
    )
    with pytest.raises(UnsafeFileError, match="trust=true"):
        load_run_model(run, which="final")
    loaded, _ = load_run_model(run, which="final", trust=True)
    assert loaded.learning_rate(0.5) == pytest.approx(5e-4)


def test_trust_loads_an_old_style_gan_checkpoint(tmp_path: Path) -> None:
    state = {
        "step": 3,
        "generator": {"w": torch.ones(2)},
        "discriminator": {"w": torch.ones(2)},
        "opt_g": {},
        "opt_d": {},
        "rng": {"numpy": np.random.get_state(), "python": random.getstate()},
    }
    save_path = checkpoint_path(tmp_path, 3, ".pt")
    save_path.parent.mkdir(parents=True)
    torch.save(state, save_path)  # NumPy arrays inside: not loadable weights-only
    with pytest.raises(UnsafeFileError, match="numpy"):
        load_gan_checkpoint(tmp_path, "cpu")
    loaded, path = load_gan_checkpoint(tmp_path, "cpu", trust=True)
    assert path == save_path and loaded["step"] == 3


def test_legacy_replay_pickle_of_sb3_loads_through_the_allow_list(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    run = _copy(runs["dqn"], tmp_path)
    step = _only_newest_checkpoint(run)
    model, _, _ = load_checkpoint(run, "dqn", None)
    expected = model.replay_buffer
    npz = checkpoint_path(run, step, REPLAY_SUFFIX)
    npz.unlink()
    with checkpoint_path(run, step, LEGACY_REPLAY_SUFFIX).open("wb") as handle:
        pickle.dump(expected, handle)  # what SB3's save_replay_buffer wrote
    state_path = checkpoint_path(run, step, STATE_SUFFIX)
    state = json.loads(state_path.read_text())
    del state["replay_buffer_file"]  # as an older rlgan wrote it
    state_path.write_text(json.dumps(state))
    loaded, _, _ = load_checkpoint(run, "dqn", None)
    assert loaded.replay_buffer.pos == expected.pos and expected.pos > 0
    assert np.array_equal(loaded.replay_buffer.observations, expected.observations)


def test_gan_checkpoint_state_must_be_plain(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="ndarray"):
        save_gan_checkpoint(tmp_path, 1, {"step": 1, "rng": np.zeros(3)}, keep=0)
    assert not list_checkpoints(tmp_path, ".pt")
