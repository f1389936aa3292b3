"""What reporting counts: answered survey records over a period, sliced, in SQL aggregates.

Every count runs over an index that covers it (the partial ``scores_by_*`` indexes of
survey_records hold answered records only), and no record's row reaches Python: what comes
back is a handful of counts per slice. A period is a range of an index, and a slice (a
touchpoint, a division, a month) a narrower range or an equality in front of it. Grouping
inside SQLite costs far more than its range counts, so there a breakdown by month, touchpoint
or division is one range count per value (unless a segment filter reads every row anyway);
PostgreSQL groups one scan by all three at once (:func:`counts_in_one_scan`). The accounts
are grouped, joined with their revenue and reduced in one statement.

SQLite's planner is told which index to use: without statistics (a database nobody has
analysed) it would pick by guesswork.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from opengauge.server.domain.nps import PASSIVE_FLOOR, PROMOTER_FLOOR
from opengauge.server.storage.transaction import Tx

#: How many promoters and detractors, by the bands of domain/nps.py.
_PROMOTERS = f"sum(CASE WHEN nps >= {PROMOTER_FLOOR} THEN 1 ELSE 0 END)"
_DETRACTORS = f"sum(CASE WHEN nps < {PASSIVE_FLOOR} THEN 1 ELSE 0 END)"
#: responses, promoters, detractors: the counts every tally query returns.
_COUNTS = f"count(*), coalesce({_PROMOTERS}, 0), coalesce({_DETRACTORS}, 0)"
Counts = tuple[int, int, int]


@dataclass(frozen=True)
class Slice:
    """Which answered records count: one system's, answered within the period, filtered."""

    system_id: int
    #: Inclusive bounds on date_response, ``YYYY-MM-DD HH:MM:SS``.
    since: str
    until: str
    touchpoint_id: int | None = None
    #: None: every division; otherwise records in one of these (none matches nothing).
    division_ids: tuple[int, ...] | None = None
    #: A segment value any of the record's segments must have ...
    segment_value: str | None = None
    #: ... or only the segment of this name.
    segment_name: str | None = None

    def within(self, since: str, until: str) -> Slice:
        return replace(self, since=since, until=until)

    @property
    def matches_nothing(self) -> bool:
        return self.division_ids == ()


def prepare(tx: Tx) -> None:
    """Ready a reporting read. On PostgreSQL: no JIT compilation for this transaction. The
    planner's guess at a join of two grouped counts is far too high, so it would spend a
    quarter of a second compiling a query that runs in a tenth of that."""
    if tx.is_postgres:
        tx.one("SELECT set_config('jit', 'off', true)")


def _filters(tx: Tx, piece: Slice, alias: str = "") -> tuple[str, list[object]]:
    """The filters' conditions (after the system and period) and their parameters."""
    sql, params = "", list[object]()
    if piece.touchpoint_id is not None:
        sql += f" AND {alias}touchpoint_id = ?"
        params.append(piece.touchpoint_id)
    if piece.division_ids is not None:
        sql += f" AND {alias}division_id IN ({', '.join('?' * len(piece.division_ids))})"
        params.extend(piece.division_ids)
    segment, segment_params = _segment(tx, piece, alias)
    return sql + segment, params + segment_params


#: Characters JSON never escapes (with our ``json.dumps``): a value made of them alone appears
#: in a record's segments text as it is.
_VERBATIM = frozenset(map(chr, range(0x20, 0x7F))) - {'"', "\\"}


def _segment(tx: Tx, piece: Slice, alias: str) -> tuple[str, list[object]]:
    """The segment filter's condition: a value of any segment, or of the named one.

    Reading the JSON of every record is slow, so a value that JSON writes as it is is
    first looked for in the text (``instr``/``strpos``), and only the records holding it are
    parsed.
    """
    if piece.segment_value is None:
        return "", []
    column = f"{alias}segments"
    each = f"json_each_text({column}::json)" if tx.is_postgres else f"json_each({column})"
    if piece.segment_name is None:
        condition = f" AND EXISTS (SELECT 1 FROM {each} s WHERE s.value = ?)"  # noqa: S608
        params: list[object] = [piece.segment_value]
    else:
        condition = f" AND EXISTS (SELECT 1 FROM {each} s WHERE s.key = ? AND s.value = ?)"  # noqa: S608
        params = [piece.segment_name, piece.segment_value]
    if set(piece.segment_value) <= _VERBATIM:
        find = "strpos" if tx.is_postgres else "instr"
        # CASE keeps the order: the text test first, the JSON only for records passing it.
        condition = f" AND CASE WHEN {find}({column}, ?) > 0 THEN {condition[5:]} ELSE false END"
        params = [piece.segment_value, *params]
    return condition, params


