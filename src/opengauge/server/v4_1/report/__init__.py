"""GET /v4.1/report/nps: the NPS of a period, filtered (spec section 11)."""
