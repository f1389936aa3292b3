"""The NPS figures of one system over a period: the dashboard's, and the 4.1 NPS report's.

A request names its filters by what users see (a touchpoint's name, a division's name, a
segment's value); :func:`resolve` turns them into a storage :class:`Slice` of ids. The
dashboard's figures are read in four reads at once (on their own reader connections), each
a set of SQL counts: the headline and trend with the touchpoints and divisions; the accounts
with their revenue; the invitations; the drivers with the latest comments. The division
roll-up and the revenue weighting then work on those counts, never on rows.
"""

from __future__ import annotations

import asyncio
import bisect
import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from opengauge.server.domain.hierarchy import Division, Tree
from opengauge.server.domain.nps import Tally, total, weighted_from_sums
from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import drivers as driver_rows
from opengauge.server.storage.repositories import hierarchy, reporting, systems
from opengauge.server.storage.repositories.reporting import Comment, Counts, Slice
from opengauge.server.storage.transaction import Operation

#: How many of the latest comments the dashboard shows.
COMMENTS = 10
#: How many accounts the dashboard's table shows (its CSV has them all).
TOP_ACCOUNTS = 20


@dataclass(frozen=True)
class Filters:
    """What to count: answers from ``since`` to ``until`` (whole days), optionally narrowed."""

    since: date
    until: date
    touchpoint: str | None = None
    #: A division's name: it and every division below it.
    division: str | None = None
    #: A segment value (of any segment, or of ``segment_name`` only).
    segment: str | None = None
    segment_name: str | None = None
    #: The trend's buckets: ``month`` or ``week``.
    by: str = "month"


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months up to today: from the day after today's date a year ago."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


def _stamp(day: date, end: bool) -> str:
    return f"{day.isoformat()} {'23:59:59' if end else '00:00:00'}"


def resolve(
    tx: Tx, system_id: int, filters: Filters, period: tuple[str, str] | None = None
) -> Slice:
    """The storage slice for ``filters`` (``period``: timestamps instead of the filters'
    whole days); an unknown name matches nothing, so its counts are 0."""
    since, until = period or (_stamp(filters.since, False), _stamp(filters.until, True))
    reporting.prepare(tx)
    touchpoint_id = None
    if filters.touchpoint is not None:
        # 0 is no touchpoint's id: an unknown name counts nothing.
        touchpoint_id = systems.touchpoint_id(tx, system_id, filters.touchpoint) or 0
    division_ids: tuple[int, ...] | None = None
    if filters.division is not None:
        tree = Tree(hierarchy.divisions(tx, system_id))
        division = tree.find(filters.division)
        if division is None:
            division_ids = ()
        elif division.parent_id is not None:
            division_ids = tuple(sorted(tree.subtree(division)))
        # Global holds every division, and the records in none: no filter at all.
    return Slice(
        system_id,
        since,
        until,
        touchpoint_id,
        division_ids,
        filters.segment,
        filters.segment_name,
    )


def tally(tx: Tx, system_id: int, filters: Filters, period: tuple[str, str] | None = None) -> Tally:
    """The answers' counts for ``filters`` (the 4.1 NPS report)."""
    return _tally(reporting.tally(tx, resolve(tx, system_id, filters, period)))


def _tally(counts: Counts) -> Tally:
    return Tally.of(*counts)


# -- the dashboard -----------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    label: str
    since: date
    until: date
    tally: Tally


@dataclass(frozen=True)
class Named:
    """One row of a breakdown: what it is and its counts."""

    label: str
    tally: Tally


@dataclass(frozen=True)
class DivisionFigure:
    name: str
    #: 0 for Global, 1 for its children, ...
    depth: int
    #: The division's own records, and with every division below it.
    own: Tally
    rolled_up: Tally


@dataclass(frozen=True)
class AccountFigure:
    account_id: int
    name: str
    tally: Tally
    #: Revenue in the period (0 without revenue uploads for it).
    revenue: Decimal


@dataclass(frozen=True)
class DriverFigure:
    label: str
    #: How often it was chosen by the group it is counted for, and that group's size.
    chosen: int
    among: int


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    headline: Tally
    invitations: int
    answered_invitations: int
    trend: list[Bucket]
    touchpoints: list[Named]
    divisions: list[DivisionFigure]
    #: The accounts with the most revenue (then responses) among those with responses.
    accounts: list[AccountFigure]
    accounts_with_responses: int
    revenue_weighted: Fraction | None
    #: How many accounts have both a score and revenue (the weighting's accounts).
    weighted_accounts: int
    promoter_drivers: list[DriverFigure]
    detractor_drivers: list[DriverFigure]
    comments: list[Comment]
    #: What the filters can choose from.
    touchpoint_names: list[str] = field(default_factory=list)
    division_names: list[str] = field(default_factory=list)


