"""The GAN runner behind ``rlgan-gan``: data, losses, metrics, training loop and CLI.

- :mod:`~rlgan.gan.data` (2-D toys from :mod:`~rlgan.gan.toy2d`, images from
  :mod:`~rlgan.gan.images`), :mod:`~rlgan.gan.models`, :mod:`~rlgan.gan.losses`;
- :mod:`~rlgan.gan.trainer` (one iteration, EMA, schedules, state) and
  :mod:`~rlgan.gan.train` (``train(cfg, run_dir)``: logs, samples, checkpoints, resume);
- :mod:`~rlgan.gan.metrics` and :mod:`~rlgan.gan.classifier` (``fd_classifier``),
  :mod:`~rlgan.gan.inception_metrics` (optional FID/KID through torchmetrics);
- :mod:`~rlgan.gan.cli` (``rlgan-gan``).
"""
