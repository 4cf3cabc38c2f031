"""rlgan from Python, for notebooks: ``rlgan.train("rl", [...])`` and the run it returns.

:func:`train` composes the app's config with Hydra's compose API from the same config tree and
overrides as the command line (``rlgan.train("rl", ["algo=dqn", "env.id=Acrobot-v1"])`` is
``rlgan-rl algo=dqn env.id=Acrobot-v1``), runs the same checks and the app's ``train(cfg)``, and
writes a normal run folder: ``outputs/<app>/<date>/<time>`` under the current directory by
default (``hydra.run.dir=...`` in the overrides, or ``run_dir=``, put it elsewhere). Bad input
raises :class:`~rlgan.common.errors.ConfigError` before any work, as the commands exit 2.

The returned :class:`RLRun` / :class:`GANRun` (also from :func:`load_run` for a folder written
earlier, by the API or a command) gives the run's folder, ``metrics`` and ``model``;
``RLRun.rollout`` plays episodes and returns their frames and returns; ``show()`` displays a GIF
inline when IPython is present (a notebook) and otherwise prints and returns its path.

Importing this module is cheap (no torch, SB3 or pygame): they load when a run starts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from rlgan.common.errors import ConfigError, invalid_choice, require_int
from rlgan.common.hydra_cli import APP_OPEN_NODES, open_node_overrides
from rlgan.common.run_dir import CONFIG_FILE, OVERRIDES_FILE, read_metrics

#: The apps :func:`train` runs, by the name of their primary config.
APPS = ("rl", "gan")
#: The GIF ``RLRun.show`` writes into the run folder.
ROLLOUT_GIF = "rollout.gif"
#: Frames a GIF of ``show()`` holds at most (longer rollouts keep every n-th frame).
MAX_GIF_FRAMES = 300
#: Largest side (pixels) of a GIF's frames: larger frames keep every n-th row and column.
MAX_GIF_SIDE = 320
#: Offset of the rollout env's default seed from the run's (training and evaluation use others).
ROLLOUT_SEED_OFFSET = 20_000


# ---- composing and running ------------------------------------------------------------------
def _cli(app: str) -> Any:
    """The app's command-line module (cheap to import): ``checked_train`` and ``OPEN_NODES``."""
    if app == "rl":
        from rlgan.rl import cli
    else:
        from rlgan.gan import cli
    return cli


