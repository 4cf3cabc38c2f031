"""Save and load the models of a run folder; every write is atomic (temp file, then rename).

Files: ``model.zip`` (final), ``best_model.zip`` (best evaluation), and
``checkpoints/step_<timesteps>.zip`` + ``step_<timesteps>.replay.npz`` (off-policy replay
buffer, plain arrays, see :mod:`rlgan.rl.replay_io`) + ``step_<timesteps>.state.json``
(evaluation bookkeeping, for resuming).

Loading never runs code stored in a file: the objects SB3 pickles into a zip's ``data``
(spaces, schedules, ``policy_kwargs``, ...) are rebuilt through the allow-list unpickler of
:mod:`rlgan.common.safe_pickle` and handed to SB3 as ``custom_objects``, and SB3 reads the
weights with ``torch.load(weights_only=True)``. ``trust=True`` uses SB3's own loading.
A file that does not load (empty, truncated, not a zip, another algorithm's, refused) is
skipped with a one-line warning and the next candidate is used
(:func:`rlgan.common.loading.first_loadable`).
"""

from __future__ import annotations

import base64
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

from rlgan.common.atomic import atomic_write, atomic_write_json
from rlgan.common.errors import ConfigError, invalid_choice
from rlgan.common.loading import (
    DamagedFileError,
    describe_failure,
    first_loadable,
    require_nonempty,
)
from rlgan.common.run_dir import (
    CHECKPOINT_DIR,
    checkpoint_path,
    list_checkpoints,
    load_run_config,
    prune_checkpoints,
)
from rlgan.common.safe_pickle import UnsafeFileError, safe_loads
from rlgan.rl.algos import ALGOS, get_algo_class
from rlgan.rl.replay_io import load_replay_buffer, save_replay_buffer

FINAL_MODEL = "model.zip"
BEST_MODEL = "best_model.zip"
MODEL_SUFFIX = ".zip"
REPLAY_SUFFIX = ".replay.npz"
#: Replay buffers pickled by SB3 (rlgan before the .npz format); read through the allow-list.
LEGACY_REPLAY_SUFFIX = ".replay.pkl"
STATE_SUFFIX = ".state.json"
#: Key of ``.state.json`` naming the replay file written with the checkpoint (None: none).
REPLAY_KEY = "replay_buffer_file"
WHICH_CHOICES = ("best", "final")
_NOT_RECORDED = object()
#: Settings only one algorithm's zip holds, among algorithms sharing a policy class (PPO, A2C
#: and TRPO share SB3's ``ActorCriticPolicy``).
SIGNATURE_KEYS: dict[str, frozenset[str]] = {
    "ppo": frozenset({"n_epochs", "clip_range"}),
    "trpo": frozenset({"cg_max_steps", "n_critic_updates"}),
}


@dataclass(frozen=True)
class LoadedModel:
    """A run's model, the run's config and the file the model was loaded from."""

    model: BaseAlgorithm
    config: DictConfig
    path: Path


# ---- saving -------------------------------------------------------------------------------
def save_model(model: BaseAlgorithm, path: str | os.PathLike) -> Path:
    """Atomically save ``model`` (SB3 zip) to ``path``."""
    return atomic_write(path, lambda handle: model.save(handle))


def save_checkpoint(
    model: BaseAlgorithm,
    run_dir: str | os.PathLike,
    state: dict[str, Any],
    replay_buffer: bool = True,
    keep: int = 0,
) -> Path:
    """Write the checkpoint for ``model.num_timesteps``; keep the ``keep`` newest (0: all).

    The replay buffer (off-policy algorithms, ``replay_buffer=True``) and ``state`` are
    written before the model, so a model checkpoint on disk always has its companions;
    ``state`` records the replay file's name (``replay_buffer_file``) so that loading can
    tell a lost buffer from one that was never saved.
    """
    step = int(model.num_timesteps)
    replay_file = None
    if replay_buffer and isinstance(model, OffPolicyAlgorithm) and model.replay_buffer is not None:
        replay_file = save_replay_buffer(
            model.replay_buffer, checkpoint_path(run_dir, step, REPLAY_SUFFIX)
        ).name
    atomic_write_json(
        checkpoint_path(run_dir, step, STATE_SUFFIX), {**state, REPLAY_KEY: replay_file}
    )
    path = save_model(model, checkpoint_path(run_dir, step, MODEL_SUFFIX))
    for suffix in (MODEL_SUFFIX, REPLAY_SUFFIX, LEGACY_REPLAY_SUFFIX, STATE_SUFFIX):
        prune_checkpoints(run_dir, suffix, keep)
    return path


