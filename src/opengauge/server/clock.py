"""The server's clock: real time, optionally shifted or frozen for tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time in UTC with an adjustable offset or a frozen instant."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.frozen: float | None = None
        self._stamp_second = -1
        self._stamp = ""

    def time(self) -> float:
        """Seconds since the epoch."""
        if self.frozen is not None:
            return self.frozen
        return time.time() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def timestamp(self) -> str:
        """Now as ``YYYY-MM-DD HH:MM:SS`` (the storage format); formatted once a second."""
        second = int(self.time())
        if second != self._stamp_second:
            self._stamp = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%d %H:%M:%S")
            self._stamp_second = second
        return self._stamp

    def advance(self, seconds: float) -> None:
        if self.frozen is not None:
            self.frozen += seconds
        else:
            self.offset += seconds

    def reset(self) -> None:
        self.offset = 0.0
        self.frozen = None
