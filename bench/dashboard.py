"""The NPS dashboard with 1,000,000 survey records and 50,000 accounts: its server time.

``opengauge serve`` (default settings, access log on) runs on a fresh database seeded with
the bench system (touchpoints, a division tree, a segment, drivers) and one console
Administrator. The data set is written straight into the database, spread over the last two
years: 50,000 accounts with two contacts each and a year of ARR revenue, and ``records``
survey records, 40% of them answered (scores skewed as B2B surveys are: about 45%
promoters, 30% passives, 25% detractors), four in ten answers with a comment, three in ten
with one or two drivers. The server has both CPUs, as a user's would (there is no load
generator to keep apart). A client signs in and asks ``repeats`` times, one request at a time
on loopback, for the dashboard's default view (the last 12 months), for a view per filter and
by week, and for ``GET /v4.1/report/nps.json``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from console import PASSWORD, USER, PageTime, sign_in
from databases import BenchDatabase, fresh
from harness import BenchBroken, Pinning, log_problems, serve
from workloads import SEED

TARGET_MS = 300.0
RECORDS = 1_000_000
ACCOUNTS = 50_000
CONTACTS_PER_ACCOUNT = 2
API_KEY = "bench-dashboard-api-key"
TOUCHPOINTS = ("Support", "Onboarding", "Purchase", "Renewal", "Training")
#: (division, parent): Global is the seed's root.
DIVISIONS = (
    ("Europe", "Global"),
    ("Netherlands", "Europe"),
    ("Germany", "Europe"),
    ("France", "Europe"),
    ("Americas", "Global"),
    ("United States", "Americas"),
    ("Canada", "Americas"),
    ("Brazil", "Americas"),
    ("APAC", "Global"),
    ("Japan", "APAC"),
    ("Australia", "APAC"),
)
PRODUCTS = ("Analytics", "Platform", "Mobile", "Services")
#: (label, good_bad)
DRIVERS = (
    ("Product quality", "pos"),
    ("Customer support", "pos"),
    ("Ease of use", "pos"),
    ("Value for money", "pos"),
    ("Price", "neg"),
    ("Support response time", "neg"),
    ("Reliability", "neg"),
    ("Onboarding", "neg"),
)
#: The views timed: (label, console path).
VIEWS = (
    ("default (last 12 months)", "/console/dashboard"),
    ("by week", "/console/dashboard?by=week"),
    ("touchpoint Support", "/console/dashboard?touchpoint=Support"),
    ("division Europe (rolled up)", "/console/dashboard?division=Europe"),
    ("segment Analytics", "/console/dashboard?segment=Analytics"),
)
REPORT_PATH = "/v4.1/report/nps.json"

DASHBOARD_SEED = SEED.replace(
    "    region: eu\n",
    "    region: eu\n"
    f"    api_key: {API_KEY}\n"
    f"    touchpoints: [{', '.join(TOUCHPOINTS)}]\n"
    "    segments: [Product]\n"
    "    divisions:\n"
    + "".join(f"      - {{division: {d}, parent: {p}}}\n" for d, p in DIVISIONS)
    + "    users:\n"
    f"      - {{email: {USER}, name: Bench, role: administrator, password: {PASSWORD}}}\n",
)


@dataclass
class ViewTime(PageTime):
    """A console page's times (:class:`console.PageTime`), with what the view shows."""

    label: str = ""


@dataclass
class DashboardTimes:
    kind: str
    records: int
    accounts: int
    views: list[ViewTime] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)
    load_seconds: float = 0.0

    @property
    def default(self) -> ViewTime:
        return self.views[0]

    @property
    def slowest(self) -> ViewTime:
        return max(self.views, key=lambda view: view.median)

    @property
    def ok(self) -> bool:
        return bool(self.views) and self.default.median <= TARGET_MS and not self.problems


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _ids(conn: Any, database: BenchDatabase, sql: str, system: int) -> dict[str, int]:
    return {name: int(i) for i, name in conn.execute(database.sql(sql), (system,)).fetchall()}


