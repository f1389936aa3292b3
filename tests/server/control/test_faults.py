"""Fault injection: statuses in each family's format, latency, probability and count."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from opengauge.client import Client, set_testing
from tests.server.control.support import call, started
from tests.support import ACCOUNT_MAPPING, RunningServer, Tenant, put_record

JWKS = "/.well-known/jwks.json"


@pytest.fixture
def no_retry_sleep() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def add_fault(admin: httpx.Client, **rule: Any) -> dict[str, Any]:
    response = admin.post("/_opengauge/faults", json=rule)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()["data"]
    return created


@pytest.mark.usefixtures("no_retry_sleep")
def test_a_429_with_retry_after_makes_the_sdk_retry_and_succeed(
    tenant: Tenant, admin: httpx.Client
) -> None:
    rule = add_fault(admin, path="/records*", methods=["PUT"], status=429, retry_after=1, count=1)
    with Client(
        base_url=tenant.server.base_url,
        client_id=tenant.client_id,
        client_secret=tenant.client_secret,
    ) as client:
        client.records.put(ACCOUNT_MAPPING, {"Account Name": "Retried"})
    assert tenant.count("accounts") == 1
    entries = admin.get("/_opengauge/journal").json()["data"]
    faulted = [e for e in entries if e["fault"] == rule["id"]]
    assert [(e["method"], e["path"], e["status"]) for e in faulted] == [("PUT", "/records/", 429)]
    assert admin.get("/_opengauge/faults").json()["data"] == []  # used up


def test_fault_bodies_speak_each_familys_format(tenant: Tenant, admin: httpx.Client) -> None:
    add_fault(admin, path="/records/", status=429, retry_after=7)
    add_fault(admin, path="/v4.1/*", status=503)
    with tenant.client() as http:
        limited = put_record(http, ACCOUNT_MAPPING, {"Account Name": "A"})
        as_json = http.get("/v4.1/lists/bounce.json")
        as_xml = http.get("/v4.1/lists/bounce.xml")
    assert limited.status_code == 429
    assert limited.json() == {"message": "Too Many Attempts."}
    assert limited.headers["retry-after"] == "7"
    assert as_json.status_code == 503
    assert as_json.json() == {"Error": {"Message": "Service Unavailable", "Code": 503}}
    assert as_json.headers["retry-after"] == "1"
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert "<Error><Message>Service Unavailable</Message><Code>503</Code></Error>" in as_xml.text
    assert tenant.count("accounts") == 0


def test_latency_is_added(server: RunningServer, admin: httpx.Client) -> None:
    add_fault(admin, path=JWKS, methods=["GET"], latency_ms=150)
    with server.client() as http:
        started_at = time.perf_counter()
        response = http.get(JWKS)
        elapsed = time.perf_counter() - started_at
    assert response.status_code == 200  # latency only: the request then goes on
    assert elapsed >= 0.15


def test_a_count_expires_the_rule_and_methods_narrow_it(
    server: RunningServer, admin: httpx.Client
) -> None:
    add_fault(admin, path=JWKS, methods=["POST"], status=500)
    rule = add_fault(admin, path="/.well-known/*", status=500, count=2)
    with server.client() as http:
        statuses = [http.get(JWKS).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    remaining = admin.get("/_opengauge/faults").json()["data"]
    assert [r["methods"] for r in remaining] == [["POST"]]
    assert rule["id"] not in [r["id"] for r in remaining]
    assert admin.delete(f"/_opengauge/faults/{remaining[0]['id']}").status_code == 204
    assert admin.delete("/_opengauge/faults/f999").status_code == 404


def test_probability_half_over_a_thousand_requests_is_near_half_and_repeatable(
    tmp_path: Path,
) -> None:
    async def failures(app: Any, seed: int) -> list[int]:
        app.state.faults.clear()
        app.state.faults.add(JWKS, status=503, probability=0.5, seed=seed)
        return [(await call(app, "GET", JWKS))[0] for _ in range(1_000)]

    async def scenario() -> None:
        with started(f"sqlite:///{tmp_path / 'p.db'}") as app:
            first = await failures(app, 42)
            again = await failures(app, 42)
            other = await failures(app, 7)
        assert set(first) == {200, 503}
        assert 430 <= first.count(503) <= 570
        assert first == again
        assert first != other

    asyncio.run(scenario())


def test_the_control_plane_is_never_faulted(server: RunningServer, admin: httpx.Client) -> None:
    add_fault(admin, path="*", status=500)
    assert admin.get("/_opengauge/faults").status_code == 200
    refused = admin.post("/_opengauge/faults", json={"path": "/_opengauge/*", "status": 500})
    assert refused.status_code == 422
    assert "path" in refused.json()["errors"]
    with server.client() as http:
        assert http.get("/anything").status_code == 500
    assert admin.delete("/_opengauge/faults").status_code == 204
    with server.client() as http:
        assert http.get("/anything").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"path": "/x", "status": 200}, "status"),
        ({"path": "/x", "status": 499}, "status"),
        ({"path": "/x"}, "status"),
        ({"path": "/x", "status": 500, "probability": 1.5}, "probability"),
        ({"path": "/x", "latency_ms": -1}, "latency_ms"),
        ({"path": "/x", "status": 500, "count": 0}, "count"),
        ({"path": "/x", "status": 500, "retry_after": -1}, "retry_after"),
        ({"path": "/x", "status": 500, "methods": ["G T"]}, "methods"),
        ({"path": "x", "status": 500}, "path"),
        ({"status": 500}, "path"),
        ({"path": "/x", "status": "500"}, "status"),
        ({"path": "/x", "status": 500, "colour": 1}, "colour"),
    ],
)
def test_bad_rules_are_a_422_naming_the_field(
    admin: httpx.Client, body: dict[str, Any], field: str
) -> None:
    response = admin.post("/_opengauge/faults", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]


def test_a_rule_body_that_is_not_an_object_is_refused(admin: httpx.Client) -> None:
    assert admin.post("/_opengauge/faults", content=b"{nope").status_code == 400
    assert admin.post("/_opengauge/faults", json=[1]).status_code == 422