def _indexed(tx: Tx, index: str) -> str:
    return "" if tx.is_postgres else f" INDEXED BY {index}"


def _counts(row: Sequence[Any] | None) -> Counts:
    if row is None:
        return (0, 0, 0)
    return (int(row[0]), int(row[1]), int(row[2]))


def _index_for(piece: Slice) -> str:
    if piece.touchpoint_id is not None:
        return "ix_survey_records_scores_by_touchpoint"
    if piece.division_ids is not None and len(piece.division_ids) == 1:
        return "ix_survey_records_scores_by_division"
    return "ix_survey_records_scores_by_date"


def tally(tx: Tx, piece: Slice) -> Counts:
    """(responses, promoters, detractors) of the slice."""
    if piece.matches_nothing:
        return (0, 0, 0)
    filters, params = _filters(tx, piece)
    return _counts(
        tx.one(
            f"SELECT {_COUNTS} FROM survey_records{_indexed(tx, _index_for(piece))}"  # noqa: S608
            " WHERE system_id = ? AND nps IS NOT NULL AND date_response >= ?"
            f" AND date_response <= ?{filters}",
            [piece.system_id, piece.since, piece.until, *params],
        )
    )


def tallies_by_period(tx: Tx, piece: Slice, periods: Sequence[tuple[str, str]]) -> list[Counts]:
    """The slice's counts in each (since, until) of ``periods`` (within its own period)."""
    return [tally(tx, piece.within(since, until)) for since, until in periods]


def tallies_by_touchpoint(
    tx: Tx, piece: Slice, touchpoint_ids: Sequence[int | None]
) -> list[Counts]:
    """The counts of each touchpoint (None: records without one)."""
    found: list[Counts] = []
    for touchpoint_id in touchpoint_ids:
        if touchpoint_id is None:
            found.append(_without(tx, piece, "touchpoint_id"))
        else:
            found.append(tally(tx, replace(piece, touchpoint_id=touchpoint_id)))
    return found


def tallies_by_division(tx: Tx, piece: Slice, division_ids: Sequence[int | None]) -> list[Counts]:
    """The counts of records in each division itself (None: records without one)."""
    found: list[Counts] = []
    allowed = None if piece.division_ids is None else set(piece.division_ids)
    for division_id in division_ids:
        if division_id is None:
            found.append(_without(tx, piece, "division_id"))
        elif allowed is not None and division_id not in allowed:
            found.append((0, 0, 0))
        else:
            found.append(tally(tx, replace(piece, division_ids=(division_id,))))
    return found


def _without(tx: Tx, piece: Slice, column: str) -> Counts:
    """The counts of the slice's records whose ``column`` is null."""
    if piece.matches_nothing or (column == "division_id" and piece.division_ids is not None):
        return (0, 0, 0)
    if column == "touchpoint_id" and piece.touchpoint_id is not None:
        return (0, 0, 0)
    filters, params = _filters(tx, piece)
    index = f"ix_survey_records_scores_by_{column.removesuffix('_id')}"
    return _counts(
        tx.one(
            f"SELECT {_COUNTS} FROM survey_records{_indexed(tx, index)}"  # noqa: S608
            f" WHERE system_id = ? AND {column} IS NULL AND nps IS NOT NULL"
            f" AND date_response >= ? AND date_response <= ?{filters}",
            [piece.system_id, piece.since, piece.until, *params],
        )
    )


def counts_in_one_scan(tx: Tx, piece: Slice) -> bool:
    """Whether the slice's breakdowns by period, touchpoint and division are best read with
    :func:`breakdowns` (grouped scans) rather than a range count for each value. PostgreSQL
    groups a scan in a hash table at little cost, where each range count costs a round trip
    and a plan; SQLite's grouping costs more than its range counts, unless every row must be
    read anyway (a segment filter)."""
    return tx.is_postgres or piece.segment_value is not None


@dataclass(frozen=True)
class Breakdowns:
    """A slice's counts by day (``YYYY-MM-DD``), by touchpoint and by division (None: the
    records without one)."""

    by_day: dict[str, Counts]
    by_touchpoint: dict[int | None, Counts]
    by_division: dict[int | None, Counts]


_DAY = "substr(date_response, 1, 10)"


