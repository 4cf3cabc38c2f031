"""The finishing touches: one summary line for both runners, and run-folder hints that say where
run folders are.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from rlgan.common.app import compose_config
from rlgan.common.errors import ConfigError
from rlgan.common.lifecycle import read_run_config
from rlgan.common.summary import RunSummary, format_value

BIN = Path(sys.executable).parent
#: The shared shape: ``<command>: <status>: <what>, <n> <unit> in <s> s, ...; objective <name> =
#: <value>; run folder <folder>``.
SUMMARY = re.compile(
    r"^(rlgan-rl|rlgan-gan): (\w+): .+, [\d,]+ (steps|iterations) in [\d.]+ s(, .+)?; "
    r"objective \S+ = \S+; run folder (.+)$"
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "n/a"),
        (float("nan"), "n/a"),
        (40000.0, "40,000"),
        (12, "12"),
        (0.12345, "0.1235"),
        (12345.6, "12,346"),
        (-1.3371, "-1.337"),
    ],
)
def test_format_value(value: float | None, shown: str) -> None:
    assert format_value(value) == shown


def test_summary_line_names_every_field() -> None:
    line = RunSummary(
        command="rlgan-gan",
        status="interrupted",
        what="mlp GAN (hinge loss) on ring8",
        done=1200,
        unit="iterations",
        wall_time_s=3.21,
        details=("eval/modes_covered 8",),
        objective="eval/high_quality_frac",
        value=0.75,
        run_dir="outputs/gan/d/t",
    ).line()
    assert line == (
        "rlgan-gan: interrupted: mlp GAN (hinge loss) on ring8, 1,200 iterations in 3.2 s, "
        "eval/modes_covered 8; objective eval/high_quality_frac = 0.75; run folder "
        "outputs/gan/d/t"
    )


def test_rl_summary_line_has_the_shared_shape() -> None:
    from rlgan.rl.run_summary import summary_line

    metrics = {
        "status": "ok",
        "algo": "ppo",
        "env_id": "CartPole-v1",
        "timesteps": 60000,
        "wall_time_s": 41.2,
        "eval/mean_reward": 500.0,
        "eval/std_reward": 0.0,
        "eval/episodes": 10,
        "solved_at_timesteps": 40000,
        "reward_threshold": 475.0,
        "objective": "eval/mean_reward",
    }
    line = summary_line(metrics, "outputs/rl/d/t")
    assert SUMMARY.match(line), line
    assert "objective eval/mean_reward = 500;" in line and "solved at 40,000 steps" in line


def test_gan_run_ends_with_the_shared_summary_line(tmp_path: Path, capsys) -> None:
    from rlgan.gan.train import train

    cfg = compose_config(
        "gan",
        [
            "data=grid25",
            "model=mlp",
            "train.iterations=40",
            "eval.freq=20",
            "eval.n_samples=300",
            "log.tensorboard=false",
            "progress_bar=false",
        ],
    )
    value = train(cfg, run_dir=tmp_path / "run")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    match = SUMMARY.match(last)
    assert match, last
    assert match.group(1) == "rlgan-gan" and match.group(2) == "ok"
    assert match.group(3) == "iterations" and "40 iterations" in last
    assert f"objective {cfg.objective} = {format_value(value)};" in last
    assert Path(match.group(5)) == (tmp_path / "run").resolve()


@pytest.mark.parametrize(
    ("app", "layout"),
    [
        ("rl", ["outputs/rl/<date>/<time>"]),
        ("gan", ["outputs/gan/<date>/<time>"]),
        (None, ["outputs/rl/<date>/<time>", "outputs/gan/<date>/<time>"]),
    ],
)
def test_wrong_run_folder_hint_names_the_real_layout(
    app: str | None, layout: list[str], tmp_path: Path
) -> None:
    for folder in (tmp_path / "missing", tmp_path):  # no such folder; not a run
        with pytest.raises(ConfigError) as err:
            read_run_config(folder, "run", app)
        assert all(part in str(err.value) for part in layout), err.value
        assert "<app>" not in str(err.value)


def test_resume_of_a_wrong_folder_on_the_command_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(BIN / "rlgan-rl"), f"resume={tmp_path}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 2, done.stderr
    assert "outputs/rl/<date>/<time>" in done.stderr