def compose(app: str, overrides: Sequence[str] = ()) -> tuple[DictConfig, Path]:
    """The app's config with ``overrides`` (as the command line composes it) and its run folder.

    The run folder is the config's ``hydra.run.dir`` (``outputs/<app>/<date>/<time>``, relative
    to the current directory); the returned config has no ``hydra`` node, like the one a
    command's run saves. Overrides of nodes the command opens (``env.kwargs.<knob>=...``) need
    no ``+`` here either. A sweep (``a=1,2``) is a ConfigError: run it with the command's
    ``-m``.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    if app not in APPS:
        raise invalid_choice("app", app, APPS, 'e.g. rlgan.train("rl", ["algo=dqn"]).')
    if isinstance(overrides, str):
        raise ConfigError(
            f"Invalid overrides={overrides!r}: give a list of strings, e.g. "
            f'rlgan.train("{app}", ["seed=1"]), not one string.'
        )
    given = open_node_overrides([str(o) for o in overrides], APP_OPEN_NODES.get(app, ()))
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module="rlgan.conf", version_base="1.3"):
            cfg = hydra_compose(config_name=app, overrides=given, return_hydra_config=True)
    except (HydraException, OmegaConfBaseException) as err:
        # Hydra appends its config search path to a missing option's message: not the user's.
        text = " ".join(str(err).split("Config search path")[0].split()) or type(err).__name__
        text = text if text.endswith(".") else f"{text}."
        raise ConfigError(
            f"Invalid overrides {list(overrides)!r} for rlgan-{app}: {text} Overrides are "
            f"written as on the command line (rlgan-{app} --help lists the groups); sweeps "
            f"(a=1,2) need the command: rlgan-{app} -m ..."
        ) from None
    finally:
        GlobalHydra.instance().clear()
    folder = Path(str(OmegaConf.select(cfg, "hydra.run.dir")))
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg, folder


def _fresh(folder: Path) -> Path:
    """``folder``, or ``folder-1``, ``folder-2``, ... when it already holds files."""
    candidate, number = folder, 0
    while candidate.exists() and any(candidate.iterdir()):
        number += 1
        candidate = folder.with_name(f"{folder.name}-{number}")
    return candidate


def _remove_if_empty(folder: Path, keep: set[Path]) -> None:
    """Delete ``folder`` and its empty parents unless one of them existed before the run."""
    for path in (folder, *folder.parents):
        if path in keep or not path.is_dir() or any(path.iterdir()):
            return
        path.rmdir()


def train(
    app: str, overrides: Sequence[str] = (), *, run_dir: str | os.PathLike | None = None
) -> Run:
    """Train as ``rlgan-<app> <overrides>`` would and return the run.

    ``app`` is ``"rl"`` or ``"gan"``; ``overrides`` are command-line overrides
    (``["algo=dqn", "env.id=Acrobot-v1", "total_timesteps=20000"]``); ``run_dir`` is the run
    folder (default: ``outputs/<app>/<date>/<time>``, with ``-1``, ``-2`` ... added when a
    run already holds that folder). ``resume=<folder>`` continues that run as the command does.
    Raises :class:`~rlgan.common.errors.ConfigError` for bad input, before any work.
    """
    cfg, folder = compose(app, overrides)
    resumed = cfg.get("resume")
    if app == "rl" and cfg.get("evaluate"):
        raise ConfigError(
            f"Invalid evaluate={cfg.evaluate!r} in rlgan.train: load the run with "
            "rlgan.load_run(folder) and call its rollout(episodes=...) instead."
        )
    target = Path(run_dir) if run_dir is not None else _fresh(folder)
    target = target.expanduser().resolve()
    existed = {path for path in (target, *target.parents) if path.exists()}
    try:
        objective = _cli(app).checked_train(cfg, run_dir=None if resumed else target)
    except ConfigError:
        _remove_if_empty(target, existed)
        raise
    finally:
        if not resumed:
            _record_overrides(target, overrides)
    where = Path(str(resumed)).expanduser().resolve() if resumed else target
    return load_run(where, objective=objective)


def _record_overrides(folder: Path, overrides: Sequence[str]) -> None:
    """Write ``.hydra/overrides.yaml`` as Hydra does, so ``rlgan-report`` groups the run."""
    if not (folder / CONFIG_FILE).is_file() or (folder / OVERRIDES_FILE).exists():
        return
    from rlgan.common.atomic import atomic_write_text

    atomic_write_text(folder / OVERRIDES_FILE, OmegaConf.to_yaml(list(map(str, overrides))))


def load_run(folder: str | os.PathLike, *, objective: float | None = None) -> Run:
    """The run in ``folder`` (written by :func:`train`, ``rlgan-rl`` or ``rlgan-gan``)."""
    from rlgan.common.lifecycle import read_run_config

    path = Path(folder).expanduser().resolve()
    cfg = read_run_config(path, "folder")
    app = cfg.get("app")
    if app not in APPS:
        raise invalid_choice("app", app, APPS, f"(the app of the run in {path})")
    kind = RLRun if app == "rl" else GANRun
    return kind(folder=path, config=cfg, objective=objective)


# ---- showing ------------------------------------------------------------------------------
def display_file(path: Path) -> Path:
    """Show an image or GIF inline in IPython (a notebook); else print its path. Return it."""
    try:
        from IPython.display import Image, display
    except ImportError:
        print(path)
        return path
    display(Image(filename=str(path)))
    return path


def save_gif(frames: Sequence[Any], path: Path, fps: float) -> Path:
    """Write ``frames`` (H x W x 3 uint8 arrays) as a looping GIF at ``fps`` frames per second.

    Long rollouts keep every n-th frame (at most :data:`MAX_GIF_FRAMES`, the pace unchanged)
    and large frames every n-th pixel (at most :data:`MAX_GIF_SIDE` a side), so the file
    stays small enough to show inline.
    """
    import numpy as np

    from rlgan.common import imaging

    if not frames:
        raise ConfigError(f"Nothing to show: the rollout recorded no frames for {path.name}.")
    step = max(1, -(-len(frames) // MAX_GIF_FRAMES))
    side = max(np.asarray(frames[0]).shape[:2])
    shrink = max(1, -(-side // MAX_GIF_SIDE))
    kept = [np.asarray(frame, dtype=np.uint8)[::shrink, ::shrink] for frame in frames[::step]]
    written = imaging.save_gif(path, kept, step / float(fps))
    assert written is not None
    return written


# ---- runs ---------------------------------------------------------------------------------
@dataclass
class Rollout:
    """Episodes played by :meth:`RLRun.rollout`.

    Attributes:
        frames: every rendered frame (H x W x 3 uint8), episodes one after another.
        returns: the total reward of each episode.
        lengths: the number of steps of each episode.
        successes: ``info["is_success"]`` at each episode's end (None where the env has none).

    """

    frames: list[Any] = field(default_factory=list)
    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    successes: list[bool | None] = field(default_factory=list)


@dataclass
class Run:
    """A run folder and what it holds (see :class:`RLRun` and :class:`GANRun`).

    Attributes:
        folder: the run folder.
        config: its saved config (``.hydra/config.yaml``).
        objective: what ``train`` returned (None for a run opened with :func:`load_run`).

    """

    folder: Path
    config: DictConfig
    objective: float | None = None

    @property
    def app(self) -> str:
        """``rl`` or ``gan``."""
        return str(self.config.get("app"))

    @property
    def metrics(self) -> dict[str, Any]:
        """The run's ``metrics.json`` (status, final evaluation, wall time, ...), read now."""
        return read_metrics(self.folder)

    def __repr__(self) -> str:
        """``RLRun(ok, <folder>)``."""
        return f"{type(self).__name__}({self.metrics.get('status', '?')}, {self.folder})"


