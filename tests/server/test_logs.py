"""What ``opengauge serve`` logs: names, never values; text or JSON; no admin token."""

from __future__ import annotations

import asyncio
import io
import json
import re
import threading
from pathlib import Path

import httpx
import pytest

from opengauge.server import logs
from opengauge.server.app import OpenGaugeApp
from opengauge.server.journal import Entry
from opengauge.server.settings import Settings
from tests.support import ACCOUNT_MAPPING, Served, ServerProcesses, tenant_seed

SURVEY_CODE = "SurveyCode123456"
EMAIL = "joe@example.com"


def seeded(serve: ServerProcesses, tmp_path: Path, *args: str) -> Served:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(tenant_seed("logs")), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'logs.db'}"
    return serve("--seed", str(seed), "--database", url, *args, access_log=True)


def make_requests(served: Served) -> None:
    """Requests carrying a client secret, an API key, an e-mail and a survey code; the last
    one's line says every line is out."""
    with httpx.Client(base_url=served.base_url, timeout=30) as http:
        token = http.post(
            "/oauth2/token",
            params={
                "grant_type": "client_credentials",
                "client_id": "logs-client",
                "client_secret": "logs-secret",
            },
        ).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        record = {"Account Name": "ACME", "Account Number": "A-1"}
        put = http.put(
            "/records/", json={"configuration": ACCOUNT_MAPPING, "record": record}, headers=bearer
        )
        assert put.status_code == 200
        listed = http.get(
            "/v4.1/lists/unsubscribe.json", params={"api_key": "logs-api-key", "email": EMAIL}
        )
        assert listed.status_code == 200
        http.get("/v7/rest/sync/responses", params={"email": EMAIL, "per_page": 1}, headers=bearer)
        http.get("/nope%0aINJECTED /forged 200")
        assert http.get(f"/r/{SURVEY_CODE}").status_code == 404


def test_the_access_log_has_names_never_values(serve: ServerProcesses, tmp_path: Path) -> None:
    served = seeded(serve, tmp_path)
    make_requests(served)
    printed = served.wait_for("GET /r/{code} 404")
    for secret in ("logs-secret", "logs-api-key", EMAIL, "joe%40example.com", SURVEY_CODE):
        assert secret not in printed
    # The first line is the start-up probe's.
    access = [line for line in printed.splitlines() if " opengauge.access: " in line][1:]
    assert len(access) == 6, printed
    token, put, listed, export, nope, survey = access
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO opengauge.access: POST /oauth2/token 200 "
        r"[\d.]+ms id=\d+ system=\d+ client=logs-client params=grant_type,client_id,client_secret",
        token,
    ), token
    assert re.search(r"PUT /records/ 200 [\d.]+ms id=\d+ system=\d+ client=logs-client$", put)
    assert listed.endswith("client=api_key params=api_key,email")
    assert export.endswith("params=email,per_page")
    # A path is the client's: escaped, it cannot forge a line.
    assert 'GET "/nope\\nINJECTED /forged 200" 404' in nope
    assert not any(line.startswith("INJECTED") for line in printed.splitlines())
    assert "system=- client=-" in survey


