"""Log lines: the access log, and the format of every other line.

The access log is one line per request, made from the request's journal entry
(``journal.py``), so it holds what the journal holds: method, path (survey codes as
``{code}``), parameter *names*, status, duration, system and caller, and never a value.
The event loop formats the line (a couple of microseconds) and queues it; a thread of its
own writes the queued lines in one call every 50 ms, so a slow terminal or a full pipe never
holds a request up, and the thread holds the interpreter lock for next to no time.

``text`` lines read ``<time> <LEVEL> <logger>: <message>``; ``json`` lines are one object
each, for log pipelines. Every time is UTC, to the millisecond.
"""

from __future__ import annotations

import collections
import json
import logging
import sys
import threading
import time
from typing import Any, TextIO

import msgspec

from opengauge.server.journal import Entry

ACCESS_LOGGER = "opengauge.access"
#: Lines kept while the stream does not keep up; past that, lines are dropped (and counted)
#: rather than let memory grow.
QUEUE_LIMIT = 100_000
#: How often the writer thread wakes to write what has queued up.
FLUSH_SECONDS = 0.05


def utc_time(at: float) -> str:
    """``2026-01-31T12:00:00.123Z``."""
    seconds = int(at)
    milliseconds = int((at - seconds) * 1000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{milliseconds:03d}Z"


def _text(value: str) -> str:
    """``value`` as one token of a text line: quoted and escaped if it has a space, a quote or
    anything unprintable (paths and parameter names are the client's)."""
    if value and value.isprintable() and " " not in value and '"' not in value:
        return value
    return json.dumps(value, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``<time> <LEVEL> <logger>: <message>``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return utc_time(record.created)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``timestamp``, ``level``, ``logger``, ``message``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": utc_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def logging_config(level: str, log_format: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` configuration: every logger (uvicorn's too) writes
    to stderr in ``log_format``. Uvicorn applies it in each worker process as well."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"opengauge": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "opengauge",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"level": level.upper()},
            # Alembic narrates every migration context; our own line says when we migrate.
            "alembic": {"level": "DEBUG" if level.lower() == "debug" else "WARNING"},
            # It warns about every malformed body, which any client can send (the client gets
            # its error): at WARNING a client could fill the operator's log.
            "python_multipart": {"level": "DEBUG" if level.lower() == "debug" else "ERROR"},
        },
    }


class AccessLog:
    """Writes an access line per journal entry to ``stream`` (default: standard output)."""

    def __init__(self, log_format: str, stream: TextIO | None = None) -> None:
        self._json = log_format == "json"
        self._stream = stream
        self._queue: collections.deque[str] = collections.deque()
        self._line = self._json_line if self._json else self._text_line
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._second = -1
        self._second_text = ""
        #: Lines dropped because the stream did not keep up.
        self.dropped = 0

    def write(self, entry: Entry) -> None:
        """Queue the line of a finished request (on the event loop: no I/O)."""
        if len(self._queue) < QUEUE_LIMIT:
            self._queue.append(self._line(time.time(), entry))
        else:
            self.dropped += 1

    def start(self) -> None:
        """Start the writer thread."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="opengauge-access-log", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Write what is queued and stop the thread."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self._flush()
        self._flush()

    def _flush(self) -> None:
        queue = self._queue
        count = len(queue)
        if not count:
            return
        # popleft, not a swap of lists: the event loop may be appending at this moment.
        lines = [queue.popleft() for _ in range(count)]
        if self.dropped:
            dropped, self.dropped = self.dropped, 0
            lines.append(self._note(f"{dropped} access log line(s) dropped: output too slow"))
        stream = self._stream or sys.stdout
        try:
            stream.write("".join(lines))
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stream: the lines are lost, the server goes on

    def _time(self, at: float) -> str:
        second = int(at)
        if second != self._second:
            self._second = second
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._second_text}.{int((at - second) * 1000):03d}Z"

    def _text_line(self, at: float, entry: Entry) -> str:
        params = f" params={_text(','.join(entry.params))}" if entry.params else ""
        system = "-" if entry.system_id is None else entry.system_id
        return (
            f"{self._time(at)} INFO {ACCESS_LOGGER}: {entry.method} {_text(entry.path)} "
            f"{entry.status} {entry.duration_ms:.1f}ms id={entry.id} system={system} "
            f"client={_text(entry.caller or '-')}{params}\n"
        )

    def _json_line(self, at: float, entry: Entry) -> str:
        return (
            msgspec.json.encode(
                {
                    "timestamp": self._time(at),
                    "level": "INFO",
                    "logger": ACCESS_LOGGER,
                    "request_id": entry.id,
                    "method": entry.method,
                    "route": entry.path,
                    "params": entry.params,
                    "status": entry.status,
                    "duration_ms": round(entry.duration_ms, 3),
                    "system": entry.system_id,
                    "client_id": entry.caller,
                }
            ).decode()
            + "\n"
        )

    def _note(self, message: str) -> str:
        at = time.time()
        if self._json:
            line = {"timestamp": self._time(at), "level": "WARNING", "logger": ACCESS_LOGGER}
            return json.dumps({**line, "message": message}) + "\n"
        return f"{self._time(at)} WARNING {ACCESS_LOGGER}: {message}\n"
