"""rlgan-arena's own config options: ``algo/ppo_selfplay``, ``net/mlp_medium``, ``experiment/``.

They are on ``rlgan-arena``'s config search path only (``hydra.searchpath`` in
``conf/arena.yaml``), so ``algo@red.algo=ppo_selfplay`` and ``+experiment=<name>`` resolve for
the arena and the other runners' listings stay as they are; the shared groups (algo, net,
hydra) stay in ``conf/``.
"""
