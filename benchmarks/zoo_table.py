"""The peer table: RL Zoo's published results next to ours, row by row.

RL Baselines3 Zoo publishes one trained agent per (algorithm, environment) in its
``benchmark.md`` ("Performance of trained agents", DLR-RM/rl-baselines3-zoo). For twelve of
those rows (classic control and Box2D, each trainable within about an hour on 2 CPU cores) this
script trains the same pair through ``rlgan-rl`` with RL Zoo's own settings
(``hyperparams_source=zoo``: its tuned entry and its ``n_timesteps`` budget), on several seeds
as a Hydra multirun on the joblib launcher, then writes the table:

- RL Zoo's published mean ± std (one agent; the std is over its evaluation episodes, not over
  seeds) and its budget;
- our median over seeds of the final evaluation (``eval/mean_reward`` in each run's
  ``metrics.json``: the final model, deterministic, ``--eval-episodes`` episodes) with its 95%
  bootstrap confidence interval (rliable, through :mod:`rlgan.sweep.stats`), the steps trained
  and the wall time per run;
- the verdict: is RL Zoo's mean within or below our interval (the goal on every row)?

Every run trains its whole budget (``stop_on_solve=0``), as RL Zoo's agents did. A row whose
RL Zoo entry holds a key rlgan cannot honour yet is not trained; the table says which key.

Two optional MuJoCo rows (SAC on HalfCheetah and Hopper) are trained only when the ``mujoco``
package imports (``pip install mujoco``); otherwise the table says ``mujoco not installed``.
RL Zoo trained them for 1M steps; here each run gets ``--mujoco-steps`` (default
:data:`MUJOCO_STEPS`, about what one hour of one CPU core trains), and the table shows the
share of RL Zoo's budget they had.

    .venv/bin/python benchmarks/zoo_table.py                        # all rows, 3 seeds (hours)
    .venv/bin/python benchmarks/zoo_table.py --quick --rows dqn:CartPole-v1,ppo:CartPole-v1
    .venv/bin/python benchmarks/zoo_table.py --collect multirun/zoo_table/<date>/<time>
    .venv/bin/python benchmarks/zoo_table.py --rows sac:HalfCheetah-v4,sac:Hopper-v4 \
        --mujoco-steps 300000                                      # the MuJoCo rows (hours)

Runs go to ``<out>/<algo>_<env id>/<job>/`` (one multirun per row, Hydra's log in
``<out>/logs/``), the table to ``<out>/zoo_table.md`` and ``<out>/zoo_table.csv`` and to stdout.
The same command with the same ``--out`` continues an interrupted table: finished jobs are
skipped and interrupted ones resumed (rlgan's re-run multirun). Stopped by Ctrl-C, ``kill``
or a time limit, the script stops the training command it waits for and that command's
workers with it (:mod:`rlgan.common.child_process`), so none writes on after the stop.
``--collect`` builds the table from existing run folders only (read with ``rlgan-report``'s
reader, :mod:`rlgan.sweep.runs`).
On 2 cores, 3 seeds take two rounds of the joblib workers per row, as 4 seeds would.

The control (``--zoo-control``): a row below RL Zoo's mean may be rlgan's pipeline or one
lucky published agent. For each selected row and seed the control also trains the pair with
RL Zoo's own trainer (``python -m rl_zoo3.train``: its hyperparameter file and budget, its
periodic evaluation off, one torch thread, no TensorBoard), one process at a time, into
``<out>/zoo_control/<algo>_<env id>/seed_<s>/`` (RL Zoo's agent folder in ``rl_zoo/``, its
output in ``train.log``). Both final models of a seed, RL Zoo's ``<env>.zip`` and our run's
``model.zip``, are then evaluated by the same function, ``rlgan-rl evaluate=``'s
(:func:`rlgan.rl.evaluate.evaluate_run`, ``which="final"``): deterministic,
``--eval-episodes`` episodes, evaluation envs seeded from the seed alike, so the pair differs
only in the trainer; the two are also compared parameter for parameter ("same weights").
The result goes to ``control.json`` beside them, and the table gains RL Zoo's trainer's median
[95% CI] over the same seeds, its seeds, the paired difference ours − RL Zoo's trainer per
seed, and where RL Zoo's published mean lies against its own trainer's interval.
``--zoo-control-only`` runs the control alone, reading our runs already in ``--out``
(untouched); ``--collect`` rebuilds the control columns from the ``control.json`` files.

    .venv/bin/python benchmarks/zoo_table.py --zoo-control-only --out <our runs> \
        --rows qrdqn:Acrobot-v1,dqn:MountainCar-v0,dqn:LunarLander-v3

RL Zoo's published agents (``--published-agents DIR``): DIR is a local checkout of
DLR-RM/rl-trained-agents (nothing is downloaded). For each selected row its agent,
``DIR/<algo>/<env id>_1/`` with the id RL Zoo's table names (``LunarLander-v2``), is
evaluated by the control's function (:func:`evaluate_final`: the final model ``<env>.zip``,
deterministic, ``--eval-episodes`` episodes) once per seed of our runs (evaluation envs
seeded from that seed), and the table gains its median over those seeds. An agent whose id
Gymnasium still has is loaded as an RL Zoo agent folder (``run=``); one trained on an id
Gymnasium 1.x dropped (LunarLander-v2) plays its zip on the id we train (-v3), with its
folder's env settings. The agents were saved with the old ``gym`` package: rlgan loads them
without ``trust=true`` (docs/zoo.md). A missing DIR is bad input (exit 2); a row whose
agent DIR lacks says ``not found``. The result goes to ``<out>/published_agents.json``,
which ``--collect`` reads; evaluations already recorded for the same agent, episodes and
seed are not redone. Evaluation only: this trains nothing, and with ``--collect`` it
evaluates beside existing runs.

    .venv/bin/python benchmarks/zoo_table.py --collect <our runs> \
        --published-agents <rl-trained-agents checkout> \
        --rows qrdqn:Acrobot-v1,dqn:MountainCar-v0,dqn:LunarLander-v3
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlgan.common.child_process import run_group, sigterm_as_exit
from rlgan.common.errors import ConfigError
from rlgan.sweep.numbers import format_number
from rlgan.sweep.runs import Run, find_runs, override_key
from rlgan.sweep.stats import Interval, interval_estimates

#: Where the figures come from (carried here as published; see the rows' notes).
ATTRIBUTION = (
    "RL Baselines3 Zoo, benchmark.md, DLR-RM/rl-baselines3-zoo, as published: one trained "
    "agent per row, std over its evaluation episodes, not over seeds"
)
#: The verdict column's header.
VERDICT = "zoo mean within or below our CI"
#: Budget fraction of ``--quick``.
QUICK_SCALE = 0.1
#: Episodes of each run's final evaluation (deterministic, the final model).
EVAL_EPISODES = 100
#: Periodic evaluations per run (learning curves in ``progress.csv``; the table uses the final).
EVALS_PER_RUN = 10
#: Default steps per run of the MuJoCo rows (``--mujoco-steps``): SAC took about 11 ms of CPU
#: per step here (1 torch thread), so one hour of one core trains about 300k of RL Zoo's 1M.
MUJOCO_STEPS = 300_000
#: The control's folder under ``--out`` (RL Zoo's own trainer, ``--zoo-control``).
CONTROL_DIR = "zoo_control"
#: The record of one control seed: RL Zoo's trainer's run and both final evaluations.
CONTROL_FILE = "control.json"
#: The control columns' headers (shown when some row has a control).
CONTROL_HEADER = (
    "RL Zoo's trainer here: median [95% CI] over the same seeds",
    "RL Zoo's trainer per seed",
    "ours − RL Zoo's trainer per seed (same evaluation)",
    "zoo mean within or below its trainer's CI",
)
#: The record of RL Zoo's published agents re-evaluated here (``--published-agents``).
PUBLISHED_FILE = "published_agents.json"
#: The published agents' column header.
PUBLISHED_HEADER = "RL Zoo's published agent, re-evaluated here"
#: The suffix of a published agent's folder (``<algo>/<env id>_1/``: RL Zoo's first run).
PUBLISHED_RUN = 1


@dataclass(frozen=True)
class ZooRow:
    """One row of RL Zoo's benchmark table, as published."""

    algo: str
    env_id: str  # the Gymnasium id we train
    mean: float  # published mean return of the one agent
    std: float  # std over that agent's evaluation episodes
    n_timesteps: int  # RL Zoo's training budget
    eval_episodes: int  # episodes of RL Zoo's evaluation
    published_env_id: str | None = None  # the id the table names, when it differs
    id_note: str = ""  # why we train env_id instead (default: Gymnasium 1.x has only env_id)
    requires: str | None = None  # a module the env needs that rlgan does not depend on
    steps: int | None = None  # our budget per run when it is not RL Zoo's n_timesteps

    @property
    def key(self) -> str:
        """``algo:env_id``, as ``--rows`` takes it."""
        return f"{self.algo}:{self.env_id}"

    @property
    def note(self) -> str:
        """What differs from the published row (empty when nothing does)."""
        notes = []
        if self.published_env_id is not None:
            why = self.id_note or f"Gymnasium 1.x has {self.env_id} (trained here)"
            notes.append(f"RL Zoo's table says {self.published_env_id}; {why}")
        if self.steps is not None and self.steps != self.n_timesteps:
            notes.append(
                f"trained for less than RL Zoo's {self.n_timesteps:,} steps (--mujoco-steps; "
                "'our steps' gives the share), so a result below its mean is expected"
            )
        return "; ".join(notes)


