"""Models made elsewhere: plain stable-baselines3 zips and RL Zoo agent folders.

:func:`load_policy` is the one entry point of ``evaluate=`` and ``rlgan-watch``: it takes

- an rlgan-rl run folder (:func:`rlgan.rl.model_io.load_run_model_with_path`);
- a ``.zip`` saved by plain SB3 / sb3-contrib (``model.save(...)``), played on the env the
  command names. The algorithm is read from the zip (its policy class, and for PPO, A2C and
  TRPO, which share one, their own settings: :func:`zip_algorithms`); when the zip cannot
  tell (TD3 and DDPG save the same policy and settings) ``algo=<name>`` is required;
- an RL Zoo agent folder, ``logs/<algo>/<env>_<n>/`` as RL Zoo's ``train.py`` writes it:
  ``<env>.zip`` and ``best_model.zip``, and ``<env>/config.yml`` (the settings it trained
  with), ``<env>/args.yml`` (its command line) and ``<env>/vecnormalize.pkl`` (the
  ``VecNormalize`` statistics, when it normalized). The env id, ``env_kwargs``,
  ``env_wrapper``, ``frame_stack`` and ``normalize`` are read from those files.

Each gives a :class:`~rlgan.rl.model_io.LoadedModel`, so all go through the same pipeline.

Nothing here runs code stored in the files: the zips load through the allow-list (as rlgan's
own), RL Zoo's YAML files through a safe loader that knows only the ``OrderedDict`` and tuple
tags RL Zoo writes, and ``vecnormalize.pkl`` through the allow-list unpickler, with plain
record classes standing in for SB3's ``VecNormalize`` and ``RunningMeanStd`` (only their
numbers are read). A zip saved with the old ``gym`` package (RL Zoo's published agents) has
its ``gym.spaces`` read as records too, checked against the env's, and replaced by the env's
spaces; its schedules, pickled as functions and used only to train, by a constant
(:func:`old_gym_stand_ins`). ``trust=true`` uses plain ``pickle`` / PyYAML's unsafe loader
instead.
"""

from __future__ import annotations

import base64
import io
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from gymnasium import spaces
from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.preprocessing import is_image_space
from stable_baselines3.common.utils import ConstantSchedule

from rlgan.common.errors import ConfigError, invalid_choice
from rlgan.common.loading import (
    DamagedFileError,
    describe_failure,
    first_loadable,
    no_loadable_error,
    require_nonempty,
)
from rlgan.common.run_dir import CONFIG_FILE
from rlgan.common.safe_pickle import SafeUnpickler, UnsafeFileError, safe_loads
from rlgan.rl.algos import ALGOS, get_algo, get_algo_class
from rlgan.rl.model_io import (
    BEST_MODEL,
    MODEL_SUFFIX,
    WHICH_CHOICES,
    LoadedModel,
    StandIns,
    check_algorithm,
    load_model_file,
    load_run_model_with_path,
    policy_view,
    read_model_zip,
    space_mismatch_error,
)
from rlgan.rl.normalization import NormalizationStats, ObservationPipeline, PipelineSpec
from rlgan.rl.zoo import ZOO_FILE_NAMES, ZooEntry
from rlgan.rl.zoo_translate import ZooRefusalError, translate_entry

#: Files of an RL Zoo agent's parameter folder (``<env>/``).
ZOO_CONFIG, ZOO_ARGS, ZOO_STATS = "config.yml", "args.yml", "vecnormalize.pkl"
#: The env keys of a foreign model's config before the command's ``env`` is laid over.
FOREIGN_ENV: dict[str, Any] = {
    "id": None,
    "n_envs": 1,
    "vectorization": "auto",
    "kwargs": {},
    "max_episode_steps": None,
    "reward_threshold": None,
    "wrappers": [],
    "normalize": False,
    "frame_stack": 1,
}
#: RL Zoo's algorithm folder names that differ from ours (``ppo_lstm`` is RecurrentPPO).
ZOO_ALGO_NAMES: dict[str, str] = {file: algo for algo, file in ZOO_FILE_NAMES.items()}


