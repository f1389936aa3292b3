"""``opengauge import ...`` and ``opengauge export ...``: bulk transfer through the SDK.

Imports stream a CSV through ``AsyncClient`` with a bounded queue feeding N workers, so
memory stays flat whatever the file size. Results are written in file order (a small
reorder buffer, bounded by the queue plus the requests in flight), which also gives the
resume point: the number of leading rows that are all done. Ctrl-C stops feeding, lets
the requests in flight finish and prints the command that resumes with ``--skip N``.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import shlex
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from opengauge.client import (
    AsyncClient,
    AuthenticationError,
    ConnectionError,
    OpenGaugeError,
    RateLimitError,
    ServerError,
    ValidationError,
)

T = TypeVar("T")

ENV_ID = "OPENGAUGE_CLIENT_ID"
ENV_SECRET = "OPENGAUGE_CLIENT_SECRET"  # noqa: S105 - a variable name
EXIT_REFUSED = 1
EXIT_FATAL = 2
EXIT_INTERRUPTED = 130

#: What one row's request yields: the extra output columns (empty for plain imports).
Send = Callable[[AsyncClient, str, dict[str, str]], Awaitable[list[str]]]


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on uvloop when it is installed (it comes with the server's extras and
    takes a good share of the per-request cost off an import), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


# -- CSV input --------------------------------------------------------------------------


def open_csv(path: Path) -> tuple[IO[str], Iterator[list[str]], list[str]]:
    """The file, a reader past the header row, and the header (BOM dropped, ``;`` or ``,``)."""
    handle = path.open(encoding="utf-8-sig", newline="")
    first = handle.readline()
    delimiter = ";" if first.count(";") > first.count(",") else ","
    handle.seek(0)
    # Re-read from the start: ``utf-8-sig`` drops the BOM again after a seek to 0.
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise click.UsageError(f"{path} is empty: the first row must name the fields") from None
    if not header or any(not h.strip() for h in header):
        handle.close()
        raise click.UsageError(f"{path}: every column of the header row needs a name")
    return handle, reader, [h.strip() for h in header]


def count_rows(path: Path) -> int:
    handle, reader, _ = open_csv(path)
    with handle:
        return sum(1 for _ in reader)


def error_text(exc: OpenGaugeError) -> str:
    """The server's messages for one refused row, on one line."""
    if isinstance(exc, ValidationError) and exc.errors:
        return "; ".join(f"{f}: {m}" for f, ms in exc.errors.items() for m in ms)
    return str(exc)


# -- the import engine ----------------------------------------------------------------


@dataclass
class _Outcome:
    row: list[str]
    extra: list[str] | None  # None when refused
    error: str = ""


