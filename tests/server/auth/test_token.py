"""POST /oauth2/token, bearer checks, expiry, revocation and regions (spec section 2)."""

from __future__ import annotations

import base64
import statistics
import time

import jwt
import pytest

from opengauge.server.clock import Clock
from opengauge.server.storage.repositories import apps
from tests.support import ACCOUNT_MAPPING, RunningServer, Tenant, create_tenant

GRANT = "client_credentials"


def _form(tenant: Tenant, **overrides: str) -> dict[str, str]:
    form = tenant.credentials()
    form.update(overrides)
    return {k: v for k, v in form.items() if v}


def test_token_from_form_body(tenant: Tenant) -> None:
    with tenant.server.client() as http:
        response = http.post("/oauth2/token", data=_form(tenant))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["expires_in"] == 3600
    assert body["token_type"] == "Bearer"
    assert response.headers["cache-control"] == "no-store"


def test_token_is_rs256_jwt_verifiable_with_jwks(tenant: Tenant) -> None:
    with tenant.server.client() as http:
        token = http.post("/oauth2/token", data=_form(tenant)).json()["access_token"]
        keys = http.get("/.well-known/jwks.json").json()["keys"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    (jwk,) = [k for k in keys if k["kid"] == header["kid"]]
    public = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    claims = jwt.decode(token, public, algorithms=["RS256"])  # type: ignore[arg-type]
    assert claims["sub"] == claims["client_id"] == tenant.client_id
    assert claims["token_use"] == "access"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["system_id"] == tenant.system_id
    assert claims["jti"]
    assert claims["iss"].startswith("http://")


def test_token_from_query_string_on_empty_post(tenant: Tenant) -> None:
    # What the viadot client does: form fields in the query string, empty body.
    with tenant.server.client() as http:
        response = http.post(
            "/oauth2/token",
            params=_form(tenant),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 200
    assert response.json()["access_token"]


def test_token_from_basic_header(tenant: Tenant) -> None:
    basic = base64.b64encode(f"{tenant.client_id}:{tenant.client_secret}".encode()).decode()
    with tenant.server.client() as http:
        response = http.post(
            "/oauth2/token", data={"grant_type": GRANT}, headers={"Authorization": f"Basic {basic}"}
        )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": ""}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"client_secret": ""}, "invalid_request"),
        ({"client_id": ""}, "invalid_request"),
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "nobody"}, "invalid_client"),
    ],
)
def test_token_errors_are_cognito_style(tenant: Tenant, form: dict[str, str], error: str) -> None:
    with tenant.server.client() as http:
        response = http.post("/oauth2/token", data=_form(tenant, **form))
    assert response.status_code == 400
    assert response.content == b'{"error":"' + error.encode() + b'"}'


def test_token_with_malformed_basic_header_is_invalid_request(tenant: Tenant) -> None:
    with tenant.server.client() as http:
        response = http.post(
            "/oauth2/token", data={"grant_type": GRANT}, headers={"Authorization": "Basic !!!"}
        )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}


def test_wrong_region_host_is_invalid_client(tenant: Tenant) -> None:
    with tenant.server.client() as http:
        eu = http.post(
            "/oauth2/token", data=_form(tenant), headers={"Host": "auth.EU.customergauge.com"}
        )
        us = http.post(
            "/oauth2/token", data=_form(tenant), headers={"Host": "auth.us.customergauge.com"}
        )
    assert eu.status_code == 200
    assert us.status_code == 400
    assert us.json() == {"error": "invalid_client"}


