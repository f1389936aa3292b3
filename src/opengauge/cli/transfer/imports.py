"""The ``opengauge import`` commands: records, personal-links, accounts and contracts."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from opengauge.cli.transfer.connection import connection_options, make_client, run
from opengauge.cli.transfer.csvfile import check_header, count_rows
from opengauge.cli.transfer.engine import ImportRun, Send
from opengauge.cli.transfer.exits import (
    EXIT_FATAL,
    EXIT_INTERRUPTED,
    EXIT_REFUSED,
    resume_command,
)
from opengauge.cli.transfer.progress import Progress
from opengauge.client import AsyncClient

_configuration_option = click.option(
    "--configuration", required=True, help="The inbound mapping's reference."
)


#: Rows in flight by default. The server commits what arrives together in one transaction,
#: so 32 in flight make larger batches than 16: on a 2-core machine an import ran 12% faster
#: (12,200-12,400 against 10,700-11,100 rows/s) and cost both sides less CPU per row.
DEFAULT_CONCURRENCY = 32


def _import_options(function: Any) -> Any:
    options = [
        click.argument(
            "file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE.csv"
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 256),
            default=DEFAULT_CONCURRENCY,
            show_default=True,
            help="Rows in flight at a time.",
        ),
        click.option(
            "--skip",
            type=click.IntRange(0),
            default=0,
            show_default=True,
            help="Leave out the first N data rows (to resume an interrupted import).",
        ),
        click.option(
            "--errors",
            "errors_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Where refused rows go, with an `error` column [default FILE.refused.csv].",
        ),
    ]
    function = connection_options(function)
    for option in reversed(options):
        function = option(function)
    return function


def _run_import(
    file: Path,
    configuration: str,
    send: Send,
    extra_columns: list[str],
    out_path: Path | None,
    *,
    concurrency: int,
    skip: int,
    errors_path: Path | None,
    columns: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
    **connection: Any,
) -> None:
    if columns is not None:
        check_header(file, *columns)
    client = make_client(**connection, bulk_connections=concurrency)
    errors_path = errors_path or file.with_name(file.stem + ".refused.csv")
    job = ImportRun(
        file, configuration, send, extra_columns, concurrency, skip, errors_path, out_path
    )
    progress = Progress(max(count_rows(file) - skip, 0))

    async def main() -> None:
        async with client:
            await job.run(client, progress)

    run(main())
    progress.close()
    elapsed = max(time.monotonic() - progress.started, 1e-9)
    handled = job.imported + job.refused
    click.echo(
        f"{job.imported:,} imported, {job.refused:,} refused, "
        f"{handled / elapsed:,.0f} rows/s ({elapsed:.1f} s)"
    )
    if job.refused:
        click.echo(f"refused rows with their errors: {errors_path}")
    if out_path is not None and job.imported:
        click.echo(f"output: {out_path}")
    if job.stopped:
        click.echo(f"{job.stopped}: the first {job.done:,} rows are done", err=True)
        click.echo(f"resume with: {resume_command('--skip', job.done)}", err=True)
        sys.exit(EXIT_INTERRUPTED if job.stopped == "interrupted" else EXIT_FATAL)
    if job.refused:
        sys.exit(EXIT_REFUSED)


@click.group(name="import")
def import_() -> None:
    """Bulk imports from CSV files, through the SDK: the header row names the mapping's field
    headings (records, personal-links) or the fixed fields (accounts, contracts).

    Exit status: 0 when every row went in, 1 when some were refused, 2 when the run
    stopped on a connection or credential error, 130 when interrupted (Ctrl-C).
    """


async def _put_record(client: AsyncClient, configuration: str, record: dict[str, str]) -> list[str]:
    await client.records.put(configuration, record)
    return []


async def _personal_link(
    client: AsyncClient, configuration: str, record: dict[str, str]
) -> list[str]:
    link = await client.personal_links.create(configuration, record)
    return [link.survey_link, link.survey_link_short, str(link.number_customergauge)]


@import_.command()
@_import_options
@_configuration_option
def records(file: Path, configuration: str, **options: Any) -> None:
    """Import every row of FILE.csv with PUT /records/ through the mapping --configuration."""
    _run_import(file, configuration, _put_record, [], None, **options)


@import_.command(name="personal-links")
@_import_options
@_configuration_option
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The rows with their links [default FILE.links.csv].",
)
def personal_links(file: Path, configuration: str, out_path: Path | None, **options: Any) -> None:
    """Create a personal survey link for every row of FILE.csv; writes each row with its
    survey_link, survey_link_short and number_customergauge to --out."""
    out = out_path or file.with_name(file.stem + ".links.csv")
    columns = ["survey_link", "survey_link_short", "number_customergauge"]
    _run_import(file, configuration, _personal_link, columns, out, **options)


#: The fixed schemas: (required columns, optional columns).
ACCOUNT_COLUMNS = (("reference",), ("number", "manager", "parent", "region"))
CONTRACT_COLUMNS = (("account", "start"), ("reference", "end", "description"))


def _optional(record: dict[str, str], *names: str) -> dict[str, str | None]:
    """The optional fields of a row; an empty cell is a field not sent."""
    return {name: record.get(name) or None for name in names}


async def _put_account(client: AsyncClient, _: str, record: dict[str, str]) -> list[str]:
    # A short row lacks cells: send the required fields empty, the server's message says so.
    created = await client.accounts.put(
        record.get("reference", ""), **_optional(record, *ACCOUNT_COLUMNS[1])
    )
    return ["created" if created else "updated"]


async def _put_contract(client: AsyncClient, _: str, record: dict[str, str]) -> list[str]:
    reference = await client.contracts.put(
        record.get("account", ""),
        record.get("start", ""),
        **_optional(record, *CONTRACT_COLUMNS[1]),
    )
    return [reference]


_out_option = click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write every imported row with the server's answer (optional).",
)


@import_.command()
@_import_options
@_out_option
def accounts(file: Path, out_path: Path | None, **options: Any) -> None:
    """Upsert an account for every row of FILE.csv with PUT /accounts.

    Columns: reference (required: the account name), number, manager, parent, region.
    --out gets each row with `created` or `updated`.
    """
    _run_import(file, "", _put_account, ["result"], out_path, columns=ACCOUNT_COLUMNS, **options)


@import_.command()
@_import_options
@_out_option
def contracts(file: Path, out_path: Path | None, **options: Any) -> None:
    """Create or update a contract for every row of FILE.csv with PUT /contracts.

    Columns: account and start (required; start and end as Y-m-d), reference (given: update
    that contract), end, description. --out gets each row with the contract's reference.
    """
    _run_import(
        file,
        "",
        _put_contract,
        ["contract_reference"],
        out_path,
        columns=CONTRACT_COLUMNS,
        **options,
    )
