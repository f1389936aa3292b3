"""Apply the Alembic migrations shipped inside the package."""

from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from opengauge.server.storage.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")

#: Held while migrating on PostgreSQL so that several processes starting at once take turns.
_PG_LOCK_KEY = 0x0_6E_6761_7567


def _config(connection: sqlalchemy.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    engine = db.create_engine()
    try:
        with engine.begin() as connection:
            if db.dialect == "postgresql":
                connection.execute(sqlalchemy.text(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})"))
            command.upgrade(_config(connection), revision)
    finally:
        engine.dispose()


def downgrade(db: Database, revision: str) -> None:
    engine = db.create_engine()
    try:
        with engine.begin() as connection:
            command.downgrade(_config(connection), revision)
    finally:
        engine.dispose()


def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None for an empty database."""
    engine = db.create_engine()
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@functools.cache
def head_revision() -> str | None:
    """The newest migration's revision (the scripts do not change while a process runs)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def revision(db: Database, message: str) -> None:
    """Autogenerate a new migration from the tables (development helper)."""
    engine = db.create_engine()
    try:
        with engine.begin() as connection:
            config = _config(connection)
            config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
            command.revision(config, message=message, autogenerate=True, rev_id=None)
    finally:
        engine.dispose()