def test_token_for_other_region_is_rejected_on_bearer_use(tenant: Tenant) -> None:
    with tenant.client() as http:
        body = {"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "ACME"}}
        ok = http.put("/records/", json=body, headers={"Host": "imports.api.eu.customergauge.com"})
        wrong = http.put(
            "/records/", json=body, headers={"Host": "imports.api.au.customergauge.com"}
        )
    assert ok.status_code == 200
    assert wrong.status_code == 401
    assert wrong.content == b'{"message":"Unauthenticated."}'


def test_us_system_gets_tokens_on_us_host_only(server: RunningServer) -> None:
    import uuid

    us = create_tenant(server, f"us-{uuid.uuid4().hex[:8]}", region="us")
    with server.client() as http:
        form = _form(us)
        assert http.post("/oauth2/token", data=form).status_code == 400  # localhost -> eu
        good = http.post("/oauth2/token", data=form, headers={"Host": "auth.us.customergauge.com"})
    assert good.status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "bearer x.y.z", "Bearer not-a-jwt", "Token abc", "Basic Zm9vOmJhcg=="],
)
def test_missing_or_bad_bearer_is_401(tenant: Tenant, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with tenant.server.client() as http:
        for path in ("/records/", "/accounts", "/contracts", "/activities/"):
            response = http.put(path, json={}, headers=headers)
            assert response.status_code == 401
            assert response.content == b'{"message":"Unauthenticated."}'


def test_token_signed_by_someone_else_is_401(tenant: Tenant) -> None:
    from opengauge.server.tokens import new_signing_key

    kid, pem = new_signing_key()
    forged = jwt.encode(
        {"client_id": tenant.client_id, "system_id": tenant.system_id, "exp": 2**40},
        pem,
        algorithm="RS256",
        headers={"kid": kid},
    )
    with tenant.server.client() as http:
        response = http.put("/accounts", json={}, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_token_expires_after_an_hour(tenant: Tenant, clock: Clock) -> None:
    body = {"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "Clockwork"}}
    # Freeze on a whole second: tokens carry whole seconds, so the edges are exact.
    clock.frozen = float(int(time.time()))
    with tenant.client() as http:
        assert http.put("/records/", json=body).status_code == 200
        clock.advance(3599)
        assert http.put("/records/", json=body).status_code == 200
        clock.advance(1)
        expired = http.put("/records/", json=body)
    assert expired.status_code == 401
    assert expired.json() == {"message": "Unauthenticated."}


def test_deactivating_the_app_revokes_its_tokens_at_once(tenant: Tenant) -> None:
    body = {"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "Revoked"}}
    db = tenant.server.db
    with tenant.client() as http:
        assert http.put("/records/", json=body).status_code == 200
        db.run_sync(lambda tx: apps.set_active(tx, tenant.client_id, False))
        before = tenant.server.snapshot()
        response = http.put("/records/", json=body)
        assert response.status_code == 401
        assert tenant.server.snapshot() == before
        with tenant.server.client() as plain:
            again = plain.post("/oauth2/token", data=_form(tenant))
        assert again.json() == {"error": "invalid_client"}
        db.run_sync(lambda tx: apps.set_active(tx, tenant.client_id, True))
        assert http.put("/records/", json=body).status_code == 200


def test_deleting_the_app_revokes_its_tokens(tenant: Tenant) -> None:
    with tenant.client() as http:
        tenant.server.db.run_sync(lambda tx: apps.delete(tx, tenant.client_id))
        response = http.put("/accounts", json={"reference": "x"})
    assert response.status_code == 401


def test_refusals_take_as_long_whether_or_not_the_client_id_exists(tenant: Tenant) -> None:
    """An unknown client id must not answer faster than a known one with a wrong secret."""
    wrong_secret = {**_form(tenant), "client_secret": "not-the-secret"}
    unknown_id = {**_form(tenant), "client_id": f"nobody-{tenant.name}"}
    us_host = {"Host": "auth.us.customergauge.com"}
    timings: dict[str, list[float]] = {"wrong secret": [], "unknown id": [], "other region": []}
    with tenant.server.client() as http:
        for _ in range(10):  # interleaved, so load on the machine hits every kind alike
            for kind, form, headers in (
                ("wrong secret", wrong_secret, {}),
                ("unknown id", unknown_id, {}),
                ("other region", _form(tenant), us_host),
            ):
                started = time.perf_counter()
                response = http.post("/oauth2/token", data=form, headers=headers)
                timings[kind].append(time.perf_counter() - started)
                assert response.json() == {"error": "invalid_client"}
    medians = {kind: statistics.median(values) for kind, values in timings.items()}
    print({kind: f"{seconds * 1000:.1f} ms" for kind, seconds in medians.items()})
    assert medians["unknown id"] >= 0.5 * medians["wrong secret"]
    assert medians["other region"] >= 0.5 * medians["wrong secret"]
