"""The lean bound for ``bench/run.py``: the Contact mapping's SQL and nothing else.

Under the server's uvicorn options, it reads a ``PUT /records/`` body of the Contact workload,
decodes it, and writes the account and the contact with the statements OpenGauge's SQLite path
runs (``storage/repositories/keyed.py``), in one transaction per turn of the event loop, on a
database that OpenGauge migrated; it answers 200 once its transaction committed. It has no
token check, mapping, validation, journal, access log or metrics. What it reaches is more than
any request path doing the same writes on this machine can; the gap between it and the
Contact / SQLite row is what those cost.

    python bench/lean.py --port 8099 --database /tmp/lean.db
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3

import msgspec
import uvicorn
from ceiling import lifespan

from opengauge.server.http.asgi import Receive, Scope, Send
from opengauge.server.http.serving import uvicorn_options
from opengauge.server.settings import Settings

_HEADERS = [(b"content-length", b"0")]
#: The bench's system, as its seed makes it (the first and only one).
_SYSTEM = 1
_NOW = "2026-01-01 00:00:00"


class _Body(msgspec.Struct):
    configuration: str
    record: dict[str, str]


class Lean:
    """The ASGI app: a request's write joins the transaction of its turn of the loop."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA synchronous=NORMAL")  # serve's default, in WAL mode
        self._decode = msgspec.json.Decoder(_Body).decode
        self._pending: list[tuple[dict[str, str], asyncio.Future[None]]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        message = await receive()
        record = self._decode(message.get("body", b"")).record
        loop = asyncio.get_running_loop()
        if not self._pending:
            loop.call_soon(self._commit)
        done = loop.create_future()
        self._pending.append((record, done))
        await done
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": b""})

    def _commit(self) -> None:
        batch, self._pending = self._pending, []
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        for record, _ in batch:
            email = record["Email"]
            account = self._account(record["Account Name"])
            updated = conn.execute(
                "UPDATE contacts SET email = ?, account_id = ?, updated_at = ?"
                " WHERE system_id = ? AND key = ?",
                (email, account, _NOW, _SYSTEM, f"email:{email}"),
            )
            if updated.rowcount == 0:
                conn.execute(
                    "INSERT INTO contacts (system_id, key, email, account_id, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (_SYSTEM, f"email:{email}", email, account, _NOW, _NOW),
                )
        conn.execute("COMMIT")
        for _, done in batch:
            done.set_result(None)

    def _account(self, name: str) -> int:
        conn = self._conn
        found = conn.execute(
            "SELECT id FROM accounts WHERE system_id = ? AND name = ?", (_SYSTEM, name)
        ).fetchone()
        if found is None:
            inserted = conn.execute(
                "INSERT INTO accounts (system_id, name, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (_SYSTEM, name, _NOW, _NOW),
            )
            return int(inserted.lastrowid or 0)
        conn.execute("UPDATE accounts SET updated_at = ? WHERE id = ?", (_NOW, found[0]))
        return int(found[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True, help="a SQLite file OpenGauge migrated")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    settings = Settings(host=args.host, port=args.port, log_level=args.log_level)
    uvicorn.run(Lean(args.database), **uvicorn_options(settings))


if __name__ == "__main__":
    main()
