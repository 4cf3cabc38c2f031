"""Save and load the models of a run folder; every write is atomic (temp file, then rename).

Files: ``model.zip`` (final), ``best_model.zip`` (best evaluation), and
``checkpoints/step_<timesteps>.zip`` + ``step_<timesteps>.replay.npz`` (off-policy replay
buffer, plain arrays, see :mod:`rlgan.rl.replay_io`) + ``step_<timesteps>.state.json``
(evaluation bookkeeping, for resuming). A run with ``env.normalize`` also writes each model
file's ``VecNormalize`` statistics beside it, ``X.vecnormalize.npz`` for ``X.zip``
(:mod:`rlgan.rl.normalization`), before the zip.

Loading never runs code stored in a file: the objects SB3 pickles into a zip's ``data``
(spaces, schedules, ``policy_kwargs``, ...) are rebuilt through the allow-list unpickler of
:mod:`rlgan.common.safe_pickle` and handed to SB3 as ``custom_objects``, and SB3 reads the
weights with ``torch.load(weights_only=True)``. ``trust=True`` uses SB3's own loading. For
models made elsewhere, entries the allow-list refuses may be replaced by stand-ins
(:func:`safe_custom_objects`; the old-``gym`` spaces and schedules of
:func:`rlgan.rl.foreign.old_gym_stand_ins`), never unpickled.
A file that does not load (empty, truncated, not a zip, another algorithm's, refused, or a
normalized model whose statistics are missing or damaged) is skipped with a one-line warning
and the next candidate is used (:func:`rlgan.common.loading.first_loadable`).

:class:`LoadedModel` is a loaded policy with its env config and observation pipeline; own
runs, plain SB3 zips and RL Zoo folders (:mod:`rlgan.rl.foreign`) all give one, and
``evaluate=`` and ``rlgan-watch`` use nothing else.
"""

from __future__ import annotations

import base64
import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gymnasium import spaces
from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.preprocessing import is_image_space, is_image_space_channels_first
from stable_baselines3.common.vec_env import VecEnv, VecTransposeImage

from rlgan.common.atomic import atomic_write, atomic_write_bytes, atomic_write_json
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
from rlgan.rl.normalization import (
    NORMALIZE_SUFFIX,
    NormalizationStats,
    ObservationPipeline,
    PipelineSpec,
    find_vec_normalize,
    normalization_path,
    wrap_vec_env,
)
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
    """A loaded policy, its config and the file it came from, with its observation pipeline.

    ``config`` holds at least ``algo.name`` and ``env`` (an rlgan-rl run's whole config, or
    the one :mod:`rlgan.rl.foreign` makes for a plain SB3 zip or an RL Zoo folder);
    ``normalization`` is the ``VecNormalize`` statistics saved with the model (None when it
    was trained without). ``env.frame_stack`` of the config completes the pipeline.
    """

    model: BaseAlgorithm
    config: DictConfig
    path: Path
    normalization: NormalizationStats | None = None

    @property
    def algo_name(self) -> str:
        """The algorithm's name (``algo.name``)."""
        return str(self.config.algo.name)

    @property
    def env_config(self) -> dict[str, Any]:
        """The ``env`` config, resolved to plain values."""
        env = self.config.env
        if isinstance(env, DictConfig):
            return OmegaConf.to_container(env, resolve=True)  # type: ignore[return-value]
        return dict(env)

    @property
    def pipeline(self) -> PipelineSpec:
        """What the policy's observations go through (normalization, frame stacking)."""
        spec = PipelineSpec.from_env_config(self.config.env)
        if self.normalization is not None and spec.normalize is None:
            spec = PipelineSpec(dict(self.normalization.settings), spec.frame_stack)
        return spec

    def make_vec_env(self, n_envs: int, seed: int, knob: str = "evaluate") -> VecEnv:
        """``n_envs`` evaluation envs behind the model's pipeline (statistics frozen).

        A ConfigError (nothing built is left open) when the env's spaces do not fit the model.
        """
        from rlgan.rl.env_factory import make_vec_env, native_vector_available

        if self.pipeline.normalize is not None and self.normalization is None:
            raise ConfigError(
                f"Invalid {knob}={str(self.path)!r}: the model was trained with env.normalize, "
                "but no normalization statistics were loaded with it; it cannot be evaluated "
                "as it was trained."
            )
        env_cfg = self.env_config
        vectorization = str(env_cfg.get("vectorization") or "auto")
        if vectorization == "native" and not native_vector_available(str(env_cfg.get("id"))):
            vectorization = "auto"
        env = make_vec_env(env_cfg, n_envs, seed, vectorization)
        try:
            env = wrap_vec_env(env, self.pipeline, training=False, stats=self.normalization)
            self.check_spaces(env.observation_space, env.action_space, knob)
        except BaseException:
            env.close()
            raise
        return env

    def observation_pipeline(
        self, observation_space: spaces.Space, action_space: spaces.Space, knob: str = "run"
    ) -> ObservationPipeline:
        """The pipeline for one env with these spaces (``rlgan-watch``), spaces checked."""
        pipeline = ObservationPipeline(self.pipeline, observation_space, self.normalization)
        self.check_spaces(pipeline.observation_space, action_space, knob)
        return pipeline

    def check_spaces(
        self, observation_space: spaces.Space, action_space: spaces.Space, knob: str
    ) -> None:
        """ConfigError unless the env's spaces (after the pipeline) are the model's."""
        model = self.model
        seen = policy_view(observation_space)
        if seen == model.observation_space and action_space == model.action_space:
            return
        raise space_mismatch_error(
            knob,
            self.path,
            self.algo_name,
            self.env_config,
            (model.observation_space, model.action_space),
            (seen, action_space),
        )


