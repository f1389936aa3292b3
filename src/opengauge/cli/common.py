"""What several ``opengauge`` commands share: settings, the --database option, tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from opengauge.server.settings import Settings, SettingsError


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
