"""rlgan's Hydra sweeper plugin: Bayesian search on current Optuna.

Installed as ``hydra_plugins.rlgan_optuna`` (pyproject's package-dir maps this folder there,
because Hydra only discovers plugins inside the ``hydra_plugins`` namespace package).
"""