# RL Zoo's benchmark.md rows (see ATTRIBUTION): algo, env id, mean, std, n_timesteps, episodes.
ZOO_ROWS: tuple[ZooRow, ...] = (
    ZooRow("dqn", "CartPole-v1", 500.000, 0.000, 50_000, 300),
    ZooRow("ppo", "CartPole-v1", 500.000, 0.000, 100_000, 300),
    ZooRow("dqn", "Acrobot-v1", -76.639, 11.752, 100_000, 1932),
    ZooRow("qrdqn", "Acrobot-v1", -69.135, 9.967, 100_000, 2138),
    ZooRow("ppo", "Acrobot-v1", -73.506, 18.201, 1_000_000, 2013),
    ZooRow("dqn", "MountainCar-v0", -100.849, 9.925, 120_000, 1487),
    ZooRow("ppo", "MountainCarContinuous-v0", 88.343, 2.572, 20_000, 633),
    ZooRow("sac", "MountainCarContinuous-v0", 94.679, 1.134, 50_000, 1443),
    ZooRow("sac", "Pendulum-v1", -156.995, 88.714, 20_000, 750),
    ZooRow("td3", "Pendulum-v1", -151.855, 90.227, 20_000, 750),
    # The table's LunarLander-v2 rows: Gymnasium 1.x removed -v2; we train LunarLander-v3.
    ZooRow("dqn", "LunarLander-v3", 154.382, 79.241, 100_000, 200, "LunarLander-v2"),
    ZooRow("ppo", "LunarLander-v3", 242.119, 31.823, 1_000_000, 369, "LunarLander-v2"),
)
#: Why the MuJoCo rows train -v4 where RL Zoo's table says -v3.
MUJOCO_ID_NOTE = (
    "-v3 needs mujoco-py, which Gymnasium 1.x does not support; trained on -v4, the id of "
    "rl_zoo3's tuned entry (-v3's model and reward on the mujoco bindings; -v5 has no entry)"
)
# RL Zoo's benchmark.md rows `sac HalfCheetah-v3` and `sac Hopper-v3` (see ATTRIBUTION; added
# to the table in DLR-RM/rl-baselines3-zoo pull request #183): 1M steps each.
MUJOCO_ROWS: tuple[ZooRow, ...] = (
    ZooRow(
        "sac",
        "HalfCheetah-v4",
        9535.451,
        100.470,
        1_000_000,
        150,
        "HalfCheetah-v3",
        MUJOCO_ID_NOTE,
        requires="mujoco",
        steps=MUJOCO_STEPS,
    ),
    ZooRow(
        "sac",
        "Hopper-v4",
        2325.547,
        1129.676,
        1_000_000,
        236,
        "Hopper-v3",
        MUJOCO_ID_NOTE,
        requires="mujoco",
        steps=MUJOCO_STEPS,
    ),
)
#: Every row, the optional ones last.
ALL_ROWS: tuple[ZooRow, ...] = ZOO_ROWS + MUJOCO_ROWS


@dataclass
class RowResult:
    """Our runs of one row, summarised."""

    row: ZooRow
    finals: list[float] = field(default_factory=list)  # final eval mean of each finished seed
    steps: list[int] = field(default_factory=list)
    wall_s: list[float] = field(default_factory=list)
    eval_episodes: list[int] = field(default_factory=list)
    runs: int = 0  # zoo-sourced runs found (any status)
    failed: list[str] = field(default_factory=list)  # errors of failed runs
    ignored: int = 0  # runs of the pair that did not use RL Zoo's settings
    refusal: str | None = None  # why rlgan does not train this row yet
    interval: Interval | None = None  # median over seeds with its 95% bootstrap CI
    control: dict[int, float] = field(default_factory=dict)  # RL Zoo's trainer, by seed
    ours_same_eval: dict[int, float] = field(default_factory=dict)  # ours, control's eval
    same_weights: dict[int, bool] = field(default_factory=dict)  # ours == its trainer's
    control_wall_s: list[float] = field(default_factory=list)
    control_failed: list[str] = field(default_factory=list)  # errors of failed control seeds
    control_interval: Interval | None = None  # RL Zoo's trainer: median over seeds, 95% CI
    seeds: list[int] = field(default_factory=list)  # seeds of the finished runs (finals')
    published: dict[int, float] = field(default_factory=dict)  # RL Zoo's agent, by eval seed
    published_status: str | None = None  # "not found" or why its evaluation failed
    published_agent: str = ""  # the agent's folder or zip
    published_env: str = ""  # the env id its agent was trained on, when not env_id

    @property
    def seeds_reaching_zoo(self) -> int:
        """Our seeds whose final score is at or above RL Zoo's published mean.

        RL Zoo publishes one agent per row, so this says how often one run of ours does as
        well as that agent did, beside the interval of our median.
        """
        return sum(final >= self.row.mean for final in self.finals)

    @property
    def paired(self) -> dict[int, float]:
        """Ours − RL Zoo's trainer, by seed, both final models evaluated alike."""
        seeds = sorted(set(self.control) & set(self.ours_same_eval))
        return {s: self.ours_same_eval[s] - self.control[s] for s in seeds}

    @property
    def control_verdict(self) -> str:
        """RL Zoo's published mean against its own trainer's interval here ('-': no control)."""
        if self.control_interval is not None:
            return verdict(self.row.mean, self.control_interval)
        if self.control_failed:
            return f"all {len(self.control_failed)} control runs failed"
        return "-"

    @property
    def verdict(self) -> str:
        """RL Zoo's mean against our interval, or why there is none."""
        if self.interval is not None:
            return verdict(self.row.mean, self.interval)
        if self.refusal:
            return self.refusal
        if self.failed:
            return f"all {len(self.failed)} runs failed"
        return "incomplete" if self.runs else "not run"


