"""The request journal: bounded, attributed, and free of secrets and personal data."""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import tracemalloc
from pathlib import Path

import httpx

from opengauge.server import journal as journal_module
from tests.server.control.support import call, started, token
from tests.support import ACCOUNT_MAPPING, MULTI_MAPPING, Tenant, put_record


def _journal(admin: httpx.Client, tenant: Tenant) -> list[dict[str, object]]:
    response = admin.get(f"/_opengauge/systems/{tenant.name}/journal")
    assert response.status_code == 200
    entries: list[dict[str, object]] = response.json()["data"]
    return entries


def test_ten_thousand_requests_keep_the_last_hundred_in_flat_memory(tmp_path: Path) -> None:
    async def scenario() -> None:
        with started(f"sqlite:///{tmp_path / 'j.db'}", journal_size=100) as app:
            headers = {
                "authorization": f"Bearer {await token(app)}",
                "content-type": "application/json",
            }
            record = {"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "A"}}
            body = json.dumps(record).encode()

            async def burst(count: int) -> None:
                for _ in range(count):
                    status, _, _ = await call(app, "PUT", "/records/", body=body, headers=headers)
                    assert status == 200

            def journal_bytes() -> int:
                only = [tracemalloc.Filter(True, journal_module.__file__)]
                snapshot = tracemalloc.take_snapshot().filter_traces(only)
                return sum(stat.size for stat in snapshot.statistics("filename"))

            def live_entries() -> int:
                """Entries alive in the process that no other app's journal holds (the
                session's servers keep journals of their own), less those alive at start."""
                gc.collect()
                objects = gc.get_objects()
                held_elsewhere = {
                    id(entry)
                    for other in objects
                    if isinstance(other, journal_module.Journal) and other is not app.state.journal
                    for system in other.systems()
                    for entry in other.entries(system)
                }
                alive = sum(
                    isinstance(o, journal_module.Entry) and id(o) not in held_elsewhere
                    for o in objects
                )
                return alive - elsewhere

            elsewhere = 0
            elsewhere = live_entries() - len(app.state.journal)
            await burst(1_000)
            assert live_entries() == 100
            await burst(8_000)
            # Tracing slows every allocation down: trace the last thousand requests only.
            tracemalloc.start()
            try:
                await burst(500)
                at_9500 = journal_bytes()
                await burst(500)
                at_10k = journal_bytes()
            finally:
                tracemalloc.stop()
            assert live_entries() == 100
            kept = app.state.journal.entries(1)
            assert len(kept) == 100
            assert len(app.state.journal) == 100  # the token request was attributed too
            assert [e.id for e in kept] == list(range(10_002 - 100, 10_002))
            # A hundred entries' worth of memory, whether 9,500 or 10,000 requests went by.
            assert abs(at_10k - at_9500) < 4096
            assert at_10k < 100 * 1024

    asyncio.run(scenario())


def test_an_entry_says_who_called_and_which_keys_were_ignored(
    tenant: Tenant, admin: httpx.Client
) -> None:
    campaign = {"name": "all", "filters": []}
    assert (
        admin.post(f"/_opengauge/systems/{tenant.name}/campaigns", json=campaign).status_code == 201
    )
    with tenant.client() as http:
        record = {"Account Name": "ACME", "Colour": "red", "account name": "x"}
        assert put_record(http, ACCOUNT_MAPPING, record).status_code == 200
        link = http.put(
            "/personal-link/",
            json={"configuration": MULTI_MAPPING, "record": {"Email": "a@example.com", "Hat": 1}},
        )
    assert link.status_code == 200
    assert json.loads(link.headers["x-opengauge-ignored-fields"]) == ["Hat"]
    entries = _journal(admin, tenant)
    token_entry, records_entry, link_entry = entries[-3:]
    assert token_entry["path"] == "/oauth2/token"
    assert token_entry["caller"] == tenant.client_id
    assert records_entry["method"] == "PUT"
    assert records_entry["path"] == "/records/"
    assert records_entry["status"] == 200
    assert records_entry["system"] == tenant.name
    assert records_entry["caller"] == tenant.client_id
    assert records_entry["ignored_keys"] == ["Colour", "account name"]
    assert isinstance(records_entry["duration_ms"], float)
    assert str(records_entry["time"]).endswith("Z")
    assert link_entry["ignored_keys"] == ["Hat"]
    assert link_entry["status"] == 200


def test_a_rejected_record_still_reports_its_ignored_keys(
    tenant: Tenant, admin: httpx.Client
) -> None:
    with tenant.client() as http:
        # The classic silent drop: "email" is not the mapping's "Email".
        response = put_record(http, "survey", {"email": "a@example.com"})
    assert response.status_code == 422
    assert json.loads(response.headers["x-opengauge-ignored-fields"]) == ["email"]
    assert _journal(admin, tenant)[-1]["ignored_keys"] == ["email"]


def test_no_secret_reaches_the_journal(tenant: Tenant, admin: httpx.Client) -> None:
    api_key = f"{tenant.name}-api-key"
    basic = base64.b64encode(f"{tenant.client_id}:{tenant.client_secret}".encode()).decode()
    with tenant.server.client() as http:
        form = http.post("/oauth2/token", data=tenant.credentials())
        in_query = http.post("/oauth2/token", params=tenant.credentials())
        in_header = http.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        tokens = [r.json()["access_token"] for r in (form, in_query, in_header)]
        bearer = {"Authorization": f"Bearer {tokens[0]}"}
        record = {"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "A"}}
        assert http.put("/records/", json=record, headers=bearer).status_code == 200
        assert http.get("/v4.1/lists/bounce.json", headers=bearer).status_code == 200
        assert http.get("/v4.1/lists/bounce.json", params={"api_key": api_key}).status_code == 200
        assert http.get(f"/v4.1/lists/bounce.json&api_key={api_key}").status_code == 200
        api_header = {"Authorization": f"api_key {api_key}"}
        assert http.get("/v4.1/lists/bounce.json", headers=api_header).status_code == 200
        assert http.get("/v7/rest/sync/responses", headers=bearer).status_code == 200
        forged = {"Authorization": "Bearer x.y.z"}
        assert http.get("/v7/rest/sync/responses", headers=forged).status_code == 401
    text = admin.get("/_opengauge/journal").text
    signatures = [t.split(".")[2] for t in tokens]
    for secret in (tenant.client_secret, api_key, basic, *tokens, *signatures):
        assert secret not in text
    entries = _journal(admin, tenant)
    callers = [e["caller"] for e in entries[-8:]]
    assert callers.count("api_key") == 3
    by_query = [e for e in entries if e["params"] == ["api_key"]]
    assert len(by_query) == 2  # in the query string and after the path's "&"
    assert all(e["path"] == "/v4.1/lists/bounce.json" for e in by_query)


def test_after_anonymization_the_address_is_nowhere_in_the_journal(
    tenant: Tenant, admin: httpx.Client
) -> None:
    email = "joe.private@example.com"
    with tenant.client() as http:
        assert put_record(http, MULTI_MAPPING, {"Email": email, "Colour": "x"}).status_code == 200
        assert http.post("/v4.1/lists/unsubscribe.json", params={"email": email}).status_code == 200
        assert http.get("/v4.1/anonymize.json", params={"email": email}).status_code == 200
        assert http.post("/v4.1/anonymize.json", params={"email": email}).status_code == 200
        assert http.get(f"/v4.1/anonymize.json&email={email}").status_code == 200
    text = admin.get("/_opengauge/journal").text
    assert email not in text
    assert "joe.private" not in text
    assert any(e["params"] == ["email"] for e in _journal(admin, tenant))


def test_control_plane_requests_are_not_journaled(tenant: Tenant, admin: httpx.Client) -> None:
    admin.get("/_opengauge/systems")
    text = admin.get("/_opengauge/journal").text
    assert "/_opengauge" not in text


def test_the_journal_can_be_cleared(tenant: Tenant, admin: httpx.Client) -> None:
    tenant.token()
    assert _journal(admin, tenant)
    assert admin.delete(f"/_opengauge/systems/{tenant.name}/journal").status_code == 204
    assert _journal(admin, tenant) == []
    assert admin.get("/_opengauge/systems/nobody/journal").status_code == 404


def test_survey_codes_are_not_kept(tenant: Tenant, admin: httpx.Client) -> None:
    with tenant.server.client() as http:
        assert http.get("/r/SecretCode123").status_code == 404
        http.post("/r/SecretCode123/unsubscribe")
    everything = admin.get("/_opengauge/journal")
    assert everything.status_code == 200
    assert "SecretCode123" not in everything.text
    assert "/r/{code}" in everything.text
