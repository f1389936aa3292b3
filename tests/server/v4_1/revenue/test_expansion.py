"""The pure revenue rules: row validation, header detection, period length, expansion."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opengauge.server.domain import revenue as r


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2024, 1, 1), date(2024, 12, 31), 12),
        (date(2024, 1, 15), date(2025, 1, 14), 12),
        (date(2024, 1, 15), date(2025, 1, 15), 13),
        (date(2024, 1, 1), date(2024, 1, 1), 1),
        (date(2024, 1, 1), date(2024, 6, 30), 6),
        (date(2024, 1, 20), date(2024, 2, 10), 1),
    ],
)
def test_period_months(start: date, end: date, months: int) -> None:
    assert r.period_months(start, end) == months


def test_header_needs_a_non_number_amount_and_a_non_date_start() -> None:
    assert r.is_header(["Account", "Amount", "Start", "End", "Type", "Description"])
    assert not r.is_header(["Acme", "1,234", "2024-01-01", "", "MRR", ""])
    assert not r.is_header(["Acme", "12", "Start", "", "MRR", ""])


def test_row_problems_are_listed_in_column_order() -> None:
    row, problems = r.validate_row(["", "", "", "", ""])

    assert row is None
    assert problems == [
        "Account name is required.",
        "Amount is required.",
        "Start date is required.",
        "Type is required.",
    ]
    _, problems = r.validate_row(["Acme", "-5", "2024-01-01", "", "Other"])
    assert problems == ["End date is required for Other."]
    _, problems = r.validate_row(["Acme", "5", "2024-01-01", "2034-01-01", "MRR"])
    assert problems == ["The period is longer than 120 months."]


def test_one_time_needs_no_end_and_negative_amounts_are_credits() -> None:
    row, problems = r.validate_row(["Acme", "-50", "2024-03-31", "", "one time", " Refund "])

    assert problems == []
    assert row == r.RevenueRow("Acme", -50, date(2024, 3, 31), None, "One Time", "Refund")
    assert r.expand(row) == [(date(2024, 3, 1), Decimal(-50))]


@given(
    amount=st.integers(-(10**12), 10**12),
    start=st.dates(date(2000, 1, 1), date(2040, 1, 1)),
    days=st.integers(0, 3600),
    kind=st.sampled_from([r.ARR, r.MRR, r.ONE_TIME, r.OTHER]),
)
def test_months_are_consecutive_and_add_up(amount: int, start: date, days: int, kind: str) -> None:
    end = start + timedelta(days=days)
    expanded = r.expand(r.RevenueRow("Acme", amount, start, end, kind, None))

    months = [month for month, _ in expanded]
    assert months[0] == start.replace(day=1)
    assert all(later > earlier for earlier, later in pairwise(months))
    assert all(month.day == 1 for month in months)
    total = sum((share for _, share in expanded), Decimal(0))
    period = r.period_months(start, end)
    if kind == r.MRR:
        assert (len(expanded), total) == (period, Decimal(amount * period))
    elif kind == r.ONE_TIME:
        assert (len(expanded), total) == (1, Decimal(amount))
    else:
        assert len(expanded) == (min(12, period) if kind == r.ARR else period)
        assert total == amount
        assert all(share == share.quantize(Decimal("0.01")) for _, share in expanded)
