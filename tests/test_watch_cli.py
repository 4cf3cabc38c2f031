"""rlgan-watch's knob names match rlgan-rl (``env.id``, ``env.kwargs.<knob>``); old ones warn."""

from __future__ import annotations

import logging
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import DictConfig

from rlgan.apps.watch import OPEN_NODES, upgrade_overrides, watch
from rlgan.common.hydra_cli import open_node_overrides


def watch_config(*overrides: str, **options: object) -> DictConfig:
    """Compose rlgan-watch's config as its command line would (headless, fps=0 unless given)."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    args = [*overrides, *(f"{key}={value}" for key, value in options.items())]
    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="rlgan.conf.watch", version_base="1.3"):
        return compose(
            config_name="watch",
            overrides=open_node_overrides(["fps=0", "headless=true", *args], OPEN_NODES),
        )


ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize(
    ("given", "upgraded"),
    [
        (["env=CartPole-v1"], ["env.id=CartPole-v1"]),
        (["env_kwargs.size=9"], ["env.kwargs.size=9"]),
        (["+env_kwargs.size=9"], ["+env.kwargs.size=9"]),
        (["env_kwargs={size: 9}"], ["env.kwargs={size: 9}"]),
        (["env=rlgan/Maze-v0", "env_kwargs.size=7"], ["env.id=rlgan/Maze-v0", "env.kwargs.size=7"]),
    ],
)
def test_old_spellings_are_renamed_with_one_warning_each(given, upgraded, caplog):
    with caplog.at_level(logging.WARNING, logger="rlgan.apps.watch"):
        assert upgrade_overrides(given) == upgraded
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == len(given)
    assert all("deprecated" in w and "\n" not in w for w in warnings)


def test_current_spellings_and_other_overrides_are_left_alone(caplog):
    current = [
        "env.id=CartPole-v1",
        "env.kwargs.sutton_barto_reward=true",
        "env={id: CartPole-v1, kwargs: {}}",
        "run=outputs/rl/x",
        "--cfg",
        "job",
        "environment=1",  # not the env knob
    ]
    with caplog.at_level(logging.WARNING, logger="rlgan.apps.watch"):
        assert upgrade_overrides(current) == current
    assert not caplog.records


def test_any_constructor_knob_is_set_with_env_kwargs():
    cfg = watch_config("env.id=rlgan/Maze-v0", "env.kwargs.size=7", max_frames=2)
    assert watch(cfg).frames == 2
    assert cfg.env.kwargs.size == 7  # no "+" needed: env.kwargs is an open node


def test_command_line_old_spelling_still_plays_with_a_warning(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from rlgan.apps.watch import main; main()",
            "env=rlgan/Maze-v0",
            "env_kwargs.size=7",
            "headless=true",
            "max_frames=2",
            "fps=0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "env=rlgan/Maze-v0 is deprecated" in result.stderr
    assert "env_kwargs.size=7 is deprecated" in result.stderr
    assert "2 frames" in result.stdout


def _watch_commands() -> list[tuple[str, list[str]]]:
    """``(text, args)`` of every ``rlgan-watch`` command in README.md and docs/ (prose too).

    In ``args`` placeholders lose their brackets (``run=<run dir>`` -> ``run=run``, ``dir``).
    """
    found = []
    for doc in DOCS:
        for line in doc.read_text().splitlines():
            for match in re.finditer(r"rlgan-watch((?: [^`|#\n]*)?)", line):
                args = shlex.split(match.group(1).replace("<", "").replace(">", ""))
                found.append((match.group(0), args))
    return found


def _runnable(command: str) -> bool:
    """A documented command that needs no run folder or model file of yours, no placeholder."""
    _, _, text = command.partition("rlgan-watch ")
    args = text.split()
    return (
        bool(args)
        and "<" not in text
        and "..." not in text
        and all("=" in a for a in args)
        and any(a.startswith("env.id=") for a in args)
        and not any(a.startswith("model=") for a in args)
    )


def test_docs_show_rlgan_watch_with_the_current_knob_names(caplog):
    commands = _watch_commands()
    assert len(commands) >= 8
    with caplog.at_level(logging.WARNING, logger="rlgan.apps.watch"):
        for _text, args in commands:
            upgrade_overrides(args)
    assert not caplog.records, [r.getMessage() for r in caplog.records]


RUNNABLE = sorted({tuple(args) for text, args in _watch_commands() if _runnable(text)})


def test_the_docs_show_runnable_watch_commands():
    assert len(RUNNABLE) >= 3, RUNNABLE


@pytest.mark.parametrize("args", RUNNABLE)
def test_documented_watch_commands_without_a_run_folder_play(args, tmp_path):
    args = [a if not a.startswith("record=") else f"record={tmp_path / 'clip.gif'}" for a in args]
    result = watch(watch_config(*args, headless="true", max_frames=3, ready=0))
    assert result.frames == 3
