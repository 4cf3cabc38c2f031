"""Unit tests of the arena's pure logic: ELO ratings, snapshot pools, the self-play schedule."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from rlgan.arena.elo import (
    LOG_ODDS_PER_POINT,
    PRIOR_GAMES,
    EloTable,
    expected_score,
    fit_ratings,
    match_score,
    rating_change,
)
from rlgan.arena.pool import SnapshotPool, snapshot_name
from rlgan.arena.schedule import (
    OpponentSampler,
    SelfPlaySettings,
    crossed,
    other_team,
    steps_to_next,
)
from rlgan.common.errors import ConfigError

# ---- ELO ---------------------------------------------------------------------------------


def test_expected_score_matches_hand_computed_values() -> None:
    assert expected_score(1200, 1200) == pytest.approx(0.5)
    # 400 points apart: the stronger expects 10 times the weaker's score, 10/11 and 1/11.
    assert expected_score(1600, 1200) == pytest.approx(10 / 11)
    assert expected_score(1200, 1600) == pytest.approx(1 / 11)
    # 200 points: 1 / (1 + 10 ** -0.5) = 0.7597469...
    assert expected_score(1400, 1200) == pytest.approx(0.7597469, abs=1e-7)


def test_rating_change_for_a_win_a_loss_a_draw_and_a_batch() -> None:
    assert rating_change(1200, 1200, 1.0) == pytest.approx(8.0)  # K/2
    assert rating_change(1200, 1200, 0.0) == pytest.approx(-8.0)
    assert rating_change(1200, 1200, 0.5) == pytest.approx(0.0)
    # The favourite drawing loses points: 16 * (0.5 - 0.7597469) = -4.1559505.
    assert rating_change(1400, 1200, 0.5) == pytest.approx(-4.1559505, abs=1e-6)
    # 2 wins and a loss at equal ratings, rated together: 16 * (2 - 1.5) = 8.
    assert rating_change(1200, 1200, 2.0, games=3) == pytest.approx(8.0)
    # An upset with K = 32: 32 * (1 - 1/11) = 29.0909...
    assert rating_change(1200, 1600, 1.0, k=32) == pytest.approx(320 / 11)
    assert match_score(3, 2) == 4.0


@pytest.mark.parametrize(
    "kwargs",
    [{"score": 1.5}, {"score": -0.1}, {"score": 1.0, "games": 0}, {"score": 1.0, "k": 0}],
)
def test_rating_change_refuses_impossible_results(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        rating_change(1200, 1200, **kwargs)


def test_elo_table_is_zero_sum_and_anchors_stay() -> None:
    table = EloTable()
    change = table.record("red@0", "blue@0", wins=1)
    assert change == pytest.approx(8.0)
    assert table.rating("red@0") == pytest.approx(1208.0)
    assert table.rating("blue@0") == pytest.approx(1192.0)
    assert table.rating("red@0") + table.rating("blue@0") == pytest.approx(2400.0)
    table.add("script:chase", anchored=True)
    table.record("blue@0", "script:chase", wins=0, draws=2)
    # 2 draws at 1192 vs 1200: 16 * (1 - 2 * E) with E = 1 / (1 + 10 ** (8 / 400)).
    e = 1 / (1 + 10 ** (8 / 400))
    assert table.rating("blue@0") == pytest.approx(1192.0 + 16 * (1 - 2 * e))
    assert table.rating("script:chase") == 1200.0
    assert table.games == {"red@0": 1, "blue@0": 3, "script:chase": 2}
    assert table.best(["red@0", "blue@0", "script:chase"]) == "red@0"
    assert table.record("red@0", "blue@0", wins=0) == 0.0  # no games: nothing moves
    with pytest.raises(ValueError):
        table.record("red@0", "red@0", wins=1)


def test_elo_table_round_trips_through_a_dict() -> None:
    table = EloTable(k=24)
    table.add("script:evade", anchored=True)
    table.record("red@100", "script:evade", wins=3, losses=1)
    again = EloTable.from_dict(table.to_dict())
    assert again == table
    assert again.results == [("red@100", "script:evade", 3.0, 4)]
    # A checkpoint saved before the table kept its results still loads (with none).
    old = {key: value for key, value in table.to_dict().items() if key != "results"}
    assert EloTable.from_dict(old).results == []


@pytest.mark.parametrize("p", [0.75, 0.9, 0.3])
def test_fit_of_two_players_gives_elo_s_difference_for_the_win_fraction(p: float) -> None:
    # Enough games that the prior's pull is below half a point.
    games = 100_000
    fitted = fit_ratings([("a", "b", p * games, games)], {"b": 1500.0})
    assert fitted["b"] == 1500.0  # anchored: does not move
    assert fitted["a"] - 1500.0 == pytest.approx(400 * math.log10(p / (1 - p)), abs=0.5)
    # No anchor: the prior centres the pair on the initial rating, the gap the same.
    free = fit_ratings([("a", "b", p * games, games)], {}, initial=1000.0)
    assert free["a"] + free["b"] == pytest.approx(2000.0, abs=1e-6)
    assert free["a"] - free["b"] == pytest.approx(400 * math.log10(p / (1 - p)), abs=0.5)


def test_fit_with_few_games_balances_the_results_and_the_prior() -> None:
    # 8 wins in 10 against an anchor at 1200: at the fit, the results' pull
    # c * (8 - 10 * E) equals the prior's, tau * (r - 1200), tau = PRIOR_GAMES * c^2 / 4.
    fitted = fit_ratings([("a", "script", 8.0, 10)], {"script": 1200.0})
    r, c = fitted["a"], LOG_ODDS_PER_POINT
    tau = PRIOR_GAMES * c * c / 4
    assert c * (8 - 10 * expected_score(r, 1200.0)) == pytest.approx(tau * (r - 1200.0))
    # ... which is short of the prior-free 400 * log10(4) = 240.8 points.
    assert 150.0 < r - 1200.0 < 400 * math.log10(4)


def test_fit_ignores_the_order_of_results_and_stays_finite_on_clean_sweeps() -> None:
    rows = [
        ("red@1", "script:evade", 30.0, 50),
        ("red@2", "script:evade", 45.0, 50),
        ("red@2", "blue@1", 50.0, 50),  # a clean sweep
        ("blue@1", "red@1", 20.0, 50),
        ("red@3", "blue@1", 0.0, 50),  # a clean loss
    ]
    anchors = {"script:evade": 1200.0}
    fitted = fit_ratings(rows, anchors)
    backwards = fit_ratings(rows[::-1], anchors)
    assert fitted == pytest.approx(backwards, abs=1e-6)
    assert fitted["script:evade"] == 1200.0
    assert all(math.isfinite(value) and 0 < value < 3000 for value in fitted.values())
    assert fitted["red@2"] > fitted["red@1"] > fitted["red@3"]
    with pytest.raises(ValueError):
        fit_ratings(rows, anchors, prior_games=0)
    with pytest.raises(ValueError):
        fit_ratings([("a", "b", 3.0, 2)], {})


def test_fitted_table_ratings_do_not_depend_on_the_order_of_matches() -> None:
    # The same matches in two orders: the incremental ratings differ, the fitted ones do not.
    matches = [("red@1", "blue@1", 40), ("red@2", "blue@1", 10), ("red@2", "blue@2", 25)]
    tables = []
    for order in (matches, matches[::-1]):
        table = EloTable()
        table.add("script:chase", anchored=True)
        table.add("red@3")  # entered, never played: at the initial rating
        for red, blue, wins in order:
            table.record(red, blue, wins=wins, losses=50 - wins)
        table.record("script:chase", "blue@1", wins=25, losses=25)
        tables.append(table)
    first, second = tables
    assert first.rating("red@1") != pytest.approx(second.rating("red@1"), abs=1.0)
    assert first.fitted() == pytest.approx(second.fitted(), abs=1e-6)
    fitted = first.fitted()
    assert fitted["script:chase"] == 1200.0 and fitted["red@3"] == 1200.0
    assert fitted["red@1"] > fitted["red@2"]


# ---- snapshot pool -----------------------------------------------------------------------


def _save(pool: SnapshotPool, step: int) -> None:
    pool.save(step, lambda handle: handle.write(f"policy at {step}".encode()))


def test_pool_keeps_the_first_and_the_newest_window(tmp_path) -> None:
    pool = SnapshotPool(tmp_path, "red", window=3)
    assert pool.snapshots() == [] and pool.latest() is None and pool.first() is None
    unrelated = pool.folder / "notes.txt"
    for step in (10, 20, 30):
        _save(pool, step)
    unrelated.write_text("mine")
    for step in (40, 50, 60):
        _save(pool, step)
    assert [s.step for s in pool.snapshots()] == [10, 40, 50, 60]
    assert [s.step for s in pool.recent()] == [40, 50, 60]
    assert pool.first().step == 10 and pool.latest().name == "red@60"
    assert pool.latest().path.read_bytes() == b"policy at 60"
    assert unrelated.read_text() == "mine"  # only snapshot files are ever pruned
    assert snapshot_name("red", 60) == "red@60"


def test_pool_with_window_one_keeps_first_and_latest(tmp_path) -> None:
    pool = SnapshotPool(tmp_path, "blue", window=1)
    for step in (5, 6, 7):
        _save(pool, step)
    assert [s.step for s in pool.snapshots()] == [5, 7]
    assert [s.step for s in pool.recent()] == [7]


def test_pool_ignores_and_cleans_leftovers_of_an_interrupted_write(tmp_path) -> None:
    pool = SnapshotPool(tmp_path, "red", window=5)
    for step in (100, 200, 300):
        _save(pool, step)
    leftover = pool.folder / ".step_000000400.zip.abc123.tmp"
    leftover.write_bytes(b"half")
    assert [s.step for s in pool.snapshots()] == [100, 200, 300]
    removed = pool.drop_after(200)  # a resume from the checkpoint at 200
    assert leftover in removed and not leftover.exists()
    assert [s.step for s in pool.snapshots()] == [100, 200]


def test_pool_write_failure_leaves_the_pool_as_it_was(tmp_path) -> None:
    pool = SnapshotPool(tmp_path, "red", window=1)
    for step in (1, 2):
        _save(pool, step)

    def broken(handle) -> None:
        handle.write(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError):
        pool.save(3, broken)
    assert [s.step for s in pool.snapshots()] == [1, 2]
    assert list(pool.folder.glob(".*.tmp")) == []


def test_pool_find_by_name_and_one_paragraph_errors(tmp_path) -> None:
    pool = SnapshotPool(tmp_path, "blue", window=2)
    with pytest.raises(ConfigError, match="has no snapshot"):
        pool.find("latest", knob="blue")
    for step in (1000, 2000, 3000):
        _save(pool, step)
    assert pool.find("blue@2000").step == 2000
    assert pool.find(3000).step == 3000
    assert pool.find("first").step == 1000 and pool.find("latest").step == 3000
    with pytest.raises(ConfigError) as err:
        pool.find("blue@2500", knob="blue")
    message = str(err.value)
    assert "blue@2500" in message and "blue@1000, blue@2000, blue@3000" in message
    assert "\n" not in message


def test_pool_refuses_an_empty_window(tmp_path) -> None:
    with pytest.raises(ValueError):
        SnapshotPool(tmp_path, "red", window=0)


# ---- schedule ----------------------------------------------------------------------------

GOOD = {
    "team_change": 1000,
    "save_steps": 300,
    "swap_steps": 200,
    "window": 4,
    "play_against_latest_model_ratio": 0.5,
}


def test_settings_from_config_and_team_alternation() -> None:
    settings = SelfPlaySettings.from_config(GOOD)
    assert settings.window == 4 and settings.first_team == "red"
    assert [settings.learning_team(s) for s in (0, 999, 1000, 1999, 2000)] == [
        "red",
        "red",
        "blue",
        "blue",
        "red",
    ]
    blue_first = SelfPlaySettings.from_config({**GOOD, "first_team": "blue"})
    assert blue_first.learning_team(0) == "blue" and blue_first.learning_team(1000) == "red"
    assert other_team("red") == "blue" and other_team("blue") == "red"


def test_event_clock() -> None:
    settings = SelfPlaySettings.from_config(GOOD)
    assert steps_to_next(0, 200) == 200 and steps_to_next(150, 200) == 50
    assert settings.steps_to_next_event(0, 0) == 200  # the first swap
    assert settings.steps_to_next_event(950, 280) == 20  # the team's snapshot at 300
    assert settings.steps_to_next_event(990, 0) == 10  # the team change at 1000
    # Events are found even when a chunk of learning overshoots them.
    assert crossed(190, 230, 200) and not crossed(200, 399, 200) and crossed(399, 400, 200)
    assert settings.team_changed(998, 1003) and not settings.team_changed(1000, 1999)
    assert settings.swap_due(0, 200) and settings.save_due(250, 310)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"window": 0}, "selfplay.window=0"),
        ({"window": 2.0}, "selfplay.window=2.0"),
        ({"team_change": 0}, "selfplay.team_change=0"),
        ({"save_steps": -5}, "selfplay.save_steps=-5"),
        ({"swap_steps": None}, "selfplay.swap_steps=None"),
        ({"play_against_latest_model_ratio": 1.5}, "play_against_latest_model_ratio=1.5"),
        ({"play_against_latest_model_ratio": -0.1}, "play_against_latest_model_ratio=-0.1"),
        ({"play_against_latest_model_ratio": "half"}, "play_against_latest_model_ratio='half'"),
        ({"first_team": "green"}, "selfplay.first_team='green'"),
    ],
)
def test_bad_selfplay_values_are_one_paragraph_errors(change: dict, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        SelfPlaySettings.from_config({**GOOD, **change})
    message = str(err.value)
    assert needle in message and "\n" not in message


def _frequencies(ratio: float, n_recent: int, draws: int = 20_000, seed: int = 0) -> list[float]:
    sampler = OpponentSampler(ratio, seed)
    recent = list(range(n_recent))
    counts = Counter(sampler.draw(recent) for _ in range(draws))
    return [counts[i] / draws for i in recent]


@pytest.mark.parametrize("ratio", [0.0, 0.5, 0.8, 1.0])
def test_opponent_sampling_frequencies(ratio: float) -> None:
    n = 4
    freqs = _frequencies(ratio, n)
    # The latest: ratio, plus its share of the uniform draws; each older one: (1 - ratio) / n.
    assert freqs[-1] == pytest.approx(ratio + (1 - ratio) / n, abs=0.02)
    for older in freqs[:-1]:
        assert older == pytest.approx((1 - ratio) / n, abs=0.02)
    assert math.isclose(sum(freqs), 1.0)


def test_sampler_is_seeded_and_its_state_resumes() -> None:
    recent = list(range(10))
    a, b = OpponentSampler(0.3, seed=7), OpponentSampler(0.3, seed=7)
    assert [a.draw(recent) for _ in range(50)] == [b.draw(recent) for _ in range(50)]
    state = a.state()
    ahead = [a.draw(recent) for _ in range(20)]
    resumed = OpponentSampler(0.3, seed=123)
    resumed.set_state(state)
    assert [resumed.draw(recent) for _ in range(20)] == ahead
    assert OpponentSampler(1.0).draw([1]) == 1
    with pytest.raises(ValueError):
        OpponentSampler(0.5).draw([])
