"""``opengauge db backup``: a consistent copy of a live SQLite database, or the pg_dump line.

SQLite's online backup API copies the pages of a database that is in use, committed
write-ahead log included, without stopping the server. PostgreSQL has its own tool for this.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
import tempfile
import urllib.parse
from pathlib import Path

from sqlalchemy.engine import URL

from opengauge.server.storage.probe import ProbeError, parse_url


def backup_sqlite(url_text: str, target: Path) -> None:
    """Copy the SQLite database at ``url_text`` to ``target`` (a new file)."""
    url = parse_url(url_text)
    source = Path(url.database or "")
    if not source.is_file():
        raise ProbeError(f"there is no SQLite database at {source}")
    if target.exists():
        raise ProbeError(f"{target} exists already; choose a new file name")
    # Written under a new name of its own first, so a failed backup never looks like a good
    # one and no file already there is touched.
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    partial = Path(name)
    uri = f"file:{urllib.parse.quote(str(source.resolve()))}?mode=ro"
    try:
        with (
            contextlib.closing(sqlite3.connect(uri, uri=True)) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)
        partial.replace(target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise ProbeError(f"the backup of {source} failed: {exc}") from None


def pg_dump_command(url_text: str, target: Path) -> str:
    """The ``pg_dump`` line that backs up the PostgreSQL database (its password left out)."""
    url = parse_url(url_text)
    parts = ["pg_dump", "--format=custom", f"--file={target}"]
    if url.host:
        parts.append(f"--host={url.host}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={url.username}")
    if url.query:
        # sslmode, options, a socket folder...: a connection URL keeps them (its password out).
        keep = URL.create("postgresql", database=url.database, query=url.query)
        parts.append(f"--dbname={keep.render_as_string(hide_password=False)}")
    else:
        parts.append(f"--dbname={url.database or ''}")
    return shlex.join(parts)


def is_postgres(url_text: str) -> bool:
    return parse_url(url_text).get_backend_name() == "postgresql"
