"""rlgan.nets."""
