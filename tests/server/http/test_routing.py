"""Unknown paths, wrong methods, hosts and oversize bodies (spec sections 1 and 3)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opengauge.server.http.hosts import region_of_host
from tests.support import RunningServer, Tenant


@pytest.mark.parametrize("path", ["/", "/nope", "/records/extra", "/v9/whatever"])
def test_unknown_path_is_json_404(server: RunningServer, path: str) -> None:
    with server.client() as http:
        for method in ("GET", "PUT", "POST", "DELETE"):
            response = http.request(method, path)
            assert response.status_code == 404
            assert response.content == b'{"message":"Not found."}'
            assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "path",
    [
        "/records/",
        "/records",
        "/accounts",
        "/accounts/",
        "/contracts",
        "/contracts/",
        "/activities/",
        "/activities",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PATCH"])
def test_wrong_method_on_imports_is_405(server: RunningServer, path: str, method: str) -> None:
    with server.client() as http:
        response = http.request(method, path)
    assert response.status_code == 405
    assert response.content == b'{"message":"Method not allowed."}'
    assert response.headers["allow"] == "PUT"


def test_wrong_method_on_token_endpoint_is_405(server: RunningServer) -> None:
    with server.client() as http:
        response = http.get("/oauth2/token")
    assert response.status_code == 405
    assert response.json() == {"message": "Method not allowed."}


def test_paths_with_and_without_trailing_slash_both_work(tenant: Tenant) -> None:
    with tenant.client() as http:
        first = http.put("/activities", json={})
        second = http.put("/activities/", json={})
    assert first.status_code == second.status_code == 422
    assert first.content == second.content


def test_oversized_body_is_413_and_writes_nothing(tenant: Tenant) -> None:
    limit = tenant.server.app.settings.max_body_bytes
    before = tenant.server.snapshot()
    body = b'{"configuration":"x","record":{"Account Name":"' + b"a" * limit + b'"}}'
    with tenant.client() as http:
        response = http.put("/records/", content=body, headers={"Content-Type": "application/json"})
        token = http.post("/oauth2/token", content=b"grant_type=" + b"x" * limit)
    assert response.status_code == 413
    assert response.content == b'{"message":"Payload too large."}'
    assert token.status_code == 413
    assert tenant.server.snapshot() == before


def test_oversized_chunked_body_is_413(tenant: Tenant) -> None:
    limit = tenant.server.app.settings.max_body_bytes

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // 65536 + 2):
            yield b"a" * 65536

    with tenant.client() as http:
        response = http.put("/accounts", content=chunks())
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("host", "region"),
    [
        ("auth.EU.customergauge.com", "eu"),
        ("imports.api.us.customergauge.com", "us"),
        ("api.au.customergauge.com:443", "au"),
        ("survey.au.example.org", "au"),
        ("localhost:8080", "eu"),
        ("eu.customergauge.com", "eu"),
        ("us.example", "eu"),
        ("127.0.0.1:8080", "eu"),
        ("[::1]:8080", "eu"),
        (None, "eu"),
    ],
)
def test_region_of_host(host: str | None, region: str) -> None:
    assert region_of_host(host, "eu") == region


def test_region_label_first_or_last_does_not_count() -> None:
    assert region_of_host("us.example.com", "au") == "au"
    assert region_of_host("example.com.us", "au") == "au"


def test_wrong_method_on_a_path_of_several_routes_lists_them_all(server: RunningServer) -> None:
    # Regression: each control-plane method is its own route; Allow named only the first.
    admin = {"Authorization": f"Bearer {server.app.admin_token}"}
    with server.client(headers=admin) as http:
        response = http.put("/_opengauge/clock")
    assert response.status_code == 405
    assert response.content == b'{"message":"Method not allowed."}'
    assert response.headers["allow"] == "GET, HEAD, POST, DELETE"
