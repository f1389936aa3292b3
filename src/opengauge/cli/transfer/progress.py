"""The progress line of an import or export on stderr."""

from __future__ import annotations

import sys
import time

import click


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
