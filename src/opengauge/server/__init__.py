"""The OpenGauge server: the ASGI application and everything behind it."""
