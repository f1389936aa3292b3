"""The 4.1 hierarchy module."""
