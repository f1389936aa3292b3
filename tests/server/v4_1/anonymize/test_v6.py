"""``POST /v6/system-admin/data-admin/contacts/anonymize``: Bearer, JSON ``email`` or ``phone``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.v4_1.anonymize.support import add_person, new_person, traces
from tests.support import Tenant

PATH = "/v6/system-admin/data-admin/contacts/anonymize"
REQUIRED = {
    "message": "The given data was invalid.",
    "errors": {
        "email": ["The email field is required when phone is not present."],
        "phone": ["The phone field is required when email is not present."],
    },
}


def _post(tenant: Tenant, body: Any) -> Any:
    with tenant.client() as http:
        return http.post(PATH, json=body)


def test_anonymize_by_email(tenant: Tenant) -> None:
    person = new_person()
    add_person(tenant, person)
    response = _post(tenant, {"email": person.email.upper()})
    assert response.status_code == 200
    assert response.json() == {"data": {"count": 2}}
    assert traces(tenant.server, person) == []
    assert _post(tenant, {"email": person.email}).json() == {"data": {"count": 0}}


@pytest.mark.parametrize("name", ["phone", "telephone"])
def test_anonymize_by_phone_or_telephone(tenant: Tenant, name: str) -> None:
    person = new_person()
    add_person(tenant, person)
    response = _post(tenant, {name: int(person.digits)})
    assert response.json() == {"data": {"count": 2}}
    assert traces(tenant.server, person) == []


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, REQUIRED["errors"]),
        ({"email": " ", "phone": None}, REQUIRED["errors"]),
        ([1, 2], REQUIRED["errors"]),
        ({"email": "not-an-address"}, {"email": ["The email must be a valid email address."]}),
        ({"phone": "call me"}, {"phone": ["The phone format is invalid."]}),
        ({"telephone": ["1"]}, {"telephone": ["The telephone must be a string."]}),
    ],
)
def test_invalid_body_is_422_and_writes_nothing(
    tenant: Tenant, body: Any, errors: dict[str, list[str]]
) -> None:
    person = new_person()
    add_person(tenant, person)
    before = tenant.server.snapshot()
    response = _post(tenant, body)
    assert response.status_code == 422
    assert response.json() == {"message": "The given data was invalid.", "errors": errors}
    assert tenant.server.snapshot() == before


def test_without_a_valid_token_is_401(tenant: Tenant) -> None:
    person = new_person()
    add_person(tenant, person)
    with tenant.server.client() as http:
        missing = http.post(PATH, json={"email": person.email})
        wrong = http.post(PATH, json={}, headers={"Authorization": "Bearer not-a-token"})
        api_key = http.post(
            PATH,
            json={"email": person.email},
            headers={"Authorization": f"api_key {tenant.name}-api-key"},
        )
    for response in (missing, wrong, api_key):
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthenticated."}
    assert traces(tenant.server, person) != []
