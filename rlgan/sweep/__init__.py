"""rlgan.sweep."""
