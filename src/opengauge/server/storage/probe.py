"""Looking at a database without changing it: start-up checks, readiness, scrape-time reads.

Every probe opens its own short-lived, read-only connection with a time limit, so it never
queues behind the group-commit writer, never creates a SQLite file, and never hangs when the
database is gone. Failures come back as one sentence that says what to do.
"""

from __future__ import annotations

import contextlib
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from opengauge.server.storage.database import Database
from opengauge.server.storage.transaction import Operation, T, Tx


class ProbeError(Exception):
    """The database cannot be used; the message says why and what to do."""


def parse_url(url: str) -> URL:
    """The parsed database URL, or :class:`ProbeError` naming what is malformed."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ProbeError(f"the database URL is malformed ({exc}): {_redacted(url)}") from None


def where(url: URL) -> str:
    """The database as people name it, without the password."""
    if url.get_backend_name() != "postgresql":
        return f"SQLite file {url.database}"
    user = f"{url.username}@" if url.username else ""
    return f"PostgreSQL {user}{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def check_reachable(url_text: str, *, timeout: float = 5) -> None:
    """Raise :class:`ProbeError` unless ``serve`` could open this database.

    SQLite: the folder must exist (the file itself is created by the first migration).
    PostgreSQL: a connection must succeed, so an unknown host, role or database is told apart.
    """
    url = parse_url(url_text)
    if url.get_backend_name() != "postgresql":
        path = url.database or ":memory:"
        if path == ":memory:":
            return
        folder = Path(path).parent
        if not folder.is_dir():
            raise ProbeError(f"the folder {folder} of the SQLite database does not exist")
        if Path(path).exists():  # it must be a database (a stray file is not)
            with _sqlite(url, timeout) as conn:
                schema_revision(Tx(conn, "sqlite"))
        return
    with _postgres(url, timeout):
        pass


def sqlite_file_missing(url_text: str) -> str | None:
    """The path of a SQLite database file that does not exist yet, else None."""
    url = parse_url(url_text)
    if url.get_backend_name() == "postgresql" or url.database in (None, "", ":memory:"):
        return None
    return None if Path(url.database).exists() else url.database


def read(db: Database, op: Operation[T], *, timeout: float = 2) -> T:
    """Run a read-only operation on a connection of its own, within ``timeout`` seconds."""
    url = parse_url(db.url)
    if url.get_backend_name() != "postgresql":
        with _sqlite(url, timeout) as conn:
            return op(Tx(conn, "sqlite"))
    with _postgres(url, timeout) as pg:
        return op(Tx(pg, "postgresql"))


def schema_revision(tx: Tx) -> str | None:
    """The Alembic revision the database is at; None when it has no schema yet."""
    try:
        row = tx.one("SELECT version_num FROM alembic_version")
    except psycopg.errors.UndefinedTable:
        return None
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        return None
    return None if row is None else str(row[0])


@contextlib.contextmanager
def _sqlite(url: URL, timeout: float) -> Iterator[sqlite3.Connection]:
    path = url.database or ":memory:"
    if path == ":memory:":
        raise ProbeError("an in-memory SQLite database cannot be read from another connection")
    # mode=ro: a missing file is an error instead of a new empty database.
    target = f"file:{urllib.parse.quote(str(Path(path).resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(target, uri=True, timeout=timeout, check_same_thread=False)
    except sqlite3.Error as exc:
        raise ProbeError(f"cannot open the SQLite file {path}: {exc}") from None
    try:
        yield conn
    except sqlite3.Error as exc:
        raise ProbeError(f"cannot read the SQLite file {path}: {exc}") from None
    finally:
        conn.close()


def _probe_options(timeout: float) -> tuple[str, ...]:
    """A probe's reads are bounded and read-only."""
    return (f"-c statement_timeout={int(timeout * 1000)}", "-c default_transaction_read_only=on")


@contextlib.contextmanager
def _postgres(url: URL, timeout: float) -> Iterator[Any]:
    # The URL's own options (a search_path, say) stay: the probe must see what the server sees.
    own = url.query.get("options", "")
    options = " ".join([*((own,) if isinstance(own, str) else own), *_probe_options(timeout)])
    plain = url.set(drivername="postgresql").difference_update_query(["options"])
    conninfo = plain.render_as_string(hide_password=False)
    # libpq counts whole seconds and treats anything under 2 as 2.
    limit = max(2, round(timeout))
    try:
        conn = psycopg.connect(conninfo, connect_timeout=limit, options=options.strip())
    except psycopg.Error as exc:
        raise ProbeError(_postgres_problem(url, exc)) from None
    try:
        yield conn
    except psycopg.Error as exc:
        raise ProbeError(f"{where(url)} failed a read: {_first_line(exc)}") from None
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.close()


def _postgres_problem(url: URL, exc: psycopg.Error) -> str:
    """One sentence for a failed connection, with the fix for the usual mistakes."""
    text = _first_line(exc)
    name = where(url)
    if "database" in text and "does not exist" in text:
        return f"{name}: the database does not exist; create it with `createdb {url.database}`"
    if "role" in text and "does not exist" in text:
        return f"{name}: the role {url.username!r} does not exist; create it or fix the URL"
    if "password authentication failed" in text:
        return f"{name}: password authentication failed; check the user and password in the URL"
    if "timeout" in text.lower():
        return f"{name} did not answer in time; is the server up and the host right?"
    return f"cannot connect to {name} ({text}); is PostgreSQL running there?"


def _first_line(exc: BaseException) -> str:
    """libpq's reason: the end of its first line, after the host it tried."""
    lines = str(exc).strip().splitlines()
    if not lines:
        return type(exc).__name__
    return lines[0].rsplit(" failed: ", 1)[-1].strip()


def _redacted(url: str) -> str:
    """``url`` with any password replaced, for messages."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
