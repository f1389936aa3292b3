"""PUT /personal-link/ (spec section 7, seed 002): checks, campaigns, duplication, atomicity."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from opengauge.server.clock import Clock
from tests.conftest import BACKENDS
from tests.support import (
    ACCOUNT_MAPPING,
    MULTI_MAPPING,
    OPENGAUGE,
    RunningServer,
    ServerProcesses,
    Tenant,
    access_token,
    clean_env,
    create_tenant,
    database_url,
    tenant_seed,
)

SUPPORT = {"field": "survey.touchpoint", "op": "is", "values": ["Support"]}
NO_CAMPAIGN = b'{"message":"Could not match any campaign filter."}'
SYSTEM_DUPLICATE = (
    b'{"message":"Record could not be imported because it duplicates with another record."}'
)
CAMPAIGN_DUPLICATE = (
    b'{"message":"Personal link record could not be created because it duplicates with'
    b' another record."}'
)


def _tenant(server: RunningServer, **extra: Any) -> Tenant:
    extra.setdefault("campaigns", [{"name": "Support links", "filters": [SUPPORT]}])
    return create_tenant(server, f"pl-{uuid.uuid4().hex[:10]}", **extra)


@pytest.fixture
def tenant(server: RunningServer) -> Tenant:
    return _tenant(server)


def _link(
    http: httpx.Client, record: dict[str, Any], mapping: str = MULTI_MAPPING
) -> httpx.Response:
    return http.put("/personal-link/", json={"configuration": mapping, "record": record})


def _link_now(tenant: Tenant, record: dict[str, Any]) -> httpx.Response:
    """One request with a token issued at the server's current (possibly moved) time."""
    with tenant.client() as http:
        return _link(http, record)


def _compact(text: str) -> bytes:
    return json.dumps(json.loads(text), separators=(",", ":")).encode()


# -- the documented examples (seed 002) ---------------------------------------------------


def test_seed_example_creates_a_link(tenant: Tenant) -> None:
    record = {
        "Account Name": "ACME",
        "First Name": "Joe",
        "Last Name": "Doe",
        "Email": "joe.doe@example.com",
        "Touchpoint": "Support",
    }
    with tenant.client() as http:
        response = _link(http, record)
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"number_customergauge", "survey_link", "survey_link_short"}
    base = tenant.server.app.settings.base_url  # links are built from the public URL
    code = data["survey_link"].removeprefix(base + "/r/")
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", code)
    assert data["survey_link_short"] == f"{base}/s/{code}"
    rows = tenant.server.rows(
        "SELECT id, delivery_vector, status, link_code, date_sent IS NOT NULL FROM survey_records"
        " WHERE system_id = ?",
        (tenant.system_id,),
    )
    assert rows == [(data["number_customergauge"], "Personal Link", "SENT", code, True)]


