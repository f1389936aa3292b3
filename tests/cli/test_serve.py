"""``opengauge serve`` as a process: stopping it with SIGTERM loses no acknowledged write."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import httpx
import pytest

from opengauge.server.storage import Database
from tests.conftest import BACKENDS
from tests.support import (
    ACCOUNT_MAPPING,
    ServerProcesses,
    access_token,
    database_url,
    tenant_seed,
)

WRITERS = 4
#: Acknowledged writes before the signal, so it lands in the middle of the traffic.
BEFORE_SIGNAL = 200


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_finishes_in_flight_writes_and_exits_0(
    serve: ServerProcesses, tmp_path: Path, backend: str
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(tenant_seed("term")), encoding="utf-8")
    with database_url(backend, tmp_path) as url:
        served = serve("--seed", str(seed), "--database", url)
        token = access_token(served.base_url, "term-client", "term-secret")
        bearer = {"Authorization": f"Bearer {token}"}
        acknowledged: list[str] = []
        enough = threading.Event()
        lock = threading.Lock()

        def write(writer: int) -> None:
            with httpx.Client(base_url=served.base_url, timeout=30, headers=bearer) as http:
                for number in range(100_000):
                    name = f"W{writer}-{number}"
                    record = {"Account Name": name, "Account Number": str(number)}
                    body = {"configuration": ACCOUNT_MAPPING, "record": record}
                    try:
                        response = http.put("/records/", json=body)
                    except httpx.TransportError:
                        return  # the server has stopped accepting
                    if response.status_code != 200:
                        return  # a 503 while shutting down is not an acknowledgement
                    with lock:
                        acknowledged.append(name)
                        if len(acknowledged) >= BEFORE_SIGNAL:
                            enough.set()

        writers = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
        for thread in writers:
            thread.start()
        assert enough.wait(timeout=60)
        served.process.send_signal(signal.SIGTERM)
        for thread in writers:
            thread.join(timeout=60)
        exit_code = served.process.wait(timeout=60)
        stored = {
            row[0]
            for row in Database(url).run_sync(lambda tx: tx.all("SELECT name FROM accounts", ()))
        }
    printed = "".join(served.output)
    print(f"{len(acknowledged)} writes acknowledged, exit code {exit_code}")
    assert exit_code == 0, printed
    assert set(acknowledged) <= stored
    assert "Traceback" not in printed
    assert "opengauge.access" not in printed  # --no-access-log