def _records(
    system: int,
    first: tuple[int, int],
    sizes: tuple[int, int],
    today: date,
    ids: Any,
) -> Iterator[tuple[object, ...]]:
    """The survey records, oldest first (ids follow the creation time, as in real use)."""
    rng = random.Random(13)
    touchpoints, divisions = ids
    first_contact, first_account = first
    records, accounts = sizes
    start = datetime.combine(today - timedelta(days=730), datetime.min.time(), UTC)
    step = 730 * 86400 / records
    contacts = accounts * CONTACTS_PER_ACCOUNT
    for n in range(records):
        created = start + timedelta(seconds=n * step)
        contact = rng.randrange(contacts)
        answered = rng.random() < 0.4
        nps: int | None = None
        comment = response = None
        if answered:
            roll = rng.random()
            nps = (
                rng.choice((9, 10))
                if roll < 0.45
                else rng.choice((7, 8))
                if roll < 0.75
                else rng.randrange(7)
            )
            answered_at = created + timedelta(hours=rng.randrange(1, 24 * 14))
            if answered_at.date() > today:
                nps = None
            else:
                response = _stamp(answered_at)
                if rng.random() < 0.4:
                    comment = f"Comment {n}: {'great service' if nps >= 9 else 'could be better'}"
        yield (
            system,
            first_contact + contact,
            first_account + contact // CONTACTS_PER_ACCOUNT,
            rng.choice(divisions) if rng.random() < 0.9 else None,
            rng.choice(touchpoints),
            "Email",
            "RESPONDED" if nps is not None else "SENT",
            nps,
            comment,
            response,
            f'{{"Product": "{rng.choice(PRODUCTS)}"}}',
            f"bench{n:011d}",
            _stamp(created),
            _stamp(created),
        )


RECORD_COLUMNS = (
    "system_id, contact_id, account_id, division_id, touchpoint_id, delivery_vector, status,"
    " nps, comment, date_response, segments, link_code, date_creation, date_sent"
)


def _bulk(
    database: BenchDatabase, conn: Any, table: str, columns: str, rows: Iterable[Any]
) -> None:
    """Insert ``rows`` as fast as the driver can: executemany on SQLite, COPY on PostgreSQL."""
    if database.kind == "sqlite":
        marks = ", ".join("?" * len(columns.split(",")))
        conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
        return
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_data(
    database: BenchDatabase, records: int, today: date, accounts: int = ACCOUNTS
) -> None:
    """The bench system's accounts, contacts, revenue, drivers and survey records."""
    now = _stamp(datetime.now(UTC))
    with database.connect() as conn:
        found = conn.execute(
            database.sql("SELECT id FROM systems WHERE name = ?"), ("bench",)
        ).fetchone()
        if found is None:
            raise BenchBroken("the bench system is missing: was the seed applied?")
        system = int(found[0])
        touchpoints = _ids(
            conn, database, "SELECT id, name FROM touchpoints WHERE system_id = ?", system
        )
        divisions = _ids(
            conn, database, "SELECT id, name FROM divisions WHERE system_id = ?", system
        )
        first_account = _next_id(conn, "accounts")
        _bulk(
            database,
            conn,
            "accounts",
            "system_id, name, number, created_at, updated_at",
            ((system, f"Account {n:05d}", f"A-{n}", now, now) for n in range(accounts)),
        )
        first_contact = _next_id(conn, "contacts")
        _bulk(
            database,
            conn,
            "contacts",
            "system_id, key, email, first_name, account_id, created_at, updated_at",
            (
                (
                    system,
                    f"email:person{n:06d}@example.com",
                    f"person{n:06d}@example.com",
                    f"Person {n}",
                    first_account + n // CONTACTS_PER_ACCOUNT,
                    now,
                    now,
                )
                for n in range(accounts * CONTACTS_PER_ACCOUNT)
            ),
        )
        _insert_revenue(database, conn, (system, first_account, accounts), today, now)
        driver_ids = _insert_drivers(database, conn, system, now)
        first_record = _next_id(conn, "survey_records")
        ids = (list(touchpoints.values()), list(divisions.values()))
        chosen: list[tuple[object, ...]] = []
        rng = random.Random(17)

        def records_noting_drivers() -> Iterator[tuple[object, ...]]:
            for n, row in enumerate(
                _records(system, (first_contact, first_account), (records, accounts), today, ids)
            ):
                nps = row[7]
                if isinstance(nps, int) and rng.random() < 0.3:
                    fitting = driver_ids["pos" if nps >= 9 else "neg"]
                    for driver in rng.sample(fitting, rng.choice((1, 2))):
                        chosen.append(
                            (first_record + n, driver, system, row[9], nps, row[4], row[3])
                        )
                yield row

        _bulk(
            database,
            conn,
            "survey_records",
            RECORD_COLUMNS,
            records_noting_drivers(),
        )
        _bulk(
            database,
            conn,
            "record_drivers",
            "survey_record_id, driver_id, system_id, date_response, nps, touchpoint_id,"
            " division_id",
            chosen,
        )
    with database.connect() as conn:
        # What autovacuum (PostgreSQL) or an operator's ANALYZE would have done by then.
        conn.execute("ANALYZE")
        if database.kind == "postgres":
            conn.execute("COMMIT")
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")


