"""kill -9 under load: every write the server acknowledged is there after a restart.

Writers on their own connections keep ``PUT /records/``, ``PUT /personal-link/`` and the 4.1
``POST lists/unsubscribe`` busy against a real ``opengauge serve`` process. Once every writer
has had enough writes acknowledged, the process gets SIGKILL while requests are in flight (no
shutdown, no flush), a new process starts on the same database, and each acknowledged write
is looked up through the API and the database. Writes that were in flight may or may not be
there; a 2xx means committed, so acknowledged ones must be.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from opengauge.server.storage import Database
from tests.conftest import BACKENDS
from tests.support import (
    ACCOUNT_MAPPING,
    MULTI_MAPPING,
    Served,
    ServerProcesses,
    access_token,
    database_url,
    tenant_seed,
)

NAME = "durable"
SUPPORT = {"field": "survey.touchpoint", "op": "is", "values": ["Support"]}
#: Acknowledged writes each writer needs before the kill: enough that every kind of write
#: has committed many group-commit batches, few enough to keep the test at a few seconds.
ACKNOWLEDGED_BEFORE_KILL = 25
WRITERS_PER_KIND = 2

#: One write: (HTTP client, writer number, sequence number) -> (response, what it wrote).
Write = Callable[[httpx.Client, int, int], tuple[httpx.Response, str]]


def _account(http: httpx.Client, writer: int, n: int) -> tuple[httpx.Response, str]:
    number = f"A-{writer}-{n}"
    record = {"Account Name": f"Durable {number}", "Account Number": number}
    return http.put("/records/", json={"configuration": ACCOUNT_MAPPING, "record": record}), number


def _link(http: httpx.Client, writer: int, n: int) -> tuple[httpx.Response, str]:
    record = {"Email": f"link-{writer}-{n}@example.com", "Touchpoint": "Support"}
    response = http.put("/personal-link/", json={"configuration": MULTI_MAPPING, "record": record})
    if not response.is_success:
        return response, ""
    data = response.json()["data"]
    return response, f"{data['number_customergauge']} {data['survey_link'].rsplit('/', 1)[1]}"


def _unsubscribe(http: httpx.Client, writer: int, n: int) -> tuple[httpx.Response, str]:
    email = f"gone-{writer}-{n}@example.com"
    return http.post("/v4.1/lists/unsubscribe.json", data={"email": email}), email


@dataclass
class Writer:
    """One client writing as fast as the server answers, until the connection dies."""

    number: int
    write: Write
    headers: dict[str, str]
    progress: threading.Condition
    acknowledged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    #: The transport error that ended it: a read error when a request was in flight at the
    #: kill, a connect error when it started one after.
    ended_by: str = ""

    def run(self, base_url: str) -> None:
        with httpx.Client(base_url=base_url, headers=self.headers, timeout=30) as http:
            n = 0
            while True:
                try:
                    response, written = self.write(http, self.number, n)
                except httpx.TransportError as exc:
                    self.ended_by = type(exc).__name__
                    break
                if not response.is_success:
                    self.refused.append(f"{response.status_code} {response.text}")
                    break
                with self.progress:
                    self.acknowledged.append(written)
                    self.progress.notify_all()
                n += 1
        with self.progress:
            self.progress.notify_all()


def _token(base_url: str) -> str:
    return access_token(base_url, f"{NAME}-client", f"{NAME}-secret")


def _write_until_killed(serve: ServerProcesses, served: Served) -> list[Writer]:
    bearer = {"Authorization": f"Bearer {_token(served.base_url)}"}
    api_key = {"Authorization": f"api_key {NAME}-api-key"}
    progress = threading.Condition()
    kinds: list[tuple[Write, dict[str, str]]] = [
        (_account, bearer),
        (_link, bearer),
        (_unsubscribe, api_key),
    ]
    writers = [
        Writer(number, write, headers, progress)
        for number, (write, headers) in enumerate(kinds * WRITERS_PER_KIND)
    ]
    threads = [threading.Thread(target=w.run, args=(served.base_url,)) for w in writers]
    for thread in threads:
        thread.start()

    def ready() -> bool:
        stopped = [w for w in writers if w.refused or w.ended_by]
        enough = all(len(w.acknowledged) >= ACKNOWLEDGED_BEFORE_KILL for w in writers)
        return bool(stopped) or enough

    with progress:
        assert progress.wait_for(ready, timeout=60), "the writers made no progress"
    assert [w.refused for w in writers if w.refused] == []
    assert [w.ended_by for w in writers if w.ended_by] == []
    killed_at = time.perf_counter()
    serve.kill(served)
    for thread in threads:
        thread.join(timeout=30)
    print(f"killed after {sum(len(w.acknowledged) for w in writers)} acknowledged writes")
    print(
        "in flight at the kill:",
        sum(w.ended_by not in ("ConnectError", "") for w in writers),
        f"of {len(writers)} writers; all stopped in {time.perf_counter() - killed_at:.2f} s",
    )
    assert [w.refused for w in writers if w.refused] == []
    assert all(w.ended_by for w in writers)
    return writers


def _acknowledged(writers: list[Writer], write: Write) -> set[str]:
    return {item for w in writers if w.write is write for item in w.acknowledged}


def _unsubscribed(base_url: str) -> set[str]:
    """Every address on the 4.1 unsubscribe list, page by page."""
    found: set[str] = set()
    headers = {"Authorization": f"api_key {NAME}-api-key"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
        while True:
            params = {"start": len(found), "limit": 1000}
            page = http.get("/v4.1/lists/unsubscribe.json", params=params).json()["Data"]
            if not page:
                return found
            found |= {item["Email"] for item in page}


def _rows(url: str, sql: str) -> set[Any]:
    database = Database(url)
    query = f"{sql} WHERE system_id = (SELECT id FROM systems WHERE name = ?)"  # noqa: S608
    return {row[0] for row in database.run_sync(lambda tx: tx.all(query, (NAME,)))}


@pytest.mark.parametrize("backend", BACKENDS)
def test_acknowledged_writes_survive_kill_9(
    serve: ServerProcesses, tmp_path: Path, backend: str
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(tenant_seed(NAME, campaigns=[{"name": "s", "filters": [SUPPORT]}])))
    with database_url(backend, tmp_path) as url:
        writers = _write_until_killed(serve, serve("--seed", str(seed), "--database", url))
        restarted = serve("--database", url)

        accounts = _acknowledged(writers, _account)
        assert accounts - _rows(url, "SELECT number FROM accounts") == set()

        links = [item.split() for item in _acknowledged(writers, _link)]
        stored = {str(number) for number in _rows(url, "SELECT id FROM survey_records")}
        assert {number for number, _ in links} - stored == set()
        with httpx.Client(base_url=restarted.base_url, timeout=30) as http:
            pages = {code: http.get(f"/r/{code}").status_code for _, code in links}
        assert {code: status for code, status in pages.items() if status != 200} == {}

        unsubscribes = _acknowledged(writers, _unsubscribe)
        assert unsubscribes - _unsubscribed(restarted.base_url) == set()
        assert unsubscribes - _rows(url, "SELECT email FROM unsubscribes") == set()

        # The restarted server takes new writes: nothing was left locked or half-written.
        with httpx.Client(
            base_url=restarted.base_url,
            headers={"Authorization": f"Bearer {_token(restarted.base_url)}"},
            timeout=30,
        ) as http:
            assert _account(http, 99, 0)[0].status_code == 200
        print(f"checked {len(accounts)} accounts, {len(links)} links, {len(unsubscribes)} emails")