@dataclass(repr=False)
class RLRun(Run):
    """An ``rlgan-rl`` run: ``model`` (its best SB3 model), ``rollout()``, ``show()``."""

    @cached_property
    def loaded(self) -> Any:
        """The run's best model with its observation pipeline (a ``LoadedModel``).

        The best model, else the final one or the newest checkpoint, on the CPU.
        """
        from rlgan.rl.model_io import load_run_model_with_path

        trust = bool(self.config.get("trust", False))
        return load_run_model_with_path(self.folder, "best", "cpu", trust=trust)

    @property
    def model(self) -> Any:
        """The run's best SB3 model (see :attr:`loaded`)."""
        return self.loaded.model

    def summary(self) -> str:
        """The one-line summary ``rlgan-rl`` printed at the end of the run."""
        from rlgan.rl.run_summary import summary_line

        return summary_line(self.metrics, self.folder)

    def rollout(
        self,
        episodes: int = 1,
        *,
        deterministic: bool = True,
        seed: int | None = None,
        frames: bool = True,
    ) -> Rollout:
        """Play ``episodes`` with the model in the run's env; the frames and returns.

        The env is built as in training (``env.kwargs``, wrappers) with
        ``render_mode="rgb_array"``; ``seed`` defaults to the run's seed plus
        :data:`ROLLOUT_SEED_OFFSET`. ``frames=False`` records the returns only.
        """
        require_int("episodes", episodes, 1, meaning="episodes to play")
        from rlgan.apps.agents import PolicyAgent
        from rlgan.rl.env_factory import make_env

        start = int(self.config.seed) + ROLLOUT_SEED_OFFSET if seed is None else int(seed)
        env = make_env(self.config.env, start, render_mode="rgb_array" if frames else None)
        loaded = self.loaded
        pipeline = loaded.observation_pipeline(env.observation_space, env.action_space)
        agent = PolicyAgent(loaded.model, pipeline=pipeline if loaded.pipeline.active else None)
        result = Rollout()
        try:
            for episode in range(int(episodes)):
                obs, info = env.reset(seed=start + episode)
                agent.reset()
                total, length, done = 0.0, 0, False
                if frames:
                    result.frames.append(env.render())
                while not done:
                    action = agent.decide(obs, deterministic, env).action
                    obs, reward, terminated, truncated, info = env.step(action)
                    total, length = total + float(reward), length + 1
                    done = bool(terminated or truncated)
                    if frames:
                        result.frames.append(env.render())
                result.returns.append(total)
                result.lengths.append(length)
                success = info.get("is_success")
                result.successes.append(None if success is None else bool(success))
        finally:
            env.close()
        return result

    def show(self, episodes: int = 1, *, fps: float = 30.0, seed: int | None = None) -> Path:
        """Play ``episodes``, write ``rollout.gif`` in the run folder and display it."""
        played = self.rollout(episodes, seed=seed)
        return display_file(save_gif(played.frames, self.folder / ROLLOUT_GIF, fps))


