"""Train two teams against each other from a composed ``arena`` config: :func:`train`.

Order of work, as ``rlgan-rl``'s: validate everything (:mod:`rlgan.arena.validate`), build
each team's view of its own batch of arenas (:class:`~rlgan.arena.team_env.TeamVecEnv`) and
its SB3 model (or load the latest checkpoint when resuming), then alternate: the learning
team trains against a frozen snapshot of the other, drawn from that team's pool
(:mod:`rlgan.arena.schedule`, :mod:`rlgan.arena.pool`); new snapshots are rated by
evaluation matches (:mod:`rlgan.arena.matches`, :mod:`rlgan.arena.elo`) against the scripted
baselines and the other team's pool. The run folder, its status on every exit path, resume,
interrupt and error rules are the shared lifecycle's (:mod:`rlgan.common.lifecycle`).

Run folder, besides the shared files: ``pool/<team>/step_*.zip`` (snapshots),
``checkpoints/step_*.{red,blue}.zip`` + ``step_*.arena.json`` (resume state, written last),
``red.zip`` / ``blue.zip`` (final models), ``elo.csv`` (ratings at each evaluation: the
incremental table's and those fitted to all games so far, :mod:`rlgan.arena.elo_log`),
``matches/step_*.gif`` (a clip of the newest snapshots' games at each evaluation),
``plots/elo.png``, ``plots/win_matrix.png``, ``plots/timeline.gif`` and ``tb/``.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.base_class import BaseAlgorithm

from rlgan.arena import figures, timeline
from rlgan.arena.elo import EloTable
from rlgan.arena.elo_log import ELO_COLUMNS, ELO_FILE
from rlgan.arena.matches import play_matches
from rlgan.arena.policies import ModelPolicy
from rlgan.arena.pool import Snapshot, SnapshotPool
from rlgan.arena.results import MatchLog, elo_rank, fraction
from rlgan.arena.run_summary import summary_line
from rlgan.arena.schedule import TEAMS, OpponentSampler, crossed, other_team
from rlgan.arena.scripted import scripted_baselines
from rlgan.arena.team_env import TeamVecEnv
from rlgan.arena.validate import CheckedArena, check_config, team_view
from rlgan.common.atomic import atomic_write_json, atomic_write_text
from rlgan.common.csv_log import CSVLogger
from rlgan.common.device import set_torch_threads
from rlgan.common.errors import ConfigError
from rlgan.common.lifecycle import (
    ResumePlan,
    RunInterrupted,
    RunKind,
    RunLifecycle,
    StopRequest,
    clean_after_crash,
)
from rlgan.common.metrics import metric_value
from rlgan.common.progress import want_progress
from rlgan.common.run_dir import (
    PLOTS_DIR,
    PROGRESS_FILE,
    TB_DIR,
    checkpoint_path,
    current_run_dir,
    latest_checkpoint,
    prune_checkpoints,
)
from rlgan.common.seeding import seed_everything
from rlgan.common.tensorboard import EventFile
from rlgan.common.writable import require_writable_dir
from rlgan.envs.pursuit_arena import PursuitArenaVector
from rlgan.rl.callbacks import StopOnRequest
from rlgan.rl.hyperparams import sb3_hyperparams
from rlgan.rl.model_io import load_model_file, save_model
from rlgan.rl.run_logger import silent_logger
from rlgan.rl.train import choose_device

log = logging.getLogger(__name__)

#: The resume state of a checkpoint, written after both teams' models.
STATE_SUFFIX = ".arena.json"
MATCHES_FILE = "matches.csv"
#: Offsets of the teams' training arenas' and the evaluation matches' seeds from ``seed``.
TEAM_SEED_OFFSET = {"red": 1_000, "blue": 2_000}
EVAL_SEED_OFFSET = 10_000

#: How the run lifecycle plans resumes and re-runs of rlgan-arena's runs.
ARENA_RUNS = RunKind(
    "arena",
    budget_key="total_timesteps",
    step_key="timesteps",
    checkpoint_suffix=STATE_SUFFIX,
    resume_knobs=("progress_bar", "threads", "device", "trust"),
)


def model_suffix(team: str) -> str:
    """The suffix of a team's model in ``checkpoints/``: ``.red.zip``."""
    return f".{team}.zip"