def verdict(zoo_mean: float, interval: Interval) -> str:
    """``yes (within)``, ``yes (below)`` or ``no (above)``: where RL Zoo's mean lies."""
    if zoo_mean > interval.high:
        return "no (above)"
    if zoo_mean < interval.low:
        return "yes (below)"
    return "yes (within)"


def parse_rows(items: Sequence[str] | None) -> list[ZooRow]:
    """The rows named by ``--rows`` (``algo:env id``, comma-separated or repeated); all if none.

    The published ids (``LunarLander-v2``, ``HalfCheetah-v3``, ...) are accepted for the rows
    trained on another version. An unknown row is a :class:`ConfigError` listing the valid ones.
    """
    if not items:
        return list(ALL_ROWS)
    by_key: dict[str, ZooRow] = {}
    for row in ALL_ROWS:
        by_key[row.key.lower()] = row
        if row.published_env_id:
            by_key[f"{row.algo}:{row.published_env_id}".lower()] = row
    chosen: list[ZooRow] = []
    for text in ",".join(items).split(","):
        name = text.strip()
        if not name:
            continue
        row = by_key.get(name.lower())
        if row is None:
            raise ConfigError(
                f"Invalid --rows entry {name!r}: valid rows are "
                f"{', '.join(r.key for r in ALL_ROWS)} (algo:env id, comma-separated)."
            )
        if row not in chosen:
            chosen.append(row)
    if not chosen:
        raise ConfigError("Invalid --rows: no row named; e.g. --rows dqn:CartPole-v1.")
    return chosen


def with_mujoco_steps(rows: Sequence[ZooRow], steps: int) -> list[ZooRow]:
    """``rows`` with ``steps`` as the budget per run of the MuJoCo rows (``--mujoco-steps``)."""
    return [dataclasses.replace(r, steps=steps) if r.requires == "mujoco" else r for r in rows]


def missing_requirement(row: ZooRow) -> str | None:
    """``<module> not installed`` when ``row`` needs a module that does not import, else None."""
    if row.requires is None:
        return None
    try:
        importlib.import_module(row.requires)
    except ImportError:
        return f"{row.requires} not installed"
    return None


def row_budget(row: ZooRow, scale: float) -> int:
    """The steps a run of ``row`` trains at ``scale`` of its budget (RL Zoo's, or ``steps``)."""
    return max(int(round((row.steps or row.n_timesteps) * scale)), 1)


def job_overrides(
    row: ZooRow, scale: float, eval_episodes: int, extra: Sequence[str] = ()
) -> list[str]:
    """``rlgan-rl`` overrides of one run of ``row`` (seed and Hydra settings apart).

    At full scale the budget is RL Zoo's ``n_timesteps`` through ``hyperparams_source=zoo``
    itself (no ``total_timesteps`` given); any other budget is given as ``total_timesteps``.
    """
    budget = row_budget(row, scale)
    overrides = [
        f"algo={row.algo}",
        f"env.id={row.env_id}",
        "hyperparams_source=zoo",
        "stop_on_solve=0",
        f"eval.freq={max(budget // EVALS_PER_RUN, 1)}",
        f"eval.final_episodes={eval_episodes}",
        "checkpoint.freq=0",
        "checkpoint.replay_buffer=false",
        "log.tensorboard=false",
        "progress_bar=false",
    ]
    if budget != row.n_timesteps:
        overrides.append(f"total_timesteps={budget}")
    return [*overrides, *extra]


def refusal_of(overrides: Sequence[str]) -> str | None:
    """Why ``rlgan-rl`` would refuse these overrides' RL Zoo entry (None: it trains them).

    Composes and checks the config as a run would (cheap: one env is built for its spaces).
    A key of the entry that rlgan cannot honour yet becomes ``needs <key> (not yet
    supported)``; any other bad input is raised (:class:`ConfigError`).
    """
    from rlgan.common.app import compose_config
    from rlgan.rl.validate import check_config
    from rlgan.rl.zoo_source import resolve_hyperparams_source
    from rlgan.rl.zoo_translate import ZooRefusalError

    cfg = compose_config("rl", list(overrides))
    try:
        resolved, _ = resolve_hyperparams_source(cfg, list(overrides))
    except ZooRefusalError as err:
        return refusal_note(err)
    check_config(resolved)
    return None


def refusal_note(err: Any) -> str:
    """The table's text for a refused RL Zoo entry (a ``ZooRefusalError``)."""
    return f"needs {err.key} (not yet supported)"


def _row_of(run: Run) -> tuple[str | None, str | None]:
    """``(algo, env id)`` of a run: its ``metrics.json``, else its Hydra overrides."""
    algo, env_id = run.metrics.get("algo"), run.metrics.get("env_id")
    for text in run.overrides:
        key, _, value = text.partition("=")
        if override_key(key) == "algo" and algo is None:
            algo = value
        if override_key(key) == "env.id" and env_id is None:
            env_id = value
    return (str(algo) if algo else None, str(env_id) if env_id else None)


def _zoo_sourced(run: Run) -> bool:
    """Whether a run trained with RL Zoo's settings (failed runs: as they were asked to)."""
    source = run.metrics.get("hyperparams_source")
    if source is not None:
        return source == "zoo"
    return "hyperparams_source=zoo" in run.overrides


def summarize(row: ZooRow, runs: Sequence[Run], refusal: str | None = None) -> RowResult:
    """``row``'s result from the run folders of its pair (other runs in ``runs`` are skipped).

    Finished runs (status ``ok``) give one final evaluation each; the median over them gets a
    95% stratified-bootstrap interval (rliable; with 3 seeds it spans the lowest to the highest).
    """
    result = RowResult(row=row, refusal=refusal)
    for run in runs:
        if _row_of(run) != (row.algo, row.env_id):
            continue
        if not _zoo_sourced(run):
            result.ignored += 1
            continue
        result.runs += 1
        if run.status == "failed":
            result.failed.append(run.error or "no error recorded")
            continue
        final = run.metric("eval/mean_reward")
        if run.status != "ok" or not math.isfinite(final):
            continue
        result.finals.append(final)
        seed = run.metrics.get("seed", run.seed)
        if str(seed).lstrip("-").isdigit():
            result.seeds.append(int(seed))
        steps, wall, episodes = (
            run.metric(name) for name in ("timesteps", "wall_time_s", "eval/episodes")
        )
        if math.isfinite(steps):
            result.steps.append(int(steps))
        if math.isfinite(wall):
            result.wall_s.append(wall)
        if math.isfinite(episodes):
            result.eval_episodes.append(int(episodes))
    if result.finals:
        result.interval = interval_estimates({row.key: result.finals}, "median")[row.key]
    return result