def test_form_body_works_too(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put(
            "/personal-link/",
            data={
                "configuration": MULTI_MAPPING,
                "record[Email]": "f@example.com",
                "record[Touchpoint]": "Support",
            },
        )
    assert response.status_code == 200


def test_seed_example_missing_configuration(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put("/personal-link/", json={"record": {"Email": "a@example.com"}})
    assert response.status_code == 422
    assert response.content == _compact(
        '{"message": "The given data was invalid.", "errors": {"configuration":'
        ' ["The configuration field is required."]}}'
    )


def test_seed_example_unknown_configuration(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = _link(http, {"Email": "a@example.com"}, mapping="nope")
    assert response.status_code == 404
    assert response.content == b'{"message":"The inbound mapping [nope] was not found."}'


def test_seed_example_wrong_data_type(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = _link(http, {"Account Name": "A"}, mapping=ACCOUNT_MAPPING)
    message = (
        f"The inbound mapping [{ACCOUNT_MAPPING}] data type is invalid, only 'Multi-Object' or"
        " 'Survey Data' are allowed."
    )
    assert response.status_code == 422
    assert response.content == _compact(
        json.dumps({"message": message, "errors": {"configuration": [message]}})
    )


@pytest.mark.parametrize("record", [None, {}, {"First Name": "Joe"}, "text"])
def test_seed_example_email_or_phone_missing(tenant: Tenant, record: Any) -> None:
    body: dict[str, Any] = {"configuration": MULTI_MAPPING}
    if record is not None:
        body["record"] = record
    with tenant.client() as http:
        response = http.put("/personal-link/", json=body)
    assert response.status_code == 422
    assert response.content == _compact(
        '{"message": "The Email field is required when Phone is not present. (and 1 more error)",'
        ' "errors": {"Email": ["The Email field is required when Phone is not present."],'
        ' "Phone": ["The Phone field is required when Email is not present."]}}'
    )


def test_seed_example_invalid_email(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = _link(http, {"Email": "joe@", "Touchpoint": "Support"})
    assert response.status_code == 422
    assert response.content == _compact(
        '{"message": "The Email must be a valid email address.",'
        ' "errors": {"Email": ["The Email must be a valid email address."]}}'
    )


def test_unknown_touchpoint_is_the_selected_message(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = _link(http, {"Email": "a@example.com", "Touchpoint": "Sales"})
    assert response.content == _compact(
        '{"message": "The selected Touchpoint is invalid.",'
        ' "errors": {"Touchpoint": ["The selected Touchpoint is invalid."]}}'
    )


def test_seed_example_no_campaign_matches(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = _link(http, {"Email": "a@example.com", "Touchpoint": "Onboarding"})
        no_touchpoint = _link(http, {"Email": "a@example.com"})
    assert response.status_code == no_touchpoint.status_code == 400
    assert response.content == no_touchpoint.content == NO_CAMPAIGN
    assert tenant.count("survey_records") == 0
    assert tenant.count("contacts") == 0


def test_a_revoked_or_missing_token_is_401_first(server: RunningServer) -> None:
    with server.client() as http:
        response = http.put("/personal-link/", json={})
    assert response.status_code == 401


# -- campaigns ----------------------------------------------------------------------------


def test_campaign_filters_is_is_not_and_several(server: RunningServer) -> None:
    tenant = _tenant(
        server,
        campaigns=[
            {"name": "inactive", "active": False, "filters": []},
            {
                "name": "support NL",
                "filters": [
                    SUPPORT,
                    {"field": "survey.division", "op": "is", "values": ["Netherlands"]},
                ],
            },
            {
                "name": "not support",
                "filters": [{"field": "survey.touchpoint", "op": "is_not", "values": ["Support"]}],
            },
        ],
    )
    with tenant.client() as http:
        nl = _link(
            http, {"Email": "a@example.com", "Touchpoint": "Support", "Division": "Netherlands"}
        )
        other = _link(http, {"Email": "b@example.com", "Touchpoint": "Onboarding"})
        absent = _link(http, {"Email": "c@example.com"})
        support_elsewhere = _link(http, {"Email": "d@example.com", "Touchpoint": "Support"})
    assert nl.status_code == other.status_code == absent.status_code == 200
    assert support_elsewhere.content == NO_CAMPAIGN
    rows = server.rows(
        "SELECT c.name FROM survey_records r JOIN campaigns c ON c.id = r.campaign_id"
        " WHERE r.system_id = ? ORDER BY r.id",
        (tenant.system_id,),
    )
    assert rows == [("support NL",), ("not support",), ("not support",)]


def test_segment_filters(server: RunningServer) -> None:
    tenant = _tenant(
        server,
        campaigns=[
            {
                "name": "widgets",
                "filters": [
                    {
                        "field": "survey.segment.Product",
                        "op": "is",
                        "values": ["Widgets", "Gadgets"],
                    }
                ],
            }
        ],
    )
    with tenant.client() as http:
        ok = _link(http, {"Email": "a@example.com", "Product": "Gadgets"})
        refused = _link(http, {"Email": "a@example.com", "Product": "Other"})
    assert ok.status_code == 200
    assert refused.content == NO_CAMPAIGN


# -- duplication --------------------------------------------------------------------------


def test_system_rule_refuses_within_its_interval(server: RunningServer, clock: Clock) -> None:
    tenant = _tenant(server, duplication_rule={"enabled": True, "days": 30, "fields": []})
    clock.frozen = float(int(time.time()))
    record = {"Email": "dup@example.com", "Touchpoint": "Support"}
    # A fresh client (and token) per call: the clock jumps by days.
    first = _link_now(tenant, record)
    clock.advance(29 * 86400)
    second = _link_now(tenant, {**record, "Email": "DUP@example.com"})
    other_contact = _link_now(tenant, {**record, "Email": "else@example.com"})
    clock.advance(86400 + 1)
    after = _link_now(tenant, record)
    assert first.status_code == 200
    assert second.status_code == 400
    assert second.content == SYSTEM_DUPLICATE
    assert other_contact.status_code == 200
    assert after.status_code == 200
    assert tenant.count("survey_records") == 3


def test_system_rule_fields_let_different_values_through(
    server: RunningServer, clock: Clock
) -> None:
    tenant = _tenant(
        server,
        duplication_rule={"enabled": True, "days": 30, "fields": ["survey.segment.Product"]},
    )
    with tenant.client() as http:
        a = _link(http, {"Email": "s@example.com", "Touchpoint": "Support", "Product": "A"})
        b = _link(http, {"Email": "s@example.com", "Touchpoint": "Support", "Product": "B"})
        a_again = _link(http, {"Email": "s@example.com", "Touchpoint": "Support", "Product": "A"})
    assert a.status_code == b.status_code == 200
    assert a_again.content == SYSTEM_DUPLICATE


def test_disabled_system_rule_allows_repeats(server: RunningServer) -> None:
    tenant = _tenant(server, duplication_rule={"enabled": False, "days": 30, "fields": []})
    with tenant.client() as http:
        statuses = [
            _link(http, {"Email": "r@example.com", "Touchpoint": "Support"}).status_code
            for _ in range(3)
        ]
    assert statuses == [200, 200, 200]


def test_campaign_interval(server: RunningServer, clock: Clock) -> None:
    tenant = _tenant(
        server,
        campaigns=[
            {"name": "support", "filters": [SUPPORT], "duplication_days": 7},
            {"name": "others", "filters": []},
        ],
    )
    clock.frozen = float(int(time.time()))
    first = _link_now(tenant, {"Email": "c@example.com", "Touchpoint": "Support"})
    clock.advance(6 * 86400)
    again = _link_now(tenant, {"Email": "c@example.com", "Touchpoint": "Support"})
    other_campaign = _link_now(tenant, {"Email": "c@example.com", "Touchpoint": "Onboarding"})
    clock.advance(86400 + 1)
    later = _link_now(tenant, {"Email": "c@example.com", "Touchpoint": "Support"})
    assert first.status_code == other_campaign.status_code == later.status_code == 200
    assert again.status_code == 400
    assert again.content == CAMPAIGN_DUPLICATE


def test_system_rule_wins_over_campaign_interval(server: RunningServer) -> None:
    tenant = _tenant(
        server,
        duplication_rule={"enabled": True, "days": 30, "fields": []},
        campaigns=[{"name": "support", "filters": [SUPPORT], "duplication_days": 7}],
    )
    with tenant.client() as http:
        _link(http, {"Email": "w@example.com", "Touchpoint": "Support"})
        again = _link(http, {"Email": "w@example.com", "Touchpoint": "Support"})
    assert again.content == SYSTEM_DUPLICATE


# -- atomic under concurrency -------------------------------------------------------------


async def _concurrent_links(
    base_url: str, token: str, body: dict[str, Any], n: int
) -> list[httpx.Response]:
    async with httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        limits=httpx.Limits(max_connections=n),
        timeout=60,
    ) as http:
        return await asyncio.gather(*(http.put("/personal-link/", json=body) for _ in range(n)))


@pytest.mark.parametrize("rule", ["system", "campaign"])
def test_identical_concurrent_requests_create_one_record(server: RunningServer, rule: str) -> None:
    if rule == "system":
        tenant = _tenant(server, duplication_rule={"enabled": True, "days": 30, "fields": []})
        refusal = SYSTEM_DUPLICATE
    else:
        tenant = _tenant(
            server, campaigns=[{"name": "s", "filters": [SUPPORT], "duplication_days": 30}]
        )
        refusal = CAMPAIGN_DUPLICATE
    body = {
        "configuration": MULTI_MAPPING,
        "record": {"Email": "race@example.com", "Touchpoint": "Support"},
    }
    responses = asyncio.run(_concurrent_links(server.base_url, tenant.token(), body, 40))
    assert sorted(r.status_code for r in responses) == [200] + [400] * 39
    assert {r.content for r in responses if r.status_code == 400} == {refusal}
    assert tenant.count("survey_records") == 1
    assert tenant.count("contacts") == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_server_processes_still_create_one_record(
    serve: ServerProcesses, tmp_path: Path, backend: str
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        json.dumps(
            tenant_seed(
                "procs",
                duplication_rule={"enabled": True, "days": 30, "fields": []},
                campaigns=[{"name": "s", "filters": [SUPPORT]}],
            )
        )
    )
    with database_url(backend, tmp_path) as url:
        first = serve("--seed", str(seed), "--database", url)
        second = serve("--database", url)
        body = {
            "configuration": MULTI_MAPPING,
            "record": {"Email": "two@example.com", "Touchpoint": "Support"},
        }
        token = access_token(first.base_url, "procs-client", "procs-secret")

        async def both() -> list[httpx.Response]:
            halves = await asyncio.gather(
                _concurrent_links(first.base_url, token, body, 20),
                _concurrent_links(second.base_url, token, body, 20),
            )
            return [r for half in halves for r in half]

        responses = asyncio.run(both())
        assert sorted(r.status_code for r in responses) == [200] + [400] * 39
        assert {r.content for r in responses if r.status_code == 400} == {SYSTEM_DUPLICATE}
        shown = subprocess.run(
            [*OPENGAUGE, "db", "show", "survey-records", "--database", url],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=60,
            check=True,
        )
        assert shown.stdout.strip().endswith("(1 row)")


def test_a_parent_account_loop_is_a_field_error_before_campaigns(server: RunningServer) -> None:
    tenant = create_tenant(
        server,
        f"loop-{uuid.uuid4().hex[:8]}",
        campaigns=[{"name": "support", "filters": [SUPPORT]}],
        mappings=[
            {
                "reference": "pl",
                "name": "PL",
                "data_type": "Multi-Object",
                "fields": {
                    "Email": "contact.email",
                    "Account Name": "account.name",
                    "Parent": "account.parent",
                    "Touchpoint": "survey.touchpoint",
                },
            }
        ],
    )
    with tenant.client() as http:
        response = _link(
            http, {"Email": "a@example.com", "Account Name": "X", "Parent": "X"}, mapping="pl"
        )
    assert response.status_code == 422
    assert response.content == _compact(
        '{"message": "The selected Parent is invalid.",'
        ' "errors": {"Parent": ["The selected Parent is invalid."]}}'
    )
