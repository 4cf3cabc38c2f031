"""``train(cfg)``: one GAN run from a composed config, with everything a run leaves behind.

The loop lives in :class:`~rlgan.gan.trainer.GanTrainer`; this module validates the config
(before any heavy work), builds the data set, models and loss from their configs
(``_target_``), resumes, evaluates, logs (``progress.csv``, TensorBoard, a progress bar),
writes samples, plots and checkpoints, and reports the objective. What is measured and drawn
is the data set's business (:class:`~rlgan.gan.data.GanDataSet`): this module has no
per-data-set branches. A class-conditional run (``model.conditional=true``,
:mod:`rlgan.gan.conditioning`) generates its evaluation samples for stratified labels, its
pictures with one row per class, and lets the live view pick the class.
"""

from __future__ import annotations

import logging
import math
import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig

from rlgan.common.csv_log import CSVLogger
from rlgan.common.device import resolve_device, set_torch_threads
from rlgan.common.errors import invalid_choice
from rlgan.common.lifecycle import (
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
    current_run_dir,
    latest_checkpoint,
    read_metrics,
)
from rlgan.common.seeding import seed_everything
from rlgan.common.summary import RunSummary, format_value
from rlgan.common.tensorboard import EventFile
from rlgan.common.writable import require_writable_dir
from rlgan.gan import visuals
from rlgan.gan.building import build_object
from rlgan.gan.checkpoints import load_gan_checkpoint, save_gan_checkpoint
from rlgan.gan.cluster_match import ClusterMatcher, cluster_matcher_for, configured_clusters
from rlgan.gan.conditioning import (
    GRID_COLUMNS,
    check_conditional_data,
    display_classes,
    is_conditional,
    stratified_labels,
)
from rlgan.gan.data import GanDataSet, build_data
from rlgan.gan.evaluators import Evaluator
from rlgan.gan.losses import LOSS_METRIC_NAMES, GanLoss
from rlgan.gan.models import build_models_for
from rlgan.gan.precision import check_precision
from rlgan.gan.settings import TrainSettings, apply_renamed_knobs
from rlgan.gan.trainer import GanTrainer, TrainingDivergedError
from rlgan.gan.validate import validate, warn_batch_vs_data

log = logging.getLogger(__name__)

CHECKPOINT_SUFFIX = ".pt"
SAMPLES_DIR = "samples"
LOSS_COLUMNS = ("loss/d", "loss/g", "loss/penalty")
FIXED_LATENTS = 64
INTERPOLATION_GIF = "interpolation.gif"
#: Seconds per frame of the interpolation GIF.
INTERPOLATION_SECONDS = 0.08


def available_metrics(evaluator: Evaluator) -> tuple[str, ...]:
    """Names of the metrics a run with ``evaluator`` reports (valid ``objective`` values)."""
    return evaluator.metric_names + LOSS_METRIC_NAMES