def load_policy(
    source: str | os.PathLike,
    *,
    which: str = "best",
    device: str = "cpu",
    trust: bool = False,
    knob: str = "run",
    env_cfg: Any = None,
    algo: str | None = None,
) -> LoadedModel:
    """The model at ``source``: an rlgan-rl run, a plain SB3 zip or an RL Zoo agent folder.

    ``env_cfg`` (the command's ``env`` config) is the env a plain zip plays (required for
    one); ``algo`` names its algorithm when the zip cannot tell, and is checked against the
    zip otherwise. Failures are one-paragraph :class:`ConfigError` s naming ``knob``.
    """
    path = Path(source).expanduser()
    if path.suffix == MODEL_SUFFIX and not path.is_dir():
        return load_foreign_zip(path, env_cfg, algo, device=device, trust=trust, knob=knob)
    folder = find_zoo_folder(path, trust)
    if folder is not None:
        return load_zoo_folder(folder, which, algo, device=device, trust=trust, knob=knob)
    return load_run_model_with_path(path, which, device, trust=trust, knob=knob)


# ---- which algorithm saved a zip ----------------------------------------------------------
def zip_policy_class(data: dict[str, Any], path: Path, trust: bool) -> type:
    """The policy class a zip's ``data`` names (allow-list unless ``trust``)."""
    entry = data.get("policy_class")
    if not (isinstance(entry, dict) and ":serialized:" in entry):
        raise DamagedFileError("its 'data' names no policy class")
    raw = base64.b64decode(entry[":serialized:"])
    value = pickle.loads(raw) if trust else safe_loads(raw, path)  # noqa: S301 - trusted
    if not isinstance(value, type):
        raise DamagedFileError("its policy_class is not a class")
    return value


def zip_algorithms(data: dict[str, Any], policy_class: type) -> list[str]:
    """The algorithms of :data:`rlgan.rl.algos.ALGOS` that could have saved this zip.

    An algorithm whose policy classes include ``policy_class`` itself (else a base of it),
    and whose own settings the zip holds (:func:`rlgan.rl.model_io.check_algorithm`).
    """
    aliases = {}
    for name in ALGOS:
        try:
            aliases[name] = tuple(get_algo_class(name).policy_aliases.values())
        except ConfigError:  # its package is not installed
            continue
    exact = [name for name, classes in aliases.items() if policy_class in classes]
    found = exact or [
        name for name, classes in aliases.items() if issubclass(policy_class, classes)
    ]
    fitting = []
    for name in found:
        try:
            check_algorithm(data, policy_class, name)
        except DamagedFileError:
            continue
        fitting.append(name)
    return fitting


def zip_algorithm(
    path: Path, data: dict[str, Any], hint: str | None, trust: bool, knob: str
) -> str:
    """The algorithm to load a zip with: the one it was saved by, ``hint`` when it cannot tell.

    ConfigError when ``hint`` contradicts the zip, or when the zip cannot tell and no
    ``hint`` decides; DamagedFileError when no algorithm fits.
    """
    policy_class = zip_policy_class(data, path, trust)
    found = zip_algorithms(data, policy_class)
    label = policy_class.__name__
    if hint is not None:
        name = get_algo(hint).name
        if name in found or not found:
            return name  # without a fitting algorithm, loading says what is wrong
        raise ConfigError(
            f"Invalid algo={hint!r} for {knob}={str(path)!r}: the zip was saved by "
            f"{' or '.join(n.upper() for n in found)} (its policy is a {label}). Drop algo= "
            f"to use what the zip says, or pass algo={found[0]}."
        )
    if len(found) == 1:
        return found[0]
    if not found:
        raise DamagedFileError(
            f"its policy {label} belongs to none of rlgan's algorithms ({', '.join(ALGOS)})"
        )
    raise ConfigError(
        f"Cannot tell which algorithm saved {knob}={str(path)!r}: "
        f"{' and '.join(n.upper() for n in found)} save the same policy ({label}) and "
        f"settings. Pass the one it was trained with: {' or '.join('algo=' + n for n in found)}."
    )


