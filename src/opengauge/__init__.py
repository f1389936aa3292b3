"""OpenGauge: a self-hostable server compatible with the CustomerGauge data APIs."""

__version__ = "0.1.0"
