"""The 4.1 workflow module."""
