"""The databases a bench run measures on: a fresh SQLite file or PostgreSQL database each.

PostgreSQL comes from ``OPENGAUGE_BENCH_POSTGRES_URL`` (default: the local ``test``
server); each measured configuration gets its own ``opengauge_bench_<pid>_<n>`` database,
dropped afterwards. Counting rows and bulk-inserting survey records use the drivers
directly: the bench checks what the server stored, it does not go through it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from harness import BenchBroken
from sqlalchemy.engine import make_url

POSTGRES_ENV = "OPENGAUGE_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
KINDS = ("sqlite", "postgres")
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}

_numbers = itertools.count(1)


@dataclass(frozen=True)
class BenchDatabase:
    """One empty database: its URL for ``opengauge serve`` and a driver connection."""

    kind: str
    url: str

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        if self.kind == "sqlite":
            with contextlib.closing(sqlite3.connect(self.url.removeprefix("sqlite:///"))) as conn:
                yield conn
                conn.commit()
        else:
            with psycopg.connect(_conninfo(self.url)) as conn:
                yield conn

    def sql(self, sql: str) -> str:
        """``sql`` with the driver's placeholders."""
        return sql if self.kind == "sqlite" else sql.replace("?", "%s")

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.connect() as conn:
            row = conn.execute(self.sql(sql), params).fetchone()
        return row[0] if row else None

    def count(self, table: str) -> int:
        return int(self.scalar(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608 - our names

    def insert_responses(self, count: int) -> None:
        """``count`` survey records with a response, for the bench system, in one go."""
        now = "2024-06-01 12:00:00"
        email = "export-bench@example.com"
        with self.connect() as conn:
            system = conn.execute(
                self.sql("SELECT id FROM systems WHERE name = ?"), ("bench",)
            ).fetchone()
            if system is None:
                raise BenchBroken("the bench system is missing: was the seed applied?")
            contact = conn.execute(
                self.sql(
                    "INSERT INTO contacts (system_id, key, email, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?) RETURNING id"
                ),
                (system[0], f"email:{email}", email, now, now),
            ).fetchone()
            rows = [
                (system[0], contact[0], f"order-{i}", i % 11, f"comment {i}", now, now)
                for i in range(count)
            ]
            sql = self.sql(
                "INSERT INTO survey_records (system_id, contact_id, delivery_vector, status,"
                " number_order, nps, comment, date_response, segments, date_creation)"
                " VALUES (?, ?, 'Email', 'RESPONDED', ?, ?, ?, ?, '{}', ?)"
            )
            if self.kind == "sqlite":
                conn.executemany(sql, rows)
            else:
                with conn.cursor() as cursor:
                    cursor.executemany(sql, rows)


def postgres_admin_url() -> str:
    return os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh(kind: str, workdir: Path) -> Iterator[BenchDatabase]:
    """A new empty database of ``kind``; a PostgreSQL one is dropped on the way out."""
    number = next(_numbers)
    if kind == "sqlite":
        yield BenchDatabase(kind, f"sqlite:///{workdir / f'bench-{number}.db'}")
        return
    admin = postgres_admin_url()
    name = f"opengauge_bench_{os.getpid()}_{number}"
    try:
        with psycopg.connect(_conninfo(admin), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchBroken(f"cannot create a PostgreSQL database at {admin}: {exc}") from exc
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        yield BenchDatabase(kind, url)
    finally:
        with psycopg.connect(_conninfo(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
