"""rlgan.gan."""