def collect(
    paths: Sequence[str | os.PathLike], rows: Sequence[ZooRow], refusals: dict[str, str | None]
) -> list[RowResult]:
    """Each row's result from the run folders at or below ``paths``."""
    runs = find_runs(list(paths))
    results = [summarize(row, runs, refusals.get(row.key)) for row in rows]
    records = read_controls(paths)
    published = read_published(paths)
    for result in results:
        add_control(result, records)
        add_published(result, published)
    return results


# ---- the control: RL Zoo's own trainer on the same rows and seeds ---------------------------


def control_folder(out: Path, row: ZooRow, seed: int) -> Path:
    """The folder of one control seed: ``<out>/zoo_control/<algo>_<env id>/seed_<seed>``."""
    return out / CONTROL_DIR / f"{row.algo}_{row.env_id}" / f"seed_{seed}"


def zoo_train_command(row: ZooRow, seed: int, folder: Path, budget: int) -> list[str]:
    """RL Zoo's own trainer on ``row`` with ``seed``, its agent folder under ``folder/rl_zoo``.

    Its default hyperparameter file and budget (``-n`` only when ``budget`` is not RL Zoo's),
    its periodic evaluation off (``--eval-freq -1``; it plays a separate env and would only
    add a best model), one torch thread, no TensorBoard (its default), CPU.
    """
    cmd = [sys.executable, "-m", "rl_zoo3.train", "--algo", row.algo, "--env", row.env_id]
    cmd += ["--seed", str(seed), "-f", str(folder / "rl_zoo"), "--eval-freq", "-1"]
    cmd += ["--num-threads", "1", "--device", "cpu", "--log-interval", "-2"]
    if budget != row.n_timesteps:
        cmd += ["-n", str(budget)]
    return cmd


def zoo_agent_folder(folder: Path, row: ZooRow, budget: int, seed: int) -> Path | None:
    """RL Zoo's newest agent folder under ``folder/rl_zoo`` with a final model of this job.

    Only an agent trained with ``seed`` for ``budget`` steps counts (read from its
    ``args.yml``; ``-1`` there is RL Zoo's own budget); None when there is none.
    """
    from rlgan.rl.foreign import read_zoo_yaml

    parent = folder / "rl_zoo" / row.algo
    found = []
    for path in parent.glob(f"{row.env_id}_*") if parent.is_dir() else ():
        suffix = path.name[len(row.env_id) + 1 :]
        if not (suffix.isdigit() and (path / f"{row.env_id}.zip").is_file()):
            continue
        args = read_zoo_yaml(path / row.env_id / "args.yml")
        steps = int(args.get("n_timesteps", -1))
        if (steps if steps > 0 else row.n_timesteps) == budget and args.get("seed") == seed:
            found.append((int(suffix), path))
    return max(found)[1] if found else None


def evaluate_final(
    source: Path,
    episodes: int,
    seed: int,
    env_cfg: dict[str, Any] | None = None,
    algo: str | None = None,
) -> float:
    """The mean return of ``source``'s final model, as ``rlgan-rl evaluate=`` scores it.

    ``source`` is an rlgan run folder (``model.zip``), an RL Zoo agent folder
    (``<env>.zip``) or a plain SB3 zip (played on ``env_cfg`` as ``algo``); deterministic,
    ``episodes`` episodes, the evaluation envs seeded from ``seed``: the same call for both
    sides of a pair and for RL Zoo's published agents.
    """
    from rlgan.rl.evaluate import evaluate_run

    return float(
        evaluate_run(str(source), episodes, seed=seed, which="final", env_cfg=env_cfg, algo=algo)
    )


def same_weights(first: Path, second: Path) -> bool:
    """Whether two SB3 zips hold the same policy parameters, name for name, bit for bit."""
    import torch
    from stable_baselines3.common.save_util import load_from_zip_file

    policies = []
    for path in (first, second):  # tensors only (SB3 reads them with weights_only=True)
        _, params, _ = load_from_zip_file(path, device="cpu", load_data=False)
        policies.append((params or {}).get("policy") or {})
    ours, theirs = policies
    return (
        bool(ours)
        and list(ours) == list(theirs)
        and all(torch.equal(ours[name], theirs[name]) for name in ours)
    )


def our_run(runs: Sequence[Run], row: ZooRow, seed: int) -> Run | None:
    """Our finished RL Zoo-settings run of ``row`` with ``seed`` among ``runs``, else None."""
    for run in runs:
        if (
            _row_of(run) == (row.algo, row.env_id)
            and _zoo_sourced(run)
            and run.status == "ok"
            and str(run.metrics.get("seed", run.seed)) == str(seed)
        ):
            return run
    return None


