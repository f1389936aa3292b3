"""The 4.1 reasons module (drivers)."""
