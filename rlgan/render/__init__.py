"""rlgan.render."""
