"""``env.kwargs.<knob>=...`` sets any constructor knob of an env, checked against its constructor.

Plain ``env.kwargs.<knob>=`` overrides work for knobs the env's yaml lists and for those it does
not (the command turns them into Hydra's ``++``); an unknown knob is refused before any work
with a close-match hint and exit status 2.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rlgan.common.errors import ConfigError
from rlgan.common.hydra_cli import open_node_overrides
from rlgan.notebook import compose
from rlgan.rl.knobs import check_env_kwargs, constructor_knobs

BIN = Path(sys.executable).parent


def _rl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``rlgan-rl`` in ``cwd``."""
    return subprocess.run(
        [str(BIN / "rlgan-rl"), *args], cwd=cwd, capture_output=True, text=True, timeout=180
    )


def test_open_node_overrides_adds_plus_plus_only_to_plain_overrides_of_the_node() -> None:
    given = [
        "env.kwargs.image_size=32",
        "+env.kwargs.a=1",
        "++env.kwargs.b=2",
        "~env.kwargs.c",
        "env.kwargs=null",
        "env.kwargsx.d=1",
        "env.id=CartPole-v1",
        "-m",
        "env.kwargs.arena_size=8,12",
    ]
    assert open_node_overrides(given, ("env.kwargs",)) == [
        "++env.kwargs.image_size=32",
        "+env.kwargs.a=1",
        "++env.kwargs.b=2",
        "~env.kwargs.c",
        "env.kwargs=null",
        "env.kwargsx.d=1",
        "env.id=CartPole-v1",
        "-m",
        "++env.kwargs.arena_size=8,12",
    ]


def test_constructor_knobs_read_the_registry_entry_point() -> None:
    pursuit = constructor_knobs("rlgan/Pursuit-v0")
    assert pursuit is not None
    assert {"arena_size", "image_size", "agent_speed", "max_episode_steps"} <= pursuit
    assert "render_mode" not in pursuit  # the command sets it
    maze = constructor_knobs("rlgan/Maze-v0")
    assert maze is not None and {"size", "view", "image_size"} <= maze
    cartpole = constructor_knobs("CartPole-v1")
    assert cartpole is not None and "sutton_barto_reward" in cartpole
    assert constructor_knobs("NoSuchEnv-v9") is None


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"id": "rlgan/Pursuit-v0", "kwargs": {"arean_size": 12}},
            "Invalid env.kwargs.arean_size=12: rlgan/Pursuit-v0 has no knob 'arean_size'. "
            "Did you mean arena_size?",
        ),
        ({"id": "CartPole-v1", "kwargs": {"sutton_barto": True}}, "sutton_barto_reward"),
        ({"id": "CartPole-v1", "kwargs": {"render_mode": "human"}}, "not a knob"),
    ],
)
def test_unknown_knob_is_a_config_error_with_a_close_match(env: dict, says: str) -> None:
    with pytest.raises(ConfigError) as err:
        check_env_kwargs(env)
    assert says in str(err.value)
    assert "\n" not in str(err.value)


def test_known_knobs_and_other_envs_pass() -> None:
    check_env_kwargs({"id": "rlgan/Pursuit-v0", "kwargs": {"arena_size": 12, "image_size": 32}})
    check_env_kwargs({"id": "CartPole-v1", "kwargs": {}})
    check_env_kwargs({"id": None, "_target_": "x.Y", "kwargs": {"anything": 1}})


def test_unlisted_knob_reaches_the_env_through_the_config() -> None:
    from rlgan.rl.env_factory import probe_spaces

    cfg, _ = compose(
        "rl", ["env=pursuit", "env.kwargs.obs_type=pixels", "env.kwargs.image_size=16"]
    )
    assert "image_size" not in compose("rl", ["env=pursuit"])[0].env.kwargs  # not in the yaml
    observation_space, _ = probe_spaces(cfg.env)
    assert observation_space.shape == (16, 16, 3)


def test_cli_accepts_listed_and_unlisted_knobs(tmp_path: Path) -> None:
    listed = _rl("env=pursuit", "env.kwargs.arena_size=12", "--cfg", "job", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "arena_size: 12" in listed.stdout
    unlisted = _rl(
        "env=pursuit",
        "env.kwargs.image_size=32",
        "env.id=rlgan/Pursuit-v0",
        "--cfg",
        "job",
        cwd=tmp_path,
    )
    assert unlisted.returncode == 0, unlisted.stderr
    assert "image_size: 32" in unlisted.stdout


def test_cli_refuses_a_misspelt_knob_with_exit_2_before_any_work(tmp_path: Path) -> None:
    done = _rl("env=pursuit", "env.kwargs.arean_size=12", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Did you mean arena_size" in done.stderr
    assert "Traceback" not in done.stderr
    assert not any(tmp_path.iterdir()), "refused before any run folder is made"


def test_compose_config_takes_env_kwargs_without_plus() -> None:
    """Python callers (tests, notebooks) write env.kwargs.<knob>= as the command line does."""
    from rlgan.common.app import compose_config

    cfg = compose_config("rl", ["env=pursuit", "env.kwargs.image_size=32"])
    assert cfg.env.kwargs.image_size == 32