def buckets(since: date, until: date, by: str) -> list[tuple[str, date, date]]:
    """The trend's buckets over the period: calendar months, or ISO weeks (Monday first),
    the first and last cut to the period."""
    found: list[tuple[str, date, date]] = []
    start = since
    while start <= until:
        if by == "week":
            end = start + timedelta(days=6 - start.weekday())
            year, week, _ = start.isocalendar()
            label = f"{year}-W{week:02d}"
        else:
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
            label = f"{start.year}-{start.month:02d}"
        end = min(end, until)
        found.append((label, start, end))
        start = end + timedelta(days=1)
    return found


@dataclass(frozen=True)
class _Overview:
    trend: list[Bucket]
    touchpoints: list[Named]
    divisions: list[DivisionFigure]
    touchpoint_names: list[str]
    division_names: list[str]


#: The label of records without a touchpoint, in the touchpoint breakdown.
NO_TOUCHPOINT = "(no touchpoint)"


def _overview(system_id: int, filters: Filters) -> Operation[_Overview]:
    """The trend and the breakdowns by touchpoint and by division."""

    def operation(tx: Tx) -> _Overview:
        piece = resolve(tx, system_id, filters)
        spans = buckets(filters.since, filters.until, filters.by)
        touchpoints = reporting.touchpoints(tx, system_id)
        tree = Tree(hierarchy.divisions(tx, system_id))
        ordered = tree.breadth_first()
        if reporting.counts_in_one_scan(tx, piece):
            counted = _counted_by_scans(tx, piece, spans)
        else:
            counted = _counted_by_ranges(tx, piece, spans, touchpoints, ordered)
        by_period, by_touchpoint, by_division = counted
        named = [
            Named(name, by_touchpoint.get(touchpoint_id, Tally()))
            for touchpoint_id, name in touchpoints.items()
        ]
        if by_touchpoint.get(None, Tally()).responses:
            named.append(Named(NO_TOUCHPOINT, by_touchpoint[None]))
        return _Overview(
            trend=[
                Bucket(label, start, end, tally)
                for (label, start, end), tally in zip(spans, by_period, strict=True)
            ],
            touchpoints=named,
            divisions=_rolled_up(tree, by_division, by_division.get(None, Tally())),
            touchpoint_names=list(touchpoints.values()),
            division_names=[d.name for d in ordered],
        )

    return operation


_Counted = tuple[list[Tally], dict[int | None, Tally], dict[int | None, Tally]]


def _counted_by_ranges(
    tx: Tx,
    piece: Slice,
    spans: list[tuple[str, date, date]],
    touchpoints: dict[int, str],
    divisions: list[Division],
) -> _Counted:
    """Each period, touchpoint and division counted by a range of an index (None: the
    records without a touchpoint, or without a division)."""
    periods = [(_stamp(start, False), _stamp(end, True)) for _, start, end in spans]
    by_period = [_tally(c) for c in reporting.tallies_by_period(tx, piece, periods)]
    touchpoint_ids: list[int | None] = [*touchpoints, None]
    division_ids: list[int | None] = [*(d.id for d in divisions), None]
    by_touchpoint = reporting.tallies_by_touchpoint(tx, piece, touchpoint_ids)
    by_division = reporting.tallies_by_division(tx, piece, division_ids)
    return (
        by_period,
        {t: _tally(c) for t, c in zip(touchpoint_ids, by_touchpoint, strict=True)},
        {d: _tally(c) for d, c in zip(division_ids, by_division, strict=True)},
    )


def _counted_by_scans(tx: Tx, piece: Slice, spans: list[tuple[str, date, date]]) -> _Counted:
    """The same counts, from grouped scans: each day's counts summed into its period."""
    found = reporting.breakdowns(tx, piece)
    starts = [start.isoformat() for _, start, _ in spans]
    by_period = [[0, 0, 0] for _ in spans]
    for day, counts in found.by_day.items():
        into = by_period[bisect.bisect_right(starts, day) - 1]
        for k in range(3):
            into[k] += counts[k]
    return (
        [Tally.of(*counts) for counts in by_period],
        {t: _tally(c) for t, c in found.by_touchpoint.items()},
        {d: _tally(c) for d, c in found.by_division.items()},
    )


def _rolled_up(tree: Tree, own: dict[int | None, Tally], unassigned: Tally) -> list[DivisionFigure]:
    """Every division depth first, its own counts and those of its subtree; records in no
    division count as Global's own."""
    figures: list[DivisionFigure] = []

    def visit(division: Division, depth: int) -> Tally:
        mine = own.get(division.id, Tally()) + (unassigned if depth == 0 else Tally())
        at = len(figures)
        figures.append(DivisionFigure(division.name, depth, mine, mine))
        subtree = total([mine, *(visit(child, depth + 1) for child in tree.children(division))])
        figures[at] = DivisionFigure(division.name, depth, mine, subtree)
        return subtree

    for root in tree.roots():
        visit(root, 0)
    return figures


