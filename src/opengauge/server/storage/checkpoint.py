"""Moving SQLite's write-ahead log into the database file, off the event loop.

A checkpoint copies the log into the database file and fsyncs it; done inside a commit it
would stall every request, so the writer turns automatic checkpoints off and this thread does
them every half second instead (PASSIVE: it never waits for readers or the writer).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("opengauge.storage")


class Checkpointer:
    """A background thread checkpointing one SQLite database until stopped."""

    INTERVAL = 0.5

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="opengauge-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Checkpoint what is left, truncating the log, and end the thread."""
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn = self._connect()
        try:
            while not self._stop.wait(self.INTERVAL):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # a busy database: try again next time
                    log.debug("checkpoint skipped: %s", exc)
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            conn.close()