def space_mismatch_error(
    knob: str,
    path: str | os.PathLike,
    algo_name: str,
    env_cfg: Any,
    trained: tuple[spaces.Space, spaces.Space],
    given: tuple[spaces.Space, spaces.Space],
) -> ConfigError:
    """The error for a model whose ``(observation, action)`` spaces are not the env's."""
    from rlgan.rl.env_factory import env_name

    return ConfigError(
        f"Invalid {knob}={str(path)!r} for env {env_name(env_cfg)!r}: the "
        f"model ({algo_name.upper()}) was trained on observations "
        f"{space_label(trained[0])} and actions {space_label(trained[1])}, but the env gives "
        f"observations {space_label(given[0])} and actions {space_label(given[1])}. Pass the "
        "environment it was trained on (env.id=<id>, with its env.kwargs, env.wrappers "
        "and env.frame_stack)."
    )


def space_label(space: spaces.Space) -> str:
    """A short name of a space for messages, e.g. ``Box(4,) float32`` or ``Discrete(2)``."""
    if isinstance(space, spaces.Box):
        return f"Box{tuple(space.shape)} {space.dtype}"
    if isinstance(space, spaces.Dict):
        return "Dict(" + ", ".join(f"{k}: {space_label(s)}" for k, s in space.spaces.items()) + ")"
    return str(space)


def policy_view(space: spaces.Space) -> spaces.Space:
    """``space`` as an SB3 policy sees it: channel-last images transposed (VecTransposeImage)."""
    if isinstance(space, spaces.Dict):
        return spaces.Dict({key: policy_view(sub) for key, sub in space.spaces.items()})
    if is_image_space(space) and not is_image_space_channels_first(space):
        return VecTransposeImage.transpose_space(space)
    return space


# ---- saving -------------------------------------------------------------------------------
def save_model(model: BaseAlgorithm, path: str | os.PathLike) -> Path:
    """Atomically save ``model`` (SB3 zip) to ``path``.

    A model trained behind ``VecNormalize`` gets its statistics written first, beside the zip
    (:func:`rlgan.rl.normalization.normalization_path`).
    """
    normalizer = find_vec_normalize(model.get_env())
    if normalizer is not None:
        NormalizationStats.from_env(normalizer).save(normalization_path(path))
    return atomic_write(path, lambda handle: model.save(handle))


