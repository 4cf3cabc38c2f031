"""``train(cfg)``: one GAN run from a composed config, with everything a run leaves behind.

The loop lives in :class:`~rlgan.gan.trainer.GanTrainer`; this module validates the config
(before any heavy work), resumes, evaluates, logs (``progress.csv``, TensorBoard, a progress
bar), writes samples, plots and checkpoints, and reports the objective.
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

import numpy as np
import torch
from omegaconf import DictConfig

from rlgan.common.csv_log import CSVLogger
from rlgan.common.device import resolve_device, set_torch_threads
from rlgan.common.errors import ConfigError, invalid_choice
from rlgan.common.lifecycle import (
    ExistingRun,
    ResumePlan,
    RunInterrupted,
    RunLifecycle,
    StopRequest,
    announce_finished,
    clean_after_crash,
    multirun_job_plan,
    plan_resume,
)
from rlgan.common.progress import want_progress
from rlgan.common.run_dir import (
    CHECKPOINT_DIR,
    PLOTS_DIR,
    PROGRESS_FILE,
    TB_DIR,
    current_run_dir,
    is_multirun,
    latest_checkpoint,
    read_metrics,
)
from rlgan.common.seeding import seed_everything
from rlgan.common.tensorboard import write_scalars
from rlgan.common.writable import require_writable_dir
from rlgan.gan import inception_metrics, visuals
from rlgan.gan.checkpoints import load_gan_checkpoint, save_gan_checkpoint
from rlgan.gan.data import GanData, build_data
from rlgan.gan.metrics import mixture_metrics, sliced_wasserstein
from rlgan.gan.models import build_models
from rlgan.gan.trainer import GanTrainer, TrainingDivergedError
from rlgan.gan.validate import validate, warn_batch_vs_data

log = logging.getLogger(__name__)

CHECKPOINT_SUFFIX = ".pt"
SAMPLES_DIR = "samples"
LOSS_COLUMNS = ("loss/d", "loss/g", "loss/penalty")
MIXTURE_METRICS = ("eval/modes_covered", "eval/high_quality_frac", "eval/reverse_kl",
                   "eval/sliced_w1")
IMAGE_METRICS = ("eval/fd_classifier", "eval/fd_real", "eval/class_coverage", "eval/class_kl")


def available_metrics(data: GanData, inception: bool = False) -> tuple[str, ...]:
    """Names of the metrics a run on ``data`` reports (valid ``objective`` values)."""
    if data.kind == "vector":
        found = MIXTURE_METRICS if data.mixture is not None else ("eval/sliced_w1",)
    else:
        found = IMAGE_METRICS if data.num_classes >= 2 else ()
        found += inception_metrics.INCEPTION_METRICS if inception else ()
    return found + ("loss/d", "loss/g")


class GanRun:
    """The side effects of one run: evaluation, logs, samples, plots, checkpoints."""

    def __init__(self, cfg: DictConfig, run_dir: Path, data: GanData,
                 trainer: GanTrainer) -> None:
        self.cfg, self.run_dir, self.data, self.trainer = cfg, run_dir, data, trainer
        self.seed = int(cfg.seed)
        self.csv = CSVLogger(run_dir / PROGRESS_FILE)
        self.inception = None  # FID/KID (eval.inception=true)
        if cfg.eval.get("inception", False):
            self.inception = inception_metrics.build(data, cfg.eval, trainer.device, self.seed)
        self.evaluator = None
        if data.kind == "image" and data.num_classes >= 2:
            from rlgan.gan.classifier import ImageEvaluator

            self.evaluator = ImageEvaluator(
                data, cfg.data.get("cache_dir") or "~/.cache/rlgan",
                int(cfg.data.get("classifier_steps", 1000)), int(cfg.eval.n_samples),
                seed=self.seed)
        self.fixed_z = trainer.latents(64, torch.Generator().manual_seed(self.seed + 7))
        self.writer = None
        if cfg.train.get("tensorboard", True):
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(run_dir / TB_DIR))
        self.view = None
        if cfg.get("render") is not None and cfg.render.get("live", False):
            from rlgan.render.live import LiveGANView

            self.view = LiveGANView(every=int(cfg.render.every))
        self.last_metrics: dict[str, float] = {}
        self.last_losses: dict[str, float] = {}

    def final_losses(self) -> dict[str, float]:
        """The latest finite losses (``loss/d``, ``loss/g``; valid objectives of a run)."""
        return {k: v for k, v in self.last_losses.items()
                if k in ("loss/d", "loss/g") and math.isfinite(v)}

    # ---- evaluation -----------------------------------------------------------------------
    def evaluate(self, step: int) -> dict[str, float]:
        """Metrics of the sampling generator at ``step`` (own RNG: training is unaffected)."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        n = int(self.cfg.eval.n_samples)
        if self.evaluator is not None:
            n = min(n, self.evaluator.n_samples)
        fake = self.trainer.generate(n, generator)
        metrics = evaluate_samples(fake, self.data, self.evaluator, generator)
        if self.inception is not None:
            metrics.update(self.inception.evaluate(fake))
        return metrics

    # ---- pictures -------------------------------------------------------------------------
    def save_samples(self, step: int) -> None:
        """Write ``samples/step_XXXXXX.png`` (image grid or 2-D scatter with D's heat map)."""
        path = self.run_dir / SAMPLES_DIR / f"step_{step:06d}.png"
        with torch.no_grad():
            net = self.trainer.sampler
            was_training = net.training
            net.eval()
            if self.data.kind == "image":
                images = (net(self.fixed_z).cpu() + 1) / 2
                net.train(was_training)
                visuals.save_png(path, visuals.image_grid(images, columns=8))
                return
            generator = torch.Generator().manual_seed(self.seed + step)
            fake = self.trainer.generate(1000, generator).numpy()
            net.train(was_training)
            real = self.data.sample(1000, generator).numpy()
            array = visuals.scatter_with_heatmap(real, fake, self.heatmap(real, fake),
                                                 title=f"{self.data.name}, iteration {step}")
            visuals.save_png(path, array)

    @torch.no_grad()
    def heatmap(self, real: np.ndarray, fake: np.ndarray,
                resolution: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(xs, ys, sigmoid(D))`` on a grid covering the real and generated points."""
        points = np.concatenate([real, fake])
        low, high = np.percentile(points, 0.5, axis=0), np.percentile(points, 99.5, axis=0)
        margin = 0.15 * (high - low).max() + 0.1
        xs = np.linspace(low[0] - margin, high[0] + margin, resolution)
        ys = np.linspace(low[1] - margin, high[1] + margin, resolution)
        grid_x, grid_y = np.meshgrid(xs, ys)
        grid = torch.from_numpy(np.stack([grid_x.ravel(), grid_y.ravel()], 1).astype(np.float32))
        disc = self.trainer.discriminator
        was_training = disc.training
        disc.eval()
        probs = torch.sigmoid(disc(grid.to(self.trainer.device))).cpu().numpy()
        disc.train(was_training)
        return grid_x, grid_y, probs.reshape(resolution, resolution)

    def update_view(self, step: int, losses: Mapping[str, float]) -> None:
        """Feed the live pygame view when ``render.live=true`` and it is due."""
        if self.view is None or not self.view.due(step):
            return
        generator = torch.Generator().manual_seed(self.seed + step)
        if self.data.kind == "image":
            with torch.no_grad():
                net = self.trainer.sampler
                images = (net(self.fixed_z[:16]).cpu() + 1) / 2
            self.view.update(step, losses=dict(losses), metrics=dict(self.last_metrics),
                             real=None, fake=None, heatmap=None, images=images.numpy())
            return
        fake = self.trainer.generate(500, generator).numpy()
        real = self.data.sample(500, generator).numpy()
        self.view.update(step, losses=dict(losses), metrics=dict(self.last_metrics),
                         real=real, fake=fake, heatmap=self.heatmap(real, fake), images=None)

    # ---- logs and checkpoints -------------------------------------------------------------
    def log_row(self, row: dict[str, Any]) -> None:
        """Append a row to ``progress.csv`` and TensorBoard."""
        self.csv.log(row)
        if self.writer is not None:
            write_scalars(self.writer, {k: v for k, v in row.items() if k != "step"},
                          int(row["step"]))

    def checkpoint(self, wall_time_s: float) -> Path | None:
        """Atomically save the trainer state (skipped if any weight is not finite)."""
        finite = getattr(self.trainer, "state_is_finite", self.trainer.parameters_finite)
        if not finite():
            log.error("not checkpointing step %d: the weights or optimiser state are not "
                      "finite", self.trainer.step)
            return None
        state = self.trainer.state_dict()
        state["wall_time_s"] = float(wall_time_s)
        state["fixed_z"] = self.fixed_z.cpu()
        return save_gan_checkpoint(self.run_dir, self.trainer.step, state,
                                   int(self.cfg.train.keep_checkpoints))

    def finish_pictures(self) -> None:
        """Timeline GIF and the loss/metric plots."""
        visuals.save_timeline(self.run_dir / SAMPLES_DIR, self.run_dir / SAMPLES_DIR /
                              "timeline.gif")
        progress = self.run_dir / PROGRESS_FILE
        visuals.plot_progress(progress, self.run_dir / PLOTS_DIR / "losses.png", LOSS_COLUMNS,
                              f"{self.data.name}: losses")
        visuals.plot_progress(progress, self.run_dir / PLOTS_DIR / "metrics.png",
                              available_metrics(self.data, self.inception is not None)[:-2],
                              f"{self.data.name}: metrics")

    def close(self) -> None:
        """Close TensorBoard and the live view."""
        if self.writer is not None:
            self.writer.close()
        if self.view is not None:
            self.view.close()


def evaluate_samples(fake: torch.Tensor, data: GanData, evaluator: Any = None,
                     generator: torch.Generator | None = None) -> dict[str, float]:
    """The ``eval/*`` metrics of generated samples ``fake`` (CPU tensor) for ``data``."""
    out: dict[str, float] = {}
    if data.kind == "vector":
        fake_np = fake.numpy()
        real = data.sample(len(fake_np), generator or torch.Generator().manual_seed(0)).numpy()
        if not np.isfinite(fake_np).all():
            fake_np = np.nan_to_num(fake_np, nan=1e6, posinf=1e6, neginf=-1e6)
        if data.mixture is not None:
            out.update(mixture_metrics(fake_np, data.mixture))
        out["sliced_w1"] = sliced_wasserstein(real, fake_np)
    elif evaluator is not None:
        out.update(evaluator.evaluate(fake))
    return {f"eval/{k}": float(v) for k, v in out.items()}


#: Knobs that ``resume=<run dir>`` may change besides ``train.iterations`` (applied, recorded).
RESUME_KNOBS = ("progress_bar", "threads", "device", "render.live", "render.every", "trust")


def iterations_done(run_dir: Path) -> int:
    """Iterations a run has completed: its newest checkpoint's, or its metrics' when later."""
    latest = latest_checkpoint(run_dir, CHECKPOINT_SUFFIX)
    done = latest[0] if latest else 0
    recorded = read_metrics(run_dir).get("step")
    return max(done, recorded) if isinstance(recorded, int) else done


def resume_plan(cfg: DictConfig) -> ResumePlan:
    """Check ``resume=<run dir>`` (nothing is written); see :func:`plan_resume`."""
    plan = plan_resume("gan", cfg, budget_key="train.iterations", done=iterations_done,
                       applicable=RESUME_KNOBS)
    if not plan.finished and latest_checkpoint(plan.run_dir, CHECKPOINT_SUFFIX) is None:
        raise ConfigError(f"Invalid resume={str(cfg.resume)!r}: the run has no checkpoint in "
                          f"{plan.run_dir / CHECKPOINT_DIR} to continue from; start a new "
                          "run instead.")
    return plan


def train(cfg: DictConfig, run_dir: str | Path | None = None) -> float:
    """Train a GAN as configured; return the objective (``cfg.objective``'s final value).

    An interrupted run (Ctrl-C, SIGTERM) finishes its current iteration, checkpoints, is
    recorded ``interrupted``, and :class:`~rlgan.common.lifecycle.RunInterrupted` (a
    ``KeyboardInterrupt``) propagates.
    """
    plan: ResumePlan | None = None
    if cfg.get("resume"):
        plan = resume_plan(cfg)
        cfg, run_dir = plan.cfg, plan.run_dir
        if plan.finished:
            return _finished(plan.run_dir, cfg)
    elif is_multirun():
        run_dir = current_run_dir(run_dir)
        job = multirun_job_plan("gan", cfg, run_dir)
        if job == "skip":
            return _finished(run_dir, cfg)
        if job == "resume" and latest_checkpoint(run_dir, CHECKPOINT_SUFFIX) is not None:
            log.info("re-run sweep: resuming the interrupted job in %s", run_dir)
            plan = ResumePlan(run_dir=run_dir, cfg=cfg, finished=False)
    validate(cfg)
    folder = require_writable_dir(run_dir if run_dir is not None else current_run_dir(None),
                                  "run dir").resolve()
    device = resolve_device(cfg.device)
    data = build_data(cfg.data)
    warn_batch_vs_data(cfg, None if data.images is None else len(data.images))
    objective = str(cfg.objective)
    choices = available_metrics(data, bool(cfg.eval.get("inception", False)))
    if objective not in choices:
        raise invalid_choice("objective", objective, choices,
                             hint=f"(metrics reported for data={data.name})")
    seed_everything(int(cfg.seed))
    set_torch_threads(cfg.get("threads", 1))
    generator, discriminator = build_models(cfg.model, data.shape)
    trainer = GanTrainer(generator, discriminator, data, cfg.train, cfg.loss,
                         int(cfg.model.z_dim), device, int(cfg.seed))
    elapsed, fixed_z, resumed_from = 0.0, None, None
    if plan is not None:
        state = _load_checkpoint(folder, device, bool(cfg.get("trust", False)))
        trainer.load_state_dict(state)
        elapsed = float(state.get("wall_time_s", 0.0))
        fixed_z = state.get("fixed_z")
        resumed_from = trainer.step
        clean_after_crash(folder, resumed_from)
        log.info("resuming %s from iteration %d", folder, trainer.step)
    summary: dict[str, Any] = {"seed": int(cfg.seed), "objective": objective,
                               "data": data.name, "model": str(cfg.model.name),
                               "loss": str(cfg.loss.name), "iterations": trainer.iterations,
                               "step": trainer.step}
    if plan is not None:
        summary.update({k: v for k, v in read_metrics(folder).items()
                        if k.startswith(("eval/", "loss/"))})
    with RunLifecycle("gan", folder, cfg, summary, resumed_from=resumed_from,
                      applied=plan.applied if plan else None) as life:
        run = GanRun(cfg, folder, data, trainer)
        life.on_close(run.close)
        if fixed_z is not None:
            run.fixed_z = fixed_z.to(device)
        run.last_metrics = {k: v for k, v in summary.items() if k.startswith("eval/")}
        return _train_and_finish(cfg, run, trainer, life, elapsed)


def _load_checkpoint(folder: Path, device: torch.device, trust: bool) -> dict[str, Any]:
    """The newest loadable checkpoint's state (damaged ones are skipped with a warning)."""
    found = load_gan_checkpoint(folder, device, trust=trust)
    assert found is not None, "resume_plan checked that a checkpoint exists"
    return found[0]


def _finished(run_dir: Path, cfg: DictConfig) -> float:
    """A finished run asked to train again: say so, change nothing, return its objective."""
    existing = ExistingRun(run_dir, read_metrics(run_dir))
    announce_finished("rlgan-gan", existing, "train.iterations",
                      int(existing.metrics.get("step") or 0))
    return existing.objective(str(cfg.objective))


def _train_and_finish(cfg: DictConfig, run: GanRun, trainer: GanTrainer, life: RunLifecycle,
                      elapsed: float) -> float:
    """Run the loop under the lifecycle; checkpoint, pictures and the final summary."""
    objective = str(cfg.objective)
    with StopRequest() as stop:
        try:
            elapsed = _loop(cfg, run, trainer, elapsed, stop)
        except TrainingDivergedError as err:
            good = latest_checkpoint(run.run_dir, CHECKPOINT_SUFFIX)
            life.record({**run.final_losses(), "step": trainer.step,
                         "diverged_at_iteration": trainer.step + 1,
                         "last_good_checkpoint_step": good[0] if good else None})
            where = (f"The last good checkpoint is {good[1].name} (iteration {good[0]})."
                     if good else "No good checkpoint exists: the run diverged before its "
                     "first checkpoint.")
            raise TrainingDivergedError(f"{err} {where}") from None
    if stop.requested:
        run.checkpoint(elapsed)
        life.record({**run.last_metrics, **run.final_losses(), "step": trainer.step,
                     "wall_time_s": elapsed}, status="interrupted")
        log.warning("interrupted at iteration %d; continue with resume=%s", trainer.step,
                    run.run_dir)
        print(f"rlgan-gan: interrupted at iteration {trainer.step}; continue with: "
              f"rlgan-gan resume={run.run_dir}")
        raise RunInterrupted(stop.signum or signal.SIGINT)
    run.checkpoint(elapsed)
    run.finish_pictures()
    life.finish({**run.last_metrics, **run.final_losses(), "step": trainer.step,
                 "wall_time_s": elapsed})
    value = objective_value(life.metrics, objective)
    log.info("%s = %.4g after %d iterations (%.0f s)", objective, value, trainer.step, elapsed)
    return value


def objective_value(metrics: Mapping[str, Any], name: str) -> float:
    """The final value of metric ``name`` (NaN when it is missing or not a number)."""
    value = metrics.get(name)
    return float(value) if isinstance(value, (int, float)) else math.nan


def _loop(cfg: DictConfig, run: GanRun, trainer: GanTrainer, elapsed: float,
          stop: StopRequest) -> float:
    """Run the remaining iterations; return the total wall time (s) of the run so far.

    A stop request (Ctrl-C, SIGTERM) ends the loop between two iterations, so the
    interrupt checkpoint holds a whole iteration's state.
    """
    train_cfg = cfg.train
    every = {k: int(train_cfg[f"{k}_every"]) for k in ("log", "eval", "sample", "checkpoint")}
    total = trainer.iterations
    bar = None
    if want_progress(cfg.get("progress_bar", "auto"), sys.stderr):
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=trainer.step, desc=f"rlgan-gan {run.data.name}",
                   dynamic_ncols=True)
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
