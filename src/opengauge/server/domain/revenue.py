"""Revenue file rows: validating one row and expanding a revenue line into months.

A revenue file has positional columns: account name, amount, start, end, type, description.
Everything here is pure; whether the account exists is the caller's question.

Monthly expansion (spec section 6), with ``n`` the period's length in months (below):

- **ARR**: the amount split evenly over ``min(12, n)`` months from the start month.
- **MRR**: the whole amount on every one of the ``n`` months.
- **One Time**: the whole amount on the start month.
- **Other**: the amount split evenly over the ``n`` months.

Splits are in cents (half-up); the last month takes the remainder, so the months always add
up to the amount exactly: 1000 ARR over a year is 11 x 83.33 and 83.37.

A period's length counts the months from ``start`` to the day after ``end``, a part month
counting as one: 2024-01-01..2024-12-31 and 2024-01-15..2025-01-14 are 12 months,
2024-01-01..2024-01-01 is 1. The months are the start month and the ones after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from opengauge.server.domain import validation as v
from opengauge.server.domain.records import AMOUNT_LIMIT, REVENUE_TYPES

ARR, MRR, ONE_TIME, OTHER = "ARR", "MRR", "One Time", "Other"
#: At most this many data rows in one file.
MAX_ROWS = 1000
#: At most this many bytes in one file.
MAX_FILE_BYTES = 2 * 1024 * 1024
#: A longer period would turn one row into an unbounded number of monthly amounts.
MAX_PERIOD_MONTHS = 120
ACCOUNT_NAME_MAX = 128
DESCRIPTION_MAX = 255

_CENT = Decimal("0.01")
_TYPE_NAMES = ", ".join((ARR, MRR, ONE_TIME, OTHER))


@dataclass(frozen=True)
class RevenueRow:
    """One valid row of a revenue file."""

    account: str
    #: Whole numbers from files; record imports may carry cents.
    amount: int | Decimal
    start: date
    #: None only for One Time rows that leave it empty.
    end: date | None
    kind: str
    description: str | None


def _cell(cells: Sequence[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def is_header(cells: Sequence[str]) -> bool:
    """Whether a file's first row is a header: its amount is no number, its start no date.

    Checking the start date too keeps a first data row with a mistyped amount (``1,234``)
    from being taken for a header and silently dropped.
    """
    return not _is_number(_cell(cells, 1)) and v.parse_date(_cell(cells, 2)) is None


def is_blank(cells: Sequence[str]) -> bool:
    """Whether a row has nothing in it (spreadsheets often end with such rows)."""
    return all(not cell.strip() for cell in cells)


def _date(cells: Sequence[str], index: int, label: str, problems: list[str]) -> date | None:
    text = _cell(cells, index)
    if not text:
        return None
    parsed = v.parse_date(text)
    if parsed is None:
        problems.append(f"{label} '{text}' is not a date in Y-m-d format.")
        return None
    return date.fromisoformat(parsed)


def _amount(text: str, problems: list[str]) -> int | None:
    if not text:
        problems.append("Amount is required.")
        return None
    digits = text.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        problems.append(
            f"Amount '{text}' is not a whole number (no thousands separators, no decimals)."
        )
        return None
    amount = int(text)
    if abs(amount) >= AMOUNT_LIMIT:
        problems.append(f"Amount '{text}' is too large.")
        return None
    return amount


def validate_row(cells: Sequence[str]) -> tuple[RevenueRow | None, list[str]]:
    """The row, or None and every problem with it (one sentence each)."""
    problems: list[str] = []
    account = _cell(cells, 0)
    if not account:
        problems.append("Account name is required.")
    elif len(account) > ACCOUNT_NAME_MAX:
        problems.append(f"Account name is longer than {ACCOUNT_NAME_MAX} characters.")
    amount = _amount(_cell(cells, 1), problems)
    start = _date(cells, 2, "Start date", problems)
    if start is None and not _cell(cells, 2):
        problems.append("Start date is required.")
    end = _date(cells, 3, "End date", problems)
    type_text = _cell(cells, 4)
    kind = REVENUE_TYPES.get(type_text.lower())
    if not _cell(cells, 3) and kind not in (None, ONE_TIME):
        problems.append(f"End date is required for {kind}.")
    if start is not None and end is not None:
        if end < start:
            problems.append("End date is before the start date.")
        elif kind != ONE_TIME and period_months(start, end) > MAX_PERIOD_MONTHS:
            problems.append(f"The period is longer than {MAX_PERIOD_MONTHS} months.")
    if not type_text:
        problems.append("Type is required.")
    elif kind is None:
        problems.append(f"Type '{type_text}' is not one of {_TYPE_NAMES}.")
    description = _cell(cells, 5) or None
    if description is not None and len(description) > DESCRIPTION_MAX:
        problems.append(f"Description is longer than {DESCRIPTION_MAX} characters.")
    if problems or amount is None or start is None or kind is None:
        return None, problems
    return RevenueRow(account, amount, start, end, kind, description), problems


def period_months(start: date, end: date) -> int:
    """Months from ``start`` to the day after ``end``, a part month counting as one."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day > start.day:
        months += 1
    return max(months, 1)


def _month(start: date, offset: int) -> date:
    index = start.year * 12 + start.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def _split(amount: Decimal, months: int) -> list[Decimal]:
    share = (amount / months).quantize(_CENT, rounding=ROUND_HALF_UP)
    return [share] * (months - 1) + [amount - share * (months - 1)]


def expand(row: RevenueRow) -> list[tuple[date, Decimal]]:
    """(first day of the month, amount) for every month the row's revenue falls in."""
    amount = Decimal(row.amount)
    if row.kind == ONE_TIME or row.end is None:
        return [(_month(row.start, 0), amount)]
    months = period_months(row.start, row.end)
    if row.kind == MRR:
        amounts = [amount] * months
    elif row.kind == ARR:
        amounts = _split(amount, min(12, months))
    else:
        amounts = _split(amount, months)
    return [(_month(row.start, i), share) for i, share in enumerate(amounts)]