def _load_zip(
    path: Path, hint: str | None, env: dict[str, Any], device: str, trust: bool, knob: str
) -> tuple[Any, str]:
    """``(model, algorithm)`` of one zip to play on ``env`` (algorithm: :func:`zip_algorithm`)."""
    _, data = read_model_zip(path)
    algo = zip_algorithm(path, data, hint, trust, knob)
    stand_ins = old_gym_stand_ins(env, path, algo, knob)
    return load_model_file(path, algo, None, device, trust, stand_ins), algo


def foreign_env(env_cfg: Any) -> dict[str, Any]:
    """The env config a model made elsewhere plays: :data:`FOREIGN_ENV` under ``env_cfg``."""
    if isinstance(env_cfg, DictConfig):
        env_cfg = OmegaConf.to_container(env_cfg, resolve=True)
    return {**FOREIGN_ENV, **dict(env_cfg or {})}


def foreign_config(algo: str, env_cfg: Any) -> DictConfig:
    """The config of a model made elsewhere: ``algo.name``, ``env`` and greedy evaluation."""
    env = foreign_env(env_cfg)
    return OmegaConf.create({"algo": {"name": algo}, "env": env, "eval": {"deterministic": True}})


def load_foreign_zip(
    path: Path,
    env_cfg: Any,
    algo: str | None = None,
    *,
    device: str = "cpu",
    trust: bool = False,
    knob: str = "model",
) -> LoadedModel:
    """A plain SB3 zip, to be played on ``env_cfg`` (the command's ``env``)."""
    if env_cfg is None or not (env_cfg.get("id") or env_cfg.get("_target_")):
        raise ConfigError(
            f"Invalid {knob}={str(path)!r} without env.id: a stable-baselines3 zip does not "
            "say which environment it was trained on. Add env.id=<Gymnasium id>."
        )
    if PipelineSpec.from_env_config(env_cfg).normalize is not None:
        raise ConfigError(
            f"Invalid env.normalize with {knob}={str(path)!r}: a stable-baselines3 zip holds no "
            "VecNormalize statistics, so rlgan cannot normalize as the model was trained. "
            "Pass the RL Zoo agent folder (its vecnormalize.pkl has them) or an rlgan-rl run "
            "folder instead, or drop env.normalize."
        )
    try:
        model, name = _load_zip(path, algo, foreign_env(env_cfg), device, trust, knob)
    except ConfigError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure makes the file unusable
        raise no_loadable_error(
            "stable-baselines3 model",
            path.parent,
            [describe_failure(path, err)],
            "Pass a zip saved with model.save(...) by stable-baselines3 or sb3-contrib.",
        ) from None
    return LoadedModel(model, foreign_config(name, env_cfg), path)


# ---- RL Zoo agent folders -------------------------------------------------------------------
@dataclass(frozen=True)
class ZooFolder:
    """An RL Zoo agent folder ``logs/<algo>/<env>_<n>/`` and what its files say."""

    root: Path
    #: The env's name in file names (RL Zoo writes ``ALE/Pong-v5`` as ``ALE-Pong-v5``).
    name: str
    config: dict[str, Any] = field(default_factory=dict)
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def params(self) -> Path:
        """The folder of ``config.yml``, ``args.yml`` and ``vecnormalize.pkl``."""
        return self.root / self.name

    def models(self, which: str) -> list[Path]:
        """Its model files in order of preference (existing ones only)."""
        names = [BEST_MODEL] if which == "best" else []
        names.append(self.name + MODEL_SUFFIX)
        return [self.root / n for n in names if (self.root / n).is_file()]


