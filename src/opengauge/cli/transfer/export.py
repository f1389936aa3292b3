"""``opengauge export``: survey records to a JSON Lines or CSV file, resumable by cursor."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from opengauge.cli.transfer.connection import connection_options, make_client, run
from opengauge.cli.transfer.exits import EXIT_FATAL, EXIT_INTERRUPTED, resume_command
from opengauge.cli.transfer.progress import Progress
from opengauge.client import OpenGaugeError


@dataclass
class _Exported:
    """How far an export got: records written and the cursor after the last of them."""

    count: int = 0
    cursor: int | None = None


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
@connection_options
def export(
    what: str, out_path: Path, since_cursor: int | None, per_page: int, **connection: Any
) -> None:
    """Export survey records to a file; prints the cursor to resume from next time."""
    if out_path.suffix not in (".jsonl", ".csv"):
        raise click.UsageError("--out must end in .jsonl or .csv")
    client = make_client(**connection)

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
            resume = resume_command("--since-cursor", cursor)
            click.echo(f"resume with: {resume} (appends to the same file)", err=True)
        sys.exit(EXIT_INTERRUPTED if failure == "interrupted" else EXIT_FATAL)
    if cursor is not None:
        click.echo(f"last cursor: {cursor} (next time: --since-cursor {cursor})")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
