"""Start-up time of the console scripts next to a bare Hydra app on the same config tree.

Each case is a fresh process; the cases are interleaved (their order alternates between
repeats) and each gets the median wall time of its repeats. The references: ``python -c pass``,
``python -c "import torch"`` and a bare ``@hydra.main`` app with the same ``config_path`` and
``config_name`` as the command (``pkg://rlgan.conf`` ``rl``/``gan``, ``pkg://rlgan.conf.watch``
``watch``) whose task function does nothing. ``rlgan-report`` is plain argparse; it is compared
with ``python -c pass``.

    .venv/bin/python benchmarks/startup.py [--repeats 7] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: Where the console scripts of the running interpreter live (the venv's bin/).
BIN = Path(sys.executable).parent

BARE_APP = """\
import sys

import hydra


@hydra.main(version_base="1.3", config_path=sys.argv.pop(1), config_name=sys.argv.pop(1))
def main(cfg):
    pass


main()
"""

#: command -> (config_path, config_name) of its bare Hydra twin (None: not a Hydra app).
APPS: dict[str, tuple[str, str] | None] = {
    "rlgan-rl": ("pkg://rlgan.conf", "rl"),
    "rlgan-gan": ("pkg://rlgan.conf", "gan"),
    "rlgan-watch": ("pkg://rlgan.conf.watch", "watch"),
    "rlgan-report": None,
}

#: Hydra-level refusals: a bad group option, refused before the task function starts.
REFUSED = {"rlgan-rl": ["algo=nope"], "rlgan-gan": ["data=nope"], "rlgan-watch": ["nope=1"]}
#: Refusals by rlgan's own checks (a ConfigError, exit 2), after Hydra composed the config.
OWN_CHECK = {"rlgan-rl": ["total_timesteps=-5"], "rlgan-gan": ["train.batch_size=0"]}


@dataclass(frozen=True)
class Case:
    """One command line to time; ``twin`` names the case it is compared with."""

    name: str
    argv: tuple[str, ...]
    twin: str | None = None
    expect_rc: int | None = 0


def _cases(bare: Path) -> list[Case]:
    """Every command line: the references, then each app's modes next to its bare twin."""
    py = sys.executable
    cases = [
        Case("python -c pass", (py, "-c", "pass")),
        Case("python -c 'import torch'", (py, "-c", "import torch")),
    ]
    for app, hydra_cfg in APPS.items():
        modes: dict[str, list[str]] = {"--help": ["--help"]}
        if hydra_cfg is not None:
            modes["--cfg job"] = ["--cfg", "job"]
            modes[" ".join(REFUSED[app])] = REFUSED[app]
            if app in OWN_CHECK:
                modes[" ".join(OWN_CHECK[app])] = OWN_CHECK[app]
        for mode, args in modes.items():
            refused = mode not in ("--help", "--cfg job")
            twin = "python -c pass"
            if hydra_cfg is not None:
                twin = f"bare hydra ({hydra_cfg[1]}) {mode}"
                cases.append(
                    Case(twin, (py, str(bare), *hydra_cfg, *args), expect_rc=None if refused else 0)
                )
            cases.append(
                Case(
                    f"{app} {mode}",
                    (str(BIN / app), *args),
                    twin=twin,
                    expect_rc=None if refused else 0,
                )
            )
    return cases


def _time_once(case: Case, cwd: Path) -> float:
    """Wall seconds of one run of ``case`` (its output is discarded)."""
    start = time.perf_counter()
    done = subprocess.run(
        case.argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    elapsed = time.perf_counter() - start
    if case.expect_rc is not None and done.returncode != case.expect_rc:
        raise RuntimeError(f"{case.name}: exit {done.returncode}\n{done.stderr}")
    return elapsed


def measure(repeats: int) -> tuple[list[Case], dict[str, float]]:
    """Median wall seconds of every case over ``repeats`` interleaved rounds."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bare = work / "bare_hydra_app.py"
        bare.write_text(BARE_APP)
        cases = _cases(bare)
        times: dict[str, list[float]] = {case.name: [] for case in cases}
        for case in cases:  # warm the OS file cache once, untimed
            _time_once(case, work)
        for rep in range(repeats):
            for case in cases if rep % 2 == 0 else reversed(cases):
                times[case.name].append(_time_once(case, work))
    return cases, {name: statistics.median(values) for name, values in times.items()}


def table(cases: list[Case], medians: dict[str, float]) -> str:
    """A Markdown table: each command, its twin and the difference, in seconds."""
    rows = [
        "| command | median (s) | compared with | its median (s) | difference (s) |",
        "|---|---:|---|---:|---:|",
    ]
    for case in cases:
        if case.twin is None:
            if not case.name.startswith("bare hydra"):
                rows.append(f"| `{case.name}` | {medians[case.name]:.3f} | | | |")
            continue
        mine, twin = medians[case.name], medians[case.twin]
        rows.append(
            f"| `{case.name}` | {mine:.3f} | {case.twin} | {twin:.3f} | {mine - twin:+.3f} |"
        )
    return "\n".join(rows)


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="2 repeats (smoke test)")
    args = parser.parse_args()
    repeats = 2 if args.quick else args.repeats
    cases, medians = measure(repeats)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{repeats} repeats, load average {load:.2f} at the end"
    )
    print(table(cases, medians))


if __name__ == "__main__":
    main()
