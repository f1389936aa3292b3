"""What several ``opengauge`` commands share: settings, the --database option, running an
operation on the database with its errors reported, tables."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import click

from opengauge.server.settings import Settings, SettingsError

T = TypeVar("T")


def settings_from(**overrides: Any) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


def database_option(function: Any) -> Any:
    return click.option(
        "--database",
        "database_url",
        metavar="URL",
        help="sqlite:///path.db or postgresql://user@host/db "
        "[env OPENGAUGE_DATABASE_URL; default sqlite:///opengauge.db]",
    )(function)


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """API errors (unknown system, invalid entry...) as messages on stderr, exit status 1."""
    from opengauge.server.errors import ApiError, ValidationFailed

    try:
        yield
    except ValidationFailed as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                click.echo(message if field == "body" else f"{field}: {message}", err=True)
        sys.exit(1)
    except ApiError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)


def run_operation(database_url: str | None, operation: Callable[[Any], T]) -> T:
    """Run ``operation`` in one transaction on the (migrated) database; its API errors as
    :func:`reported` shows them."""
    from opengauge.server.bootstrap import prepare_database
    from opengauge.server.storage import Database

    database = Database(settings_from(database_url=database_url).database_url)
    with reported():
        prepare_database(database)
        return database.run_sync(operation)


def print_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Aligned columns, long cells cut, and the row count."""
    widths = [max([len(c)] + [len(_cell(row[i])) for row in rows]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in rows:
        cells = (_cell(v).ljust(w) for v, w in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())
    click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:39] + "…"
