"""Images/s of `rlgan-gan`'s training loop against a minimal hand-written PyTorch loop.

Two suites (``--suite``; both by default). Suite ``speedups``: rlgan-gan and the plain loop
train the same models (built by rlgan.nets from the same config), on the same data, with the
same batch, Adam settings and non-saturating loss without a penalty (rlgan-gan runs with
``loss=ns``: the default ``ns_r1``'s lazy R1 penalty is work the plain loop does not do);
they alternate in one process, and the
script reports medians over repeats and the ratio ours / plain (goal >= 0.95). rlgan-gan runs
with its default logging, samples and checkpoints, EMA off and a constant lr (the plain loop
has neither); its time is the loop time written to progress.csv (before the final
evaluation). Three more contenders time the two candidate trainer speed-ups, each alone and
together, on the plain loop: multi-tensor ``foreach`` Adam, and D's weights frozen during the
G step. A speed-up belongs in the trainer only if it wins on every machine it is measured on
(RESULTS.md keeps one row per machine).

Suite ``precision`` times the same plain loop driven by :class:`rlgan.gan.precision.Precision`
(the object the trainer uses for ``train.precision`` / ``train.channels_last``), with the
images kept on the device: fp32, bf16 autocast, channels-last, and both, on the CPU, and on
a CUDA GPU when one is present (adding fp16 with loss scaling there); without a GPU the
script prints why the CUDA rows are missing. Ratios are to fp32 on the same device,
alternating in one process.

Suite ``spectral_norm`` times the default recipe itself (its loss with lazy R1, the EMA, the
learning-rate schedules: ``rlgan-gan`` as shipped) with and without spectral norm on D's
weights, alternating in one process, and projects each to seconds per run of the recipe's
``train.iterations``: what spectral norm's power iterations cost against the 2-minute budget.

Suite ``minibatch_std`` times the same shipped recipe with D's minibatch standard deviation
layer as shipped (the group variance written out as a mean of squared deviations) and with
the same layer computing it with ``torch.var``, alternating in one process: what the written-
out variance saves.

    .venv/bin/python benchmarks/gan_throughput.py --repeats 5
    .venv/bin/python benchmarks/gan_throughput.py --suite precision --repeats 5
    .venv/bin/python benchmarks/gan_throughput.py --suite spectral_norm --repeats 5
    .venv/bin/python benchmarks/gan_throughput.py --suite minibatch_std --repeats 5
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator

import torch
import torch.nn.functional as F  # noqa: N812

from rlgan.common.app import compose_config
from rlgan.common.csv_log import read_csv
from rlgan.gan.data import build_data
from rlgan.gan.models import build_models
from rlgan.gan.precision import Precision, valid_precisions
from rlgan.gan.train import train
from rlgan.nets.gan import MinibatchStdDev

#: plain-loop variants: name -> (foreach Adam, D frozen during the G step)
VARIANTS = {
    "plain": (False, False),
    "foreach": (True, False),
    "frozen": (False, True),
    "both": (True, True),
}


def plain_loop(cfg, iterations: int, foreach: bool = False, frozen: bool = False) -> float:
    """Seconds for `iterations` of a minimal GAN loop with the config's models and data.

    ``foreach`` uses multi-tensor Adam updates (PyTorch's default on CPU is a per-tensor
    loop); ``frozen`` turns off D's weight gradients during the G step.
    """
    torch.manual_seed(0)
    data = build_data(cfg.data)
    gen, disc = build_models(cfg.model, data.shape)
    betas = tuple(cfg.train.betas)
    multi = True if foreach else None  # None: PyTorch's default
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.train.lr_g, betas=betas, foreach=multi)
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.train.lr_d, betas=betas, foreach=multi)
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
        if frozen:
            disc.requires_grad_(False)
        loss_g = F.softplus(-disc(gen(torch.randn(batch, z_dim)))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        if frozen:
            disc.requires_grad_(True)
    return time.perf_counter() - start


#: precision contenders: name -> (train.precision, train.channels_last); fp16 on CUDA only.
PRECISION_VARIANTS = {
    "fp32": ("fp32", False),
    "bf16": ("bf16", False),
    "channels_last": ("fp32", True),
    "bf16+channels_last": ("bf16", True),
    "fp16": ("fp16", False),
    "fp16+channels_last": ("fp16", True),
}


def precision_loop(
    cfg, data, iterations: int, device: torch.device, precision: str, channels_last: bool
) -> float:
    """Seconds for `iterations` of the plain loop through a :class:`Precision` on `device`.

    The training images are copied to the device once; each batch is indexed there.
    """
    torch.manual_seed(0)
    prec = Precision(device, precision, channels_last)
    gen, disc = (prec.prepare(net) for net in build_models(cfg.model, data.shape))
    betas = tuple(cfg.train.betas)
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.train.lr_g, betas=betas)
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.train.lr_d, betas=betas)
    images, batch, z_dim = data.images.to(device), cfg.train.batch_size, cfg.model.z_dim
    synchronize(device)
    start = time.perf_counter()
    for _ in range(iterations):
        real = prec.batch(images[torch.randint(len(images), (batch,)).to(device)])
        with prec.autocast():
            with torch.no_grad():
                fake = gen(torch.randn(batch, z_dim, device=device))
            loss_d = F.softplus(-disc(real)).mean() + F.softplus(disc(fake)).mean()
        prec.backward_step(loss_d, opt_d, "d")
        with prec.autocast():
            loss_g = F.softplus(-disc(gen(torch.randn(batch, z_dim, device=device)))).mean()
        prec.backward_step(loss_g, opt_g, "g")
    synchronize(device)
    return time.perf_counter() - start


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (CUDA is asynchronous; the CPU is not)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def precision_devices() -> list[torch.device]:
    """The CPU, and the first CUDA GPU when one is present (else print why it is missing)."""
    if torch.cuda.is_available():
        return [torch.device("cpu"), torch.device("cuda")]
    print("CUDA rows skipped: no CUDA GPU is available here (torch.cuda.is_available() is False).")
    return [torch.device("cpu")]


def precision_suite(cfg, iterations: int, repeats: int) -> None:
    """Images/s of each precision contender on each device, with ratios to fp32, as Markdown."""
    data = build_data(cfg.data)
    if not hasattr(data, "images"):
        print(f"precision suite skipped: data={cfg.data.name} is not an image data set.")
        return
    batch = int(cfg.train.batch_size)
    print(
        f"precision suite: data={cfg.data.name} model={cfg.model.name} batch={batch}, "
        f"{iterations} iterations x {repeats} repeats, NS loss without penalty"
    )
    devices = precision_devices()
    print("| device | contender | images/s (median) | / fp32 (median of per-repeat ratios) |")
    print("|---|---|---:|---:|")
    for device in devices:
        valid = valid_precisions(device)
        names = [n for n, (p, _) in PRECISION_VARIANTS.items() if p in valid]
        for name in names:  # warm-up (and, on CUDA, kernel selection)
            precision_loop(cfg, data, 10, device, *PRECISION_VARIANTS[name])
        rows = []
        for repeat in range(repeats):
            order = names if repeat % 2 == 0 else names[::-1]
            seconds = {
                n: precision_loop(cfg, data, iterations, device, *PRECISION_VARIANTS[n])
                for n in order
            }
            rows.append({n: iterations * batch / seconds[n] for n in names})
        for name in names:
            median = statistics.median(r[name] for r in rows)
            ratio = statistics.median(r[name] / r["fp32"] for r in rows)
            print(f"| {device.type} | {name} | {median:.0f} | {ratio:.3f} |")
        print(f"per repeat ({device.type}):", [{k: round(v) for k, v in r.items()} for r in rows])


def ours(overrides: list[str], iterations: int, cache: str, as_shipped: bool = False) -> float:
    """Loop seconds of `train()` for `iterations` (from progress.csv's time_s column).

    By default in the plain loop's terms (``loss=ns``, no EMA, a constant learning rate);
    ``as_shipped`` keeps the recipe's own loss, EMA and schedule.
    """
    plain_terms = ["loss=ns", "train.ema=0", "train.lr_schedule=constant"]
    with tempfile.TemporaryDirectory() as run_dir:
        cfg = compose_config(
            "gan",
            [
                *([] if as_shipped else plain_terms),
                *overrides,
                f"train.iterations={iterations}",
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
        "--suite",
        choices=("all", "speedups", "precision", "spectral_norm", "minibatch_std"),
        default="all",
        help="speedups: rlgan-gan vs the plain loop and its two speed-ups; precision: "
        "fp32 / bf16 / channels-last (and fp16 on CUDA) on the plain loop; spectral_norm: "
        "the shipped recipe with and without spectral norm in D; minibatch_std: the shipped "
        "recipe with its minibatch standard deviation layer and with that layer on torch.var "
        "(the last two are not part of 'all')",
    )
    parser.add_argument(
        "overrides", nargs="*", default=[], help="rlgan-gan overrides (default: the digits DCGAN)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cfg = compose_config("gan", args.overrides)
    print(
        f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{args.threads} thread(s)"
    )
    if args.suite in ("all", "speedups"):
        speedups_suite(cfg, args)
    if args.suite in ("all", "precision"):
        precision_suite(cfg, args.iterations, args.repeats)
    if args.suite == "spectral_norm":
        spectral_norm_suite(cfg, args)
    if args.suite == "minibatch_std":
        minibatch_std_suite(cfg, args)


def speedups_suite(cfg, args: argparse.Namespace) -> None:
    """rlgan-gan against the plain loop and its speed-ups, as a Markdown table."""
    batch = int(cfg.train.batch_size)
    names = ["rlgan-gan", *VARIANTS]
    with tempfile.TemporaryDirectory() as cache:
        ours(args.overrides, 20, cache)  # warm-up; trains and caches the classifier
        plain_loop(cfg, 20)
        rows = []
        for repeat in range(args.repeats):
            order = VARIANTS if repeat % 2 == 0 else dict(reversed(VARIANTS.items()))
            seconds = {"rlgan-gan": ours(args.overrides, args.iterations, cache)}
            for name, (foreach, frozen) in order.items():
                seconds[name] = plain_loop(cfg, args.iterations, foreach, frozen)
            rows.append({name: args.iterations * batch / seconds[name] for name in names})
    median = {name: statistics.median(r[name] for r in rows) for name in names}
    print(
        f"speedups suite: data={cfg.data.name} model={cfg.model.name} "
        f"batch={batch}, {args.iterations} iterations x {args.repeats} repeats"
    )
    print("| loop | images/s (median) | / plain (median of per-repeat ratios) |\n|---|---:|---:|")
    for name in names:
        ratio = statistics.median(r[name] / r["plain"] for r in rows)
        print(f"| {name} | {median[name]:.0f} | {ratio:.3f} |")
    print("per repeat:", [{k: round(v) for k, v in r.items()} for r in rows])


def alternate(contenders: dict[str, Callable[[], float]], repeats: int) -> list[dict[str, float]]:
    """Seconds of each contender per repeat, the order reversed on every other repeat."""
    rows = []
    for repeat in range(repeats):
        order = list(contenders) if repeat % 2 == 0 else list(reversed(contenders))
        rows.append({name: contenders[name]() for name in order})
    return rows


def print_recipe_table(
    column: str, rows: list[dict[str, float]], baseline: str, cfg, iterations: int
) -> None:
    """Images/s, projected seconds per run and the ratio to ``baseline``, as Markdown."""
    batch, run_iterations = int(cfg.train.batch_size), int(cfg.train.iterations)
    print(
        f"| {column} | images/s (median) | loop s per {run_iterations:,}-iteration run "
        f"(projected) | / {baseline} (median of per-repeat ratios) |\n|---|---:|---:|---:|"
    )
    for name in rows[0]:
        rate = statistics.median(iterations * batch / r[name] for r in rows)
        per_run = statistics.median(r[name] / iterations * run_iterations for r in rows)
        ratio = statistics.median(r[baseline] / r[name] for r in rows)
        print(f"| {name} | {rate:.0f} | {per_run:.0f} | {ratio:.3f} |")
    print("per repeat (s):", [{k: round(v, 2) for k, v in r.items()} for r in rows])


def spectral_norm_suite(cfg, args: argparse.Namespace) -> None:
    """The shipped recipe with and without spectral norm in D, as a Markdown table."""
    with tempfile.TemporaryDirectory() as cache:
        ours(args.overrides, 20, cache, as_shipped=True)  # warm-up; trains the classifier
        contenders = {
            name: functools.partial(
                ours,
                [*args.overrides, f"model.spectral_norm={value}"],
                args.iterations,
                cache,
                as_shipped=True,
            )
            for name, value in (("with spectral norm", "true"), ("without", "false"))
        }
        rows = alternate(contenders, args.repeats)
    print(
        f"spectral_norm suite: data={cfg.data.name} model={cfg.model.name} loss={cfg.loss.name} "
        f"batch={cfg.train.batch_size}, {args.iterations} iterations x {args.repeats} repeats, "
        "the recipe as shipped (EMA, lr schedule, its penalty)"
    )
    print_recipe_table("D", rows, "without", cfg, args.iterations)


@contextlib.contextmanager
def torch_var_spread() -> Iterator[None]:
    """Within the block, every :class:`MinibatchStdDev` computes its variance with torch.var."""
    shipped = MinibatchStdDev.group_variance

    def torch_var(grouped: torch.Tensor) -> torch.Tensor:
        return grouped.var(dim=0, unbiased=False)

    MinibatchStdDev.group_variance = staticmethod(torch_var)  # type: ignore[method-assign]
    try:
        yield
    finally:
        MinibatchStdDev.group_variance = staticmethod(shipped)  # type: ignore[method-assign]


def minibatch_std_suite(cfg, args: argparse.Namespace) -> None:
    """The shipped recipe with its minibatch std layer and with torch.var, as a table."""
    with tempfile.TemporaryDirectory() as cache:
        ours(args.overrides, 20, cache, as_shipped=True)  # warm-up; trains the classifier

        def run(variance: Callable[[], contextlib.AbstractContextManager]) -> float:
            with variance():
                return ours(args.overrides, args.iterations, cache, as_shipped=True)

        contenders = {
            "as shipped": functools.partial(run, contextlib.nullcontext),
            "torch.var": functools.partial(run, torch_var_spread),
        }
        rows = alternate(contenders, args.repeats)
    print(
        f"minibatch_std suite: data={cfg.data.name} model={cfg.model.name} "
        f"(d_minibatch_std={cfg.model.get('d_minibatch_std', 0)}) "
        f"batch={cfg.train.batch_size}, {args.iterations} iterations x {args.repeats} repeats, "
        "the recipe as shipped"
    )
    print_recipe_table("D's minibatch std", rows, "torch.var", cfg, args.iterations)


if __name__ == "__main__":
    main()