def breakdowns(tx: Tx, piece: Slice) -> Breakdowns:
    """The slice's counts by day, touchpoint and division, each from a grouped scan: on
    PostgreSQL all three from one scan (grouping sets), on SQLite one scan each."""
    found = Breakdowns({}, {}, {})
    if piece.matches_nothing:
        return found
    filters, params = _filters(tx, piece)
    source = (
        f" FROM survey_records{_indexed(tx, 'ix_survey_records_scores_by_date')}"
        " WHERE system_id = ? AND nps IS NOT NULL AND date_response >= ?"
        f" AND date_response <= ?{filters}"
    )
    where = [piece.system_id, piece.since, piece.until, *params]
    if tx.is_postgres:
        rows = tx.all(
            f"SELECT GROUPING({_DAY}), GROUPING(touchpoint_id), {_DAY}, touchpoint_id,"
            f" division_id, {_COUNTS}{source}"
            f" GROUP BY GROUPING SETS (({_DAY}), (touchpoint_id), (division_id))",
            where,
        )
        for no_day, no_touchpoint, day, touchpoint_id, division_id, *counts in rows:
            if not no_day:
                found.by_day[day] = _counts(counts)
            elif not no_touchpoint:
                found.by_touchpoint[touchpoint_id] = _counts(counts)
            else:
                found.by_division[division_id] = _counts(counts)
        return found
    for key, into in (
        (_DAY, found.by_day),
        ("touchpoint_id", found.by_touchpoint),
        ("division_id", found.by_division),
    ):
        rows = tx.all(f"SELECT {key}, {_COUNTS}{source} GROUP BY 1", where)
        into.update((row[0], _counts(row[1:])) for row in rows)
    return found


@dataclass(frozen=True)
class AccountSummary:
    """The accounts of a slice, summed up in the database."""

    #: How many accounts have responses in the slice.
    accounts: int
    #: For the revenue weighting, by response count n: (n, sum(cents * (promoters -
    #: detractors)), sum(cents), accounts) over the accounts with n responses and revenue.
    weighted: list[tuple[int, int, int, int]]
    #: The accounts with the most revenue, then responses: (account id, cents, counts).
    top: list[tuple[int, int, Counts]]


def _account_index(piece: Slice) -> str:
    """By account (grouping in its order), unless a segment filter must read the segments:
    the index by date has them (and the account), so nothing reads the table."""
    if piece.segment_value is not None:
        return "ix_survey_records_scores_by_date"
    return "ix_survey_records_scores_by_account"


def account_summary(
    tx: Tx, piece: Slice, months: tuple[str, str], top: int | None
) -> AccountSummary:
    """Every account's counts in the slice joined with its revenue in ``months`` (first and
    last month, inclusive), reduced in one statement to what the dashboard shows: a few
    dozen rows rather than one per account (``top=None``: every account in the top list).

    On SQLite a statement that returns few rows also runs without Python's global lock for
    its whole length, so it truly runs beside the dashboard's other reads.
    """
    if piece.matches_nothing:
        return AccountSummary(0, [], [])
    filters, params = _filters(tx, piece)
    revenue_index = _indexed(tx, "ix_revenue_months_system_id_account_id_month_amount")
    limit = "" if top is None else f" LIMIT {int(top)}"
    rows = tx.all(
        f"WITH t AS (SELECT account_id, count(*) AS n, {_PROMOTERS} AS p, {_DETRACTORS} AS d"  # noqa: S608
        f" FROM survey_records{_indexed(tx, _account_index(piece))}"
        " WHERE system_id = ? AND account_id IS NOT NULL AND nps IS NOT NULL"
        f" AND date_response >= ? AND date_response <= ?{filters} GROUP BY account_id),"
        " r AS (SELECT account_id, CAST(round(sum(amount) * 100) AS BIGINT) AS c"
        f" FROM revenue_months{revenue_index}"
        " WHERE system_id = ? AND month >= ? AND month <= ? GROUP BY account_id),"
        " j AS MATERIALIZED (SELECT t.account_id, t.n, t.p, t.d, coalesce(r.c, 0) AS c"
        " FROM t LEFT JOIN r ON r.account_id = t.account_id)"
        " SELECT 0, count(*), 0, 0, 0, 0 FROM j"
        " UNION ALL SELECT 1, n, sum(c * (p - d)), sum(c), count(*), 0 FROM j"
        " WHERE c > 0 GROUP BY n"
        " UNION ALL SELECT * FROM (SELECT 2, account_id, c, n, p, d FROM j"
        f" ORDER BY c DESC, n DESC, account_id{limit}) top_accounts",
        [piece.system_id, piece.since, piece.until, *params, piece.system_id, *months],
    )
    return AccountSummary(
        accounts=next((int(row[1]) for row in rows if row[0] == 0), 0),
        weighted=[
            (int(row[1]), int(row[2]), int(row[3]), int(row[4])) for row in rows if row[0] == 1
        ],
        top=[
            (int(row[1]), int(row[2]), (int(row[3]), int(row[4]), int(row[5])))
            for row in rows
            if row[0] == 2
        ],
    )