def find_zoo_folder(path: Path, trust: bool = False) -> ZooFolder | None:
    """``path`` as an RL Zoo agent folder, or None when it is not laid out as one.

    An rlgan-rl run folder (``.hydra/config.yaml``) is never one. The YAML files are read
    here (ConfigError when one cannot be read safely).
    """
    if not path.is_dir() or (path / CONFIG_FILE).is_file():
        return None
    stem = path.name.rsplit("_", 1)[0]
    names = sorted(
        sub.name
        for sub in path.iterdir()
        if sub.is_dir() and ((sub / ZOO_CONFIG).is_file() or (sub / ZOO_ARGS).is_file())
    )
    if stem in names:
        name = stem
    elif len(names) == 1:
        name = names[0]
    else:
        return None
    params = path / name
    return ZooFolder(
        path,
        name,
        config=read_zoo_yaml(params / ZOO_CONFIG, trust),
        args=read_zoo_yaml(params / ZOO_ARGS, trust),
    )


class _ZooYamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader plus the two Python tags RL Zoo's files hold (no code runs)."""


def _ordered_dict(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    """``!!python/object/apply:collections.OrderedDict [[[key, value], ...]]`` as a dict."""
    args = loader.construct_sequence(node, deep=True)
    return {key: value for key, value in (args[0] if args else [])}


_ZooYamlLoader.add_constructor(
    "tag:yaml.org,2002:python/object/apply:collections.OrderedDict", _ordered_dict
)
_ZooYamlLoader.add_constructor(
    "tag:yaml.org,2002:python/tuple",
    lambda loader, node: tuple(loader.construct_sequence(node, deep=True)),
)


def read_zoo_yaml(path: Path, trust: bool = False) -> dict[str, Any]:
    """An RL Zoo ``config.yml`` / ``args.yml`` as a dict (empty when the file is absent)."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        loaded = yaml.load(text, Loader=yaml.UnsafeLoader if trust else _ZooYamlLoader)  # noqa: S506
    except yaml.constructor.ConstructorError as err:
        raise UnsafeFileError(
            f"Refused to load {str(path)!r}: it holds {' '.join(str(err.problem).split())}, "
            "which only Python code could build. rlgan reads the OrderedDict and tuple tags "
            "RL Zoo writes and nothing else; pass trust=true if you trust the folder.",
            source=str(path),
        ) from None
    except yaml.YAMLError as err:
        raise ConfigError(
            f"Invalid RL Zoo file {str(path)!r}: it is not valid YAML "
            f"({' '.join(str(err).split())[:200]})."
        ) from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"Invalid RL Zoo file {str(path)!r}: it is not a mapping.")
    return loaded


def zoo_env_config(folder: ZooFolder, algo: str, knob: str) -> dict[str, Any]:
    """The env an RL Zoo agent was trained on: id, kwargs, wrappers, frame stack, normalize."""
    from rlgan.rl.env_factory import check_env_id

    env_id = folder.args.get("env") or folder.name
    env_id = check_env_id(str(env_id))
    keys = ("frame_stack", "normalize", "env_wrapper", "env_kwargs")
    settings = {key: folder.config[key] for key in keys if folder.config.get(key) is not None}
    if folder.args.get("env_kwargs") is not None:  # RL Zoo's enjoy.py: the command's win
        settings["env_kwargs"] = folder.args["env_kwargs"]
    entry = ZooEntry(algo, env_id, f"{folder.name}/{ZOO_CONFIG}", settings)
    try:
        translated = translate_entry(entry, get_algo(algo), FOREIGN_ENV)
    except ZooRefusalError as err:
        raise ConfigError(
            f"Invalid {knob}={str(folder.root)!r}: its {folder.name}/{ZOO_CONFIG} has "
            f"{err.key}={settings.get(err.key)!r}, which rlgan cannot honour ({err.reason})."
        ) from None
    return {**FOREIGN_ENV, "id": env_id, **translated.env}


def zoo_algorithm(folder: ZooFolder, hint: str | None, knob: str) -> str | None:
    """The folder's algorithm: ``algo=``, else ``args.yml``'s, else ``logs/<algo>/``'s."""
    for candidate in (hint, folder.args.get("algo"), folder.root.parent.name):
        if not candidate:
            continue
        name = ZOO_ALGO_NAMES.get(str(candidate), str(candidate))
        try:
            return get_algo(name).name
        except ConfigError:
            if candidate is hint:
                raise
    return None


def load_zoo_folder(
    folder: ZooFolder,
    which: str = "best",
    algo: str | None = None,
    *,
    device: str = "cpu",
    trust: bool = False,
    knob: str = "run",
) -> LoadedModel:
    """An RL Zoo agent (``best``: best_model.zip, else ``<env>.zip``) with its env and stats."""
    if which not in WHICH_CHOICES:
        raise invalid_choice("which", which, WHICH_CHOICES)
    candidates = folder.models(which)
    if not candidates:
        raise ConfigError(
            f"Invalid {knob}={str(folder.root)!r}: this RL Zoo agent folder holds no model "
            f"({' or '.join(([BEST_MODEL] if which == 'best' else []) + [folder.name + '.zip'])})."
        )
    name = zoo_algorithm(folder, algo, knob)
    if name is None:
        _, data = read_model_zip(candidates[0])
        name = zip_algorithm(candidates[0], data, None, trust, knob)
    env_cfg = zoo_env_config(folder, name, knob)
    stats = None
    if PipelineSpec.from_env_config(env_cfg).normalize is not None:
        stats = load_zoo_statistics(folder.params / ZOO_STATS, trust, knob)
    mismatches: list[ConfigError] = []

    def load(path: Path) -> Any:
        try:
            return load_model_file(
                path, name, None, device, trust, old_gym_stand_ins(env_cfg, path, name, knob)
            )
        except SpaceMismatchError as err:
            mismatches.append(err)
            raise

    try:
        model, path = first_loadable(
            candidates,
            load,
            what=f"{name.upper()} model",
            where=folder.root,
            advice="Pass another RL Zoo agent folder or one of its zips with model=.",
        )
    except ConfigError:
        if mismatches:  # the env does not fit: that, not each file's failure, is the error
            raise mismatches[0] from None
        raise
    return LoadedModel(model, foreign_config(name, env_cfg), path, stats)


# ---- RL Zoo's vecnormalize.pkl --------------------------------------------------------------
class _Record:
    """Stands in for a pickled SB3 object: keeps its attributes, runs nothing."""

    def __setstate__(self, state: Any) -> None:
        """Keep the pickled attributes (a dict) as they are."""
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("unexpected state for a VecNormalize record")
        self.__dict__.update(state)


#: The SB3 classes a ``vecnormalize.pkl`` pickles, read as plain records.
_STAND_INS = frozenset(
    {
        ("stable_baselines3.common.vec_env.vec_normalize", "VecNormalize"),
        ("stable_baselines3.common.running_mean_std", "RunningMeanStd"),
    }
)


class _StatisticsUnpickler(SafeUnpickler):
    """The allow-list unpickler, reading ``VecNormalize`` and ``RunningMeanStd`` as records."""

    def find_class(self, module: str, name: str) -> Any:
        """:class:`_Record` for the stand-in classes, else the allow-list's answer."""
        if (module, name) in _STAND_INS:
            return _Record
        return super().find_class(module, name)


def read_vecnormalize_pickle(path: Path, trust: bool = False) -> NormalizationStats:
    """The statistics of a ``VecNormalize.save`` pickle (RL Zoo's ``vecnormalize.pkl``)."""
    require_nonempty(path)
    with path.open("rb") as handle:
        reader = pickle.Unpickler(handle) if trust else _StatisticsUnpickler(handle, path)
        state = reader.load()  # plain pickle only when the user vouched for the file
    attributes = getattr(state, "__dict__", None)
    if not isinstance(attributes, dict):
        raise DamagedFileError(f"it holds a {type(state).__name__}, not a VecNormalize")
    return NormalizationStats.from_state(attributes)


def load_zoo_statistics(path: Path, trust: bool, knob: str) -> NormalizationStats:
    """An RL Zoo agent's ``vecnormalize.pkl``; ConfigError when missing or unusable."""
    try:
        return read_vecnormalize_pickle(path, trust)
    except UnsafeFileError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure makes the agent unplayable
        reason = describe_failure(path, err).reason
        raise ConfigError(
            f"Invalid {knob}={str(path.parent.parent)!r}: the agent was trained with "
            f"normalize, and its statistics {path.parent.name}/{path.name} cannot be used "
            f"({reason}). Without them the agent cannot see what it was trained on."
        ) from None


# ---- zips saved with the old gym package ------------------------------------------------------
#: Entries of a zip's ``data`` that SB3 uses only to train (schedules, old files pickle them as
#: functions, which only running their code could rebuild): a constant stands in for them.
TRAINING_ONLY = frozenset(
    {"learning_rate", "lr_schedule", "exploration_schedule", "clip_range", "clip_range_vf"}
)
#: The entries of a zip's ``data`` holding its spaces, observation first.
SPACE_KEYS = ("observation_space", "action_space")
#: The space classes of the old ``gym`` package (``gym.spaces.<module>.<name>``) read here.
OLD_GYM_SPACES = ("Box", "Discrete", "MultiDiscrete", "MultiBinary", "Dict", "Tuple")


class SpaceMismatchError(ConfigError):
    """A model's spaces do not fit the env it is to play (the one-paragraph error)."""


class _SpaceRecord(_Record):
    """Stands in for a pickled old-``gym`` space: keeps its attributes, runs nothing."""

    kind = ""


#: One record class per old ``gym`` space class.
_SPACE_RECORDS = {
    name: type(f"Old{name}Record", (_SpaceRecord,), {"kind": name}) for name in OLD_GYM_SPACES
}


class _OldGymUnpickler(SafeUnpickler):
    """The allow-list unpickler, reading old ``gym.spaces`` classes as records."""

    def find_class(self, module: str, name: str) -> Any:
        """A :class:`_SpaceRecord` class for an old gym space, else the allow-list's answer."""
        if (module == "gym.spaces" or module.startswith("gym.spaces.")) and name in _SPACE_RECORDS:
            return _SPACE_RECORDS[name]
        return super().find_class(module, name)


def _gymnasium_space(record: Any) -> spaces.Space:
    """The Gymnasium space an old gym space's record describes (its numbers only)."""
    if not isinstance(record, _SpaceRecord):
        raise DamagedFileError(f"it holds a {type(record).__name__}, not a gym space")
    state = record.__dict__
    if record.kind == "Box":
        return spaces.Box(
            low=np.asarray(state["low"]), high=np.asarray(state["high"]), dtype=state["dtype"]
        )
    if record.kind == "Discrete":
        return spaces.Discrete(int(state["n"]), start=int(state.get("start", 0)))
    if record.kind == "MultiDiscrete":
        return spaces.MultiDiscrete(np.asarray(state["nvec"]), dtype=state.get("dtype", np.int64))
    if record.kind == "MultiBinary":
        return spaces.MultiBinary(state["n"])
    if record.kind == "Dict":
        return spaces.Dict({key: _gymnasium_space(s) for key, s in state["spaces"].items()})
    return spaces.Tuple(tuple(_gymnasium_space(s) for s in state["spaces"]))


def read_old_gym_space(raw: bytes, source: str | os.PathLike) -> spaces.Space | None:
    """The space an old-``gym`` pickle describes, as a Gymnasium space; None if it is not one.

    Nothing in the pickle runs: the old classes are read as records (:class:`_SpaceRecord`),
    everything else through the allow-list.
    """
    try:
        record = _OldGymUnpickler(io.BytesIO(raw), source).load()
        return _gymnasium_space(record)
    except (UnsafeFileError, DamagedFileError, pickle.UnpicklingError, EOFError):
        return None  # not an old gym space, or one needing more than its numbers
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # a record without the numbers a Gymnasium space needs


def space_fits(saved: spaces.Space, given: spaces.Space, *, bounds: bool) -> bool:
    """Whether a policy saved with ``saved`` can act on ``given``.

    Same kind, shape and dtype (a Box image stays an image); with ``bounds`` (actions, which
    the policy scales to them) a Box's bounds must be the same too. Other spaces: equal.
    """
    if type(saved) is not type(given):
        return False
    if isinstance(saved, spaces.Box):
        same = saved.shape == given.shape and saved.dtype == given.dtype
        same = same and is_image_space(saved) == is_image_space(given)
        if bounds:
            same = same and np.array_equal(saved.low, given.low)
            same = same and np.array_equal(saved.high, given.high)
        return bool(same)
    if isinstance(saved, spaces.Dict):
        return list(saved.spaces) == list(given.spaces) and all(
            space_fits(saved[key], given[key], bounds=bounds) for key in saved.spaces
        )
    if isinstance(saved, spaces.Tuple):
        return len(saved) == len(given) and all(
            space_fits(a, b, bounds=bounds) for a, b in zip(saved, given, strict=True)
        )
    return bool(saved == given)


def policy_spaces(env_cfg: dict[str, Any]) -> tuple[spaces.Space, spaces.Space]:
    """``(observation, action)`` spaces a policy playing ``env_cfg`` sees (frame stack, images)."""
    from rlgan.rl.env_factory import probe_spaces

    observation, action = probe_spaces(env_cfg)
    stack = PipelineSpec.from_env_config(env_cfg).frame_stack
    if stack > 1:
        observation = ObservationPipeline(PipelineSpec(None, stack), observation).observation_space
    return policy_view(observation), action


def old_gym_stand_ins(env_cfg: dict[str, Any], path: Path, algo: str, knob: str) -> StandIns:
    """Stand-ins for the entries of a zip saved with the old ``gym`` package (RL Zoo's agents).

    Such a zip pickles its spaces as ``gym.spaces`` objects and its schedules as functions,
    which the allow-list refuses. The spaces are read as records (no code runs), checked
    against the env's (:func:`space_fits`; a mismatch is :class:`SpaceMismatchError`) and
    replaced by the env's own; the schedules (:data:`TRAINING_ONLY`) by a constant 0, so
    the model plays but cannot be trained further. Any other refused entry stays refused.
    """

    def stand_in(refused: dict[str, bytes]) -> dict[str, Any]:
        replaced: dict[str, Any] = {
            key: ConstantSchedule(0.0) for key in refused if key in TRAINING_ONLY
        }
        saved = {
            key: read_old_gym_space(refused[key], path) for key in SPACE_KEYS if key in refused
        }
        if not any(space is not None for space in saved.values()):
            return replaced
        given = dict(zip(SPACE_KEYS, policy_spaces(env_cfg), strict=True))
        known = {key: space for key, space in saved.items() if space is not None}
        if not all(
            space_fits(s, given[key], bounds=key == "action_space") for key, s in known.items()
        ):
            trained = tuple(known.get(key, given[key]) for key in SPACE_KEYS)
            error = space_mismatch_error(knob, path, algo, env_cfg, trained, tuple(given.values()))
            raise SpaceMismatchError(str(error))
        replaced.update({key: given[key] for key in known})
        return replaced

    return stand_in
