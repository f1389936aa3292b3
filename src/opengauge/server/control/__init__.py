"""The control plane ``/_opengauge/...``: OpenGauge's own sandbox surface (admin token)."""
