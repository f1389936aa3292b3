"""Reporting: NPS figures over a period, sliced and rolled up (spec section 11)."""
