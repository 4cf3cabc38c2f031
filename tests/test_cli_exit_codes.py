"""Exit statuses and listings of the console scripts (subprocesses, no training).

Bad input exits 2 with one paragraph and no traceback, whether Hydra refuses it (bad group
option, key not in struct, malformed override) or rlgan does (ConfigError); an unexpected
exception inside the task keeps its traceback and exits 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
RL_PRESETS = {
    "dqn_cartpole",
    "dqn_maze",
    "ppo_cartpole",
    "ppo_cartpole_novel",
    "ppo_lunarlander",
    "ppo_pursuit",
    "ppo_pursuit_partial",
    "recurrent_ppo_cartpole_novel",
}
GAN_PRESETS = {
    "gan_digits",
    "gan_digits_conditional",
    "gan_grid25",
    "gan_ring8",
    "gan_stacked_digits",
}


def _run(
    command: str, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a console script of this environment in ``cwd``."""
    return subprocess.run(
        [str(BIN / command), *args], cwd=cwd, capture_output=True, text=True, timeout=180, env=env
    )


@pytest.mark.parametrize(
    ("command", "args", "says"),
    [
        ("rlgan-rl", ["algo=nope"], "Could not find 'algo/nope'"),
        ("rlgan-rl", ["foo=1"], "Key 'foo' is not in struct"),
        ("rlgan-rl", ["algo=["], "no viable alternative"),
        ("rlgan-rl", ["-m", "algo=ppo,nope"], "Could not find 'algo/nope'"),
        ("rlgan-gan", ["data=nope"], "Could not find 'data/nope'"),
        ("rlgan-gan", ["train.nope=1"], "Key 'nope' is not in struct"),
        ("rlgan-watch", ["nope=1"], "Key 'nope' is not in struct"),
    ],
)
def test_hydra_bad_input_exits_2_without_traceback(
    command: str, args: list[str], says: str, tmp_path: Path
) -> None:
    done = _run(command, *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stderr
    if "-m" not in args:  # Hydra's sweeper makes the sweep folder before checking the jobs
        assert not any(tmp_path.iterdir()), "refused before any run folder is made"


@pytest.mark.parametrize("command", ["rlgan-rl", "rlgan-gan", "rlgan-watch"])
def test_help_and_cfg_job_exit_0(command: str, tmp_path: Path) -> None:
    assert _run(command, "--help", cwd=tmp_path).returncode == 0
    job = _run(command, "--cfg", "job", cwd=tmp_path)
    assert job.returncode == 0, job.stderr
    assert "app:" in job.stdout


def _run_with_failing_train(
    module: str, error: str, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run ``module``'s ``main`` with a ``train`` that raises ``error`` (a stand-in module)."""
    train_module = f"{module.rsplit('.', 1)[0]}.train"
    code = (
        "import sys, types\n"
        "from rlgan.common.errors import ConfigError\n"
        "def train(cfg, *a, **k):\n"
        f"    raise {error}\n"
        f"sys.modules[{train_module!r}] = types.SimpleNamespace(train=train)\n"
        f"from {module} import main\n"
        f"sys.argv = ['prog', *{list(args)!r}]\n"
        "main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=180
    )


@pytest.mark.parametrize("module", ["rlgan.rl.cli", "rlgan.gan.cli"])
def test_unexpected_error_in_training_keeps_traceback_and_exit_1(
    module: str, tmp_path: Path
) -> None:
    done = _run_with_failing_train(module, "RuntimeError('boom in training')", tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" in done.stderr and "boom in training" in done.stderr


@pytest.mark.parametrize("module", ["rlgan.rl.cli", "rlgan.gan.cli"])
def test_config_error_in_training_exits_2(module: str, tmp_path: Path) -> None:
    done = _run_with_failing_train(module, "ConfigError('Invalid knob=1: bad.')", tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Invalid knob=1: bad." in done.stderr and "Traceback" not in done.stderr


def test_hydra_compact_error_inside_training_keeps_exit_1(tmp_path: Path) -> None:
    """A Hydra error raised by the task itself is not the command line's fault."""
    error = "__import__('hydra.errors').errors.ConfigCompositionException('inner')"
    done = _run_with_failing_train("rlgan.rl.cli", error, tmp_path)
    assert done.returncode == 1, done.stderr


# ------------------------------------------------------------------ group listings
def _listed_options(stderr: str, group: str) -> set[str]:
    """The options Hydra's error lists for ``group`` ("Available options in 'group':")."""
    lines = stderr.splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.startswith(f"Available options in '{group}'")
    )
    options = set()
    for line in lines[start + 1 :]:
        if not line.startswith("\t") or "provider=" in line:
            break
        options.add(line.strip())
    return options


@pytest.mark.parametrize(
    ("command", "group", "expected"),
    [
        ("rlgan-rl", "experiment", RL_PRESETS),
        ("rlgan-gan", "experiment", GAN_PRESETS),
        ("rlgan-arena", "experiment", {"script_only"}),
        ("rlgan-rl", "hparams_search", {"dqn_cartpole", "ppo_cartpole"}),
        ("rlgan-gan", "hparams_search", {"gan_grid25"}),
    ],
)
def test_group_listing_offers_only_the_apps_presets(
    command: str, group: str, expected: set[str], tmp_path: Path
) -> None:
    done = _run(command, f"+{group}=nope", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert _listed_options(done.stderr, group) == expected


@pytest.mark.parametrize(
    ("command", "app", "theirs"),
    [
        ("rlgan-rl", "rl", GAN_PRESETS),
        ("rlgan-gan", "gan", RL_PRESETS),
    ],
)
def test_help_lists_the_apps_presets_as_found_on_disk(
    command: str, app: str, theirs: set[str], tmp_path: Path
) -> None:
    """--help's preset header (static in conf/<app>.yaml) matches rlgan/<app>/presets/."""
    done = _run(command, "--help", cwd=tmp_path)
    presets = REPO / "rlgan" / app / "presets"
    for group in ("experiment", "hparams_search"):
        line = next(x for x in done.stdout.splitlines() if x.startswith(f"{group}: "))
        listed = line.split(": ", 1)[1].split(", ")
        assert listed == sorted(p.stem for p in (presets / group).glob("*.yaml"))
    assert not any(name in done.stdout for name in theirs)


@pytest.mark.parametrize(
    ("command", "preset", "says"),
    [
        ("rlgan-rl", "ppo_cartpole", "id: CartPole-v1"),
        ("rlgan-rl", "dqn_maze", "id: rlgan/Maze-v0"),
        ("rlgan-gan", "gan_grid25", "name: grid25"),
    ],
)
def test_existing_preset_spellings_still_work(
    command: str, preset: str, says: str, tmp_path: Path
) -> None:
    done = _run(command, f"+experiment={preset}", "--cfg", "job", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert says in done.stdout


def test_other_apps_preset_is_refused(tmp_path: Path) -> None:
    done = _run("rlgan-rl", "+experiment=gan_grid25", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Could not find 'experiment/gan_grid25'" in done.stderr


# ------------------------------------------------------------------ rlgan-report
def _fake_run(folder: Path, metrics: dict[str, object]) -> Path:
    """A finished run folder holding only metrics.json."""
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_report_unknown_metric_lists_the_metrics_found(tmp_path: Path) -> None:
    for seed in (0, 1):
        _fake_run(
            tmp_path / "sweep" / str(seed),
            {
                "app": "rl",
                "status": "ok",
                "seed": seed,
                "objective": "eval/mean_reward",
                "eval/mean_reward": 100.0 + seed,
                "wall_time_s": 3.0,
            },
        )
    done = _run(
        "rlgan-report", str(tmp_path / "sweep"), "--metric", "eval/nope", "--no-plots", cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    message = done.stderr.strip()
    assert message.startswith("rlgan-report: error:") and "\n" not in message
    assert "eval/nope" in message
    assert "eval/mean_reward" in message and "wall_time_s" in message
    assert not (tmp_path / "sweep" / "report").exists()
