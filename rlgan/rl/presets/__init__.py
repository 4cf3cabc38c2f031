"""rlgan-rl's own config groups: ``experiment/`` (tuned presets) and ``hparams_search/``.

They are on ``rlgan-rl``'s config search path only (``hydra.searchpath`` in ``conf/rl.yaml``),
so ``rlgan-rl +experiment=ppo_cartpole`` finds them and Hydra's listings of these groups
(``--help``, an unknown ``+experiment=...``) offer RL presets alone; the shared groups (algo,
env, net, hydra) stay in ``conf/``.
"""
