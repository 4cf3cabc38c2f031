"""Images/s of `rlgan-gan`'s training loop against a minimal hand-written PyTorch loop.

Both train the same models (built by rlgan.nets from the same config), on the same data,
with the same batch, Adam settings and non-saturating loss; they alternate in one process,
and the script reports medians over repeats and the ratio ours / plain (goal >= 0.95).
rlgan-gan runs with its default logging, samples and checkpoints, EMA off and a constant lr
(the plain loop has neither); its time is the loop time written to progress.csv (before
the final evaluation). A third contender, the plain loop with rlgan's two trainer speed-ups
(``foreach`` Adam, D frozen during the G step), separates the framework's own cost from them.

    .venv/bin/python benchmarks/gan_throughput.py --repeats 5
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F  # noqa: N812

from rlgan.common.app import compose_config
from rlgan.common.csv_log import read_csv
from rlgan.gan.data import build_data
from rlgan.gan.models import build_models
from rlgan.gan.train import train


def plain_loop(cfg, iterations: int, tuned: bool = False) -> float:
    """Seconds for `iterations` of a minimal GAN loop with the config's models and data.

    ``tuned`` adds the two speed-ups rlgan's trainer has (multi-tensor ``foreach`` Adam, and
    D's weights frozen during the G step), isolating the framework's own cost.
    """
    torch.manual_seed(0)
    data = build_data(cfg.data)
    gen, disc = build_models(cfg.model, data.shape)
    betas = tuple(cfg.train.betas)
    foreach = True if tuned else None  # None: PyTorch's default (a per-tensor loop on CPU)
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.train.lr_g, betas=betas, foreach=foreach)
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.train.lr_d, betas=betas, foreach=foreach)
    images, batch, z_dim = data.images, cfg.train.batch_size, cfg.model.z_dim
    start = time.perf_counter()
    for _ in range(iterations):
        real = images[torch.randint(len(images), (batch,))]
        with torch.no_grad():
            fake = gen(torch.randn(batch, z_dim))
        loss_d = F.softplus(-disc(real)).mean() + F.softplus(disc(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        if tuned:
            disc.requires_grad_(False)
        loss_g = F.softplus(-disc(gen(torch.randn(batch, z_dim)))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        if tuned:
            disc.requires_grad_(True)
    return time.perf_counter() - start


def ours(overrides: list[str], iterations: int, cache: str) -> float:
    """Loop seconds of `train()` for `iterations` (from progress.csv's time_s column)."""
    with tempfile.TemporaryDirectory() as run_dir:
        cfg = compose_config(
            "gan",
            [
                *overrides,
                f"train.iterations={iterations}",
                "train.ema=0",
                "train.lr_schedule=constant",
                "progress_bar=false",
                f"data.cache_dir={cache}",
            ],
        )
        train(cfg, run_dir=run_dir)
        return float(read_csv(f"{run_dir}/progress.csv")[-1]["time_s"])


def main() -> None:
    """Run the side-by-side comparison and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "overrides", nargs="*", default=[], help="rlgan-gan overrides (default: the digits DCGAN)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cfg = compose_config("gan", args.overrides)
    batch = int(cfg.train.batch_size)
    with tempfile.TemporaryDirectory() as cache:
        ours(args.overrides, 20, cache)  # warm-up; trains and caches the classifier
        plain_loop(cfg, 20)
        rows = []
        for _ in range(args.repeats):
            t_ours = ours(args.overrides, args.iterations, cache)
            t_plain = plain_loop(cfg, args.iterations)
            t_tuned = plain_loop(cfg, args.iterations, tuned=True)
            rows.append(tuple(args.iterations * batch / t for t in (t_ours, t_plain, t_tuned)))
    ours_ips, plain_ips, tuned_ips = (statistics.median(r[i] for r in rows) for i in range(3))
    ratio = statistics.median(r[0] / r[1] for r in rows)
    ratio_tuned = statistics.median(r[0] / r[2] for r in rows)
    print(
        f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{args.threads} thread(s); data={cfg.data.name} model={cfg.model.name} "
        f"batch={batch}, {args.iterations} iterations x {args.repeats} repeats"
    )
    print("| loop | images/s (median) |\n|---|---|")
    print(f"| rlgan-gan train() | {ours_ips:.0f} |\n| plain PyTorch loop | {plain_ips:.0f} |")
    print(f"| plain loop + foreach Adam + frozen D in the G step | {tuned_ips:.0f} |")
    print(f"ratio ours/plain (median of per-repeat ratios): {ratio:.3f}")
    print(f"ratio ours/tuned plain (the framework's own cost): {ratio_tuned:.3f}")
    print("per repeat (ours, plain, tuned plain):", [tuple(round(v) for v in r) for r in rows])


if __name__ == "__main__":
    main()
