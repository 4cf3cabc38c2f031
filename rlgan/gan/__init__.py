"""The GAN runner behind ``rlgan-gan``: data, losses, metrics, training loop and CLI.

Config groups describe their objects with ``_target_`` and are built with Hydra's
``instantiate`` (:mod:`~rlgan.gan.building`):

- data sets (:mod:`~rlgan.gan.data`: the :class:`~rlgan.gan.data.GanDataSet` protocol;
  :mod:`~rlgan.gan.data2d` on :mod:`~rlgan.gan.toy2d`, :mod:`~rlgan.gan.image_data` on the
  loaders of :mod:`~rlgan.gan.images`, :mod:`~rlgan.gan.stacked_digits`), each with its
  evaluator and pictures (:mod:`~rlgan.gan.latents`: the paths of the interpolation GIF);
- :mod:`~rlgan.gan.models` (generator/discriminator pairs), :mod:`~rlgan.gan.losses`
  (one :class:`~rlgan.gan.losses.GanLoss` object per loss, penalties included);
- evaluators (:mod:`~rlgan.gan.evaluators`, :mod:`~rlgan.gan.classifier`,
  :mod:`~rlgan.gan.inception_metrics`) on :mod:`~rlgan.gan.metrics`, with every metric
  declared in :mod:`~rlgan.gan.metric_names`;
- :mod:`~rlgan.gan.settings` (typed settings) and :mod:`~rlgan.gan.validate`;
- :mod:`~rlgan.gan.trainer` (one iteration, EMA, schedules, state) and
  :mod:`~rlgan.gan.train` (``train(cfg, run_dir)``: logs, samples, checkpoints, resume);
- :mod:`~rlgan.gan.cli` (``rlgan-gan``).
"""
