"""Parameter counts, a per-layer summary table of a module, and a scoped eval mode."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """Return the number of parameters in ``module`` (only ``requires_grad`` ones by default)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def _layers(module: nn.Module) -> list[tuple[str, nn.Module]]:
    """The leaf layers of ``module`` (a parametrized layer counts as one leaf)."""
    found: list[tuple[str, nn.Module]] = []
    for name, child in module.named_modules():
        if "parametrizations" in name.split("."):
            continue
        if not any(n != "parametrizations" for n, _ in child.named_children()):
            found.append((name or type(module).__name__, child))
    return found


def summary(module: nn.Module) -> str:
    """Return a text table of ``module``'s leaf layers with their parameter counts.

    One row per layer (``name``, ``type``, ``parameters``), then the total and the
    trainable total. Spectral-normalised layers count their original weight once.
    """
    rows = [
        (name, type(layer).__name__, count_parameters(layer, trainable_only=False))
        for name, layer in _layers(module)
    ]
    header = ("layer", "type", "parameters")
    name_w = max([len(header[0])] + [len(r[0]) for r in rows])
    type_w = max([len(header[1])] + [len(r[1]) for r in rows])
    lines = [
        f"{header[0]:<{name_w}}  {header[1]:<{type_w}}  {header[2]:>12}",
        "-" * (name_w + type_w + 16),
    ]
    lines += [f"{n:<{name_w}}  {t:<{type_w}}  {c:>12,}" for n, t, c in rows]
    lines.append("-" * (name_w + type_w + 16))
    total = count_parameters(module, trainable_only=False)
    trainable = count_parameters(module)
    lines.append(f"{'total':<{name_w + type_w + 2}}  {total:>12,}")
    lines.append(f"{'trainable':<{name_w + type_w + 2}}  {trainable:>12,}")
    return "\n".join(lines)


@contextmanager
def eval_mode(*modules: nn.Module) -> Iterator[None]:
    """Within the block, ``modules`` are in eval mode; each gets its own mode back after.

    Sampling a generator or probing a discriminator for a picture must not change a
    BatchNorm's running statistics or a dropout mask, nor leave the net in eval mode::

        with torch.no_grad(), eval_mode(generator):
            images = generator(z)
    """
    previous = [module.training for module in modules]
    try:
        for module in modules:
            module.eval()
        yield
    finally:
        for module, training in zip(modules, previous, strict=True):
            module.train(training)
