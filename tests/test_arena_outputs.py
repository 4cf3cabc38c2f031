"""The arena run's outputs: match log, ranks, summary line, figures and the timeline GIF."""

from __future__ import annotations

import csv
from functools import partial

import numpy as np
import pytest
from rlgan.envs.arena_core import ArenaParams
from rlgan.envs.pursuit_arena import PursuitArenaVector

from rlgan.arena import figures, timeline
from rlgan.arena.elo_log import ELO_COLUMNS, newest_snapshot_ratings, read_elo_log
from rlgan.arena.matches import MatchResult, play_matches
from rlgan.arena.policies import RandomPolicy
from rlgan.arena.results import MatchLog, elo_rank, fraction
from rlgan.arena.run_summary import scripted_range, summary_line
from rlgan.arena.scripted import scripted_baselines


def result(winners: str) -> MatchResult:
    """A match result with the given per-game winners (``r``/``b``)."""
    names = tuple("red" if c == "r" else "blue" for c in winners)
    red = winners.count("r")
    return MatchResult(red, len(winners) - red, 10.0, names)


# ---- match log -----------------------------------------------------------------------------


def test_match_log_turned_counts_games_the_first_snapshot_lost() -> None:
    log = MatchLog()
    # red@0 lost games 1, 2 and 4 against script:evade; red@9 won games 1 and 4 of those.
    log.record("red@0", "script:evade", result("rbbrb"))
    log.record("red@9", "script:evade", result("rrbrr"))
    # blue@5: red@0 lost all 3, red@9 won 1 of them.
    log.record("red@0", "blue@5", result("bbb"))
    log.record("red@9", "blue@5", result("bbr"))
    assert log.turned("red", "red@0", "red@9", ["script:evade", "blue@5"]) == (3, 6)
    # Seen from blue: blue@5 beat red@0 in all 3 games, so nothing to turn.
    assert log.turned("blue", "blue@5", "blue@5", ["red@0"]) == (0, 0)
    # An opponent only one of the two met does not count.
    log.record("red@0", "blue@7", result("b"))
    assert log.turned("red", "red@0", "red@9", ["blue@7"]) == (0, 0)
    assert fraction(3, 6) == 0.5 and fraction(0, 0) is None


def test_match_log_rates_round_trips_and_forgets() -> None:
    log = MatchLog()
    log.record("script:chase", "blue@0", result("rrrb"))
    log.record("red@0", "blue@0", result("bb"))
    assert log.win_rate("script:chase", "blue@0") == 0.75
    assert log.win_rate("red@0", "script:evade") is None
    assert log.won_games("blue", "blue@0", "script:chase") == [False, False, False, True]
    assert log.counts() == {("script:chase", "blue@0"): (3, 4), ("red@0", "blue@0"): (0, 2)}
    again = MatchLog.from_list(log.to_list())
    assert again.games == log.games
    again.forget({"red@0"})
    assert list(again.games) == [("script:chase", "blue@0")]


def test_elo_rank() -> None:
    ratings = {"red@0": 1100.0, "red@10": 1300.0, "red@20": 1250.0}
    assert elo_rank(ratings, "red@10", ratings) == 1
    assert elo_rank(ratings, "red@20", ratings) == 2
    assert elo_rank(ratings, "red@0", ratings) == 3


def test_matches_report_each_games_winner_in_seed_order() -> None:
    params = ArenaParams()
    make = partial(PursuitArenaVector)
    chase = scripted_baselines("red", params)[0]
    evade = scripted_baselines("blue", params)[0]
    whole = play_matches(make, chase, evade, 6, seed=3)
    assert len(whole.winners) == 6 and whole.winners.count("red") == whole.red_wins
    # Game i of a match seeded s is game 0 of a match seeded s + i.
    for i in (0, 4):
        alone = play_matches(make, chase, evade, 1, seed=3 + i)
        assert alone.winners[0] == whole.winners[i]


# ---- summary line --------------------------------------------------------------------------


def test_summary_line_names_both_teams_and_the_scripted_yardsticks() -> None:
    metrics = {
        "status": "ok",
        "algos": {"red": "ppo", "blue": "a2c"},
        "teams": {"red": 2, "blue": 1},
        "timesteps": 800000,
        "wall_time_s": 241.5,
        "eval/red_win_rate": 0.84,
        "eval/blue_win_rate": 0.43,
        "eval/red_elo": 1414.14,
        "eval/blue_elo": 1191.7,
        "scripted/chase_vs_evade": 0.54,
        "scripted/intercept_vs_evade": 0.72,
        "objective": "eval/blue_win_rate",
    }
    line = summary_line(metrics, "outputs/run")
    assert line.startswith("rlgan-arena: ok: PPO x2 red vs A2C x1 blue in PursuitArena, ")
    assert "800,000 arena steps in 241.5 s" in line
    assert "red wins 84% vs the scripted evader (scripted pursuers 54%-72%)" in line
    assert "blue wins 43% vs the scripted pursuers (scripted evader 28%-46%)" in line
    assert "objective eval/blue_win_rate = 0.43; run folder outputs/run" in line
    assert "\n" not in line
    assert scripted_range({}, "red") == "n/a"


# ---- figures -------------------------------------------------------------------------------