@dataclass(repr=False)
class GANRun(Run):
    """An ``rlgan-gan`` run: ``model`` (its sampling generator), ``sample()``, ``show()``."""

    @cached_property
    def model(self) -> Any:
        """The generator samples come from (the EMA copy when the run kept one), on the CPU."""
        from rlgan.gan.checkpoints import load_gan_checkpoint
        from rlgan.gan.models import build_models_for

        found = load_gan_checkpoint(self.folder, "cpu", trust=bool(self.config.get("trust", False)))
        if found is None:
            raise ConfigError(
                f"Invalid run folder {str(self.folder)!r}: it holds no checkpoint "
                "(checkpoints/step_*.pt); the run stopped before its first one."
            )
        state = found[0]
        generator = build_models_for(self.config.model, self.data).generator
        generator.load_state_dict(
            state["ema"] if state.get("ema") is not None else state["generator"]
        )
        return generator.eval()

    def summary(self) -> str:
        """The one-line summary ``rlgan-gan`` printed at the end of the run."""
        from rlgan.gan.train import summary_line

        return summary_line(self.metrics, self.folder)

    @cached_property
    def data(self) -> Any:
        """The run's data set, built once from its config (for :attr:`model`, :attr:`matcher`)."""
        from rlgan.gan.data import build_data

        return build_data(self.config.data)

    @cached_property
    def matcher(self) -> Any:
        """The run's cluster-matched sampler (``sampling.cluster_match``), or None when off."""
        from rlgan.gan.cluster_match import cluster_matcher_for, configured_clusters
        from rlgan.gan.conditioning import is_conditional

        return cluster_matcher_for(
            configured_clusters(self.config),
            self.data,
            is_conditional(self.config.model),
            int(self.config.seed),
        )

    def sample(self, n: int = 64, seed: int = 0, labels: Any = None) -> Any:
        """``n`` samples of :attr:`model` (a CPU tensor), from latents seeded with ``seed``.

        A conditional run's samples are of classes ``labels`` (``n`` class indices; by default
        the classes in turn: 0, 1, ..., K-1, 0, ...); an unconditional run ignores ``labels``
        and, with ``sampling.cluster_match``, draws them as its metrics did (:attr:`matcher`).
        """
        import torch

        require_int("n", n, 1, meaning="samples to draw")
        rng = torch.Generator().manual_seed(int(seed))
        z_dim = int(self.config.model.z_dim)
        num_classes = int(getattr(self.model, "num_classes", 0) or 0)
        with torch.no_grad():
            if not num_classes and self.matcher is not None:
                return self.matcher.sample(
                    lambda m: self.model(torch.randn(m, z_dim, generator=rng)).cpu(), int(n), rng
                )
            z = torch.randn(int(n), z_dim, generator=rng)
            if not num_classes:
                return self.model(z).cpu()
            if labels is None:
                labels = torch.arange(int(n)) % num_classes
            return self.model(z, torch.as_tensor(labels).long()).cpu()

    @property
    def grids(self) -> list[Path]:
        """The sample pictures the run saved (``samples/step_*.png``), oldest first."""
        return sorted((self.folder / "samples").glob("step_*.png"))

    def show(self, what: str = "timeline") -> Path:
        """Display the samples' timeline GIF (``timeline``) or the last sample grid (``grid``)."""
        choices = ("timeline", "grid")
        if what not in choices:
            raise invalid_choice("what", what, choices)
        if what == "grid" or not (self.folder / "samples" / "timeline.gif").is_file():
            if not self.grids:
                raise ConfigError(f"Nothing to show: {self.folder} has no samples/step_*.png yet.")
            return display_file(self.grids[-1])
        return display_file(self.folder / "samples" / "timeline.gif")