class GanRun:
    """The side effects of one run: evaluation, logs, samples, plots, checkpoints.

    It is also the :class:`~rlgan.gan.data.ModelView` the data set draws its pictures with.
    """

    def __init__(
        self,
        cfg: DictConfig,
        run_dir: Path,
        data: GanDataSet,
        trainer: GanTrainer,
        evaluator: Evaluator,
        settings: TrainSettings,
        n_samples: int,
        matcher: ClusterMatcher | None = None,
    ) -> None:
        self.cfg, self.run_dir, self.data, self.trainer = cfg, run_dir, data, trainer
        #: Draws the evaluation and :meth:`generate` samples in the training images' cluster
        #: shares (``sampling.cluster_match``; None: the generator's own draws).
        self.matcher = matcher
        self.evaluator, self.settings, self.n_samples = evaluator, settings, int(n_samples)
        self.seed = int(cfg.seed)
        self.csv = CSVLogger(run_dir / PROGRESS_FILE)
        evaluator.prepare()
        self.fixed_z = trainer.latents(FIXED_LATENTS, torch.Generator().manual_seed(self.seed + 7))
        #: The classes of a conditional run (0: unconditional), those pictures show (one row
        #: each) and the one picked in the live view (None: all).
        self.num_classes = trainer.num_classes
        self.display_classes = display_classes(self.num_classes)
        self.live_class: int | None = None
        self.writer = None
        if settings.tensorboard:
            self.writer = EventFile(run_dir / TB_DIR)
        self.view = None
        if cfg.get("render") is not None and cfg.render.get("live", False):
            from rlgan.render.live import LiveGANView

            names = [data.class_name(c) for c in self.display_classes]
            picking = {"classes": names} if names else {}  # number keys pick a class
            self.view = LiveGANView(every=int(cfg.render.every), **picking)
        self.last_metrics: dict[str, float] = {}
        self.last_losses: dict[str, float] = {}

    def final_losses(self) -> dict[str, float]:
        """The latest finite losses (``loss/d``, ``loss/g``; valid objectives of a run)."""
        return {
            k: v for k, v in self.last_losses.items() if k in LOSS_METRIC_NAMES and math.isfinite(v)
        }

    # ---- the model view of the data set's pictures ---------------------------------------
    def generate(
        self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``n`` samples of the sampling generator (eval mode, CPU; see ``ModelView``).

        Cluster-matched (``sampling.cluster_match``) when the run has a matcher.
        """
        if self.matcher is not None and labels is None:
            return self.matcher.sample(lambda m: self.trainer.generate(m, generator), n, generator)
        return self.trainer.generate(n, generator, labels)

    def fixed_samples(
        self, count: int | None = None, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Samples of the fixed latents (the first ``count``), eval mode, CPU.

        A conditional run without ``labels`` gives the class grid: one row of
        :data:`~rlgan.gan.conditioning.GRID_COLUMNS` samples per displayed class, the same
        latents in every row; with ``labels``, one fixed latent per label.
        """
        if not self.num_classes:
            return self.trainer.sample_from(self.fixed_z[:count])
        if labels is None:
            z = self.fixed_z[:GRID_COLUMNS].repeat(len(self.display_classes), 1)
            labels = torch.tensor(self.display_classes).repeat_interleave(GRID_COLUMNS)
            return self.trainer.sample_from(z[:count], labels[:count])
        z = self.fixed_z[torch.arange(len(labels)) % len(self.fixed_z)]
        return self.trainer.sample_from(z, labels)

    def critic_probabilities(
        self, points: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``sigmoid(D(points))`` (eval mode, CPU; conditional: for ``labels``, or averaged)."""
        return self.trainer.critic_probabilities(points, labels)

    def latents(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` standard-normal latents drawn from ``generator``."""
        return self.trainer.latents(n, generator)

    def samples_of(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Samples of latents ``z`` (eval mode, CPU; conditional: cycling the shown classes)."""
        if self.num_classes and labels is None:
            shown = torch.tensor(self.display_classes)
            labels = shown[torch.arange(len(z)) % len(shown)]
        return self.trainer.sample_from(z, labels)

    def live_labels(self, n: int) -> torch.Tensor | None:
        """``n`` labels of the class picked in the live view (None: none picked)."""
        return None if self.live_class is None else torch.full((n,), self.live_class)

    # ---- evaluation -----------------------------------------------------------------------
    def evaluate(self, step: int) -> dict[str, float]:
        """Metrics of the sampling generator at ``step`` (own RNG: training is unaffected)."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        n = self.n_samples
        if self.evaluator.max_samples is not None:
            n = min(n, self.evaluator.max_samples)
        if not self.num_classes:
            fake = self.generate(n, generator)
            return self.evaluator.evaluate(fake, generator)
        labels = stratified_labels(n, self.data.class_frequencies(), generator)
        fake = self.trainer.generate(n, generator, labels)
        return self.evaluator.evaluate_conditional(fake, labels, generator)

    # ---- pictures -------------------------------------------------------------------------
    def save_samples(self, step: int) -> None:
        """Write ``samples/step_XXXXXX.png``: the data set's sample picture."""
        path = self.run_dir / SAMPLES_DIR / f"step_{step:06d}.png"
        visuals.save_png(path, self.data.picture(self, step, self.seed))

    def update_view(self, step: int, losses: Mapping[str, float]) -> None:
        """Feed the live pygame view when ``render.live=true`` and it is due."""
        if self.view is None or not self.view.due(step):
            return
        if self.num_classes:
            picked = self.view.selected_class
            self.live_class = None if picked is None else self.display_classes[picked]
        payload = self.data.live_payload(self, step, self.seed)
        self.view.update(step, losses=dict(losses), metrics=dict(self.last_metrics), **payload)

    # ---- logs and checkpoints -------------------------------------------------------------
    def log_row(self, row: dict[str, Any]) -> None:
        """Append a row to ``progress.csv`` and TensorBoard."""
        self.csv.log(row)
        if self.writer is not None:
            self.writer.add_scalars({k: v for k, v in row.items() if k != "step"}, int(row["step"]))

    def checkpoint(self, wall_time_s: float) -> Path | None:
        """Atomically save the trainer state (skipped if any weight is not finite)."""
        finite = getattr(self.trainer, "state_is_finite", self.trainer.parameters_finite)
        if not finite():
            log.error(
                "not checkpointing step %d: the weights or optimiser state are not finite",
                self.trainer.step,
            )
            return None
        state = self.trainer.state_dict()
        state["wall_time_s"] = float(wall_time_s)
        state["fixed_z"] = self.fixed_z.cpu()
        return save_gan_checkpoint(
            self.run_dir, self.trainer.step, state, self.settings.keep_checkpoints
        )

    def finish_pictures(self) -> None:
        """Timeline GIF, the latent interpolation GIF (images) and the loss/metric plots."""
        samples = self.run_dir / SAMPLES_DIR
        visuals.save_timeline(samples, samples / "timeline.gif")
        frames = self.data.interpolation_frames(self, self.seed)
        if frames:
            visuals.save_gif(samples / INTERPOLATION_GIF, frames, INTERPOLATION_SECONDS)
        progress = self.run_dir / PROGRESS_FILE
        visuals.plot_progress(
            progress,
            self.run_dir / PLOTS_DIR / "losses.png",
            LOSS_COLUMNS,
            f"{self.data.name}: losses",
        )
        visuals.plot_progress(
            progress,
            self.run_dir / PLOTS_DIR / "metrics.png",
            self.evaluator.metric_names,
            f"{self.data.name}: metrics",
        )

    def close(self) -> None:
        """Close TensorBoard and the live view."""
        if self.writer is not None:
            self.writer.close()
        if self.view is not None:
            self.view.close()


#: How the run lifecycle plans resumes and re-runs of rlgan-gan's runs.
GAN_RUNS = RunKind(
    "gan",
    budget_key="train.iterations",
    step_key="step",
    checkpoint_suffix=CHECKPOINT_SUFFIX,
    # train.precision / channels_last / compile change how the steps run, not what is saved:
    # a run started on a GPU in fp16 can continue on the CPU in fp32 or bf16.
    resume_knobs=(
        "progress_bar",
        "threads",
        "device",
        "render.live",
        "render.every",
        "trust",
        "train.precision",
        "train.channels_last",
        "train.compile",
    ),
)


def train(cfg: DictConfig, run_dir: str | Path | None = None) -> float:
    """Train a GAN as configured; return the objective (``cfg.objective``'s final value).

    An interrupted run (Ctrl-C, SIGTERM) finishes its current iteration, checkpoints, is
    recorded ``interrupted``, and :class:`~rlgan.common.lifecycle.RunInterrupted` (a
    ``KeyboardInterrupt``) propagates.
    """
    cfg = apply_renamed_knobs(cfg)
    start = GAN_RUNS.start(cfg, run_dir)
    if start.existing is not None:  # a no-op resume or a finished sweep job
        GAN_RUNS.announce(start.existing)
        return metric_value(start.existing.metrics, str(start.cfg.objective))
    plan = start.resume
    cfg, run_dir = apply_renamed_knobs(start.cfg), start.run_dir  # a run saved with old names
    settings = validate(cfg)
    folder = require_writable_dir(
        run_dir if run_dir is not None else current_run_dir(None), "run dir"
    ).resolve()
    device = resolve_device(cfg.device)
    check_precision(settings.train.precision, device)  # fp16 needs CUDA: before any loading
    data = build_data(cfg.data)
    conditional = is_conditional(cfg.model)
    if conditional:
        check_conditional_data(data, str(cfg.model.get("name", "model")))
    warn_batch_vs_data(cfg, data.size)
    matcher = cluster_matcher_for(configured_clusters(cfg), data, conditional, int(cfg.seed))
    evaluator = data.evaluator(settings.eval, device, int(cfg.seed))
    objective = str(cfg.objective)
    choices = available_metrics(evaluator)
    if objective not in choices:
        raise invalid_choice(
            "objective", objective, choices, hint=f"(metrics reported for data={data.name})"
        )
    seed_everything(int(cfg.seed))
    set_torch_threads(cfg.get("threads", 1))
    generator, discriminator = build_models_for(cfg.model, data)
    loss = build_object(cfg.loss, "loss", GanLoss)
    trainer = GanTrainer(
        generator,
        discriminator,
        data,
        settings.train,
        loss,
        int(cfg.model.z_dim),
        device,
        int(cfg.seed),
        conditional=conditional,
    )
    elapsed, fixed_z, resumed_from = 0.0, None, None
    if plan is not None:
        state = _load_checkpoint(folder, device, bool(cfg.get("trust", False)))
        trainer.load_state_dict(state)
        elapsed = float(state.get("wall_time_s", 0.0))
        fixed_z = state.get("fixed_z")
        resumed_from = trainer.step
        clean_after_crash(folder, resumed_from)
        log.info("resuming %s from iteration %d", folder, trainer.step)
    summary: dict[str, Any] = {
        "seed": int(cfg.seed),
        "objective": objective,
        "data": data.name,
        "model": str(cfg.model.name),
        "loss": loss.name,
        "iterations": trainer.iterations,
        "step": trainer.step,
    }
    if plan is not None:
        summary.update(
            {k: v for k, v in read_metrics(folder).items() if k.startswith(("eval/", "loss/"))}
        )
    with RunLifecycle(
        "gan",
        folder,
        cfg,
        summary,
        resumed_from=resumed_from,
        applied=plan.applied if plan else None,
    ) as life:
        run = GanRun(
            cfg,
            folder,
            data,
            trainer,
            evaluator,
            settings.train,
            settings.eval.n_samples,
            matcher=matcher,
        )
        life.on_close(run.close)
        if fixed_z is not None:
            run.fixed_z = fixed_z.to(device)
        run.last_metrics = {k: v for k, v in summary.items() if k.startswith("eval/")}
        return _train_and_finish(cfg, run, trainer, life, elapsed)


def _load_checkpoint(folder: Path, device: torch.device, trust: bool) -> dict[str, Any]:
    """The newest loadable checkpoint's state (damaged ones are skipped with a warning)."""
    found = load_gan_checkpoint(folder, device, trust=trust)
    assert found is not None, "GAN_RUNS.start checked that a checkpoint exists"
    return found[0]


def _train_and_finish(
    cfg: DictConfig, run: GanRun, trainer: GanTrainer, life: RunLifecycle, elapsed: float
) -> float:
    """Run the loop under the lifecycle; checkpoint, pictures and the final summary."""
    objective = str(cfg.objective)
    with StopRequest() as stop:
        try:
            elapsed = _loop(cfg, run, trainer, elapsed, stop)
        except TrainingDivergedError as err:
            good = latest_checkpoint(run.run_dir, CHECKPOINT_SUFFIX)
            life.record(
                {
                    **run.final_losses(),
                    "step": trainer.step,
                    "diverged_at_iteration": trainer.step + 1,
                    "last_good_checkpoint_step": good[0] if good else None,
                }
            )
            where = (
                f"The last good checkpoint is {good[1].name} (iteration {good[0]})."
                if good
                else "No good checkpoint exists: the run diverged before its first checkpoint."
            )
            raise TrainingDivergedError(f"{err} {where}") from None
    if stop.requested:
        run.checkpoint(elapsed)
        life.record(
            {
                **run.evaluator.details(),
                **run.last_metrics,
                **run.final_losses(),
                "step": trainer.step,
                "wall_time_s": elapsed,
            },
            status="interrupted",
        )
        log.warning(
            "interrupted at iteration %d; continue with resume=%s", trainer.step, run.run_dir
        )
        print(summary_line(life.metrics, run.run_dir))
        print(
            f"rlgan-gan: interrupted at iteration {trainer.step}; continue with: "
            f"rlgan-gan resume={run.run_dir}"
        )
        raise RunInterrupted(stop.signum or signal.SIGINT)
    run.checkpoint(elapsed)
    run.finish_pictures()
    life.finish(
        {
            **run.evaluator.details(),
            **run.last_metrics,
            **run.final_losses(),
            "step": trainer.step,
            "wall_time_s": elapsed,
        }
    )
    value = metric_value(life.metrics, objective)
    log.info("%s = %.4g after %d iterations (%.0f s)", objective, value, trainer.step, elapsed)
    print(summary_line(life.metrics, run.run_dir))
    return value


#: Metrics the summary line shows besides the objective (at most this many).
SUMMARY_METRICS = 3


def summary_line(metrics: dict[str, Any], run_dir: str | Path) -> str:
    """The run's one line, in :class:`~rlgan.common.summary.RunSummary`'s shared format."""
    objective = str(metrics.get("objective"))
    shown = [
        f"{name} {format_value(value)}"
        for name, value in metrics.items()
        if name.startswith("eval/") and name != objective and isinstance(value, (int, float))
    ][:SUMMARY_METRICS]
    losses = [
        f"{name} {format_value(metrics[name])}"
        for name in ("loss/d", "loss/g")
        if isinstance(metrics.get(name), (int, float))
    ]
    return RunSummary(
        command="rlgan-gan",
        status=str(metrics.get("status")),
        what=(f"{metrics.get('model')} GAN ({metrics.get('loss')} loss) on {metrics.get('data')}"),
        done=metrics.get("step"),
        unit="iterations",
        wall_time_s=metrics.get("wall_time_s"),
        details=(*shown, *losses) or ("no evaluation",),
        objective=objective,
        value=metric_value(metrics, objective),
        run_dir=run_dir,
    ).line()


def _loop(
    cfg: DictConfig, run: GanRun, trainer: GanTrainer, elapsed: float, stop: StopRequest
) -> float:
    """Run the remaining iterations; return the total wall time (s) of the run so far.

    A stop request (Ctrl-C, SIGTERM) ends the loop between two iterations, so the
    interrupt checkpoint holds a whole iteration's state.
    """
    settings = run.settings
    every = {
        "log": settings.log_every,
        "eval": settings.eval_every,
        "sample": settings.sample_every,
        "checkpoint": settings.checkpoint_every,
    }
    total = trainer.iterations
    bar = None
    if want_progress(cfg.get("progress_bar", "auto"), sys.stderr):
        from tqdm.auto import tqdm

        bar = tqdm(
            total=total, initial=trainer.step, desc=f"rlgan-gan {run.data.name}", dynamic_ncols=True
        )
    sums: dict[str, float] = {}
    count = 0
    started = time.perf_counter() - elapsed
    if trainer.step == 0:
        run.save_samples(0)
    while trainer.step < total and not stop.requested:
        losses = trainer.train_step()
        step = trainer.step
        for key, value in losses.items():
            sums[key] = sums.get(key, 0.0) + value
        count += 1
        run.last_losses = dict(losses)
        row: dict[str, Any] = {}
        last = step == total
        if step % every["log"] == 0 or last:
            row.update({k: v / count for k, v in sums.items()})
            row["lr/g"] = trainer.opt_g.param_groups[0]["lr"]
            row["lr/d"] = trainer.opt_d.param_groups[0]["lr"]
            row["time_s"] = time.perf_counter() - started
            sums, count = {}, 0
        if step % every["eval"] == 0 or last:
            run.last_metrics = run.evaluate(step)
            row.update(run.last_metrics)
        if row:
            run.log_row({"step": step, **row})
        if step % every["sample"] == 0 or last:
            run.save_samples(step)
        run.update_view(step, losses)
        if step % every["checkpoint"] == 0 and not last:
            run.checkpoint(time.perf_counter() - started)
        if bar is not None:
            bar.update(1)
            if "loss/d" in row:
                postfix = {"D": f"{row['loss/d']:.3f}", "G": f"{row['loss/g']:.3f}"}
                if run.last_metrics:
                    key = str(cfg.objective)
                    if key in run.last_metrics:
                        postfix[key.removeprefix("eval/")] = f"{run.last_metrics[key]:.4g}"
                bar.set_postfix(postfix)
    if bar is not None:
        bar.close()
    return time.perf_counter() - started
