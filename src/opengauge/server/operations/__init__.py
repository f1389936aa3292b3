"""OpenGauge's own operator surface: ``/healthz``, ``/readyz`` and ``/metrics``."""
