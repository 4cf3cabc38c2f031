"""Pick the torch device for a run: ``auto`` uses CUDA when present, else the CPU."""

from __future__ import annotations

import torch

from rlgan.common.errors import ConfigError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "cuda:N", "mps")


def resolve_device(spec: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto" | "cpu" | "cuda" | "cuda:N" | "mps"`` into a :class:`torch.device`.

    ``auto`` picks ``cuda`` when a CUDA GPU is available and the CPU otherwise. Asking for
    a device that is not present raises :class:`~rlgan.common.errors.ConfigError` naming
    the value and the valid choices.
    """
    if isinstance(spec, torch.device):
        spec = str(spec)
    name = str(spec).strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ConfigError(
                "Invalid device='mps': no Apple MPS device is available here; "
                "use device=auto or device=cpu."
            )
        return torch.device("mps")
    if name == "cuda" or name.startswith("cuda:"):
        index_text = name.partition(":")[2]
        if index_text and not index_text.isdigit():
            raise ConfigError(
                f"Invalid device={spec!r}: valid choices are "
                f"{', '.join(DEVICE_CHOICES)} (N a GPU index)."
            )
        if not torch.cuda.is_available():
            raise ConfigError(
                f"Invalid device={spec!r}: no CUDA GPU is available here; "
                "use device=auto (CUDA when present, else CPU) or device=cpu."
            )
        if index_text and int(index_text) >= torch.cuda.device_count():
            raise ConfigError(
                f"Invalid device={spec!r}: only {torch.cuda.device_count()} "
                "CUDA device(s) are present."
            )
        return torch.device(name)
    raise ConfigError(
        f"Invalid device={spec!r}: valid choices are {', '.join(DEVICE_CHOICES)} (N a GPU index)."
    )


def set_torch_threads(threads: int | None) -> None:
    """Set torch's CPU threads (``None`` or 0: keep torch's default).

    One thread is fastest for the small MLPs of RL policies and 2-D GANs on a shared CPU.
    """
    if threads is None or int(threads) == 0:
        return
    if int(threads) < 0:
        raise ConfigError(
            f"Invalid threads={threads!r}: it must be >= 1 (0 or null: torch's default)."
        )
    torch.set_num_threads(int(threads))
