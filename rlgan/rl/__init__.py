"""The ``rlgan-rl`` runner."""
