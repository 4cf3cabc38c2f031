"""Config of ``rlgan-watch`` (its own search path, so ``env=<Gymnasium id>`` is a plain value).

In ``rlgan.conf`` itself ``env`` is a config group (``conf/env/``), and Hydra would read
``env=CartPole-v1`` as the choice of a file in that group.
"""
