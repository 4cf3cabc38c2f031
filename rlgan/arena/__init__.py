"""``rlgan-arena``: two teams that learn against each other (self-play), the RL side's GAN.

- :mod:`~rlgan.arena.elo`: ELO ratings from match results.
- :mod:`~rlgan.arena.pool`: each team's pool of snapshots on disk.
- :mod:`~rlgan.arena.schedule`: the self-play schedule (who learns, when to snapshot, when
  to swap the opponent and which one).
- :mod:`~rlgan.arena.validate`: the whole ``arena`` config checked before heavy work.
- :mod:`~rlgan.arena.team_env`: one team's view of the batched arena as an SB3 ``VecEnv``.
- :mod:`~rlgan.arena.matches`, :mod:`~rlgan.arena.results`: evaluation matches and their
  game-by-game log (win matrix, first-vs-final comparison, fitted ratings).
- :mod:`~rlgan.arena.figures`, :mod:`~rlgan.arena.timeline`: ``plots/elo.png``,
  ``plots/win_matrix.png`` and the timeline GIF.
- :mod:`~rlgan.arena.train`: the run; :mod:`~rlgan.arena.exploit`: ``exploit=<run dir>``.
"""
