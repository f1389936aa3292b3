"""The ``opengauge`` command."""

from __future__ import annotations

import logging.config
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click

from opengauge import __version__
from opengauge.cli.common import database_option, print_table, settings_from

DEMO_SEED = "demo.yaml"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="opengauge")
def main() -> None:
    """OpenGauge: a CustomerGauge-compatible server you can run yourself."""


@main.command()
@click.option("--host", help="Interface to listen on [env OPENGAUGE_HOST; default 127.0.0.1].")
@click.option("--port", type=int, help="Port [env OPENGAUGE_PORT; default 8080].")
@database_option
@click.option(
    "--seed",
    type=click.Path(exists=True, dir_okay=False),
    help="Apply this YAML/JSON seed file at start (idempotent).",
)
@click.option(
    "--demo", is_flag=True, default=None, help="Load the demo tenant and print a walkthrough."
)
@click.option("--workers", type=int, help="Server processes [env OPENGAUGE_WORKERS; default 1].")
@click.option("--public-url", help="Base URL for links the server hands out.")
@click.option(
    "--control-plane/--no-control-plane",
    default=None,
    help="Serve the sandbox control plane /_opengauge/ [env OPENGAUGE_CONTROL_PLANE; default on;"
    " turn it off in production].",
)
@click.option(
    "--access-log/--no-access-log",
    default=None,
    help="A line per request, names only [env OPENGAUGE_ACCESS_LOG; default on].",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="json: one object a line [env OPENGAUGE_LOG_FORMAT; default text].",
)
@click.option(
    "--client-timeout",
    type=float,
    help="Seconds a client has to send a whole request [env OPENGAUGE_CLIENT_TIMEOUT; default 30].",
)
def serve(**options: Any) -> None:
    """Run the server (migrating the database first)."""
    from opengauge.cli.serve import run

    run(settings_from(**options))


@main.group()
def db() -> None:
    """Database schema management."""


@db.command()
@database_option
def upgrade(database_url: str | None) -> None:
    """Apply all migrations and create a token signing key if there is none."""
    from opengauge.cli.preflight import check_database
    from opengauge.server.bootstrap import prepare_database
    from opengauge.server.storage import Database, migrate

    settings = settings_from(database_url=database_url)
    check_database(settings.database_url)
    database = Database(settings.database_url)
    prepare_database(database)
    click.echo(f"database at revision {migrate.current_revision(database)}")


@db.command()
@database_option
def current(database_url: str | None) -> None:
    """Print the schema revision of the database."""
    from opengauge.server.storage import Database, migrate

    settings = settings_from(database_url=database_url)
    revision = migrate.current_revision(Database(settings.database_url))
    click.echo(revision or "empty (run `opengauge db upgrade`)")


@db.command()
@click.argument(
    "table",
    type=click.Choice(
        ["accounts", "contacts", "contracts", "activities", "revenue", "survey-records", "outbox"]
    ),
)
@click.option("--system", "system_name", help="Only this system (by name).")
@click.option("--limit", type=int, default=50, show_default=True, help="Rows to show, newest last.")
@database_option
def show(table: str, system_name: str | None, limit: int, database_url: str | None) -> None:
    """Print the stored rows of TABLE, to see what imports wrote."""
    from opengauge.cli.preflight import require_database
    from opengauge.server.control import service as control
    from opengauge.server.storage import Database

    settings = settings_from(database_url=database_url)
    require_database(settings.database_url)
    columns, rows = Database(settings.database_url).run_sync(
        control.latest_rows(table, system_name, limit)
    )
    print_table(columns, rows)


@db.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@database_option
def backup(file: Path, database_url: str | None) -> None:
    """Copy the database to FILE while the server keeps running (SQLite).

    For PostgreSQL nothing is written: the command prints the pg_dump line to run instead.
    """
    from opengauge.cli.preflight import require_database
    from opengauge.server.storage import backup as backups
    from opengauge.server.storage.probe import ProbeError

    settings = settings_from(database_url=database_url)
    try:
        postgres = backups.is_postgres(settings.database_url)
    except ProbeError as exc:
        raise click.ClickException(str(exc)) from None
    if postgres:
        click.echo(backups.pg_dump_command(settings.database_url, file))
        click.echo(
            "PostgreSQL is backed up with pg_dump: run the line above (it asks for the password,"
            " or reads PGPASSWORD or ~/.pgpass); nothing was written",
            err=True,
        )
        sys.exit(1)
    require_database(settings.database_url)
    try:
        backups.backup_sqlite(settings.database_url, file)
    except ProbeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up to {file}")


