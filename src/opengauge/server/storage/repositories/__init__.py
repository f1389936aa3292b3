"""Repositories: one module per aggregate, each a set of functions taking a ``Tx``."""
