"""A fresh database per backend, empty or migrated with one system."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opengauge.server.storage import Database, migrate
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.support import postgres_database


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A new, empty database."""
    if request.param == "sqlite":
        yield Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    else:
        with postgres_database(POSTGRES_URL) as url:
            yield Database(url)


@pytest.fixture
def migrated(database: Database) -> Database:
    """The database at the latest schema, with system 1."""
    return _with_system(database)


@pytest.fixture
def sqlite_migrated(tmp_path: Path) -> Database:
    """As ``migrated``, on SQLite only: for what only SQLite's connections do."""
    return _with_system(Database(f"sqlite:///{tmp_path / 'fresh.db'}"))


def _with_system(database: Database) -> Database:
    migrate.upgrade(database)
    database.run_sync(
        lambda tx: tx.write(
            "INSERT INTO systems (name, region, api_key_hash, duplication_enabled,"
            " duplication_days, duplication_fields, created_at)"
            " VALUES ('s', 'eu', 'h', ?, 0, '[]', '2024-01-01 00:00:00')",
            (False,),
        )
    )
    return database