def _first_of_month(day: date) -> str:
    return day.replace(day=1).isoformat()


def _invitations(system_id: int, filters: Filters) -> Operation[tuple[int, int]]:
    """(invitations sent in the period, how many of those were answered)."""

    def operation(tx: Tx) -> tuple[int, int]:
        return reporting.invitations(tx, resolve(tx, system_id, filters))

    return operation


@dataclass(frozen=True)
class _Accounts:
    accounts: list[AccountFigure]
    with_responses: int
    revenue_weighted: Fraction | None
    weighted_accounts: int


def _accounts(system_id: int, filters: Filters, top: int | None) -> Operation[_Accounts]:
    """The accounts with the most revenue (``top``; None: all), and the revenue-weighted
    NPS: every account's score weighted by its revenue in the period, the months that start
    from the period's first month to its last."""

    def operation(tx: Tx) -> _Accounts:
        months = (_first_of_month(filters.since), _first_of_month(filters.until))
        summary = reporting.account_summary(tx, resolve(tx, system_id, filters), months, top)
        names = reporting.account_names(tx, system_id, [a for a, _, _ in summary.top])
        return _Accounts(
            accounts=[
                AccountFigure(a, names.get(a, ""), _tally(counts), Decimal(cents).scaleb(-2))
                for a, cents, counts in summary.top
            ],
            with_responses=summary.accounts,
            revenue_weighted=weighted_from_sums((n, d, w) for n, d, w, _ in summary.weighted),
            weighted_accounts=sum(count for *_, count in summary.weighted),
        )

    return operation


@dataclass(frozen=True)
class _Voices:
    drivers: list[driver_rows.Driver]
    #: Each driver's counts, in the order of ``drivers``.
    counts: list[Counts]
    comments: list[Comment]


def _voices(system_id: int, filters: Filters) -> Operation[_Voices]:
    """How often each driver was chosen, and the latest comments."""

    def operation(tx: Tx) -> _Voices:
        piece = resolve(tx, system_id, filters)
        chosen = driver_rows.listed(tx, system_id)
        return _Voices(
            drivers=chosen,
            counts=reporting.driver_tallies(tx, piece, [d.id for d in chosen]),
            comments=reporting.latest_comments(tx, piece, COMMENTS),
        )

    return operation


def _driver_figures(voices: _Voices, good_bad: str, among: int) -> list[DriverFigure]:
    """``pos`` drivers as chosen by promoters, or ``neg`` ones as chosen by detractors."""
    figures = [
        DriverFigure(driver.label, counts[1] if good_bad == "pos" else counts[2], among)
        for driver, counts in zip(voices.drivers, voices.counts, strict=True)
        if driver.good_bad == good_bad
    ]
    return _by_frequency(figures)


def _by_frequency(figures: Sequence[DriverFigure]) -> list[DriverFigure]:
    return sorted(figures, key=lambda f: -f.chosen)


async def dashboard(db: Database, system_id: int, filters: Filters) -> Dashboard:
    """Every figure of the dashboard, from four reads run at once (each on a connection of
    its own: on PostgreSQL they truly run side by side)."""
    overview, accounts, invitations, voices = await asyncio.gather(
        db.read(_overview(system_id, filters)),
        db.read(_accounts(system_id, filters, TOP_ACCOUNTS)),
        db.read(_invitations(system_id, filters)),
        db.read(_voices(system_id, filters)),
    )
    headline = total(bucket.tally for bucket in overview.trend)
    return Dashboard(
        filters=filters,
        headline=headline,
        invitations=invitations[0],
        answered_invitations=invitations[1],
        trend=overview.trend,
        touchpoints=overview.touchpoints,
        divisions=overview.divisions,
        accounts=accounts.accounts,
        accounts_with_responses=accounts.with_responses,
        revenue_weighted=accounts.revenue_weighted,
        weighted_accounts=accounts.weighted_accounts,
        promoter_drivers=_driver_figures(voices, "pos", headline.promoters),
        detractor_drivers=_driver_figures(voices, "neg", headline.detractors),
        comments=voices.comments,
        touchpoint_names=overview.touchpoint_names,
        division_names=overview.division_names,
    )


async def all_accounts(db: Database, system_id: int, filters: Filters) -> list[AccountFigure]:
    """Every account with responses in the period, ranked as the dashboard's (its CSV)."""
    found = await db.read(_accounts(system_id, filters, None))
    return found.accounts