@dataclass
class ImportRun:
    path: Path
    configuration: str
    send: Send
    extra_columns: list[str]
    concurrency: int
    skip: int
    errors_path: Path
    out_path: Path | None
    header: list[str] = field(default_factory=list)
    imported: int = 0
    refused: int = 0
    #: Number of leading data rows (skipped ones included) that are all done.
    done: int = 0
    stopped: str = ""  # why the run stopped early ("" when it did not)
    _pending: dict[int, _Outcome] = field(default_factory=dict)
    _errors: Any = None
    _errors_file: IO[str] | None = None
    _out: Any = None
    _out_file: IO[str] | None = None

    def _writer(self, path: Path, columns: list[str]) -> tuple[IO[str], Any]:
        append = self.skip > 0 and path.exists() and path.stat().st_size > 0
        handle = path.open("a" if append else "w", encoding="utf-8", newline="")
        writer = csv.writer(handle)
        if not append:
            writer.writerow(columns)
        return handle, writer

    def _finish(self, index: int, outcome: _Outcome) -> None:
        """Record a row's outcome and write every row now done in file order."""
        self._pending[index] = outcome
        while self.done in self._pending:
            ready = self._pending.pop(self.done)
            self.done += 1
            if ready.extra is None:
                self.refused += 1
                if self._errors is None:
                    self._errors_file, self._errors = self._writer(
                        self.errors_path, [*self.header, "error"]
                    )
                self._errors.writerow([*ready.row, ready.error])
            else:
                self.imported += 1
                if self.out_path is not None:
                    if self._out is None:
                        self._out_file, self._out = self._writer(
                            self.out_path, [*self.header, *self.extra_columns]
                        )
                    self._out.writerow([*ready.row, *ready.extra])

    async def run(self, client: AsyncClient, progress: Progress) -> None:
        handle, reader, self.header = open_csv(self.path)
        self.done = self.skip
        queue: asyncio.Queue[tuple[int, list[str]] | None] = asyncio.Queue(self.concurrency * 4)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def interrupt() -> None:
            if stop.is_set():  # a second Ctrl-C: give up on the requests in flight too
                for task in workers:
                    task.cancel()
            self.stopped = self.stopped or "interrupted"
            stop.set()

        async def feed() -> None:
            for index, row in enumerate(reader):
                if index < self.skip:
                    continue
                if stop.is_set():
                    break
                await queue.put((index, row))
            for _ in workers:
                await queue.put(None)

        async def work() -> None:
            while (item := await queue.get()) is not None:
                index, row = item
                if stop.is_set():
                    continue  # not sent: the resume point stays before it
                record = dict(zip(self.header, row, strict=False))
                try:
                    extra = await self.send(client, self.configuration, record)
                except (AuthenticationError, ConnectionError, RateLimitError, ServerError) as exc:
                    # Not the row's fault (and still failing after the retries): stop, so
                    # the rest is not reported as refused, and say where to resume.
                    self.stopped = self.stopped or f"stopped: {exc}"
                    stop.set()
                    continue
                except OpenGaugeError as exc:
                    self._finish(index, _Outcome(row, None, error_text(exc)))
                else:
                    self._finish(index, _Outcome(row, extra))
                progress.update(self.imported + self.refused, self.refused)

        workers = [asyncio.create_task(work()) for _ in range(self.concurrency)]
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(signal.SIGINT, interrupt)
        try:
            await asyncio.gather(feed(), *workers, return_exceptions=False)
        except asyncio.CancelledError:
            self.stopped = self.stopped or "interrupted"
        finally:
            loop.remove_signal_handler(signal.SIGINT)
            handle.close()
            for file in (self._errors_file, self._out_file):
                if file is not None:
                    file.close()


class Progress:
    """A line on stderr with rows done, rows/s and ETA: redrawn on a terminal, else every
    ``every`` seconds."""

    def __init__(self, total: int | None, every: float = 5.0) -> None:
        self.total = total
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.every = 0.2 if self.tty else every
        self.last = self.started
        self.done = 0

    def rate(self) -> float:
        return self.done / max(time.monotonic() - self.started, 1e-9)

    def update(self, done: int, refused: int) -> None:
        self.done = done
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        rate = self.rate()
        line = f"{done:,} rows  {refused:,} refused  {rate:,.0f} rows/s"
        if self.total:
            left = max(self.total - done, 0) / rate if rate else 0
            line = f"{done:,}/{self.total:,} rows  {refused:,} refused  {rate:,.0f} rows/s"
            line += f"  ETA {int(left) // 60}:{int(left) % 60:02d}"
        click.echo(("\r" + line) if self.tty else line, err=True, nl=not self.tty)

    def close(self) -> None:
        if self.tty:
            click.echo(err=True)


# -- shared options ---------------------------------------------------------------------