def test_win_matrix_leaves_unplayed_pairings_empty() -> None:
    counts = {("script:chase", "blue@0"): (3, 4), ("red@0", "script:evade"): (0, 2)}
    grid = figures.win_matrix(counts, ["script:chase", "red@0"], ["script:evade", "blue@0"])
    assert grid[0, 1] == 0.75 and grid[1, 0] == 0.0
    assert np.isnan(grid[0, 0]) and np.isnan(grid[1, 1])


def test_figures_are_drawn_from_elo_csv_and_the_match_log(tmp_path) -> None:
    rows = [
        (10, "red", "red@0", 1150.0),
        (10, "red", "red@10", 1250.0),
        (10, "blue", "blue@0", 1180.0),
        (10, "blue", "blue@10", 1190.0),
        (20, "red", "red@0", 1140.0),
        (20, "red", "red@10", 1240.0),
        (20, "red", "red@20", 1300.0),
        (20, "blue", "blue@20", 1210.0),
    ]
    # An older run folder's elo.csv: one (incremental) "elo" column.
    path = tmp_path / "elo.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "team", "player", "elo", "games"])
        writer.writerows([(*row, 10) for row in rows])
    curves = figures.elo_curves(path)
    assert curves["red (newest snapshot)"][:2] == ([10.0, 20.0], [1250.0, 1300.0])
    assert curves["red window, final ratings"][:2] == ([10.0, 20.0], [1240.0, 1300.0])
    assert curves["blue (newest snapshot)"][:2] == ([10.0, 20.0], [1190.0, 1210.0])
    # Today's: the curves follow the fitted column (here: incremental + 1000).
    current = tmp_path / "current.csv"
    with current.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=ELO_COLUMNS)
        writer.writeheader()
        for step, team, player, rating in rows:
            fitted = rating + 1000
            values = (step, team, player, rating, fitted, 10)
            writer.writerow(dict(zip(ELO_COLUMNS, values, strict=True)))
    curves = figures.elo_curves(current)
    assert curves["red (newest snapshot)"][:2] == ([10.0, 20.0], [2250.0, 2300.0])
    assert curves["red window, final ratings"][:2] == ([10.0, 20.0], [2240.0, 2300.0])
    incremental = newest_snapshot_ratings(read_elo_log(current), "red", fitted=False)
    assert incremental == ([10.0, 20.0], [1250.0, 1300.0])
    elo_png = figures.plot_elo(path, tmp_path / "plots" / "elo.png", 1200.0)
    matrix_png = figures.plot_win_matrix(
        tmp_path / "plots" / "win_matrix.png",
        {("red@0", "blue@0"): (1, 4)},
        ["script:chase", "red@0"],
        ["script:evade", "blue@0"],
    )
    for png in (elo_png, matrix_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- timeline ------------------------------------------------------------------------------


def test_clips_show_games_until_the_last_ends_and_join_into_a_timeline(tmp_path) -> None:
    make = partial(PursuitArenaVector, max_episode_steps=12)
    space = PursuitArenaVector(1).action_space
    red, blue = RandomPolicy(space, seed=1), RandomPolicy(space, seed=2)
    first = timeline.record_clip(
        timeline.clip_path(tmp_path, 0), make, red, blue, 5, "0 arena steps: red@0 vs blue@0"
    )
    assert first.games == timeline.CLIP_GAMES
    timeline.record_clip(timeline.clip_path(tmp_path, 100), make, red, blue, 5, "100 arena steps")
    frames = timeline.read_gif(timeline.clip_path(tmp_path, 0))
    # A game lasts at most 12 steps: one frame every CLIP_EVERY steps, the final one included
    # (GIF writers may merge the identical frames that hold the final position).
    assert 1 <= len(frames) <= 12 // timeline.CLIP_EVERY + 1 + timeline.CLIP_HOLD
    height = timeline.CAPTION_HEIGHT + 2 * timeline.CLIP_SIZE + 3
    assert frames[0].shape == (height, 2 * timeline.CLIP_SIZE + 3, 3)
    # The caption strip is drawn (dark text pixels on white).
    assert (frames[0][: timeline.CAPTION_HEIGHT] < 100).any()
    joined = timeline.join_clips(tmp_path, tmp_path / "plots" / timeline.TIMELINE_GIF)
    assert joined is not None
    clip_frames = sum(len(timeline.read_gif(p)) for p in (tmp_path / "matches").glob("*.gif"))
    assert len(timeline.read_gif(joined)) == clip_frames
    assert timeline.join_clips(tmp_path / "none", tmp_path / "x.gif") is None


@pytest.mark.parametrize("caption", ["", "a long caption " * 10])
def test_captioned_tiles_four_frames(caption: str) -> None:
    frames = np.zeros((4, 8, 8, 3), dtype=np.uint8)
    picture = timeline.captioned(frames, caption)
    assert picture.shape == (timeline.CAPTION_HEIGHT + 19, 19, 3)


def test_match_log_as_csv() -> None:
    log = MatchLog()
    log.record("script:chase", "blue@0", result("rrb"))
    assert log.to_csv() == "red,blue,red_wins,games,winners\nscript:chase,blue@0,2,3,rrb\n"
