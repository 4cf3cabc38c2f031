"""Replay buffers on disk as ``.npz`` (plain arrays): loading them never unpickles anything.

SB3 saves a replay buffer by pickling the whole object; rlgan writes the buffer's arrays
(``observations``, ``next_observations``, ``actions``, ``rewards``, ``dones``, ``timeouts``,
only the rows filled so far) and the scalars needed to continue (``pos``, ``full``) to an
``.npz`` file, and reads them back into the replay buffer of a freshly loaded model, which
must have the same size, number of envs, shapes and dtypes. ``Dict`` observation buffers
store one array per key (``observations:<key>``). Old ``.replay.pkl`` files (SB3's pickle,
written by earlier rlgan versions) load through the allow-list unpickler.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.buffers import DictReplayBuffer, NStepReplayBuffer, ReplayBuffer

from rlgan.common.atomic import atomic_write
from rlgan.common.errors import ConfigError
from rlgan.common.loading import DamagedFileError, require_nonempty
from rlgan.common.safe_pickle import load_pickle

#: Identifies (and versions) rlgan's replay-buffer files.
FORMAT = "rlgan-replay-1"
#: Buffer classes whose whole state is their arrays plus ``pos``/``full``.
SUPPORTED_BUFFERS: tuple[type[ReplayBuffer], ...] = (
    ReplayBuffer,
    DictReplayBuffer,
    NStepReplayBuffer,
)
_PER_STEP = ("actions", "rewards", "dones", "timeouts")
_OBSERVATIONS = ("observations", "next_observations")


def check_supported(buffer: ReplayBuffer) -> None:
    """Raise :class:`ConfigError` for buffer classes that hold more than their arrays."""
    if type(buffer) not in SUPPORTED_BUFFERS:
        names = ", ".join(cls.__name__ for cls in SUPPORTED_BUFFERS)
        raise ConfigError(
            f"Cannot checkpoint the replay buffer of type {type(buffer).__name__}: rlgan saves "
            f"{names} (plain arrays). Set checkpoint.replay_buffer=false to checkpoint without "
            "it (a resumed run then starts with an empty buffer)."
        )


def filled_rows(size: int, pos: int, full: bool) -> int:
    """How many leading rows of a buffer's arrays hold data.

    One more than ``pos`` (with ``optimize_memory_usage`` the last next-observation lives
    in row ``pos``), or all ``size`` rows once the buffer has wrapped around.
    """
    return size if full else min(int(pos) + 1, size)


def buffer_arrays(buffer: ReplayBuffer, rows: int | None = None) -> dict[str, np.ndarray]:
    """The first ``rows`` rows (default: the filled ones) of every array, by file key."""
    if rows is None:
        rows = filled_rows(buffer.buffer_size, buffer.pos, buffer.full)
    arrays: dict[str, np.ndarray] = {}
    for name in _OBSERVATIONS:
        value = getattr(buffer, name, None)
        if isinstance(value, dict):
            arrays.update({f"{name}:{key}": part[:rows] for key, part in value.items()})
        elif value is not None:
            arrays[name] = value[:rows]
    for name in _PER_STEP:
        arrays[name] = getattr(buffer, name)[:rows]
    return arrays


def save_replay_buffer(buffer: ReplayBuffer, path: str | os.PathLike) -> Path:
    """Atomically write ``buffer`` to ``path`` as an ``.npz`` file."""
    check_supported(buffer)
    meta = {
        "format": np.array(FORMAT),
        "kind": np.array(_kind(buffer)),
        "pos": np.array(int(buffer.pos)),
        "full": np.array(bool(buffer.full)),
        "buffer_size": np.array(int(buffer.buffer_size)),
        "n_envs": np.array(int(buffer.n_envs)),
    }
    arrays = {**buffer_arrays(buffer), **meta}
    return atomic_write(path, lambda handle: np.savez(handle, **arrays))


def load_replay_buffer(buffer: ReplayBuffer, path: str | os.PathLike, trust: bool = False) -> None:
    """Fill ``buffer`` (a model's fresh replay buffer) from an ``.npz`` or old ``.pkl`` file.

    Raises :class:`~rlgan.common.loading.DamagedFileError` when the file is unreadable or
    does not fit ``buffer``; :class:`~rlgan.common.safe_pickle.UnsafeFileError` when an old
    pickle needs something outside the allow-list (``trust=True`` loads it anyway).
    """
    path = Path(path)
    require_nonempty(path)
    if path.suffix == ".pkl":
        stored, pos, full = _read_pickle(path, trust)
    else:
        stored, pos, full = _read_npz(path, _kind(buffer))
    _fill(buffer, stored, pos, full)


def _kind(buffer: ReplayBuffer) -> str:
    """``dict`` for Dict-observation buffers, else ``array``."""
    return "dict" if isinstance(buffer.observations, dict) else "array"


def _read_npz(path: Path, kind: str) -> tuple[dict[str, np.ndarray], int, bool]:
    """The arrays, ``pos`` and ``full`` of an rlgan replay file (no pickles allowed)."""
    with np.load(path, allow_pickle=False) as archive:
        files = {key: archive[key] for key in archive.files}
    if str(files.pop("format", "")) != FORMAT:
        raise DamagedFileError(f"it is not an rlgan replay-buffer file ({FORMAT})")
    stored_kind = str(files.pop("kind", ""))
    if stored_kind != kind:
        raise DamagedFileError(f"it holds a {stored_kind!r} buffer, the model needs {kind!r}")
    try:
        pos, full = int(files.pop("pos")), bool(files.pop("full"))
        files.pop("buffer_size"), files.pop("n_envs")
    except KeyError as err:
        raise DamagedFileError(f"it lacks the entry {err}") from None
    return files, pos, full


def _read_pickle(path: Path, trust: bool) -> tuple[dict[str, np.ndarray], int, bool]:
    """The arrays, ``pos`` and ``full`` of an SB3-pickled replay buffer (allow-list)."""
    old: Any = load_pickle(path, trust=trust)
    if not isinstance(old, ReplayBuffer):
        raise DamagedFileError(f"it holds a {type(old).__name__}, not a replay buffer")
    if not hasattr(old, "timeouts"):  # SB3 < 2.1 pickles
        old.timeouts = np.zeros_like(old.dones)
    return buffer_arrays(old), int(old.pos), bool(old.full)


def _fill(buffer: ReplayBuffer, stored: dict[str, np.ndarray], pos: int, full: bool) -> None:
    """Copy ``stored`` into ``buffer`` after checking that every array fits exactly."""
    if not 0 <= pos < buffer.buffer_size:
        raise DamagedFileError(
            f"its position {pos} is outside the buffer of {buffer.buffer_size} rows"
        )
    targets = buffer_arrays(buffer, filled_rows(buffer.buffer_size, pos, full))
    missing = sorted(set(targets) - set(stored))
    if missing:
        raise DamagedFileError(f"it lacks the array(s) {', '.join(missing)}")
    for key, target in targets.items():
        source = stored[key]
        if source.shape != target.shape or source.dtype != target.dtype:
            raise DamagedFileError(
                f"its array {key} ({source.dtype}{list(source.shape)}) does not fit the model's "
                f"buffer ({target.dtype}{list(target.shape)}): another env, n_envs or "
                "buffer_size"
            )
    for key, target in targets.items():
        target[...] = stored[key]
    buffer.pos, buffer.full = pos, full