def _connection_options(function: Any) -> Any:
    options = [
        click.option("--base-url", metavar="URL", help="An OpenGauge server (every API family)."),
        click.option(
            "--region",
            type=click.Choice(["eu", "us", "au"]),
            help="The real CustomerGauge hosts of this region (instead of --base-url).",
        ),
        click.option("--client-id", envvar=ENV_ID, help=f"[env {ENV_ID}]"),
        click.option("--client-secret", envvar=ENV_SECRET, help=f"[env {ENV_SECRET}]"),
        click.option(
            "--max-retries", type=int, default=2, show_default=True, help="Retries per request."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _client(
    base_url: str | None,
    region: str | None,
    client_id: str | None,
    client_secret: str | None,
    max_retries: int,
    bulk_connections: int | None = None,
) -> AsyncClient:
    if (base_url is None) == (region is None):
        raise click.UsageError("give --base-url or --region (one of them)")
    if not client_id or not client_secret:
        raise click.UsageError(
            f"credentials missing: --client-id/--client-secret or {ENV_ID}/{ENV_SECRET}"
        )
    return AsyncClient(
        base_url=base_url,
        region=region,
        client_id=client_id,
        client_secret=client_secret,
        max_retries=max_retries,
        # The SDK's lean HTTP/1.1 connections: httpx's own cost per request (~0.3 ms of
        # CPU) would otherwise cap an import far below what the server takes.
        bulk_connections=bulk_connections,
    )


_configuration_option = click.option(
    "--configuration", required=True, help="The inbound mapping's reference."
)


def _import_options(function: Any) -> Any:
    options = [
        click.argument(
            "file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE.csv"
        ),
        click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True),
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
    function = _connection_options(function)
    for option in reversed(options):
        function = option(function)
    return function


def _resume_command(option: str, value: int) -> str:
    """This command again, with ``option value`` in place of any it had."""
    kept: list[str] = []
    skipping = False
    for arg in sys.argv[1:]:
        if skipping:
            skipping = False
            continue
        if arg == option:
            skipping = True
            continue
        if arg.startswith(option + "="):
            continue
        kept.append(arg)
    return shlex.join(["opengauge", *kept, option, str(value)])


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
        _check_header(file, *columns)
    client = _client(**connection, bulk_connections=concurrency)
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
        click.echo(f"resume with: {_resume_command('--skip', job.done)}", err=True)
        sys.exit(EXIT_INTERRUPTED if job.stopped == "interrupted" else EXIT_FATAL)
    if job.refused:
        sys.exit(EXIT_REFUSED)


# -- commands ---------------------------------------------------------------------------


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


def _check_header(path: Path, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    """Refuse a fixed-schema file whose header names unknown or misses required columns,
    before anything is sent."""
    handle, _, header = open_csv(path)
    handle.close()
    unknown = [name for name in header if name not in required + optional]
    missing = [name for name in required if name not in header]
    if unknown or missing:
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        raise click.UsageError(
            f"{path}: {'; '.join(problems)} (the columns are {', '.join(required + optional)})"
        )


@click.command()
@click.argument("what", type=click.Choice(["responses", "non-responses"]))
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.jsonl (one record a line) or FILE.csv (nested values as JSON).",
)
@click.option(
    "--since-cursor", type=int, help="Only records after this cursor (from a previous run)."
)
@click.option("--per-page", type=click.IntRange(1, 1000), default=1000, show_default=True)
@_connection_options
def export(
    what: str, out_path: Path, since_cursor: int | None, per_page: int, **connection: Any
) -> None:
    """Export survey records to a file; prints the cursor to resume from next time."""
    if out_path.suffix not in (".jsonl", ".csv"):
        raise click.UsageError("--out must end in .jsonl or .csv")
    client = _client(**connection)

    # Resuming (--since-cursor) into the same file continues it instead of overwriting it.
    append = since_cursor is not None and out_path.exists() and out_path.stat().st_size > 0
    done = _Exported(cursor=since_cursor)

    async def main() -> None:
        progress = Progress(None)
        async with client:
            resource = client.responses if what == "responses" else client.non_responses
            iterator = resource.iter(cursor=since_cursor, per_page=per_page)
            mode = "a" if append else "w"
            with out_path.open(mode, encoding="utf-8", newline="") as handle:
                writer: csv.DictWriter[str] | None = None
                async for record in iterator:
                    if out_path.suffix == ".jsonl":
                        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                    else:
                        if writer is None:
                            writer = csv.DictWriter(handle, list(record), extrasaction="ignore")
                            if not append:
                                writer.writeheader()
                        writer.writerow({k: _cell(v) for k, v in record.items()})
                    done.count += 1
                    done.cursor = iterator.cursor
                    progress.update(done.count, 0)
        progress.close()

    failure = ""
    try:
        run(main())
    except OpenGaugeError as exc:
        failure = str(exc)
    except KeyboardInterrupt:
        failure = "interrupted"
    count, cursor = done.count, done.cursor
    click.echo(f"{count:,} records written to {out_path}")
    if failure:
        click.echo(f"export stopped: {failure}", err=True)
        if cursor is not None:
            resume = _resume_command("--since-cursor", cursor)
            click.echo(f"resume with: {resume} (appends to the same file)", err=True)
        sys.exit(EXIT_INTERRUPTED if failure == "interrupted" else EXIT_FATAL)
    if cursor is not None:
        click.echo(f"last cursor: {cursor} (next time: --since-cursor {cursor})")


@dataclass
class _Exported:
    """How far an export got: records written and the cursor after the last of them."""

    count: int = 0
    cursor: int | None = None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
