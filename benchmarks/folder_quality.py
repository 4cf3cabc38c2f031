"""Sanity figures of the folder quality metric (``rlgan.gan.folder_quality``) on drawn shapes.

The data and corruptions are those of ``tests/test_folder_quality.py``: 480 RGB 16x16
images of six shapes (a quarter held out). Every row scores one evaluation's worth of images
(6 chunks of 360) from a generator: random draws of the training images with repeats (the
floor's generator: 1.0 on average), and blurred, noised and mode-dropped random draws of
them at three strengths each. For every seed an encoder is trained (not cached), and each
cell gives ``encoder_fd_ratio`` / precision / recall. The two spread rows score 6 further
draws each: of the training images (the floor's own noise) and of images drawn afresh from
the same distribution (a generator that generalises perfectly; below 1.0, as unseen images
lack the draws' repeats). A corruption must exceed both spreads to be seen.

``--encoder contrastive`` swaps in the alternative that was weighed against the autoencoder
(a SimCLR-like encoder of the same architecture: two views shifted by up to 2 pixels and
mirrored, NT-Xent loss at temperature 0.2 through a small projection head, the same
features); it replaces :func:`rlgan.gan.folder_quality.train_encoder` in this process only.

    .venv/bin/python benchmarks/folder_quality.py [--seeds 0 1 2] [--steps 300]
        [--encoder autoencoder|contrastive]
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import tempfile
import time
from pathlib import Path
from types import ModuleType

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from rlgan.gan import folder_quality
from rlgan.gan.folder_quality import EncoderSettings, FolderEncoder, FolderQualityEvaluator

ROOT = Path(__file__).resolve().parents[1]
#: Seeds of the spread rows' draws (the tests' own draws are seed 11 and seed 7).
SPREAD_SEEDS = (7, 8, 9, 10, 11, 12)
#: The columns of a cell.
KEYS = ("eval/encoder_fd_ratio", "eval/encoder_precision", "eval/encoder_recall")


def shapes_module() -> ModuleType:
    """``tests/test_folder_quality.py`` (its data and corruptions), imported by path."""
    spec = importlib.util.spec_from_file_location(
        "folder_quality_tests", ROOT / "tests" / "test_folder_quality.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shifted_views(images: torch.Tensor, generator: torch.Generator, pad: int = 2) -> torch.Tensor:
    """``images`` shifted by up to ``pad`` pixels (edges replicated), half of them mirrored."""
    n, side = len(images), images.shape[-1]
    padded = F.pad(images, (pad,) * 4, mode="replicate")
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    views = torch.stack(
        [padded[i, :, dy[i] : dy[i] + side, dx[i] : dx[i] + side] for i in range(n)]
    )
    mirror = torch.rand(n, generator=generator) < 0.5
    views[mirror] = views[mirror].flip(-1)
    return views


def train_contrastive(images: torch.Tensor, settings: EncoderSettings) -> FolderEncoder:
    """The contrastive alternative: NT-Xent on two shifted views, code -> 64 -> 32 head."""
    generator = torch.Generator().manual_seed(settings.seed)
    with torch.random.fork_rng(devices=[]), torch.enable_grad():
        torch.manual_seed(settings.seed)
        model = FolderEncoder(images.shape[1], settings.width, settings.code)
        head = nn.Sequential(nn.Linear(settings.code, 64), nn.ReLU(), nn.Linear(64, 32))
        params = list(model.parameters()) + list(head.parameters())
        optimiser = torch.optim.Adam(params, lr=settings.lr)
        n = settings.batch_size
        targets = torch.cat([torch.arange(n) + n, torch.arange(n)])
        for _ in range(settings.steps):
            batch = images[torch.randint(len(images), (n,), generator=generator)]
            views = torch.cat([shifted_views(batch, generator), shifted_views(batch, generator)])
            z = F.normalize(head(model.encode(views)[1]), dim=1)
            logits = (z @ z.T / 0.2).fill_diagonal_(-1e9)
            loss = F.cross_entropy(logits, targets)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    return model.eval()


def rows(table: dict, shapes: ModuleType) -> list[tuple[str, dict]]:
    """``(label, metrics)`` in display order."""
    drawn = table["train"]
    floor = {
        KEYS[0]: 1.0,  # the ratio of the floor to itself
        KEYS[1]: drawn["eval/encoder_precision_train"],
        KEYS[2]: drawn["eval/encoder_recall_train"],
    }
    out = [
        ("floor (mean of the fixed draws)", floor),
        ("random draws of the training images", drawn),
    ]
    labels = {
        "blur": [f"blur sigma {s}" for s in shapes.BLURS],
        "noise": [f"noise std {s}" for s in shapes.NOISES],
        "drop": [f"{k} of {shapes.SHAPES} shapes kept" for k in shapes.KEPT_SHAPES],
    }
    for name, names in labels.items():
        out.extend(zip(names, table[name], strict=True))
    return out


def cell(metrics: dict) -> str:
    """``ratio / precision / recall``."""
    return " / ".join(f"{metrics[key]:.2f}" for key in KEYS)


def spread(scored: list[dict], key: str) -> str:
    """``min-max`` of metric ``key`` over ``scored``."""
    values = [m[key] for m in scored]
    return f"{min(values):.2f}-{max(values):.2f}"


def main(argv: list[str] | None = None) -> None:
    """Train one encoder per seed and print the sanity table (Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=None, help="default: the tests' steps")
    parser.add_argument("--encoder", choices=("autoencoder", "contrastive"), default="autoencoder")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.encoder == "contrastive":
        folder_quality.train_encoder = train_contrastive
    shapes = shapes_module()
    images, labels = shapes.draw_shapes(shapes.N_IMAGES, seed=1)
    data = shapes.split(images, labels)
    steps = args.steps or shapes.SANITY_STEPS
    print(f"# folder quality sanity, {args.encoder} encoder, {steps} steps, 1 thread")
    print(
        f"# {len(data['train'])} training / {len(data['heldout'])} held-out images; "
        f"{platform.machine()}, Python {platform.python_version()}, torch {torch.__version__}"
    )
    results, cpu, spreads, floors = [], [], [], []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as cache:
            evaluator = FolderQualityEvaluator(
                data["train"],
                data["heldout"],
                cache,
                name="shapes",
                settings=EncoderSettings(steps=steps, seed=seed),
            )
            start = time.process_time()
            evaluator.prepare()
            cpu.append(time.process_time() - start)
            results.append(rows(shapes.sanity_table(evaluator, data), shapes))
            size = evaluator.max_samples
            drawn = [
                evaluator.evaluate(shapes.random_draws(data["train"], size, s))
                for s in SPREAD_SEEDS
            ]
            floors.append(" / ".join(spread(drawn, key) for key in KEYS))
            scored = [evaluator.evaluate(shapes.fresh_images(size, s)) for s in SPREAD_SEEDS]
            spreads.append(" / ".join(spread(scored, key) for key in KEYS))
    header = " | ".join(f"seed {s}: ratio / P / R" for s in args.seeds)
    print(f"| | {header} |")
    print("|---|" + "---|" * len(args.seeds))
    draws = f"{len(SPREAD_SEEDS)} draws (min-max)"
    print(f"| random draws of the training images, {draws} | " + " | ".join(floors) + " |")
    print(f"| unseen real, {draws} | " + " | ".join(spreads) + " |")
    for i, (label, _) in enumerate(results[0]):
        print(f"| {label} | " + " | ".join(cell(table[i][1]) for table in results) + " |")
    times = ", ".join(f"{t:.1f}" for t in cpu)
    print(f"# prepare (encoder training, embedding, floors), CPU s per seed: {times}")


if __name__ == "__main__":
    main()