def read_control(folder: Path) -> dict[str, Any]:
    """The record in ``folder/control.json`` (empty when there is none or it is unreadable)."""
    try:
        record = json.loads((folder / CONTROL_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def run_control(
    row: ZooRow, seed: int, folder: Path, budget: int, episodes: int, ours: Run | None
) -> dict[str, Any]:
    """One control seed: train with RL Zoo's trainer unless done, evaluate, record; the record.

    A seed whose final model exists (same seed and budget) is not trained again (an
    interrupted control continues);
    our run's final model is evaluated when ``ours`` is given and the record lacks it, and
    the two final models compared parameter for parameter (``same_weights``). A
    failing trainer is recorded (``status: failed``) and retried by the next call.
    """
    from rlgan.common.atomic import atomic_write_json
    from rlgan.rl.model_io import FINAL_MODEL

    record = read_control(folder)
    if record.get("eval_episodes") not in (None, episodes) or record.get("n_timesteps") not in (
        None,
        budget,
    ):
        record = {}  # another evaluation or budget: the record is redone
    record.update({"algo": row.algo, "env_id": row.env_id, "seed": seed})
    record.update({"n_timesteps": budget, "eval_episodes": episodes, "eval_seed": seed})
    agent = zoo_agent_folder(folder, row, budget, seed)
    if agent is None:
        folder.mkdir(parents=True, exist_ok=True)
        cmd = zoo_train_command(row, seed, folder, budget)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with (folder / "train.log").open("a") as handle:
            handle.write(" ".join(cmd) + "\n")
            handle.flush()
            proc = run_group(cmd, stdout=handle, stderr=subprocess.STDOUT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        record["command"] = " ".join(cmd)
        record["wall_time_s"] = round(time.perf_counter() - start, 3)
        record["cpu_time_s"] = round(
            after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 3
        )
        record.pop("zoo_trainer", None)
        agent = zoo_agent_folder(folder, row, budget, seed)
        if proc.returncode != 0 or agent is None:
            record["status"] = "failed"
            record["error"] = f"rl_zoo3.train exit status {proc.returncode}; see train.log"
            atomic_write_json(folder / CONTROL_FILE, record)
            return record
    if record.get("agent") != str(agent):
        record.pop("zoo_trainer", None)  # evaluated another agent
    record["agent"] = str(agent)
    if record.get("zoo_trainer") is None:
        record["zoo_trainer"] = evaluate_final(agent, episodes, seed)
    if ours is not None and (
        record.get("ours") is None or record.get("ours_run") != str(ours.path)
    ):
        record["ours"] = evaluate_final(ours.path, episodes, seed)
        record["ours_run"] = str(ours.path)
        record.pop("same_weights", None)
    if ours is not None and record.get("same_weights") is None:
        record["same_weights"] = same_weights(ours.path / FINAL_MODEL, agent / f"{row.env_id}.zip")
    record["status"] = "ok"
    record.pop("error", None)
    atomic_write_json(folder / CONTROL_FILE, record)
    return record


def read_controls(paths: Sequence[str | os.PathLike]) -> list[dict[str, Any]]:
    """Every control record (``control.json``) at or below ``paths``."""
    records = []
    for root in map(Path, paths):
        files = [root] if root.name == CONTROL_FILE else sorted(root.rglob(CONTROL_FILE))
        records.extend(r for r in (read_control(f.parent) for f in files) if r)
    return records


def add_control(result: RowResult, records: Sequence[dict[str, Any]]) -> None:
    """Fill ``result``'s control from the records of its pair (the last record of a seed wins)."""
    row = result.row
    for record in records:
        if (record.get("algo"), record.get("env_id")) != (row.algo, row.env_id):
            continue
        seed = int(record.get("seed", -1))
        if record.get("status") == "failed":
            result.control_failed.append(str(record.get("error", "no error recorded")))
            continue
        zoo, ours = record.get("zoo_trainer"), record.get("ours")
        if record.get("status") != "ok" or not isinstance(zoo, (int, float)):
            continue
        result.control[seed] = float(zoo)
        if isinstance(ours, (int, float)):
            result.ours_same_eval[seed] = float(ours)
        if isinstance(record.get("same_weights"), bool):
            result.same_weights[seed] = record["same_weights"]
        if isinstance(record.get("wall_time_s"), (int, float)):
            result.control_wall_s.append(float(record["wall_time_s"]))
    if result.control:
        values = [result.control[s] for s in sorted(result.control)]
        result.control_interval = interval_estimates({row.key: values}, "median")[row.key]


# ---- RL Zoo's published agents, re-evaluated here -------------------------------------------


def published_folder(root: Path, row: ZooRow) -> Path:
    """Where a checkout of DLR-RM/rl-trained-agents keeps ``row``'s agent.

    ``<root>/<algo>/<id>_1/``, with the id RL Zoo's table names (``LunarLander-v2``).
    """
    name = row.published_env_id or row.env_id
    return root / row.algo / f"{name}_{PUBLISHED_RUN}"


def published_source(root: Path, row: ZooRow) -> tuple[Path, dict[str, Any] | None] | None:
    """``(source, env config)`` to evaluate ``row``'s published agent with; None if absent.

    An agent trained on the id we train is its RL Zoo agent folder (env config None: the
    folder's own files say it). One trained on an id Gymnasium 1.x dropped is its zip, played
    on ``row.env_id`` with the env settings of its folder's ``config.yml``.
    """
    from rlgan.rl.foreign import find_zoo_folder, zoo_env_config

    folder = published_folder(root, row)
    name = folder.name.rsplit("_", 1)[0]
    if not (folder / f"{name}.zip").is_file():
        return None
    if name == row.env_id:
        return folder, None
    zoo = find_zoo_folder(folder)
    if zoo is None:
        return None
    zoo = dataclasses.replace(zoo, args={**zoo.args, "env": row.env_id})
    return folder / f"{name}.zip", zoo_env_config(zoo, row.algo, "--published-agents")


def evaluate_published(
    root: Path, row: ZooRow, seeds: Sequence[int], episodes: int, record: dict[str, Any]
) -> dict[str, Any]:
    """``row``'s published agent evaluated on each of ``seeds`` (``record``: done before).

    The seeds ``record`` already holds for the same agent and episodes are not evaluated
    again. The new record: ``status`` ``ok``, ``not found`` or ``failed`` (with ``error``).
    """
    folder = published_folder(root, row)
    done = record.get("per_seed") if isinstance(record.get("per_seed"), dict) else {}
    if record.get("agent") != str(folder) or record.get("eval_episodes") != episodes:
        done = {}
    new: dict[str, Any] = {"algo": row.algo, "env_id": row.env_id, "agent": str(folder)}
    new.update({"trained_on": folder.name.rsplit("_", 1)[0], "eval_episodes": episodes})
    try:
        found = published_source(root, row)
        if found is None:
            return {**new, "status": "not found"}
        source, env_cfg = found
        per_seed = {str(s): done[str(s)] for s in seeds if str(s) in done}
        for seed in seeds:
            if str(seed) not in per_seed:
                per_seed[str(seed)] = evaluate_final(source, episodes, seed, env_cfg, row.algo)
    except ConfigError as err:
        return {**new, "status": "failed", "error": " ".join(str(err).split())}
    return {**new, "status": "ok", "per_seed": per_seed}


def run_published(
    root: Path, results: Sequence[RowResult], episodes: int, seeds: int, out: Path
) -> None:
    """Evaluate the rows' published agents (on our runs' seeds, else 0..seeds-1); record them.

    The records of ``out/published_agents.json`` are updated row by row (other rows kept).
    """
    from rlgan.common.atomic import atomic_write_json
    from rlgan.common.device import set_torch_threads

    set_torch_threads(1)  # as the control's evaluations
    path = out / PUBLISHED_FILE
    records = read_published([out])
    for result in results:
        row = result.row
        chosen = sorted(set(result.seeds)) or list(range(seeds))
        record = evaluate_published(root, row, chosen, episodes, records.get(row.key, {}))
        records[row.key] = record
        atomic_write_json(path, {"source": str(root), "agents": records})
        values = record.get("per_seed", {})
        shown = ", ".join(f"seed {s}: {v:.2f}" for s, v in values.items())
        print(
            f"# published agent {row.key}: {record['status']}"
            + (f" ({shown})" if shown else "")
            + (f": {record['error']}" if record.get("error") else "")
            + f"; {record['agent']}",
            flush=True,
        )


def read_published(paths: Sequence[str | os.PathLike]) -> dict[str, dict[str, Any]]:
    """The published agents' records in ``<path>/published_agents.json``, by row (last wins)."""
    records: dict[str, dict[str, Any]] = {}
    for root in map(Path, paths):
        path = root if root.name == PUBLISHED_FILE else root / PUBLISHED_FILE
        try:
            agents = json.loads(path.read_text()).get("agents", {})
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(agents, dict):
            records.update({k: v for k, v in agents.items() if isinstance(v, dict)})
    return records


def add_published(result: RowResult, records: dict[str, dict[str, Any]]) -> None:
    """Fill ``result``'s published agent from its row's record (nothing when there is none)."""
    record = records.get(result.row.key)
    if record is None:
        return
    result.published_agent = str(record.get("agent", ""))
    trained_on = str(record.get("trained_on", result.row.env_id))
    result.published_env = "" if trained_on == result.row.env_id else trained_on
    result.published = {}
    result.published_status = None
    if record.get("status") != "ok":
        result.published_status = str(record.get("status", "failed"))
        return
    for seed, value in (record.get("per_seed") or {}).items():
        if isinstance(value, (int, float)) and str(seed).lstrip("-").isdigit():
            result.published[int(seed)] = float(value)


def published_cell(result: RowResult) -> str:
    """The published agent's cell: median over seeds (per seed), or why there is none."""
    if result.published:
        values = [result.published[s] for s in sorted(result.published)]
        per_seed = ", ".join(format_number(v) for v in values)
        return f"{format_number(_median(values))} ({per_seed})"
    return result.published_status or "-"


def control_cells(result: RowResult) -> list[str]:
    """The control columns of one row ('-' where the row has no control)."""
    ci = result.control_interval
    per_seed = ", ".join(format_number(result.control[s]) for s in sorted(result.control))
    same = {s for s, d in result.paired.items() if result.same_weights.get(s)}
    every = bool(same) and same == set(result.paired)
    paired = ", ".join(
        f"{'+' if d > 0 else ''}{format_number(d)} (seed {s}"
        + (", same weights)" if s in same and not every else ")")
        for s, d in result.paired.items()
    ) + (" - same weights on every seed" if every else "")
    return [
        f"{format_number(ci.point)} [{format_number(ci.low)}, {format_number(ci.high)}]"
        if ci is not None
        else "-",
        per_seed or "-",
        paired or "-",
        result.control_verdict,
    ]


def _median(values: Sequence[float]) -> float:
    """Median (NaN for none)."""
    return float(statistics.median(values)) if values else math.nan


def _steps_cell(result: RowResult) -> str:
    """Median steps trained, with the fraction of RL Zoo's budget when it is not all of it."""
    if not result.steps:
        return "-"
    steps = _median(result.steps)
    fraction = steps / result.row.n_timesteps
    shown = f"{steps:,.0f}"
    return shown if abs(fraction - 1) < 0.02 else f"{shown} ({fraction:.0%})"


def table_cells(result: RowResult) -> list[str]:
    """One Markdown row of the table."""
    row, ci = result.row, result.interval
    env = f"{row.env_id} (table: {row.published_env_id})" if row.published_env_id else row.env_id
    ours = (
        f"{format_number(ci.point)} [{format_number(ci.low)}, {format_number(ci.high)}]"
        if ci is not None
        else "-"
    )
    seeds = f"{len(result.finals)}/{result.runs}" if result.runs else "0"
    return [
        row.algo,
        env,
        f"{format_number(row.mean)} ± {format_number(row.std)}",
        f"{row.n_timesteps:,}",
        ours,
        ", ".join(format_number(v) for v in result.finals) or "-",
        f"{result.seeds_reaching_zoo}/{len(result.finals)}" if result.finals else "-",
        seeds,
        _steps_cell(result),
        f"{_median(result.wall_s):,.0f}" if result.wall_s else "-",
        result.verdict,
    ]


HEADER = (
    "algo",
    "env",
    "RL Zoo mean ± std (1 agent)",
    "RL Zoo steps",
    "ours: median [95% CI] over seeds",
    "ours per seed",
    "our seeds at or above RL Zoo's mean",
    "seeds ok/run",
    "our steps",
    "wall time per run (s)",
    VERDICT,
)


def markdown(results: Sequence[RowResult], sources: Sequence[str]) -> str:
    """The table with its notes, as Markdown."""
    from rlgan.sweep.tables import markdown_table

    with_control = any(r.control or r.control_failed for r in results)
    with_published = any(r.published_agent for r in results)
    header = HEADER + (CONTROL_HEADER if with_control else ())
    header += (PUBLISHED_HEADER,) if with_published else ()
    cells = [
        table_cells(r)
        + (control_cells(r) if with_control else [])
        + ([published_cell(r)] if with_published else [])
        for r in results
    ]
    table = markdown_table(header, cells)
    episodes = sorted({e for r in results for e in r.eval_episodes})
    notes = [
        f"RL Zoo's figures: {ATTRIBUTION}. Our figures: final evaluation of each run's final "
        f"model (`eval/mean_reward` in its metrics.json; deterministic, "
        f"{'/'.join(map(str, episodes)) or '-'} episodes per seed), RL Zoo's settings "
        "(`hyperparams_source=zoo`), trained to the end of the budget (`stop_on_solve=0`; "
        "'our steps' gives the share of RL Zoo's budget when a run had less); the median over "
        "seeds with its 95% percentile-bootstrap CI (rliable, 2000 resamples; with 3 seeds "
        "it spans the lowest to the highest seed). RL Zoo publishes one agent per row, so "
        "'our seeds at or above RL Zoo's mean' says how often one of our runs did as well as "
        "that agent. Wall time: as measured, jobs sharing the machine's cores.",
    ]
    if with_control:
        notes.append(
            "RL Zoo's trainer here (the control, `--zoo-control`): the same rows and seeds "
            "trained by `python -m rl_zoo3.train` (its hyperparameter file and budget, its "
            "periodic evaluation off, 1 torch thread); its final model and ours are evaluated "
            "by the same function (`rlgan-rl evaluate=`'s, the final model, deterministic, "
            "evaluation envs seeded alike from the seed), so 'ours − RL Zoo's trainer' is a "
            "paired difference in the trainer only (it uses this re-evaluation of our final "
            "model, not the 'ours' column's); 'same weights': the two final models hold the "
            "same parameters bit for bit. RL Zoo's published mean above both intervals points "
            "at its one agent, above ours only at our pipeline."
        )
    if with_published:
        notes.append(published_note(results, episodes))
    notes.extend(f"{r.row.key}: {r.row.note}." for r in results if r.row.note)
    missing = sorted(
        {r.row.requires for r in results if r.refusal == f"{r.row.requires} not installed"}
    )
    notes.extend(
        f"`pip install {name}` adds the rows marked '{name} not installed'." for name in missing
    )
    for r in results:
        if r.failed:
            notes.append(f"{r.row.key}: {len(r.failed)} failed run(s): {r.failed[0]}")
        if r.ignored:
            notes.append(f"{r.row.key}: {r.ignored} run(s) without RL Zoo's settings ignored.")
        if r.control_failed:
            notes.append(
                f"{r.row.key}: {len(r.control_failed)} failed control run(s): {r.control_failed[0]}"
            )
    notes.append("Runs read from: " + ", ".join(f"`{s}`" for s in sources) + ".")
    return table + "\n\n" + "\n\n".join(f"- {n}" if i else n for i, n in enumerate(notes))


def published_note(results: Sequence[RowResult], episodes: Sequence[int]) -> str:
    """The note under the table on the published agents' column."""
    played = "; ".join(
        f"{r.row.key}: RL Zoo's {r.published_env} agent, played on {r.row.env_id}"
        for r in results
        if r.published_env
    )
    missing = [r for r in results if r.published_status == "not found"]
    return (
        "RL Zoo's published agent, re-evaluated here (`--published-agents`): the agent of the "
        "row in DLR-RM/rl-trained-agents (`<algo>/<env id>_1/<env id>.zip`, the one RL Zoo's "
        "table reports), evaluated by the control's function (`rlgan-rl evaluate=`'s, the "
        "final model, deterministic, "
        f"{'/'.join(map(str, episodes)) or '-'} episodes) once per seed of our runs, its "
        "evaluation envs seeded from that seed exactly as the control's (`rlgan-rl evaluate= "
        "seed=<s>`; the 'ours' column's in-run evaluation uses other env seeds); the median "
        "over those seeds, each seed's mean in brackets. Only the evaluation episodes differ "
        "between seeds: one agent, as published. Its gap to RL Zoo's published mean is the "
        "evaluation (env version, episodes); its gap to RL Zoo's trainer here is the agent."
        + (f" {played}." if played else "")
        + (
            " 'not found': the checkout lacks "
            + ", ".join(f"`{r.published_agent}`" for r in missing)
            + "."
            if missing
            else ""
        )
        + "".join(
            f" {r.row.key}: {r.published_status}."
            for r in results
            if r.published_status not in (None, "not found")
        )
    )


def csv_rows(results: Sequence[RowResult]) -> list[dict[str, Any]]:
    """One CSV row per table row, at full precision."""
    rows = []
    for r in results:
        ci = r.interval
        rows.append(
            {
                "algo": r.row.algo,
                "env_id": r.row.env_id,
                "published_env_id": r.row.published_env_id or r.row.env_id,
                "zoo_mean": r.row.mean,
                "zoo_std": r.row.std,
                "zoo_n_timesteps": r.row.n_timesteps,
                "zoo_eval_episodes": r.row.eval_episodes,
                "runs": r.runs,
                "seeds_ok": len(r.finals),
                "failed": len(r.failed),
                "median": ci.point if ci else "",
                "ci_low": ci.low if ci else "",
                "ci_high": ci.high if ci else "",
                "per_seed": ";".join(repr(v) for v in r.finals),
                "seeds_at_or_above_zoo_mean": r.seeds_reaching_zoo if r.finals else "",
                "steps_median": _median(r.steps) if r.steps else "",
                "wall_time_s_median": _median(r.wall_s) if r.wall_s else "",
                "eval_episodes": ";".join(map(str, sorted(set(r.eval_episodes)))),
                "verdict": r.verdict,
                "control_median": r.control_interval.point if r.control_interval else "",
                "control_ci_low": r.control_interval.low if r.control_interval else "",
                "control_ci_high": r.control_interval.high if r.control_interval else "",
                "control_per_seed": ";".join(f"{s}:{v!r}" for s, v in sorted(r.control.items())),
                "ours_same_eval_per_seed": ";".join(
                    f"{s}:{v!r}" for s, v in sorted(r.ours_same_eval.items())
                ),
                "paired_diff_per_seed": ";".join(f"{s}:{v!r}" for s, v in r.paired.items()),
                "same_weights_per_seed": ";".join(
                    f"{s}:{v}" for s, v in sorted(r.same_weights.items())
                ),
                "control_wall_time_s_median": (
                    _median(r.control_wall_s) if r.control_wall_s else ""
                ),
                "control_verdict": r.control_verdict,
                "published_agent": r.published_agent,
                "published_median": (_median(list(r.published.values())) if r.published else ""),
                "published_per_seed": ";".join(
                    f"{s}:{v!r}" for s, v in sorted(r.published.items())
                ),
                "published_status": r.published_status or ("ok" if r.published else ""),
                "note": r.row.note,
            }
        )
    return rows


def write_table(results: Sequence[RowResult], out: Path, sources: Sequence[str]) -> str:
    """Write ``zoo_table.md`` and ``zoo_table.csv`` into ``out``; return the Markdown."""
    from rlgan.common.atomic import atomic_write_text
    from rlgan.sweep.tables import write_csv

    text = markdown(results, sources)
    title = "# RL Zoo's published results, reproduced with rlgan-rl\n\n"
    atomic_write_text(out / "zoo_table.md", title + text + "\n")
    write_csv(out / "zoo_table.csv", csv_rows(results))
    return text


def row_folder(out: Path, row: ZooRow) -> Path:
    """The multirun folder of ``row``'s seeds."""
    return out / f"{row.algo}_{row.env_id}"


def run_row(overrides: Sequence[str], seeds: int, jobs: int, sweep: Path, log: Path) -> float:
    """Train one row's seeds as ``rlgan-rl -m`` on the joblib launcher; its wall clock (s).

    Hydra's output is appended to ``log``. A multirun records a failing job in its
    metrics.json and goes on; a failing command is reported and the table shows the row's
    runs as they are.
    """
    cmd = [
        sys.executable,
        "-m",
        "rlgan.rl.cli",
        "-m",
        *overrides,
        "seed=" + ",".join(str(s) for s in range(seeds)),
        "hydra/launcher=joblib",
        f"hydra.launcher.n_jobs={jobs}",
        f"hydra.sweep.dir={sweep}",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log.open("a") as handle:  # a re-run (continuing the table) appends
        handle.write(" ".join(cmd) + "\n")
        handle.flush()
        proc = run_group(cmd, stdout=handle, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"# warning: exit status {proc.returncode} for {sweep.name}; see {log}", flush=True)
    return wall


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows",
        action="append",
        metavar="ALGO:ENV[,...]",
        help=f"rows to run (default: all): {', '.join(r.key for r in ALL_ROWS)}",
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds per row, 0..N-1 (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_SCALE * 100:.0f}%% of RL Zoo's budgets"
    )
    parser.add_argument(
        "--budget-scale", type=float, default=None, help="fraction of RL Zoo's budgets (0, 1]"
    )
    parser.add_argument(
        "--mujoco-steps",
        type=int,
        default=MUJOCO_STEPS,
        help=f"steps per run of the MuJoCo rows, before --quick or --budget-scale "
        f"(default {MUJOCO_STEPS:,}; RL Zoo's: 1,000,000)",
    )
    parser.add_argument(
        "--eval-episodes",
        type=int,
        default=EVAL_EPISODES,
        help=f"episodes of each run's final evaluation (default {EVAL_EPISODES})",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="joblib workers (default: min(seeds, CPUs))"
    )
    parser.add_argument(
        "--out", default=None, help="folder of runs and tables (default multirun/zoo_table/...)"
    )
    parser.add_argument(
        "--collect",
        nargs="+",
        metavar="DIR",
        help="build the table from the run folders under DIR only (no training)",
    )
    parser.add_argument(
        "--zoo-control",
        action="store_true",
        help="also train each row's seeds with RL Zoo's own trainer (rl_zoo3.train), evaluate "
        "its final models as ours, and add the control columns",
    )
    parser.add_argument(
        "--zoo-control-only",
        action="store_true",
        help="--zoo-control without training ours (our runs already in --out are read)",
    )
    parser.add_argument(
        "--published-agents",
        metavar="DIR",
        default=None,
        help="a local checkout of DLR-RM/rl-trained-agents: evaluate each row's published "
        "agent on our runs' seeds and add its column (evaluation only; with --collect too)",
    )
    parser.add_argument("overrides", nargs="*", help="extra rlgan-rl overrides for every run")
    return parser


def _check_args(args: argparse.Namespace) -> float:
    """Refuse bad numbers before any work; return the budget scale."""
    scale = args.budget_scale if args.budget_scale is not None else 1.0
    if args.budget_scale is None and args.quick:
        scale = QUICK_SCALE
    if not (0 < scale <= 1):
        raise ConfigError(
            f"Invalid --budget-scale={scale!r}: it must be in (0, 1] (a fraction of RL Zoo's "
            "budgets; --quick is 0.1)."
        )
    checked = (
        ("--seeds", args.seeds),
        ("--eval-episodes", args.eval_episodes),
        ("--mujoco-steps", args.mujoco_steps),
    )
    for name, value in checked:
        if value < 1:
            raise ConfigError(f"Invalid {name}={value}: it must be an integer >= 1.")
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"Invalid --jobs={args.jobs}: it must be an integer >= 1.")
    control = "--zoo-control-only" if args.zoo_control_only else "--zoo-control"
    if (args.zoo_control or args.zoo_control_only) and args.collect:
        raise ConfigError(
            f"Invalid {control} with --collect: --collect trains nothing; it shows the control "
            "columns whenever the folders hold control runs (zoo_control/.../control.json)."
        )
    if args.published_agents is not None and not Path(args.published_agents).is_dir():
        raise ConfigError(
            f"Invalid --published-agents={args.published_agents!r}: no such folder. Pass a "
            "local checkout of DLR-RM/rl-trained-agents (its <algo>/<env id>_1/<env id>.zip "
            "are RL Zoo's published agents); nothing is downloaded."
        )
    if (args.zoo_control or args.zoo_control_only) and importlib.util.find_spec("rl_zoo3") is None:
        raise ConfigError(
            f"Invalid {control}: the control trains with RL Zoo's own trainer, and rl_zoo3 "
            "is not installed (pip install rl_zoo3)."
        )
    return scale


def _default_out() -> Path:
    """``multirun/zoo_table/<date>/<time>``, as Hydra names its sweep folders."""
    return Path("multirun/zoo_table") / time.strftime("%Y-%m-%d") / time.strftime("%H-%M-%S")


def main(argv: Sequence[str] | None = None) -> int:
    """Train (or ``--collect``) and print the table; the exit status (2 for bad input)."""
    from rlgan.common.writable import require_writable_dir

    args = build_parser().parse_args(argv)
    try:
        scale = _check_args(args)
        rows = with_mujoco_steps(parse_rows(args.rows), args.mujoco_steps)
        overrides = {
            r.key: job_overrides(r, scale, args.eval_episodes, args.overrides) for r in rows
        }
        refusals = {r.key: missing_requirement(r) or refusal_of(overrides[r.key]) for r in rows}
        if args.collect:
            find_runs(args.collect)  # a missing folder is bad input
            out = Path(args.out) if args.out else Path(args.collect[0])
        else:
            out = Path(args.out) if args.out else _default_out()
        out = require_writable_dir(out, "--out")
    except ConfigError as err:
        print(f"zoo_table: error: {err}", file=sys.stderr)
        return 2
    sources = [str(p) for p in args.collect] if args.collect else [str(out)]
    if not args.collect:
        jobs = args.jobs or min(args.seeds, os.cpu_count() or 1)
        print(
            f"# {platform.node()}, {os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.2f}; "
            f"{args.seeds} seeds per row, {jobs} joblib workers, {scale:g} of RL Zoo's "
            f"budgets, {args.eval_episodes} final-evaluation episodes; runs in {out}",
            flush=True,
        )
        control = args.zoo_control or args.zoo_control_only
        for row in rows:
            if not args.zoo_control_only:
                train_ours(row, overrides[row.key], args, jobs, scale, out, refusals[row.key])
            if control and not missing_requirement(row):
                train_control(row, args.seeds, row_budget(row, scale), args.eval_episodes, out)
    results = collect(sources, rows, refusals)
    if args.published_agents is not None:
        run_published(Path(args.published_agents), results, args.eval_episodes, args.seeds, out)
        for result in results:
            add_published(result, read_published([out]))
    text = write_table(results, out, sources)
    print(text)
    print(f"\nWrote {out / 'zoo_table.md'} and {out / 'zoo_table.csv'}")
    return 0


def train_ours(
    row: ZooRow,
    overrides: Sequence[str],
    args: argparse.Namespace,
    jobs: int,
    scale: float,
    out: Path,
    refusal: str | None,
) -> None:
    """Train ``row``'s seeds through ``rlgan-rl`` (unless refused) and print how it went."""
    if refusal:
        print(f"# {row.key}: skipped, {refusal}", flush=True)
        return
    sweep = row_folder(out, row)
    wall = run_row(overrides, args.seeds, jobs, sweep, out / "logs" / f"{sweep.name}.log")
    done = summarize(row, find_runs([sweep]))
    per_run = _median(done.wall_s)
    estimate = math.ceil(args.seeds / jobs) * per_run / scale / 60
    print(
        f"# {row.key}: {len(done.finals)}/{args.seeds} seeds ok in {wall:.0f} s "
        f"(median {per_run:.0f} s per run); finals "
        f"{[round(v, 1) for v in done.finals]}; the full budget would take about "
        f"{estimate:.0f} min ({jobs} workers, time taken as proportional to steps)",
        flush=True,
    )


def train_control(row: ZooRow, seeds: int, budget: int, episodes: int, out: Path) -> None:
    """The control of ``row``: each seed with RL Zoo's trainer, one at a time; print each."""
    from rlgan.common.device import set_torch_threads

    set_torch_threads(1)  # the evaluations, like the trainer's --num-threads 1
    runs = find_runs([row_folder(out, row)]) if row_folder(out, row).is_dir() else []
    for seed in range(seeds):
        folder = control_folder(out, row, seed)
        record = run_control(row, seed, folder, budget, episodes, our_run(runs, row, seed))
        if record.get("status") != "ok":
            print(f"# control {row.key} seed {seed}: {record.get('error')}", flush=True)
            continue
        ours = record.get("ours")
        print(
            f"# control {row.key} seed {seed}: RL Zoo's trainer {record['zoo_trainer']:.2f}, "
            f"ours {'-' if ours is None else f'{ours:.2f}'} (same evaluation); "
            f"{record.get('wall_time_s', math.nan):.0f} s wall, "
            f"{record.get('cpu_time_s', math.nan):.0f} s CPU; {folder}",
            flush=True,
        )


if __name__ == "__main__":
    with sigterm_as_exit():  # kill or a time limit stops the training commands too
        sys.exit(main())
