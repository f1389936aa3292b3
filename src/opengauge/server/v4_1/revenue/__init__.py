"""The 4.1 revenue module."""
