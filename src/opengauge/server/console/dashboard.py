"""The Dashboard screen: its filters from the URL, its tables, their CSV downloads.

The filters live in the query string (``from``, ``to``, ``touchpoint``, ``division``,
``segment``, ``by``), so a view can be bookmarked and shared; the figures come from
:mod:`opengauge.server.reporting.service`. Each table is also a CSV download of the same
view, at ``/console/dashboard/<table>.csv`` with the same query string.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from opengauge.server.console import charts
from opengauge.server.domain import validation as v
from opengauge.server.domain.nps import Tally, one_decimal, share
from opengauge.server.reporting import service as reporting
from opengauge.server.reporting.service import Dashboard, Filters

#: The longest period a view may cover, and the most weeks a weekly trend may have.
MAX_DAYS = 3660
MAX_WEEKS = 160
GROUPINGS = {"month": "Month", "week": "Week"}
#: What a text filter may hold.
MAX_FILTER = 255
#: The query string's parameters that are filters.
FILTER_KEYS = ("from", "to", "touchpoint", "division", "segment", "by")


@dataclass(frozen=True)
class Query:
    """The filters as read from the URL, and what was wrong with them."""

    filters: Filters
    #: The fields as typed, to show them back in the form.
    given: dict[str, str]
    problems: dict[str, str]


def read_query(params: Mapping[str, str], today: date) -> Query:
    """The filters of a dashboard URL; anything missing takes its default (the last 12
    months, every touchpoint, division and segment, by month)."""
    since, until = reporting.default_period(today)
    given = {key: (params.get(key) or "").strip() for key in FILTER_KEYS}
    problems: dict[str, str] = {}
    for key, name in (("from", "start"), ("to", "end")):
        if given[key] and v.parse_date(given[key]) is None:
            problems[key] = f"The {name} date must be a date such as 2026-01-31."
    start = date.fromisoformat(given["from"]) if given["from"] and "from" not in problems else since
    end = date.fromisoformat(given["to"]) if given["to"] and "to" not in problems else until
    by = given["by"] or "month"
    if by not in GROUPINGS:
        problems["by"] = "Group the trend by month or by week."
        by = "month"
    if not problems:
        if start > end:
            problems["to"] = "The end date must not be before the start date."
        elif (end - start).days > MAX_DAYS:
            problems["from"] = "A view covers at most ten years."
        elif by == "week" and (end - start).days > MAX_WEEKS * 7:
            problems["by"] = f"A weekly trend covers at most {MAX_WEEKS} weeks: group by month."
    for key in ("touchpoint", "division", "segment"):
        if len(given[key]) > MAX_FILTER:
            problems[key] = f"At most {MAX_FILTER} characters."
    filters = Filters(
        since=start,
        until=end,
        touchpoint=given["touchpoint"] or None,
        division=given["division"] or None,
        segment=given["segment"] or None,
        by=by,
    )
    if problems:
        filters = Filters(since, until)
    return Query(filters, given, problems)


def query_string(filters: Filters) -> str:
    """The filters as the URL's query string (defaults left out only if empty)."""
    pairs = {
        "from": filters.since.isoformat(),
        "to": filters.until.isoformat(),
        "touchpoint": filters.touchpoint or "",
        "division": filters.division or "",
        "segment": filters.segment or "",
        "by": filters.by,
    }
    return urlencode({k: value for k, value in pairs.items() if value})


# -- what the page shows ---------------------------------------------------------------

#: What the page shows where there is no figure (an en dash).
NO_SCORE = "\u2013"


def score(value: Fraction | None) -> str:
    """An NPS as shown: one decimal, or a dash for no score."""
    shown = one_decimal(value)
    return NO_SCORE if shown is None else shown


def percent(part: int, whole: int) -> str:
    shown = share(part, whole)
    return NO_SCORE if shown is None else f"{shown}%"


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


@dataclass(frozen=True)
class Table:
    """One table of the dashboard: the same rows on the page and in its CSV."""

    slug: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    #: Columns only the CSV has (the page shows them another way, or has no room).
    csv_only: tuple[int, ...] = ()

    @property
    def shown(self) -> list[int]:
        """The indexes of the columns the page shows."""
        return [i for i in range(len(self.columns)) if i not in self.csv_only]


def _tally_cells(tally: Tally) -> list[str]:
    return [
        str(tally.responses),
        str(tally.promoters),
        str(tally.passives),
        str(tally.detractors),
        score(tally.score),
    ]


TALLY_COLUMNS = ["Responses", "Promoters", "Passives", "Detractors", "NPS"]


def trend_table(found: Dashboard) -> Table:
    label = GROUPINGS[found.filters.by]
    rows = [
        [
            bucket.label,
            bucket.since.isoformat(),
            bucket.until.isoformat(),
            *_tally_cells(bucket.tally),
        ]
        for bucket in found.trend
    ]
    columns = [label, "From", "To", *TALLY_COLUMNS]
    return Table("trend", "Trend", columns, rows, csv_only=(1, 2))


