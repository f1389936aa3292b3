"""The import engine: a CSV streamed through the SDK by N workers, results in file order.

The workers read rows as they need them, so memory stays flat whatever the file size.
Results are written in file order (a small reorder buffer, bounded by the requests in
flight), which also gives the resume point: the number of leading rows that are all
done. Ctrl-C stops feeding and lets the requests in flight finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import itertools
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from opengauge.cli.transfer.csvfile import open_csv
from opengauge.cli.transfer.progress import Progress
from opengauge.client import (
    AsyncClient,
    AuthenticationError,
    ConnectionError,
    OpenGaugeError,
    RateLimitError,
    ServerError,
    ValidationError,
)

#: What one row's request yields: the extra output columns (empty for plain imports).
Send = Callable[[AsyncClient, str, dict[str, str]], Awaitable[list[str]]]


def error_text(exc: OpenGaugeError) -> str:
    """The server's messages for one refused row, on one line."""
    if isinstance(exc, ValidationError) and exc.errors:
        return "; ".join(f"{f}: {m}" for f, ms in exc.errors.items() for m in ms)
    return str(exc)


@dataclass
class _Outcome:
    row: list[str]
    extra: list[str] | None  # None when refused
    error: str = ""


@dataclass
class ImportRun:
    """One import of one file: what to send, where results go, and how far it got."""

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
        """Send every row after ``skip``; stop early on Ctrl-C or an error not the row's."""
        handle, reader, self.header = open_csv(self.path)
        self.done = self.skip
        # The workers take rows straight from one shared reader: on one event loop a
        # ``next()`` never interleaves, and no queue or feeding task costs a switch per row.
        rows = itertools.islice(enumerate(reader), self.skip, None)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def interrupt() -> None:
            if stop.is_set():  # a second Ctrl-C: give up on the requests in flight too
                for task in workers:
                    task.cancel()
            self.stopped = self.stopped or "interrupted"
            stop.set()

        async def work() -> None:
            for index, row in rows:
                if stop.is_set():
                    return  # not sent: the resume point stays before it
                record = dict(zip(self.header, row, strict=False))
                try:
                    extra = await self.send(client, self.configuration, record)
                except (AuthenticationError, ConnectionError, RateLimitError, ServerError) as exc:
                    # Not the row's fault (and still failing after the retries): stop, so
                    # the rest is not reported as refused, and say where to resume.
                    self.stopped = self.stopped or f"stopped: {exc}"
                    stop.set()
                    return
                except OpenGaugeError as exc:
                    self._finish(index, _Outcome(row, None, error_text(exc)))
                else:
                    self._finish(index, _Outcome(row, extra))
                progress.update(self.imported + self.refused, self.refused)

        workers = [asyncio.create_task(work()) for _ in range(self.concurrency)]
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(signal.SIGINT, interrupt)
        try:
            await asyncio.gather(*workers)
        except asyncio.CancelledError:
            self.stopped = self.stopped or "interrupted"
        finally:
            loop.remove_signal_handler(signal.SIGINT)
            handle.close()
            for file in (self._errors_file, self._out_file):
                if file is not None:
                    file.close()
