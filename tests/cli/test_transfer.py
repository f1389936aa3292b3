"""``opengauge import`` and ``opengauge export``, run as real processes against the server."""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from opengauge.client import Client
from tests.support import (
    ACCOUNT_MAPPING,
    MULTI_MAPPING,
    OPENGAUGE,
    RunningServer,
    Tenant,
    clean_env,
    create_tenant,
)

HEADER = ["Account Name", "Account Number"]

# The importer and exporter are HTTP clients: what they do does not depend on the server's
# database, whose behaviour under these same requests is tested on both backends elsewhere
# (and test_admin.py runs the CLI against PostgreSQL). SQLite only keeps the suite quick.
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def _env(tenant: Tenant) -> dict[str, str]:
    env = clean_env()
    env["OPENGAUGE_CLIENT_ID"] = tenant.client_id
    env["OPENGAUGE_CLIENT_SECRET"] = tenant.client_secret
    return env


def _command(tenant: Tenant, *args: str) -> list[str]:
    return [*OPENGAUGE, *args, "--base-url", tenant.server.base_url]


def _run(tenant: Tenant, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(tenant, *args),
        env=_env(tenant),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _write(path: Path, rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows([HEADER, *rows])
    return path


def _names(tenant: Tenant) -> list[str]:
    rows = tenant.server.rows("SELECT name FROM accounts WHERE system_id = ?", (tenant.system_id,))
    return sorted(str(r[0]) for r in rows)


def test_bad_rows_are_reported_and_the_rest_imported(tenant: Tenant, tmp_path: Path) -> None:
    bad = {5 + 270 * i for i in range(37)}
    rows = [[("x" * 129 if n in bad else "Account") + f" {n:05d}", str(n)] for n in range(10_000)]
    source = _write(tmp_path / "accounts.csv", rows)
    refused_path = tmp_path / "refused.csv"
    result = _run(
        tenant,
        "import",
        "records",
        str(source),
        "--configuration",
        ACCOUNT_MAPPING,
        "--errors",
        str(refused_path),
    )
    assert result.returncode == 1, result.stderr
    assert "9,963 imported, 37 refused" in result.stdout
    assert tenant.count("accounts") == 9_963
    with refused_path.open(encoding="utf-8", newline="") as handle:
        refused = list(csv.DictReader(handle))
    assert [r["Account Number"] for r in refused] == [str(n) for n in sorted(bad)]
    assert all(r["Account Name"] == rows[int(r["Account Number"])][0] for r in refused)
    for row in refused:
        assert row["error"].startswith("Account Name: "), row["error"]
        assert "128" in row["error"]


def test_semicolon_csv_with_bom(tenant: Tenant, tmp_path: Path) -> None:
    rows = [["Zoë & Co", "1"], ["Bäcker; GmbH", "2"], ["ACME", "3"]]
    source = _write(tmp_path / "semi.csv", rows, delimiter=";", bom=True)
    assert source.read_bytes().startswith(b"\xef\xbb\xbf")
    result = _run(tenant, "import", "records", str(source), "--configuration", ACCOUNT_MAPPING)
    assert result.returncode == 0, result.stderr
    assert "3 imported, 0 refused" in result.stdout
    assert _names(tenant) == sorted(r[0] for r in rows)


def test_interrupt_then_resume_with_skip(tenant: Tenant, tmp_path: Path) -> None:
    total = 2_000
    rows = [[f"Resume {n:05d}", str(n)] for n in range(total)]
    source = _write(tmp_path / "big.csv", rows)
    args = ["import", "records", str(source), "--configuration", ACCOUNT_MAPPING]
    process = subprocess.Popen(
        [*_command(tenant, *args), "--concurrency", "2"],
        env=_env(tenant),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while tenant.count("accounts") < 100 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    # 130 = interrupted; the import cannot have finished 2,000 rows at this point.
    assert process.returncode == 130, (stdout, stderr)
    match = re.search(r"resume with: (opengauge .*--skip (\d+))$", stderr, re.MULTILINE)
    assert match, stderr
    skip = int(match.group(2))
    assert 100 <= skip < total
    # Every row before the resume point is in; in-flight requests finished before exit.
    assert _names(tenant)[:skip] == [r[0] for r in rows[:skip]]
    assert "--base-url" in match.group(1)

    resumed = _run(tenant, *args, "--skip", str(skip))
    assert resumed.returncode == 0, resumed.stderr
    assert f"{total - skip:,} imported, 0 refused" in resumed.stdout
    assert _names(tenant) == [r[0] for r in rows]  # all there, none twice


def test_personal_links_written_next_to_each_row(server: RunningServer, tmp_path: Path) -> None:
    tenant = create_tenant(
        server, f"l-{uuid.uuid4().hex[:10]}", campaigns=[{"name": "all", "filters": []}]
    )
    source = tmp_path / "people.csv"
    source.write_text(
        "Email,Touchpoint\na@example.com,Support\nb@example.com,Support\nnot-an-address,Support\n",
        encoding="utf-8",
    )
    out = tmp_path / "links.csv"
    result = _run(
        tenant,
        "import",
        "personal-links",
        str(source),
        "--configuration",
        MULTI_MAPPING,
        "--out",
        str(out),
    )
    assert result.returncode == 1, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        links = list(csv.DictReader(handle))
    assert [r["Email"] for r in links] == ["a@example.com", "b@example.com"]
    assert all(r["survey_link"].startswith("http") for r in links)
    refused = (tmp_path / "people.refused.csv").read_text(encoding="utf-8")
    assert "not-an-address" in refused
    assert "Email:" in refused


def test_export_to_jsonl_and_csv_resumes_by_cursor(tenant: Tenant, tmp_path: Path) -> None:
    with Client(
        base_url=tenant.server.base_url,
        client_id=tenant.client_id,
        client_secret=tenant.client_secret,
    ) as client:
        for n in range(5):
            record = {"Email": f"r{n}@example.com", "NPS": n, "Comment": f"c{n}"}
            client.records.put("external", record | {"Responded": f"2024-06-0{n + 1} 10:00:00"})
    jsonl = tmp_path / "responses.jsonl"
    result = _run(tenant, "export", "responses", "--out", str(jsonl), "--per-page", "2")
    assert result.returncode == 0, result.stderr
    exported = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert [r["nps"] for r in exported] == [0, 1, 2, 3, 4]
    match = re.search(r"--since-cursor (\d+)", result.stdout)
    assert match
    assert int(match.group(1)) == exported[-1]["number_customergauge"]

    as_csv = tmp_path / "responses.csv"
    since = str(exported[1]["number_customergauge"])
    result = _run(tenant, "export", "responses", "--out", str(as_csv), "--since-cursor", since)
    assert result.returncode == 0, result.stderr
    with as_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["comment"] for r in rows] == ["c2", "c3", "c4"]
    assert "3 records written" in result.stdout


def test_accounts_then_contracts_with_their_answers(tenant: Tenant, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "reference,number,parent\nACME,A-1,\nACME Benelux,A-2,ACME\n,A-3,\n", encoding="utf-8"
    )
    accounts_out = tmp_path / "accounts.out.csv"
    result = _run(tenant, "import", "accounts", str(accounts), "--out", str(accounts_out))
    assert result.returncode == 1, result.stderr
    assert "2 imported, 1 refused" in result.stdout
    assert _names(tenant) == ["ACME", "ACME Benelux"]
    with accounts_out.open(encoding="utf-8", newline="") as handle:
        assert [(r["reference"], r["result"]) for r in csv.DictReader(handle)] == [
            ("ACME", "created"),
            ("ACME Benelux", "created"),
        ]
    refused = (tmp_path / "accounts.refused.csv").read_text(encoding="utf-8")
    assert "reference: reference is required." in refused

    contracts = tmp_path / "contracts.csv"
    contracts.write_text(
        "account;start;end;reference\n"
        "ACME;2024-01-01;2024-12-31;C-1\n"
        "ACME Benelux;2024-02-01;;\n"
        "Nobody;2024-01-01;;\n",
        encoding="utf-8",
    )
    contracts_out = tmp_path / "contracts.out.csv"
    result = _run(tenant, "import", "contracts", str(contracts), "--out", str(contracts_out))
    assert result.returncode == 1, result.stderr
    assert "2 imported, 1 refused" in result.stdout
    with contracts_out.open(encoding="utf-8", newline="") as handle:
        answered = list(csv.DictReader(handle))
    assert [r["account"] for r in answered] == ["ACME", "ACME Benelux"]
    assert answered[0]["contract_reference"] == "C-1"
    assert answered[1]["contract_reference"]  # generated by the server
    refused = (tmp_path / "contracts.refused.csv").read_text(encoding="utf-8")
    assert "account: The selected account is invalid." in refused


def test_fixed_schema_header_is_checked_before_sending(tenant: Tenant, tmp_path: Path) -> None:
    source = tmp_path / "contracts.csv"
    source.write_text("account,begin\nACME,2024-01-01\n", encoding="utf-8")
    result = _run(tenant, "import", "contracts", str(source))
    assert result.returncode == 2
    assert "missing column(s) start; unknown column(s) begin" in result.stderr
    assert tenant.count("contracts") == 0


def test_a_short_row_is_refused_with_the_servers_message(tenant: Tenant, tmp_path: Path) -> None:
    source = tmp_path / "accounts.csv"
    source.write_text("number,reference\n1,ACME\n2\n", encoding="utf-8")
    result = _run(tenant, "import", "accounts", str(source))
    assert result.returncode == 1, result.stderr
    assert "1 imported, 1 refused" in result.stdout
    refused = (tmp_path / "accounts.refused.csv").read_text(encoding="utf-8")
    assert "reference: reference is required." in refused


def _fault(tenant: Tenant, rule: dict[str, object]) -> httpx.Client:
    token = tenant.server.app.admin_token
    admin = tenant.server.client(headers={"Authorization": f"Bearer {token}"})
    assert admin.post("/_opengauge/faults", json=rule).status_code == 201
    return admin


def test_a_server_that_keeps_failing_stops_the_import_with_a_resume_point(
    tenant: Tenant, tmp_path: Path
) -> None:
    rows = [[f"Down {n:03d}", str(n)] for n in range(40)]
    source = _write(tmp_path / "down.csv", rows)
    admin = _fault(tenant, {"path": "/records*", "status": 503})
    try:
        result = _run(
            tenant, "import", "records", str(source), "--configuration", ACCOUNT_MAPPING,
            "--max-retries", "0",
        )  # fmt: skip
    finally:
        admin.delete("/_opengauge/faults")
        admin.close()
    assert result.returncode == 2, result.stderr
    assert "0 imported, 0 refused" in result.stdout  # not the rows' fault: none refused
    assert "stopped: 503" in result.stderr
    assert "--skip 0" in result.stderr
    assert not (tmp_path / "down.refused.csv").exists()


def test_a_failed_export_prints_where_to_resume(tenant: Tenant, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text('{"number_customergauge": 7}\n', encoding="utf-8")
    admin = _fault(tenant, {"path": "/v7/rest/sync/*", "status": 503})
    try:
        result = _run(
            tenant, "export", "responses", "--out", str(out), "--since-cursor", "7",
            "--max-retries", "0",
        )  # fmt: skip
    finally:
        admin.delete("/_opengauge/faults")
        admin.close()
    assert result.returncode == 2
    assert "export stopped: 503" in result.stderr
    assert re.search(r"resume with: opengauge export responses .*--since-cursor 7", result.stderr)
    assert "--since-cursor 7 --max-retries" not in result.stderr  # the old value is replaced
    assert out.read_text(encoding="utf-8") == '{"number_customergauge": 7}\n'  # kept, appended