def _next_id(conn: Any, table: str) -> int:
    before = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]  # noqa: S608
    return int(before) + 1


def _insert_revenue(
    database: BenchDatabase, conn: Any, where: tuple[int, int, int], today: date, now: str
) -> None:
    """One ARR line per account for the last 12 months, and its 12 monthly amounts."""
    system, first_account, accounts = where
    rng = random.Random(19)
    first_month = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    months = []
    month = first_month
    for _ in range(12):
        months.append(month.isoformat())
        month = (month + timedelta(days=32)).replace(day=1)
    first_line = _next_id(conn, "revenue_lines")
    amounts = [rng.randrange(12, 2400) * 100 for _ in range(accounts)]
    _bulk(
        database,
        conn,
        "revenue_lines",
        'system_id, account_id, amount, start, "end", type, created_at',
        (
            (system, first_account + n, amounts[n], months[0], months[-1], "ARR", now)
            for n in range(accounts)
        ),
    )
    _bulk(
        database,
        conn,
        "revenue_months",
        "system_id, line_id, account_id, month, amount",
        (
            (system, first_line + n, first_account + n, m, round(amounts[n] / 12, 2))
            for n in range(accounts)
            for m in months
        ),
    )


def _insert_drivers(
    database: BenchDatabase, conn: Any, system: int, now: str
) -> dict[str, list[int]]:
    first = _next_id(conn, "drivers")
    _bulk(
        database,
        conn,
        "drivers",
        "system_id, reason_code, position, good_bad, category_main, level, label, created_at",
        (
            (system, str(1001 + n), n + 1, good_bad, "", 1, label, now)
            for n, (label, good_bad) in enumerate(DRIVERS)
        ),
    )
    found: dict[str, list[int]] = {"pos": [], "neg": []}
    for n, (_, good_bad) in enumerate(DRIVERS):
        found[good_bad].append(first + n)
    return found


def measure(
    pinning: Pinning,
    workdir: Path,
    *,
    kind: str,
    records: int = RECORDS,
    accounts: int = ACCOUNTS,
    repeats: int = 10,
) -> DashboardTimes:
    seed_path = workdir / "dashboard-seed.yaml"
    seed_path.write_text(DASHBOARD_SEED, encoding="utf-8")
    found = DashboardTimes(kind, records, accounts)
    log_path = workdir / f"server-dashboard-{kind}.log"
    today = datetime.now(UTC).date()
    with fresh(kind, workdir) as database:
        # Both CPUs, as a user's server has them: one client asks one page at a time, so there
        # is no load generator to keep apart, and the page's reads run side by side.
        both = replace(pinning, server=pinning.server_for(2))
        with serve(database.url, seed_path, log_path, both) as serving:
            started = time.perf_counter()
            insert_data(database, records, today, accounts)
            found.load_seconds = time.perf_counter() - started
            with httpx.Client(base_url=serving.base_url, timeout=60) as http:
                sign_in(http)
                for label, path in VIEWS:
                    found.views.append(_time(http, label, path, repeats, found.problems))
                report = ViewTime(REPORT_PATH, [], "GET /v4.1/report/nps.json")
                for _ in range(repeats):
                    began = time.perf_counter()
                    response = http.get(
                        REPORT_PATH, headers={"authorization": f"api_key {API_KEY}"}
                    )
                    report.times.append((time.perf_counter() - began) * 1000)
                    if response.status_code != 200:
                        found.problems.append(f"{REPORT_PATH}: {response.status_code}")
                        break
                found.views.append(report)
            serving.check_alive("opengauge serve")
        found.log_lines = log_problems(log_path)
    return found


def _time(http: httpx.Client, label: str, path: str, repeats: int, problems: list[str]) -> ViewTime:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = http.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200 or "Net Promoter Score" not in response.text:
            problems.append(f"dashboard {path}: {response.status_code}")
            break
    return ViewTime(path, times, label)