def touchpoint_table(found: Dashboard) -> Table:
    rows = [[row.label, *_tally_cells(row.tally)] for row in found.touchpoints]
    return Table("touchpoints", "By touchpoint", ["Touchpoint", *TALLY_COLUMNS], rows)


def division_table(found: Dashboard) -> Table:
    rows = [
        [
            division.name,
            str(division.depth),
            str(division.own.responses),
            *_tally_cells(division.rolled_up),
        ]
        for division in found.divisions
    ]
    columns = ["Division", "Level", "Own responses", *TALLY_COLUMNS]
    title = "By division (each with every division below it)"
    # The page shows a division's level by indenting its name.
    return Table("divisions", title, columns, rows, csv_only=(1,))


def account_table(found: Dashboard | None, accounts: list[reporting.AccountFigure]) -> Table:
    rows = [
        [account.name, money(account.revenue), *_tally_cells(account.tally)] for account in accounts
    ]
    title = "By account"
    if found is not None and found.accounts_with_responses > len(accounts):
        title = f"By account: the {len(accounts)} with the most revenue"
    return Table("accounts", title, ["Account", "Revenue", *TALLY_COLUMNS], rows)


def driver_table(found: Dashboard, good_bad: str) -> Table:
    promoters = good_bad == "pos"
    figures = found.promoter_drivers if promoters else found.detractor_drivers
    group = "promoters" if promoters else "detractors"
    rows = [
        [figure.label, str(figure.chosen), percent(figure.chosen, figure.among)]
        for figure in figures
    ]
    slug = "promoter-drivers" if promoters else "detractor-drivers"
    return Table(slug, f"Drivers among {group}", ["Driver", "Chosen", "Share"], rows)


def comment_table(found: Dashboard) -> Table:
    rows = [
        [
            str(c.number_customergauge),
            str(c.nps),
            c.comment,
            c.date_response,
            c.touchpoint or "",
            c.account or "",
        ]
        for c in found.comments
    ]
    columns = ["CG-ID", "Score", "Comment", "Answered", "Touchpoint", "Account"]
    return Table("comments", "Latest comments", columns, rows)


TABLES: dict[str, Callable[[Dashboard], Table]] = {
    "trend": trend_table,
    "touchpoints": touchpoint_table,
    "divisions": division_table,
    "promoter-drivers": lambda found: driver_table(found, "pos"),
    "detractor-drivers": lambda found: driver_table(found, "neg"),
    "comments": comment_table,
}
#: The accounts' CSV has every account, not only the page's top ones.
CSV_TABLES = (*TABLES, "accounts")


def page_context(found: Dashboard) -> dict[str, Any]:
    """What the template needs besides the filters."""
    headline = found.headline
    return {
        "headline": headline,
        "score": score(headline.score),
        "shares": {
            "promoters": percent(headline.promoters, headline.responses),
            "passives": percent(headline.passives, headline.responses),
            "detractors": percent(headline.detractors, headline.responses),
        },
        "response_rate": percent(found.answered_invitations, found.invitations),
        "revenue_weighted": score(found.revenue_weighted),
        "split_chart": split_chart(headline),
        "trend_chart": charts.nps_trend(
            [charts.Point(b.label, b.tally) for b in found.trend],
            f"NPS by {found.filters.by}",
        ),
        "tables": {
            "trend": trend_table(found),
            "touchpoints": touchpoint_table(found),
            "divisions": division_table(found),
            "accounts": account_table(found, found.accounts),
            "promoter-drivers": driver_table(found, "pos"),
            "detractor-drivers": driver_table(found, "neg"),
            "comments": comment_table(found),
        },
        "depths": {division.name: division.depth for division in found.divisions},
    }


def split_chart(tally: Tally) -> Markup:
    return charts.split(
        tally,
        f"Promoters {tally.promoters}, passives {tally.passives}, detractors {tally.detractors}",
    )


# -- CSV --------------------------------------------------------------------------------


#: A cell starting with one of these would be a formula to a spreadsheet.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _safe(cell: str) -> str:
    """A cell a spreadsheet shows as text (numbers, negative NPS included, stay numbers)."""
    if cell.startswith(_FORMULA) and not _is_number(cell):
        return "'" + cell
    return cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    # No score is a dash on the page and an empty cell here.
    writer.writerows(
        [[_safe(cell) if cell != NO_SCORE else "" for cell in row] for row in table.rows]
    )
    # A byte order mark, so that spreadsheets read the UTF-8 as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_name(table: Table, filters: Filters) -> str:
    return f"nps-{table.slug}-{filters.since.isoformat()}-{filters.until.isoformat()}.csv"
