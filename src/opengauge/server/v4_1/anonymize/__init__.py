"""The 4.1 anonymize module."""