@main.group(name="api-key")
def api_key() -> None:
    """The 4.1 API key of a system."""


@api_key.command()
@click.option("--system", "system_name", required=True, help="The system (by name).")
@database_option
def rotate(system_name: str, database_url: str | None) -> None:
    """Give a system a new API key and print it; the old key stops working at once."""
    from opengauge.server.control import service as control
    from opengauge.server.domain.secrets import new_api_key
    from opengauge.server.errors import ResourceNotFound
    from opengauge.server.storage import Database

    settings = settings_from(database_url=database_url)
    key = new_api_key()
    try:
        Database(settings.database_url).run_sync(control.set_api_key(system_name, key))
    except ResourceNotFound:
        raise click.UsageError(f"no system called {system_name!r}") from None
    click.echo(key)


@main.group()
def bounces() -> None:
    """Bounced e-mail addresses (what a mail server reported back)."""


@bounces.command(name="add")
@click.argument("email")
@click.option("--system", "system_name", required=True, help="The system (by name).")
@click.option("--type", "kind", default="hard", show_default=True, help="hard or soft.")
@click.option("--reason", help="The mail server's words, e.g. '550 no such user'.")
@database_option
def add_bounce(
    email: str, system_name: str, kind: str, reason: str | None, database_url: str | None
) -> None:
    """Record that mail to EMAIL bounced; it then gets no invitations."""
    from opengauge.server.clock import Clock
    from opengauge.server.control import service as control
    from opengauge.server.errors import ResourceNotFound
    from opengauge.server.storage import Database

    settings = settings_from(database_url=database_url)
    operation = control.add_bounce(system_name, email, kind, reason, Clock().timestamp())
    try:
        added = Database(settings.database_url).run_sync(operation)
    except ResourceNotFound:
        raise click.UsageError(f"no system called {system_name!r}") from None
    click.echo(f"{email}: {'recorded' if added else 'already listed'}")


@main.group()
def seed() -> None:
    """Seed files: declare systems, apps, mappings and more."""


@seed.command()
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Check FILE without touching any database."""
    from opengauge.server.seed.schemas import SeedError, load_seed

    try:
        parsed = load_seed(file)
    except SeedError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    count = len(parsed.systems)
    click.echo(f"{file}: valid ({count} system{'s' if count != 1 else ''})")


@seed.command(name="apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@database_option
def apply_command(file: str, database_url: str | None) -> None:
    """Apply FILE to the database (migrating it first)."""
    from opengauge.cli.preflight import check_database
    from opengauge.server.bootstrap import prepare_database
    from opengauge.server.seed.schemas import SeedError, load_seed
    from opengauge.server.seed.service import apply_seed
    from opengauge.server.storage import Database

    settings = settings_from(database_url=database_url)
    try:
        parsed = load_seed(file)
    except SeedError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    check_database(settings.database_url)
    database = Database(settings.database_url)
    prepare_database(database)
    for system in apply_seed(database, parsed):
        click.echo(f"system {system.name}: {'created' if system.created else 'updated'}")
        if system.generated_api_key:
            click.echo(f"  generated API key: {system.generated_api_key}")


def demo_seed_path() -> Path:
    return Path(str(resources.files("opengauge.server") / DEMO_SEED))


def configure_logging(level: str, log_format: str = "text") -> None:
    from opengauge.server.logs import logging_config

    logging.config.dictConfig(logging_config(level, log_format))


from opengauge.cli.admin import apps, mappings  # noqa: E402
from opengauge.cli.transfer import export, import_  # noqa: E402
from opengauge.cli.users import users  # noqa: E402

main.add_command(import_)
main.add_command(export)
main.add_command(apps)
main.add_command(mappings)
main.add_command(users)