def build_model(
    checked: CheckedArena, team: str, env: TeamVecEnv, seed: int, device: str
) -> BaseAlgorithm:
    """A fresh SB3 model for ``team`` on ``env`` from what validation resolved.

    The arena writes its own logs, so the model's SB3 logger writes nothing.
    """
    spec = checked.teams[team]
    params = sb3_hyperparams(spec.hyperparams, checked.action_space)
    model = spec.algo.algo_class(
        spec.policy,
        env,
        policy_kwargs=spec.policy_kwargs,
        seed=seed,
        device=device,
        verbose=0,
        **params,
    )
    model.set_logger(silent_logger())
    return model


def train(cfg: DictConfig, run_dir: str | Path | None = None) -> float:
    """Train (or resume, see ``resume``); return the objective named by ``cfg.objective``.

    ``exploit=<run dir>`` trains best responses instead (:mod:`rlgan.arena.exploit`). An
    interrupted run (Ctrl-C, SIGTERM) is checkpointed and recorded, then
    :class:`~rlgan.common.lifecycle.RunInterrupted` (a ``KeyboardInterrupt``) propagates.
    """
    if cfg.get("exploit"):
        from rlgan.arena.exploit import exploit

        return exploit(cfg, run_dir)
    start = ARENA_RUNS.start(cfg, run_dir)
    if start.existing is not None:  # a no-op resume or a finished sweep job
        ARENA_RUNS.announce(start.existing)
        return metric_value(start.existing.metrics, str(start.cfg.objective))
    cfg, folder, plan = start.cfg, start.run_dir, start.resume
    checked = check_config(cfg)
    devices = {
        team: choose_device(OmegaConf.merge(team_view(cfg, team), {"device": cfg.device}))
        for team in TEAMS
    }
    folder = require_writable_dir(
        folder if folder is not None else current_run_dir(None), "run dir"
    ).resolve()
    set_torch_threads(cfg.get("threads", 1))
    return _ArenaRun(cfg, checked, folder, devices, plan).execute()


@contextmanager
def whole_run_progress(model: BaseAlgorithm, budget: int) -> Iterator[None]:
    """Within the block, ``model``'s schedules progress over ``budget`` timesteps.

    The run calls ``model.learn`` once per chunk between two schedule events; SB3 would take
    each chunk for a whole run and decay schedules (``lin_3e-3``) to zero within it. SB3
    computes the progress from each learn() call's own total (on-policy algorithms) or from
    ``_total_timesteps`` (off-policy ones); both are replaced by the team's budget over the
    whole run, and restored after the block (so that nothing of it is saved with the model).
    """

    def progress(num_timesteps: int, total_timesteps: int) -> None:
        BaseAlgorithm._update_current_progress_remaining(
            model, num_timesteps, max(budget, num_timesteps, 1)
        )

    model._update_current_progress_remaining = progress  # type: ignore[method-assign]
    try:
        yield
    finally:
        del model._update_current_progress_remaining


