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

    def drift(self) -> float:
        """How many seconds this clock is ahead of real time (behind when negative)."""
        return self.offset if self.frozen is None else self.frozen - time.time()

    def advance(self, seconds: float) -> None:
        if self.frozen is not None:
            self.frozen += seconds
        else:
            self.offset += seconds

    def set_offset(self, seconds: float) -> None:
        """Run ``seconds`` ahead of real time (behind when negative)."""
        if self.frozen is not None:
            self.frozen = time.time() + seconds
        else:
            self.offset = seconds

    def set_time(self, moment: float) -> None:
        """Make now ``moment`` (seconds since the epoch); a frozen clock stays frozen there."""
        if self.frozen is not None:
            self.frozen = moment
        else:
            self.offset = moment - time.time()

    def freeze(self) -> None:
        """Stop the clock at the current instant."""
        if self.frozen is None:
            self.frozen = self.time()

    def unfreeze(self) -> None:
        """Let the clock run again from where it stands."""
        if self.frozen is not None:
            self.offset = self.frozen - time.time()
            self.frozen = None

    def reset(self) -> None:
        self.offset = 0.0
        self.frozen = None
