"""rlgan's apps: programs built on the libraries and the runners.

- ``rlgan-watch`` (:mod:`rlgan.apps.watch`): watch a trained agent, a random one, or play an
  environment yourself, in :class:`rlgan.render.Viewer`'s window.

The layers: ``rlgan.common`` <- ``rlgan.nets`` <- ``rlgan.envs`` <- ``rlgan.render`` (libraries)
<- ``rlgan.rl``, ``rlgan.gan`` (runners) <- ``rlgan.apps``, which may import all of them. The
apps import their heavy dependencies (pygame, torch, stable-baselines3) only when they run,
so ``--help`` stays fast.
"""