class _ArenaRun:
    """One training session of an arena run folder (fresh or resumed)."""

    def __init__(
        self,
        cfg: DictConfig,
        checked: CheckedArena,
        run_dir: Path,
        devices: dict[str, str],
        plan: ResumePlan | None,
    ) -> None:
        self.cfg, self.checked, self.run_dir = cfg, checked, run_dir
        self.devices, self.plan = devices, plan
        self.settings = checked.settings
        self.make_arena = partial(PursuitArenaVector, **checked.env_knobs)
        self.pools = {t: SnapshotPool(run_dir, t, self.settings.window) for t in TEAMS}
        self.elo = EloTable(k=float(cfg.elo.k), initial=float(cfg.elo.initial))
        self.baselines = {t: scripted_baselines(t, checked.params) for t in TEAMS}
        for team in TEAMS:
            for script in self.baselines[team]:
                self.elo.add(script.name, anchored=True)
        self.sampler = OpponentSampler(self.settings.play_against_latest_model_ratio, cfg.seed)
        self.step = 0
        self.team_steps = dict.fromkeys(TEAMS, 0)
        self.opponents: dict[str, str] = {}
        self.win_rates: dict[str, float] = {}
        self.matches = MatchLog()
        #: every player's rating fitted to all games so far (at the latest evaluation)
        self.fitted: dict[str, float] = {}
        #: snapshots rated as players (not only met as opponents of others)
        self.rated: set[str] = set()
        self.writer: EventFile | None = None
        self.wall_before = 0.0
        self.started = time.perf_counter()
        self._policies: dict[Path, ModelPolicy] = {}

    # -- building --------------------------------------------------------------------------
    def _env(self, team: str) -> TeamVecEnv:
        """The team's own batch of training arenas (the rival is set before learning)."""
        arena = self.make_arena(int(self.cfg.env.n_arenas))
        seed = int(self.cfg.seed) + TEAM_SEED_OFFSET[team]
        return TeamVecEnv(arena, team, self.baselines[other_team(team)][0], seed=seed)

    def _build(self, team: str, env: TeamVecEnv) -> BaseAlgorithm:
        """A fresh SB3 model for ``team`` from what validation resolved."""
        seed = int(self.cfg.seed) + TEAM_SEED_OFFSET[team]
        return build_model(self.checked, team, env, seed, self.devices[team])

    def _load(self, team: str, env: TeamVecEnv, step: int) -> BaseAlgorithm:
        """``team``'s model of the checkpoint at ``step``."""
        path = checkpoint_path(self.run_dir, step, model_suffix(team))
        model = load_model_file(
            path,
            self.checked.teams[team].algo.name,
            env,
            self.devices[team],
            trust=bool(self.cfg.get("trust", False)),
        )
        model.set_logger(silent_logger())
        return model

    def _restore(self, envs: dict[str, TeamVecEnv]) -> tuple[dict[str, BaseAlgorithm], int]:
        """The models and bookkeeping of the newest checkpoint (a resume)."""
        found = latest_checkpoint(self.run_dir, STATE_SUFFIX)
        assert found is not None, "ARENA_RUNS.start checked that a checkpoint exists"
        step, path = found
        state = json.loads(path.read_text(encoding="utf-8"))
        models = {team: self._load(team, envs[team], step) for team in TEAMS}
        self.step = int(state["step"])
        self.team_steps = {t: int(state["team_steps"][t]) for t in TEAMS}
        self.elo = EloTable.from_dict(state["elo"])
        self.fitted = self.elo.fitted()
        self.sampler.set_state(state["sampler"])
        self.opponents = dict(state["opponents"])
        self.win_rates = dict(state.get("win_rates", {}))
        self.matches = MatchLog.from_list(state.get("matches", []))
        self.rated = set(state.get("rated", []))
        self.wall_before = float(state.get("wall_time_s", 0.0))
        for pool in self.pools.values():
            pool.drop_after(step)
        clean_after_crash(self.run_dir, step, step_column="step")
        log.info("resuming %s from its checkpoint at %d arena steps", self.run_dir, step)
        return models, step

    # -- snapshots and opponents ------------------------------------------------------------
    def _snapshot(self, team: str) -> Snapshot:
        """Save ``team``'s current model into its pool at the current step."""
        snap = self.pools[team].save(self.step, lambda handle: self.models[team].save(handle))
        self.elo.add(snap.name)
        return snap

    def _policy(self, snap: Snapshot, deterministic: bool = False) -> ModelPolicy:
        """A frozen policy of ``snap`` (loaded once per file and mode)."""
        key = snap.path.with_suffix(f".{int(deterministic)}")
        if key not in self._policies:
            model = load_model_file(
                snap.path,
                self.checked.teams[snap.team].algo.name,
                None,
                "cpu",
                trust=bool(self.cfg.get("trust", False)),
            )
            self._policies[key] = ModelPolicy(model, deterministic, snap.name)
        return self._policies[key]

    def _swap_opponent(self, learner: str) -> None:
        """Give ``learner`` a new frozen rival: a scripted baseline or one from the rival's pool.

        A scripted one with probability ``selfplay.scripted_ratio`` (drawn only when that is
        above 0, so pure self-play draws exactly ML-Agents' sequence).
        """
        rival = other_team(learner)
        scripted = self.settings.scripted_ratio
        if scripted > 0 and self.sampler.rng.random() < scripted:
            scripts = self.baselines[rival]
            script = scripts[int(self.sampler.rng.integers(len(scripts)))]
            self.envs[learner].set_opponent(script)
            self.opponents[learner] = script.name
            return
        snap = self.sampler.draw(self.pools[rival].recent())
        self.envs[learner].set_opponent(self._policy(snap))
        self.opponents[learner] = snap.name

    def _set_saved_opponent(self, learner: str) -> None:
        """After a resume: the rival ``learner`` had when the checkpoint was written."""
        name = self.opponents.get(learner)
        if name is None:
            self._swap_opponent(learner)
            return
        scripts = {script.name: script for script in self.baselines[other_team(learner)]}
        if name in scripts:
            self.envs[learner].set_opponent(scripts[name])
            return
        try:
            snap = self.pools[other_team(learner)].find(name, knob="opponent")
        except ConfigError:  # pruned from the pool since: draw another
            self._swap_opponent(learner)
            return
        self.envs[learner].set_opponent(self._policy(snap))

    # -- evaluation -------------------------------------------------------------------------
    def _match(self, red: Any, blue: Any, offset: int = 0) -> Any:
        """``eval.games`` games of ``red`` against ``blue`` on the evaluation seeds."""
        seed = int(self.cfg.seed) + EVAL_SEED_OFFSET + offset
        return play_matches(self.make_arena, red, blue, int(self.cfg.eval.games), seed)

    def _rate(self, snap: Snapshot) -> float:
        """Rate ``snap`` against the scripted rivals and the other team's pool.

        Returns its win rate against the scripted rivals.
        """
        deterministic = bool(self.cfg.eval.deterministic)
        mine = self._policy(snap, deterministic)
        rival = other_team(snap.team)
        wins, games = 0, 0
        self.rated.add(snap.name)
        opponents: list[tuple[str, Any]] = [(s.name, s) for s in self.baselines[rival]]
        opponents += [(o.name, self._policy(o, deterministic)) for o in self.pools[rival].kept()]
        for name, policy in opponents:
            pair = (mine, policy) if snap.team == "red" else (policy, mine)
            result = self._match(*pair)
            names = (snap.name, name) if snap.team == "red" else (name, snap.name)
            self.matches.record(*names, result)
            won = result.wins(snap.team)
            self.elo.record(snap.name, name, wins=won, losses=result.games - won)
            if name.startswith("script:"):
                wins, games = wins + won, games + result.games
        return wins / games

    def _play_scripts(self) -> None:
        """The scripted baselines against each other, once (yardsticks for the learned teams)."""
        for red in self.baselines["red"]:
            for blue in self.baselines["blue"]:
                if not self.matches.has(red.name, blue.name):
                    self.matches.record(red.name, blue.name, self._match(red, blue))

    def _players(self, team: str) -> list[str]:
        """``team``'s scripted baselines, then its kept snapshots oldest first."""
        names = [script.name for script in self.baselines[team]]
        return names + [snap.name for snap in self.pools[team].kept()]

    def _record_clip(self) -> None:
        """A clip of the newest snapshots' games on the first evaluation seeds."""
        newest = {team: self.pools[team].latest() for team in TEAMS}
        deterministic = bool(self.cfg.eval.deterministic)
        players = {
            team: ModelPolicy(self._policy(snap, deterministic).model, deterministic, snap.name)
            for team, snap in newest.items()
            if snap is not None
        }
        timeline.record_clip(
            timeline.clip_path(self.run_dir, self.step),
            self.make_arena,
            players["red"],
            players["blue"],
            int(self.cfg.seed) + EVAL_SEED_OFFSET,
            f"{self.step:,} arena steps: {newest['red'].name} vs {newest['blue'].name}",
        )

    def _evaluate(self) -> None:
        """Snapshot both teams' current models, rate every unrated snapshot, log ``elo.csv``.

        Also records the evaluation's clip (``log.timeline``) and its TensorBoard row.
        """
        self._play_scripts()
        for team in TEAMS:
            latest = self.pools[team].latest()
            if latest is None or latest.step != self.step:
                self._snapshot(team)
        for team in TEAMS:
            latest = self.pools[team].latest()
            for snap in self.pools[team].kept():
                if snap.name not in self.rated or snap == latest:
                    rate = self._rate(snap)
                    if snap == latest:
                        self.win_rates[team] = rate
        self.fitted = self.elo.fitted()
        rows = CSVLogger(self.run_dir / ELO_FILE)
        for team in TEAMS:
            for snap in self.pools[team].kept():
                rating = round(self.elo.rating(snap.name), 2)
                fitted = round(self.fitted[snap.name], 2)
                games = self.elo.games.get(snap.name, 0)
                values = (self.step, team, snap.name, rating, fitted, games)
                rows.log(dict(zip(ELO_COLUMNS, values, strict=True)))
        kept = {name for team in TEAMS for name in self._players(team)}
        self.matches.forget({n for pair in self.matches.games for n in pair} - kept)
        if bool(self.cfg.log.timeline):
            self._record_clip()
        if self.writer is not None:
            self.writer.add_scalars(self._eval_metrics(), self.step)
        log.info(
            "step %d: red win rate %.2f, blue win rate %.2f",
            self.step,
            self.win_rates.get("red", float("nan")),
            self.win_rates.get("blue", float("nan")),
        )

    # -- checkpoints ------------------------------------------------------------------------
    def _checkpoint(self) -> None:
        """Both models, then the state file (its presence marks a complete checkpoint)."""
        for team in TEAMS:
            save_model(
                self.models[team], checkpoint_path(self.run_dir, self.step, model_suffix(team))
            )
        state = {
            "step": self.step,
            "team_steps": self.team_steps,
            "elo": self.elo.to_dict(),
            "sampler": self.sampler.state(),
            "opponents": self.opponents,
            "win_rates": self.win_rates,
            "matches": self.matches.to_list(),
            "rated": sorted(self.rated),
            "wall_time_s": self.wall_time(),
        }
        atomic_write_json(checkpoint_path(self.run_dir, self.step, STATE_SUFFIX), state)
        keep = int(self.cfg.checkpoint.keep)
        for suffix in (STATE_SUFFIX, *(model_suffix(t) for t in TEAMS)):
            prune_checkpoints(self.run_dir, suffix, keep)

    def wall_time(self) -> float:
        """Wall-clock seconds of this run over all its sessions."""
        return self.wall_before + (time.perf_counter() - self.started)

    # -- the run ----------------------------------------------------------------------------
    def execute(self) -> float:
        """Build (or load), alternate the teams' learning, evaluate and report."""
        seed_everything(int(self.cfg.seed))
        self.envs = {team: self._env(team) for team in TEAMS}
        resumed_from = None
        if self.plan is not None:
            self.models, resumed_from = self._restore(self.envs)
        else:
            self.models = {team: self._build(team, self.envs[team]) for team in TEAMS}
        lifecycle = RunLifecycle(
            "arena",
            self.run_dir,
            self.cfg,
            self._metrics(),
            resumed_from=resumed_from,
            applied=self.plan.applied if self.plan else None,
        )
        with lifecycle as life:
            for env in self.envs.values():
                life.on_close(env.close)
            if bool(self.cfg.log.tensorboard):
                self.writer = EventFile(self.run_dir / TB_DIR)
                life.on_close(self.writer.close)
            self.life = life
            if resumed_from is None:
                for team in TEAMS:  # the first snapshots: the yardsticks
                    self._snapshot(team)
            for team in TEAMS:
                self._set_saved_opponent(team)
            stop = self._loop()
            return self._finish(stop)

    def _loop(self) -> int | None:
        """Alternate the learning team up to the budget; the signal number if interrupted."""
        cfg, settings = self.cfg, self.settings
        total = int(cfg.total_timesteps)
        progress = CSVLogger(self.run_dir / PROGRESS_FILE)
        with StopRequest() as stop, self._progress_bar(total) as bar:
            while self.step < total and not stop.requested:
                team = settings.learning_team(self.step)
                model, agents = self.models[team], self.envs[team].n_agents
                chunk = min(
                    settings.steps_to_next_event(self.step, self.team_steps[team]),
                    total - self.step,
                )
                before, team_before = self.step, self.team_steps[team]
                timesteps = model.num_timesteps
                try:
                    budget = settings.learning_steps(total, team) * agents
                    with whole_run_progress(model, budget):
                        model.learn(
                            chunk * agents,
                            callback=StopOnRequest(stop),
                            reset_num_timesteps=False,
                        )
                except KeyboardInterrupt as err:
                    self._checkpoint()
                    return int(getattr(err, "signum", signal.SIGINT))
                done = (model.num_timesteps - timesteps) // agents
                self.step += done
                self.team_steps[team] += done
                self._after_learning(team, before, team_before, progress)
                if bar is not None:
                    bar.update(done)
                    bar.set_postfix(self._bar_postfix(team), refresh=False)
            return stop.signum

    @contextmanager
    def _progress_bar(self, total: int) -> Iterator[Any]:
        """A tqdm bar over the run's arena steps (``progress_bar``), or None."""
        if not want_progress(self.cfg.get("progress_bar", "auto"), sys.stderr):
            yield None
            return
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=self.step, desc="rlgan-arena", unit="step")
        try:
            yield bar
        finally:
            bar.close()

    def _bar_postfix(self, team: str) -> dict[str, str]:
        """The bar's text: who learns, and the latest win rates against the scripts."""
        postfix = {"learning": team}
        for name in TEAMS:
            if name in self.win_rates:
                postfix[f"{name} vs script"] = f"{self.win_rates[name]:.0%}"
        return postfix

    def _after_learning(
        self, team: str, before: int, team_before: int, progress: CSVLogger
    ) -> None:
        """Snapshots, team changes, swaps, evaluations and checkpoints that fell due."""
        settings, cfg = self.settings, self.cfg
        changed = settings.team_changed(before, self.step)
        if settings.save_due(team_before, self.team_steps[team]) or changed:
            self._snapshot(team)
        learner = settings.learning_team(self.step)
        if changed or settings.swap_due(before, self.step):
            self._swap_opponent(learner)
        row = self._progress_row(team)
        progress.log(row)
        if self.writer is not None:
            self.writer.add_scalars(row, self.step)
        final = self.step >= int(cfg.total_timesteps)
        if int(cfg.eval.freq) and crossed(before, self.step, int(cfg.eval.freq)) and not final:
            self._evaluate()
            self.life.record(self._metrics())
        if int(cfg.checkpoint.freq) and crossed(before, self.step, int(cfg.checkpoint.freq)):
            self._checkpoint()

    def _progress_row(self, team: str) -> dict[str, Any]:
        """One ``progress.csv`` row after a chunk of learning."""
        row: dict[str, Any] = {"step": self.step, "learning": team}
        for name in TEAMS:
            model = self.models[name]
            rewards = [info["r"] for info in model.ep_info_buffer or ()]
            successes = list(model.ep_success_buffer or ())
            row[f"{name}/ep_rew_mean"] = float(np.mean(rewards)) if rewards else ""
            row[f"{name}/success_rate"] = float(np.mean(successes)) if successes else ""
            row[f"{name}/opponent"] = self.opponents.get(name, "")
        row["wall_time_s"] = round(self.wall_time(), 3)
        return row

    def _finish(self, stop: int | None) -> float:
        """Checkpoint; unless interrupted: final models, final evaluation, metrics, summary."""
        self._checkpoint()
        if stop is not None:
            self.life.record(self._metrics(), status="interrupted")
            print(summary_line(self.life.metrics, self.run_dir))
            print(f"rlgan-arena: stopped at {self.step} arena steps in {self.run_dir}")
            print(f"rlgan-arena: continue with: rlgan-arena resume={self.run_dir}")
            raise RunInterrupted(stop)
        for team in TEAMS:
            save_model(self.models[team], self.run_dir / f"{team}.zip")
        self._evaluate()
        self._figures()
        self.life.finish({**self._metrics(), **self._final_metrics()})
        print(summary_line(self.life.metrics, self.run_dir))
        return metric_value(self.life.metrics, str(self.cfg.objective))

    def _figures(self) -> None:
        """``plots/elo.png``, ``plots/win_matrix.png`` and ``plots/timeline.gif``."""
        plots = self.run_dir / PLOTS_DIR
        figures.plot_elo(self.run_dir / ELO_FILE, plots / figures.ELO_PLOT, self.elo.initial)
        figures.plot_win_matrix(
            plots / figures.WIN_MATRIX_PLOT,
            self.matches.counts(),
            self._players("red"),
            self._players("blue"),
        )
        if bool(self.cfg.log.timeline):
            timeline.join_clips(self.run_dir, plots / timeline.TIMELINE_GIF)
        atomic_write_text(self.run_dir / MATCHES_FILE, self.matches.to_csv())

    def _final_metrics(self) -> dict[str, Any]:
        """What the last evaluation shows (docs/arena.md, "What it must show").

        Per team: the final snapshot's win rate against each scripted rival, the first
        snapshot's against the scripts, how many of the games the first snapshot lost (against
        the scripts and the rival's kept pool, same seeds) the final one won, and the final
        snapshot's rank in its pool by fitted ELO (``eval/<team>_elo_rank``) and by the
        incremental table (``eval/<team>_incremental_rank``); and the scripted baselines
        against each other.
        """
        metrics: dict[str, Any] = {}
        for team in TEAMS:
            rival = other_team(team)
            first, final = self.pools[team].first(), self.pools[team].latest()
            assert first is not None and final is not None, "the run snapshots both teams"
            scripts = [script.name for script in self.baselines[rival]]
            for who, snap in (("", final), ("first_", first)):
                won = [self.matches.won_games(team, snap.name, name) or [] for name in scripts]
                games = [game for played in won for game in played]
                rate = sum(games) / len(games) if games else None
                metrics[f"eval/{team}_{who}win_rate"] = rate
            for name in scripts:
                won = self.matches.won_games(team, final.name, name) or []
                key = f"eval/{team}_vs_{name.removeprefix('script:')}"
                metrics[key] = sum(won) / len(won) if won else None
            turned, lost = self.matches.turned(team, first.name, final.name, self._players(rival))
            metrics[f"eval/{team}_turned"] = fraction(turned, lost)
            metrics[f"eval/{team}_first_losses"] = lost
            pool = [snap.name for snap in self.pools[team].kept()]
            metrics[f"eval/{team}_elo_rank"] = elo_rank(self.fitted, final.name, pool)
            metrics[f"eval/{team}_incremental_rank"] = elo_rank(self.elo.ratings, final.name, pool)
            metrics[f"eval/{team}_pool_size"] = len(pool)
        for red in self.baselines["red"]:
            for blue in self.baselines["blue"]:
                rate = self.matches.win_rate(red.name, blue.name)
                metrics[f"scripted/{red.behaviour}_vs_{blue.behaviour}"] = rate
        return metrics

    def _eval_metrics(self) -> dict[str, Any]:
        """The evaluation's TensorBoard row: win rates against the scripts and ratings.

        ``eval/<team>_elo`` is the newest snapshot's fitted rating,
        ``eval/<team>_incremental_elo`` its rating in the incremental table.
        """
        row: dict[str, Any] = {}
        for team in TEAMS:
            if team in self.win_rates:
                row[f"eval/{team}_win_rate"] = self.win_rates[team]
            latest = self.pools[team].latest()
            if latest is not None:
                row[f"eval/{team}_elo"] = self.fitted.get(latest.name, self.elo.initial)
                row[f"eval/{team}_incremental_elo"] = self.elo.rating(latest.name)
        return row

    def _metrics(self) -> dict[str, Any]:
        """The fields every ``metrics.json`` of this run holds (status is the lifecycle's).

        ``eval/<team>_elo``: the newest snapshot's rating fitted to all games so far (at the
        latest evaluation; ``elo.initial`` before it played); ``eval/<team>_incremental_elo``:
        its incremental one.
        """
        metrics: dict[str, Any] = {
            "timesteps": int(self.step),
            "total_timesteps": int(self.cfg.total_timesteps),
            "seed": int(self.cfg.seed),
            "objective": str(self.cfg.objective),
            "n_arenas": int(self.cfg.env.n_arenas),
            "teams": {t: self.checked.teams[t].agents for t in TEAMS},
            "algos": {t: self.checked.teams[t].algo.name for t in TEAMS},
            "wall_time_s": round(self.wall_time(), 3),
            "eval/red_win_rate": self.win_rates.get("red"),
            "eval/blue_win_rate": self.win_rates.get("blue"),
        }
        for team in TEAMS:
            latest = self.pools[team].latest()
            if latest is not None and latest.name in self.elo.ratings:
                fitted = self.fitted.get(latest.name, self.elo.initial)  # unrated: initial
                metrics[f"eval/{team}_elo"] = round(fitted, 2)
                metrics[f"eval/{team}_incremental_elo"] = round(self.elo.rating(latest.name), 2)
        return metrics
