"""Every ``rlgan-rl`` / ``rlgan-gan`` / ``rlgan-arena`` command in README.md and docs/ works.

Each command is read from the Markdown code blocks, turned into the overrides the command
line would give (a multirun's sweep lists contribute their first value; Hydra's own launcher
and sweeper settings are left to the sweep tests), composed, and trained for real with tiny
budgets appended. A renamed knob or a broken preset spelling in the docs then fails here.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from rlgan.common.app import compose_config

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND = re.compile(r"^(?:\.venv/bin/)?rlgan-(rl|gan|arena)(?=\s|$)(.*)$")
#: Commands that need what a test machine does not have: a run folder of yours, your
#: pictures, a downloaded data set or a cluster.
NEEDS_USER_FILES = (
    "resume=outputs/",
    "evaluate=outputs/",
    "evaluate=ppo_cartpole.zip",
    "exploit=outputs/",
    "data.root=~",
    "data=cifar10",
    "data=mnist",
    "data=fashion_mnist",
    "data=folder",
    "inception_weights=",
)
#: Sweeper search-space syntax (only meaningful to the Optuna sweeper).
SEARCH_SYNTAX = ("interval(", "range(", "choice(", "tag(")
RL_TINY = [
    "total_timesteps=256",
    "eval.freq=0",
    "eval.final_episodes=1",
    "eval.n_envs=1",
    "checkpoint.freq=0",
    "progress_bar=false",
    "log.tensorboard=false",
    "stop_on_solve=0",
]
ARENA_TINY = [
    "total_timesteps=512",
    "env.n_arenas=4",
    "env.kwargs.max_episode_steps=50",
    "selfplay.team_change=256",
    "selfplay.save_steps=128",
    "selfplay.swap_steps=128",
    "eval.freq=0",
    "eval.games=2",
    "checkpoint.freq=0",
    "progress_bar=false",
    "log.tensorboard=false",
]
GAN_TINY = [
    "train.iterations=2",
    "eval.freq=2",
    "train.sample_every=2",
    "checkpoint.freq=2",
    "eval.n_samples=64",
    "progress_bar=false",
    "log.tensorboard=false",
]


def _code_lines(text: str) -> list[str]:
    """The lines inside fenced code blocks, with ``\\`` continuations joined."""
    lines, inside, pending = [], False, ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("```"):
            inside = not inside
            continue
        if not inside:
            continue
        line = pending + raw.strip()
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        lines.append(line)
    return lines


def _first_value(arg: str) -> str:
    """``key=a,b,c`` -> ``key=a`` (commas inside brackets or parentheses are kept)."""
    key, sep, value = arg.partition("=")
    if not sep:
        return arg
    depth = 0
    for index, char in enumerate(value):
        depth += char in "[({"
        depth -= char in "])}"
        if char == "," and depth == 0:
            return f"{key}={value[:index]}"
    return arg


def documented_commands() -> list[tuple[str, str, list[str]]]:
    """``(where, app, overrides)`` of every runnable command in the docs."""
    found = []
    for doc in DOCS:
        for line in _code_lines(doc.read_text()):
            match = COMMAND.match(line)
            if match is None or any(marker in line for marker in NEEDS_USER_FILES):
                continue
            args = shlex.split(match.group(2), comments=True)
            if any(marker in arg for arg in args for marker in SEARCH_SYNTAX):
                continue
            overrides = [
                _first_value(a)
                for a in args
                if a not in ("-m", "--multirun") and not a.startswith("hydra")
            ]
            app = match.group(1)
            if (app, overrides) not in [(a, o) for _, a, o in found]:
                found.append((f"{doc.name}: {line[:70]}", app, overrides))
    return found


def _with_tiny_budget(overrides: list[str], tiny: list[str]) -> list[str]:
    """``overrides`` then ``tiny``, dropping the documented values that ``tiny`` replaces."""
    replaced = {t.partition("=")[0] for t in tiny}
    return [o for o in overrides if o.partition("=")[0].lstrip("+") not in replaced] + tiny


COMMANDS = documented_commands()


def test_the_docs_show_commands_of_every_app() -> None:
    apps = {app for _, app, _ in COMMANDS}
    assert apps == {"rl", "gan", "arena"} and len(COMMANDS) >= 20, len(COMMANDS)


@pytest.mark.slow
@pytest.mark.parametrize(("where", "app", "overrides"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_documented_command_runs_with_a_tiny_budget(
    where: str, app: str, overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    if app == "rl":
        from rlgan.rl.train import train

        cfg = compose_config("rl", _with_tiny_budget(overrides, RL_TINY))
    elif app == "arena":
        from rlgan.arena.train import train

        cfg = compose_config("arena", _with_tiny_budget(overrides, ARENA_TINY))
    else:
        from rlgan.gan.train import train

        extra = list(GAN_TINY)
        if "classifier_steps" in compose_config("gan", overrides).data:
            extra += ["data.classifier_steps=10", f"data.cache_dir={tmp_path / 'cache'}"]
        cfg = compose_config("gan", _with_tiny_budget(overrides, extra))
    train(cfg, run_dir=tmp_path / "run")
    from rlgan.common.run_dir import read_metrics

    assert read_metrics(tmp_path / "run")["status"] == "ok", where