# ---- one model file -----------------------------------------------------------------------
def read_model_zip(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The bytes of an SB3 model zip and its ``data`` JSON; DamagedFileError if unreadable."""
    require_nonempty(path)
    raw = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise DamagedFileError("it is not a zip archive (truncated or overwritten)")
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        if "data" not in archive.namelist():
            raise DamagedFileError("it is not a stable-baselines3 model (the zip has no 'data')")
        data = json.loads(archive.read("data").decode("utf-8"))
    if not isinstance(data, dict):
        raise DamagedFileError("its 'data' entry is not a JSON object")
    return raw, data


def safe_custom_objects(data: dict[str, Any], source: str | os.PathLike) -> dict[str, Any]:
    """Every pickled entry of a zip's ``data``, rebuilt through the allow-list."""
    objects = {}
    for key, item in data.items():
        if isinstance(item, dict) and ":serialized:" in item:
            objects[key] = safe_loads(base64.b64decode(item[":serialized:"]), source)
    return objects


def check_algorithm(data: dict[str, Any], policy_class: Any, algo_name: str) -> None:
    """Raise DamagedFileError when a zip's ``data`` was saved by another algorithm.

    The policy class tells most algorithms apart; PPO and A2C share theirs, so PPO's own
    settings (:data:`SIGNATURE_KEYS`) tell those two apart.
    """
    label = algo_name.upper()
    expected = tuple(get_algo_class(algo_name).policy_aliases.values())
    if isinstance(policy_class, type) and not issubclass(policy_class, expected):
        raise DamagedFileError(
            f"its policy is a {policy_class.__name__}, not a {label} "
            "policy (saved by another algorithm)"
        )
    if not data:
        return
    for owner, keys in SIGNATURE_KEYS.items():
        present = keys <= set(data)
        if owner == algo_name and not present:
            raise DamagedFileError(
                f"it lacks {label}'s settings ({', '.join(sorted(keys))}): "
                "saved by another algorithm"
            )
        if (
            owner != algo_name
            and present
            and owner in ALGOS
            and get_algo_class(owner).policy_aliases == get_algo_class(algo_name).policy_aliases
        ):
            raise DamagedFileError(f"it was saved by {owner.upper()}, not {label}")


def load_model_file(
    path: str | os.PathLike,
    algo_name: str,
    env: Any = None,
    device: str = "auto",
    trust: bool = False,
) -> BaseAlgorithm:
    """Load one SB3 zip as an ``algo_name`` model, unpickling only allowed objects.

    Raises :class:`~rlgan.common.loading.DamagedFileError` (or another exception) when the
    file cannot be loaded, :class:`~rlgan.common.safe_pickle.UnsafeFileError` when its
    ``data`` needs a global outside the allow-list (``trust=True`` skips that check).
    """
    path = Path(path)
    raw, data = read_model_zip(path)
    algo_class = get_algo_class(algo_name)
    objects = None if trust else safe_custom_objects(data, path)
    check_algorithm(data, (objects or {}).get("policy_class"), algo_name)
    model = algo_class.load(io.BytesIO(raw), env=env, device=device, custom_objects=objects)
    check_algorithm({}, model.policy_class, algo_name)
    return model


# ---- checkpoints --------------------------------------------------------------------------
def _read_state(path: Path) -> dict[str, Any]:
    """The ``.state.json`` companion of a checkpoint; DamagedFileError if unusable."""
    if not path.is_file():
        raise DamagedFileError(f"its state file {path.name} is missing")
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as err:
        raise DamagedFileError(f"its state file {path.name} is damaged ({err})") from None
    if not isinstance(state, dict):
        raise DamagedFileError(f"its state file {path.name} is not a JSON object")
    return state


def _replay_file(run_dir: str | os.PathLike, step: int, recorded: Any) -> Path | None:
    """The replay file to load for a checkpoint, None when it was saved without one."""
    if recorded is None:
        return None
    for suffix in (REPLAY_SUFFIX, LEGACY_REPLAY_SUFFIX):
        path = checkpoint_path(run_dir, step, suffix)
        if path.is_file():
            return path
    if recorded is _NOT_RECORDED:  # an older checkpoint: the buffer may never have been saved
        return None
    raise DamagedFileError(f"its replay buffer {recorded} is missing")


def _restore_replay(model: BaseAlgorithm, path: Path, trust: bool) -> None:
    """Fill ``model``'s replay buffer from ``path``; DamagedFileError naming it on failure."""
    assert isinstance(model, OffPolicyAlgorithm) and model.replay_buffer is not None
    try:
        load_replay_buffer(model.replay_buffer, path, trust=trust)
    except UnsafeFileError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure makes the checkpoint unusable
        reason = describe_failure(path, err).reason
        raise DamagedFileError(f"its replay buffer {path.name} is damaged ({reason})") from None


def _load_checkpoint_step(
    run_dir: str | os.PathLike,
    step: int,
    path: Path,
    algo_name: str,
    env: Any,
    device: str,
    trust: bool,
) -> tuple[BaseAlgorithm, dict[str, Any]]:
    """The model and state of one checkpoint, with its replay buffer restored."""
    state = _read_state(checkpoint_path(run_dir, step, STATE_SUFFIX))
    recorded = state.pop(REPLAY_KEY, _NOT_RECORDED)
    model = load_model_file(path, algo_name, env, device, trust)
    if isinstance(model, OffPolicyAlgorithm) and model.replay_buffer is not None:
        replay = _replay_file(run_dir, step, recorded)
        if replay is not None:
            _restore_replay(model, replay, trust)
    return model, state


def load_checkpoint(
    run_dir: str | os.PathLike,
    algo_name: str,
    env: Any,
    device: str = "auto",
    *,
    trust: bool = False,
) -> tuple[BaseAlgorithm, dict[str, Any], Path] | None:
    """The newest loadable checkpoint of ``run_dir``: ``(model, state, zip path)``.

    ``None`` when the run has no checkpoint file at all. A checkpoint whose zip, state file
    or replay buffer does not load is skipped with a one-line warning; when none loads,
    raise :class:`ConfigError` listing each file and why it failed.
    """
    found = list_checkpoints(run_dir, MODEL_SUFFIX)
    if not found:
        return None
    steps = {path: step for step, path in found}

    def load(path: Path) -> tuple[BaseAlgorithm, dict[str, Any]]:
        return _load_checkpoint_step(run_dir, steps[path], path, algo_name, env, device, trust)

    (model, state), path = first_loadable(
        [path for _, path in reversed(found)],
        load,
        what=f"{algo_name.upper()} checkpoint",
        where=Path(run_dir) / CHECKPOINT_DIR,
        advice="Resuming needs one intact checkpoint (zip, .state.json and, for off-policy "
        "algorithms, its replay buffer); start a new run instead.",
    )
    return model, state, path


# ---- the model of a finished run ----------------------------------------------------------
def run_model_candidates(run_dir: str | os.PathLike, which: str = "best") -> list[Path]:
    """The model files of a run in order of preference, existing ones only.

    ``best``: best_model.zip, model.zip, then the checkpoints newest first; ``final``:
    model.zip, then the checkpoints.
    """
    if which not in WHICH_CHOICES:
        raise invalid_choice("which", which, WHICH_CHOICES)
    run_dir = Path(run_dir)
    names = (BEST_MODEL, FINAL_MODEL) if which == "best" else (FINAL_MODEL,)
    files = [run_dir / name for name in names if (run_dir / name).is_file()]
    return files + [path for _, path in reversed(list_checkpoints(run_dir, MODEL_SUFFIX))]


def run_model_path(run_dir: str | os.PathLike, which: str = "best") -> Path:
    """The preferred model file of a run (the one loaded unless it is damaged).

    :func:`load_run_model_with_path` tells which file was actually loaded.
    """
    candidates = run_model_candidates(run_dir, which)
    if not candidates:
        raise _no_model_error(run_dir, which)
    return candidates[0]


def _no_model_error(run_dir: str | os.PathLike, which: str) -> ConfigError:
    """The error for a run folder without any model file."""
    order = (BEST_MODEL, FINAL_MODEL) if which == "best" else (FINAL_MODEL,)
    return ConfigError(
        f"Invalid run folder {str(run_dir)!r}: it holds no trained model "
        f"({' or '.join(order)} or checkpoints/step_*.zip). Pass the folder of "
        "an rlgan-rl run that has saved a model."
    )


def load_run_model_with_path(
    run_dir: str | os.PathLike,
    which: str = "best",
    device: str = "cpu",
    *,
    trust: bool = False,
    knob: str = "run",
) -> LoadedModel:
    """Load a run's model (see :func:`run_model_candidates`), its config and the file used.

    The folder must hold an rlgan-rl run (``knob`` names the option that gave it, for the
    message). Damaged files are skipped with a one-line warning; when none loads, raise
    :class:`ConfigError` listing each file and why it failed.
    """
    cfg = load_run_config(run_dir, knob, app="rl")
    if "algo" not in cfg or "env" not in cfg:
        raise ConfigError(
            f"Invalid {knob}={str(run_dir)!r}: its saved config has no "
            f"{'algo' if 'algo' not in cfg else 'env'} section; the run folder is damaged. "
            "Restore .hydra/config.yaml from a copy of the run."
        )
    candidates = run_model_candidates(run_dir, which)
    if not candidates:
        raise _no_model_error(run_dir, which)
    algo_name = str(cfg.algo.name)
    model, path = first_loadable(
        candidates,
        lambda path: load_model_file(path, algo_name, None, device, trust),
        what=f"{algo_name.upper()} model",
        where=run_dir,
        advice="Retrain the run or pass another run folder.",
    )
    return LoadedModel(model, cfg, path)


def load_run_model(
    run_dir: str | os.PathLike,
    which: str = "best",
    device: str = "cpu",
    *,
    trust: bool = False,
    knob: str = "run",
) -> tuple[BaseAlgorithm, DictConfig]:
    """Load a run's model (``best``: best_model.zip, else model.zip, ...) and its config."""
    loaded = load_run_model_with_path(run_dir, which, device, trust=trust, knob=knob)
    return loaded.model, loaded.config
