"""``PATCH /v5/user-manager/users/disable`` (spec section 10, reference §2.8): a connected app
disables a console user of its own system; Laravel's 204, 401, 404 and 422."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from opengauge.server.clock import Clock
from opengauge.server.storage.repositories import apps
from opengauge.server.storage.repositories.users import User
from opengauge.server.users import service
from tests.support import RunningServer, Tenant, create_tenant

PATH = "/v5/user-manager/users/disable"
#: The 404 as it is on the wire: each backslash of the class name JSON-escaped.
NOT_FOUND = rb'{"message":"No query results for model [Library\\Eloquent\\Master\\User]."}'
UNAUTHENTICATED = {"message": "Unauthenticated."}
PASSWORD = "correct horse battery"


def _user(email: str, **extra: Any) -> dict[str, Any]:
    return {"email": email, "name": "Ada Lovelace", "password": PASSWORD, **extra}


def _tenant(server: RunningServer, *emails: str) -> Tenant:
    users = [_user(email) for email in emails]
    return create_tenant(server, f"u-{uuid.uuid4().hex[:10]}", users=users)


def _email() -> str:
    return f"ada.{uuid.uuid4().hex[:12]}@example.com"


def _active(tenant: Tenant, email: str) -> bool:
    rows = tenant.server.rows(
        "SELECT active FROM console_users WHERE system_id = ? AND email = ?",
        (tenant.system_id, email.lower()),
    )
    assert len(rows) == 1, rows
    return bool(rows[0][0])


def _sessions(tenant: Tenant, email: str) -> int:
    rows = tenant.server.rows(
        "SELECT COUNT(*) FROM console_sessions c JOIN console_users u ON u.id = c.user_id"
        " WHERE u.system_id = ? AND u.email = ?",
        (tenant.system_id, email.lower()),
    )
    return int(rows[0][0])


def _signed_in(tenant: Tenant, email: str) -> None:
    """A console session for the user, stored as signing in stores it."""
    found: list[User] = tenant.server.db.run_sync(service.list_users(tenant.name))
    (user,) = [u for u in found if u.email == email.lower()]
    _, operation = service.start_session(user, Clock())
    tenant.server.db.run_sync(operation)


def _patch(tenant: Tenant, **kwargs: Any) -> httpx.Response:
    with tenant.client() as http:
        return http.patch(PATH, **kwargs)


def test_disabling_answers_204_with_no_body_and_ends_the_sessions(server: RunningServer) -> None:
    email, other = _email(), _email()
    tenant = _tenant(server, email, other)
    _signed_in(tenant, email)
    _signed_in(tenant, email)
    _signed_in(tenant, other)
    assert _sessions(tenant, email) == 2

    response = _patch(tenant, json={"email": email})

    assert response.status_code == 204
    assert response.content == b""
    assert not _active(tenant, email)
    assert _sessions(tenant, email) == 0
    assert _active(tenant, other)
    assert _sessions(tenant, other) == 1
    # Disabling a disabled user is no error: the user exists.
    assert _patch(tenant, json={"email": email}).status_code == 204


def test_a_form_body_works_too(server: RunningServer) -> None:
    email = _email()
    tenant = _tenant(server, email)
    response = _patch(tenant, data={"email": email})
    assert (response.status_code, response.content) == (204, b"")
    assert not _active(tenant, email)


@pytest.mark.parametrize("sent", [str.upper, str.title, lambda e: f"  {e.upper()} "])
def test_the_email_matches_whatever_its_case(server: RunningServer, sent: Any) -> None:
    email = _email()
    tenant = _tenant(server, email.upper())  # stored in lower case all the same
    response = _patch(tenant, json={"email": sent(email)})
    assert response.status_code == 204
    assert not _active(tenant, email)


def _assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.content == NOT_FOUND
    expected = r"No query results for model [Library\Eloquent\Master\User]."
    assert response.json() == {"message": expected}


def test_an_unknown_email_is_404(server: RunningServer) -> None:
    email = _email()
    tenant = _tenant(server, email)
    _assert_not_found(_patch(tenant, json={"email": _email()}))
    assert _active(tenant, email)


def test_a_user_of_another_system_is_404_and_stays_active(server: RunningServer) -> None:
    only_there, in_both = _email(), _email()
    ours = _tenant(server, in_both)
    theirs = _tenant(server, only_there, in_both)
    _signed_in(theirs, in_both)

    _assert_not_found(_patch(ours, json={"email": only_there}))
    assert _active(theirs, only_there)

    # The same address in both systems: only the token's own system's user is disabled.
    assert _patch(ours, json={"email": in_both}).status_code == 204
    assert not _active(ours, in_both)
    assert _active(theirs, in_both)
    assert _sessions(theirs, in_both) == 1


def test_without_a_valid_token_is_401(server: RunningServer) -> None:
    email = _email()
    tenant = _tenant(server, email)
    body = {"email": email}
    with server.client() as http:
        missing = http.patch(PATH, json=body)
        wrong = http.patch(PATH, json=body, headers={"Authorization": "Bearer not-a-token"})
        api_key = http.patch(
            PATH, json=body, headers={"Authorization": f"api_key {tenant.name}-api-key"}
        )
        other_region = http.patch(
            PATH,
            json=body,
            headers={
                "Authorization": f"Bearer {tenant.token()}",
                "Host": "api.us.customergauge.com",
            },
        )
        invalid_body = http.patch(PATH, json={}, headers={"Authorization": "Bearer x"})
    for response in (missing, wrong, api_key, other_region, invalid_body):
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED
    assert _active(tenant, email)


def test_a_revoked_app_is_401_whatever_the_body(server: RunningServer) -> None:
    email = _email()
    tenant = _tenant(server, email)
    with tenant.client() as http:
        server.db.run_sync(lambda tx: apps.set_active(tx, tenant.client_id, False))
        answers = [
            http.patch(PATH, json={"email": email}),
            http.patch(PATH, json={}),
            http.patch(PATH, json={"email": "not an address"}),
            http.patch(PATH, content=b"{", headers={"Content-Type": "application/json"}),
        ]
    for response in answers:
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED
    assert _active(tenant, email)


REQUIRED = {"email": ["The email field is required."]}
INVALID = {"email": ["The email must be a valid email address."]}


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"json": {}}, REQUIRED),
        ({"json": {"email": ""}}, REQUIRED),
        ({"json": {"email": "   "}}, REQUIRED),
        ({"json": {"email": None}}, REQUIRED),
        ({"json": {"mail": "ada@example.com"}}, REQUIRED),
        ({"json": ["ada@example.com"]}, REQUIRED),
        ({"data": {"email": ""}}, REQUIRED),
        ({}, REQUIRED),
        ({"json": {"email": "not-an-address"}}, INVALID),
        ({"json": {"email": "ada@@example.com"}}, INVALID),
        ({"json": {"email": 42}}, INVALID),
        ({"data": {"email": "ada at example.com"}}, INVALID),
    ],
)
def test_a_missing_or_invalid_email_is_422(
    server: RunningServer, kwargs: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    email = _email()
    tenant = _tenant(server, email)
    response = _patch(tenant, **kwargs)
    assert response.status_code == 422
    assert response.json() == {"message": "The given data was invalid.", "errors": errors}
    assert _active(tenant, email)


def test_only_patch_is_served(server: RunningServer) -> None:
    tenant = _tenant(server)
    with tenant.client() as http:
        response = http.post(PATH, json={"email": _email()})
    assert response.status_code == 405
    assert response.headers["allow"] == "PATCH"