def copy_model(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Atomically copy a model file and its normalization companion (when it has one)."""
    source, target = Path(source), Path(target)
    companion = normalization_path(source)
    if companion.is_file():
        atomic_write_bytes(normalization_path(target), companion.read_bytes())
    return atomic_write_bytes(target, source.read_bytes())


def save_checkpoint(
    model: BaseAlgorithm,
    run_dir: str | os.PathLike,
    state: dict[str, Any],
    replay_buffer: bool = True,
    keep: int = 0,
) -> Path:
    """Write the checkpoint for ``model.num_timesteps``; keep the ``keep`` newest (0: all).

    The replay buffer (off-policy algorithms, ``replay_buffer=True``), ``state`` and the
    normalization statistics (:func:`save_model`) are written before the model zip, so a
    model checkpoint on disk always has its companions;
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
    for suffix in (
        MODEL_SUFFIX,
        REPLAY_SUFFIX,
        LEGACY_REPLAY_SUFFIX,
        STATE_SUFFIX,
        NORMALIZE_SUFFIX,
    ):
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


#: Replacements for the pickled entries of a zip's ``data`` that the allow-list refused:
#: given ``{key: pickled bytes}``, it returns ``{key: object}`` for those it can stand in for.
StandIns = Callable[[dict[str, bytes]], dict[str, Any]]


def safe_custom_objects(
    data: dict[str, Any], source: str | os.PathLike, stand_ins: StandIns | None = None
) -> dict[str, Any]:
    """Every pickled entry of a zip's ``data``, rebuilt through the allow-list.

    An entry the allow-list refuses raises :class:`UnsafeFileError`, unless ``stand_ins``
    (models made elsewhere: :func:`rlgan.rl.foreign.old_gym_stand_ins`) gives an object in its
    place; the refused bytes are never unpickled.
    """
    objects: dict[str, Any] = {}
    refused: dict[str, bytes] = {}
    errors: dict[str, UnsafeFileError] = {}
    for key, item in data.items():
        if isinstance(item, dict) and ":serialized:" in item:
            raw = base64.b64decode(item[":serialized:"])
            try:
                objects[key] = safe_loads(raw, source)
            except UnsafeFileError as err:
                if stand_ins is None:
                    raise
                refused[key], errors[key] = raw, err
    if refused:
        replaced = stand_ins(refused)
        for key, err in errors.items():
            if key not in replaced:
                raise err
        objects.update(replaced)
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
    stand_ins: StandIns | None = None,
) -> BaseAlgorithm:
    """Load one SB3 zip as an ``algo_name`` model, unpickling only allowed objects.

    Raises :class:`~rlgan.common.loading.DamagedFileError` (or another exception) when the
    file cannot be loaded, :class:`~rlgan.common.safe_pickle.UnsafeFileError` when its
    ``data`` needs a global outside the allow-list (``trust=True`` skips that check) that
    ``stand_ins`` does not replace (:func:`safe_custom_objects`).
    """
    path = Path(path)
    raw, data = read_model_zip(path)
    algo_class = get_algo_class(algo_name)
    objects = None if trust else safe_custom_objects(data, path, stand_ins)
    check_algorithm(data, (objects or {}).get("policy_class"), algo_name)
    model = algo_class.load(io.BytesIO(raw), env=env, device=device, custom_objects=objects)
    check_algorithm({}, model.policy_class, algo_name)
    return model


def load_normalization(model_path: str | os.PathLike) -> NormalizationStats:
    """The statistics saved beside ``model_path``; DamagedFileError naming the companion."""
    path = normalization_path(model_path)
    if not path.is_file():
        raise DamagedFileError(f"its normalization statistics {path.name} are missing")
    try:
        return NormalizationStats.load(path)
    except DamagedFileError as err:
        raise DamagedFileError(f"its normalization statistics {path.name}: {err}") from None


def load_model_with_stats(
    path: str | os.PathLike,
    algo_name: str,
    normalized: bool,
    env: Any = None,
    device: str = "auto",
    trust: bool = False,
) -> tuple[BaseAlgorithm, NormalizationStats | None]:
    """:func:`load_model_file`, with the statistics of a ``normalized`` model (read first)."""
    stats = load_normalization(path) if normalized else None
    return load_model_file(path, algo_name, env, device, trust), stats


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
    normalizer = find_vec_normalize(env)
    model, stats = load_model_with_stats(
        path, algo_name, normalizer is not None, env, device, trust
    )
    if isinstance(model, OffPolicyAlgorithm) and model.replay_buffer is not None:
        replay = _replay_file(run_dir, step, recorded)
        if replay is not None:
            _restore_replay(model, replay, trust)
    if stats is not None and normalizer is not None:
        stats.apply_to(normalizer)  # last: a checkpoint skipped above leaves the env as it was
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

    ``None`` when the run has no checkpoint file at all. A checkpoint whose zip, state file,
    replay buffer or (when ``env`` normalizes) normalization statistics do not load is
    skipped with a one-line warning; when none loads, raise :class:`ConfigError` listing
    each file and why it failed. The statistics of the checkpoint used go into ``env``'s
    ``VecNormalize``.
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
        "algorithms, its replay buffer; with env.normalize, its .vecnormalize.npz); start a "
        "new run instead.",
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

    A model of a run with ``env.normalize`` comes with its statistics (a model file whose
    companion is missing or damaged is skipped like a damaged zip). The folder must hold an
    rlgan-rl run (``knob`` names the option that gave it, for the message). Damaged files
    are skipped with a one-line warning; when none loads, raise :class:`ConfigError` listing
    each file and why it failed.
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
    normalized = PipelineSpec.from_env_config(cfg.env).normalize is not None
    (model, stats), path = first_loadable(
        candidates,
        lambda path: load_model_with_stats(path, algo_name, normalized, None, device, trust),
        what=f"{algo_name.upper()} model",
        where=run_dir,
        advice="Retrain the run or pass another run folder.",
    )
    return LoadedModel(model, cfg, path, stats)


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