def test_json_lines_for_log_pipelines(serve: ServerProcesses, tmp_path: Path) -> None:
    served = seeded(serve, tmp_path, "--log-format", "json")
    make_requests(served)
    served.wait_for('"route":"/r/{code}"')
    lines = [
        json.loads(line) for line in "".join(served.output).splitlines() if line.startswith("{")
    ]
    loggers = {line["logger"] for line in lines}
    assert {"uvicorn.error", "opengauge.access"} <= loggers
    access = [line for line in lines if line["logger"] == "opengauge.access"]
    put = next(line for line in access if line["route"] == "/records/")
    assert set(put) == {
        "timestamp",
        "level",
        "logger",
        "request_id",
        "method",
        "route",
        "params",
        "status",
        "duration_ms",
        "system",
        "client_id",
    }
    assert put["method"] == "PUT"
    assert put["status"] == 200
    assert put["client_id"] == "logs-client"
    assert isinstance(put["system"], int)
    assert isinstance(put["request_id"], int)
    assert put["duration_ms"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", put["timestamp"])
    assert next(line for line in access if line["route"] == "/oauth2/token")["params"] == [
        "grant_type",
        "client_id",
        "client_secret",
    ]


def test_a_malformed_multipart_body_writes_no_log_line_of_its_own(
    serve: ServerProcesses, tmp_path: Path
) -> None:
    """Anyone can send a broken body: its answer is the family's error, and a log line per
    request would let a client fill the operator's log."""
    served = seeded(serve, tmp_path)
    broken = b"--BBX\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--BB--\r\n"
    with httpx.Client(base_url=served.base_url, timeout=30) as http:
        for _ in range(3):
            http.post(
                "/oauth2/token",
                content=broken,
                headers={"content-type": "multipart/form-data; boundary=BB"},
            )
    printed = served.wait_for("POST /oauth2/token 400")
    assert [line for line in printed.splitlines() if "python_multipart" in line] == []


def test_survey_codes_stay_out_of_the_log_under_a_root_path_too(tmp_path: Path) -> None:
    """Served under a root path (``--root-path`` or a mount), a survey page's path starts with
    the prefix; its code is still the respondent's secret."""
    app = OpenGaugeApp(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}"), tune_gc=False)
    stream = io.StringIO()
    app.access_log = logs.AccessLog("text", stream)

    async def scenario() -> None:
        app.start()
        try:
            transport = httpx.ASGITransport(app=app, root_path="/og")
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                for path in ("/r/SurveyCode123456", "/r/SurveyCode123456/unsubscribe"):
                    assert (await http.get("/og" + path)).status_code == 404
        finally:
            app.stop()

    asyncio.run(scenario())
    printed = stream.getvalue()
    assert SURVEY_CODE not in printed
    assert "GET /r/{code} 404" in printed
    assert "GET /r/{code}/unsubscribe 404" in printed


def test_a_generated_admin_token_is_shown_once_and_never_logged(
    serve: ServerProcesses, tmp_path: Path
) -> None:
    served = seeded(serve, tmp_path)
    printed = served.wait_for("control plane admin token: ")
    token = re.search(r"control plane admin token: (\S+)", printed)
    assert token
    with httpx.Client(base_url=served.base_url, timeout=30) as http:
        admin = {"Authorization": f"Bearer {token[1]}"}
        assert http.get("/_opengauge/systems", headers=admin).status_code == 200
        assert http.get("/.well-known/jwks.json", headers=admin).status_code == 200
    printed = served.wait_for("GET /.well-known/jwks.json 200")
    showing = [line for line in printed.splitlines() if token[1] in line]
    assert showing == [f"control plane admin token: {token[1]}"]


class _StuckStream(io.StringIO):
    """A stream whose first write blocks until released, like a full pipe."""

    def __init__(self) -> None:
        super().__init__()
        self.writing = threading.Event()
        self.release = threading.Event()

    def write(self, text: str) -> int:
        self.writing.set()
        assert self.release.wait(timeout=30)
        return super().write(text)


def test_lines_past_the_queue_limit_are_dropped_and_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(logs, "QUEUE_LIMIT", 10)
    stream = _StuckStream()
    access = logs.AccessLog("text", stream)
    entry = Entry("GET", "/x", (), 0.0)
    access.start()
    try:
        access.write(entry)
        assert stream.writing.wait(timeout=30)  # the thread is stuck writing that line
        for _ in range(15):
            access.write(entry)
        assert access.dropped == 5
    finally:
        stream.release.set()
        access.stop()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 12
    assert lines[-1].endswith(
        "WARNING opengauge.access: 5 access log line(s) dropped: output too slow"
    )