def touchpoints(tx: Tx, system_id: int) -> dict[int, str]:
    """The system's touchpoints: names by id, in the order they were made."""
    rows = tx.all("SELECT id, name FROM touchpoints WHERE system_id = ? ORDER BY id", (system_id,))
    return {int(row[0]): str(row[1]) for row in rows}


def account_names(tx: Tx, system_id: int, account_ids: Sequence[int]) -> dict[int, str]:
    """Names of the given accounts, by id."""
    names: dict[int, str] = {}
    for start in range(0, len(account_ids), 500):
        chunk = account_ids[start : start + 500]
        rows = tx.all(
            "SELECT id, name FROM accounts WHERE system_id = ?"  # noqa: S608
            f" AND id IN ({', '.join('?' * len(chunk))})",
            [system_id, *chunk],
        )
        names.update((int(row[0]), str(row[1])) for row in rows)
    return names


def invitations(tx: Tx, piece: Slice) -> tuple[int, int]:
    """(invitations sent in the period, how many of those have been answered)."""
    if piece.matches_nothing:
        return (0, 0)
    filters, params = _filters(tx, piece)
    row = tx.one(
        "SELECT count(*), count(date_response) FROM survey_records"  # noqa: S608
        f"{_indexed(tx, 'ix_survey_records_invitations')}"
        " WHERE system_id = ? AND date_sent IS NOT NULL AND date_sent >= ?"
        f" AND date_sent <= ?{filters}",
        [piece.system_id, piece.since, piece.until, *params],
    )
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def driver_tallies(tx: Tx, piece: Slice, driver_ids: Sequence[int]) -> list[Counts]:
    """For each driver: (times chosen, by promoters, by detractors) in the slice."""
    if piece.matches_nothing:
        return [(0, 0, 0) for _ in driver_ids]
    filters, params = _filters(tx, replace(piece, segment_value=None))
    segment, segment_params = _segment(tx, piece, "r.")
    if segment:
        # Segments are the record's: looked up for each choice only when filtered by one.
        filters += (
            " AND EXISTS (SELECT 1 FROM survey_records r"  # noqa: S608
            f" WHERE r.id = record_drivers.survey_record_id{segment})"
        )
        params += segment_params
    index = _indexed(tx, "ix_record_drivers_by_driver")
    return [
        _counts(
            tx.one(
                f"SELECT {_COUNTS} FROM record_drivers{index}"  # noqa: S608
                " WHERE system_id = ? AND driver_id = ? AND date_response >= ?"
                f" AND date_response <= ?{filters}",
                [piece.system_id, driver_id, piece.since, piece.until, *params],
            )
        )
        for driver_id in driver_ids
    ]


@dataclass(frozen=True)
class Comment:
    number_customergauge: int
    nps: int
    comment: str
    date_response: str
    touchpoint: str | None
    account: str | None


def latest_comments(tx: Tx, piece: Slice, limit: int) -> list[Comment]:
    """The newest answers with a comment in the slice, newest first."""
    if piece.matches_nothing:
        return []
    filters, params = _filters(tx, piece, "r.")
    rows = tx.all(
        "SELECT r.id, r.nps, r.comment, r.date_response, t.name, a.name"  # noqa: S608
        f" FROM survey_records r{_indexed(tx, 'ix_survey_records_scores_by_date')}"
        " LEFT JOIN touchpoints t ON t.id = r.touchpoint_id"
        " LEFT JOIN accounts a ON a.id = r.account_id"
        " WHERE r.system_id = ? AND r.nps IS NOT NULL AND r.date_response >= ?"
        f" AND r.date_response <= ? AND r.comment IS NOT NULL AND r.comment <> ''{filters}"
        " ORDER BY r.date_response DESC, r.id DESC LIMIT ?",
        [piece.system_id, piece.since, piece.until, *params, limit],
    )
    return [Comment(int(r[0]), int(r[1]), str(r[2]), str(r[3]), r[4], r[5]) for r in rows]
