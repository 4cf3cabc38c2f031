"""rlgan-gan's own config groups: ``experiment/`` (tuned recipes) and ``hparams_search/``.

They are on ``rlgan-gan``'s config search path only (``hydra.searchpath`` in ``conf/gan.yaml``),
so ``rlgan-gan +experiment=gan_grid25`` finds them and Hydra's listings of these groups
(``--help``, an unknown ``+experiment=...``) offer GAN presets alone; the shared groups (data,
model, loss, hydra) stay in ``conf/``.
"""
