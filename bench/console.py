"""The console's pages with 100,000 survey records: the slowest page's response time.

``opengauge serve`` (default settings, access log on) runs on a fresh database seeded with
the bench system and one console Administrator; 1,000 accounts, 10,000 contacts and
``records`` survey records are written straight into it. A client signs in and asks for
every console page (each screen of the navigation, a second page of each paged list, a
search, a detail page) ``repeats`` times, one request at a time, on loopback: what it
measures is the server's time for the page plus a loopback round trip.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from databases import BenchDatabase, fresh
from harness import BenchBroken, Pinning, log_problems, serve
from workloads import SEED

from opengauge.server.console.pages import NAVIGATION

TARGET_MS = 100.0
USER = "bench-console@example.com"
PASSWORD = "bench-console-password"  # noqa: S105 - the bench's own console user
ACCOUNTS = 1_000
CONTACTS = 10_000

CONSOLE_SEED = SEED + (
    "    users:\n"
    f"      - {{email: {USER}, name: Bench, role: administrator, password: {PASSWORD}}}\n"
)


@dataclass
class PageTime:
    path: str
    #: Milliseconds of each request, in order.
    times: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def worst(self) -> float:
        return max(self.times)


@dataclass
class ConsoleTimes:
    kind: str
    records: int
    pages: list[PageTime] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)

    @property
    def slowest(self) -> PageTime:
        return max(self.pages, key=lambda page: page.median)

    @property
    def ok(self) -> bool:
        return bool(self.pages) and self.slowest.median <= TARGET_MS


def insert_data(database: BenchDatabase, records: int) -> None:
    """Accounts, contacts and survey records of the bench system, written in one go."""
    now = "2026-06-01 12:00:00"
    with database.connect() as conn:
        found = conn.execute(
            database.sql("SELECT id FROM systems WHERE name = ?"), ("bench",)
        ).fetchone()
        if found is None:
            raise BenchBroken("the bench system is missing: was the seed applied?")
        system = found[0]
        first_account = _insert(
            database,
            conn,
            "INSERT INTO accounts (system_id, name, number, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(system, f"Account {n:05d}", f"A-{n}", now, now) for n in range(ACCOUNTS)],
            "accounts",
        )
        first_contact = _insert(
            database,
            conn,
            "INSERT INTO contacts (system_id, key, email, first_name, account_id, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    system,
                    f"email:person{n:05d}@example.com",
                    f"person{n:05d}@example.com",
                    f"Person {n}",
                    first_account + n % ACCOUNTS,
                    now,
                    now,
                )
                for n in range(CONTACTS)
            ],
            "contacts",
        )
        _insert(
            database,
            conn,
            "INSERT INTO survey_records (system_id, contact_id, account_id, delivery_vector,"
            " status, nps, comment, date_response, segments, link_code, date_creation)"
            " VALUES (?, ?, ?, 'Personal Link', 'RESPONDED', ?, ?, ?, '{}', ?, ?)",
            [
                (
                    system,
                    first_contact + n % CONTACTS,
                    first_account + n % ACCOUNTS,
                    n % 11,
                    f"comment {n}",
                    now,
                    f"bench{n:011d}",
                    now,
                )
                for n in range(records)
            ],
            "survey_records",
        )
    if database.kind == "postgres":
        # What autovacuum does within a minute of such a load: the planner gets statistics.
        with database.connect() as conn:
            conn.execute("ANALYZE")


def _insert(
    database: BenchDatabase, conn: Any, sql: str, rows: list[tuple[object, ...]], table: str
) -> int:
    """Insert ``rows`` and return the first new id (ids are consecutive in one transaction
    on a fresh database)."""
    before = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]  # noqa: S608
    if database.kind == "sqlite":
        conn.executemany(database.sql(sql), rows)
    else:
        with conn.cursor() as cursor:
            cursor.executemany(database.sql(sql), rows)
    return int(before) + 1


def sign_in(http: httpx.Client) -> None:
    page = http.get("/console/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    if token is None:
        raise BenchBroken("the console sign-in page has no form token")
    form = {"login_token": token[1], "email": USER, "password": PASSWORD, "next": ""}
    if http.post("/console/login", data=form).status_code != 303:
        raise BenchBroken("the bench user could not sign in to the console")


def pages_to_time(http: httpx.Client) -> list[str]:
    """Every screen of the navigation, and the second page, a search and a detail of each
    list that has them (found by following the links the first pages show)."""
    paths = [item.path for item in NAVIGATION] + ["/console/mappings/new", "/console/password"]
    extra: list[str] = []
    for path in paths:
        text = http.get(path).text
        more = re.search(r'href="([^"]*[?&](?:after|before)=[^"]*)"', text)
        if more:
            extra.append(more[1].replace("&amp;", "&"))
        detail = re.search(rf'href="({re.escape(path)}/\d+)"', text)
        if detail:
            extra.append(detail[1])
    searches = [
        "/console/contacts?q=person05",
        "/console/survey-records?q=person04242@example.com",
        "/console/accounts?q=Account 004",
    ]
    known = {item.path for item in NAVIGATION}
    return paths + extra + [s for s in searches if s.split("?", 1)[0] in known]


def measure(
    pinning: Pinning, workdir: Path, *, kind: str, records: int, repeats: int = 20
) -> ConsoleTimes:
    seed_path = workdir / "console-seed.yaml"
    seed_path.write_text(CONSOLE_SEED, encoding="utf-8")
    found = ConsoleTimes(kind, records)
    log_path = workdir / f"server-console-{kind}.log"
    with fresh(kind, workdir) as database:
        with serve(database.url, seed_path, log_path, pinning) as serving:
            insert_data(database, records)
            with httpx.Client(base_url=serving.base_url, timeout=30) as http:
                sign_in(http)
                for path in pages_to_time(http):
                    found.pages.append(_time(http, path, repeats, found.problems))
            serving.check_alive("opengauge serve")
        found.log_lines = log_problems(log_path)
    return found


def _time(http: httpx.Client, path: str, repeats: int, problems: list[str]) -> PageTime:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = http.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            problems.append(f"console {path}: {response.status_code}")
            break
    return PageTime(path, times)
