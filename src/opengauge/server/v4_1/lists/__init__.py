"""The 4.1 lists module."""
