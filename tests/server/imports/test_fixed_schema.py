"""PUT /accounts (seed 001), PUT /contracts (seed 003) and PUT /activities/ (spec section 5)."""

from __future__ import annotations

import re

import pytest

from tests.support import Tenant, put_record

# -- accounts -----------------------------------------------------------------------------

SEED_001_BODY = (
    '{"reference":"ACME Industries","number":"123","manager":"John Doe",'
    '"parent":"ACME Group","region":"EMEA"}'
)


def test_seed_001_create_is_201_then_update_is_200(tenant: Tenant) -> None:
    with tenant.client() as http:
        created = http.put("/accounts", content=SEED_001_BODY)
        updated = http.put("/accounts", content=SEED_001_BODY.replace("123", "456"))
    assert created.status_code == 201
    assert created.content == b"{}"
    assert updated.status_code == 200
    assert updated.content == b"{}"
    rows = tenant.server.rows(
        "SELECT a.name, a.number, a.manager, a.region, p.name FROM accounts a"
        " LEFT JOIN accounts p ON p.id = a.parent_id WHERE a.system_id = ? ORDER BY a.id",
        (tenant.system_id,),
    )
    assert rows == [
        ("ACME Group", None, None, None, None),
        ("ACME Industries", "456", "John Doe", "EMEA", "ACME Group"),
    ]


def test_seed_001_failure_body_is_exact(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put("/accounts", json={"number": "123"})
    assert response.status_code == 422
    assert response.content == (
        b'{"message":"The given data was invalid.",'
        b'"errors":{"reference":["reference is required."]}}'
    )


def test_seed_001_curl_example_with_its_broken_json_gets_a_clear_400(tenant: Tenant) -> None:
    # The documented curl example is missing a quote after "John Doe".
    broken = (
        '{"reference":"ACME Industries","number":"123","manager":"John Doe,"parent":"ACME Group",'
        '"region":"EMEA"}'
    )
    with tenant.client() as http:
        response = http.put("/accounts", content=broken)
    assert response.status_code == 400
    assert response.content == b'{"message":"Malformed JSON body."}'
    assert tenant.count("accounts") == 0


def test_account_field_limits(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put(
            "/accounts",
            json={"reference": "r" * 129, "number": "n" * 256, "region": ["EMEA"]},
        )
    assert response.json()["errors"] == {
        "reference": ["The reference must not be greater than 128 characters."],
        "number": ["The number must not be greater than 255 characters."],
        "region": ["The region must be a string."],
    }


def test_account_cannot_become_its_own_ancestor(tenant: Tenant) -> None:
    with tenant.client() as http:
        http.put("/accounts", json={"reference": "Child", "parent": "Parent"})
        loop = http.put("/accounts", json={"reference": "Parent", "parent": "Child"})
        itself = http.put("/accounts", json={"reference": "Solo", "parent": "Solo"})
    assert loop.status_code == itself.status_code == 422
    assert loop.json()["errors"] == {"parent": ["The selected parent is invalid."]}
    assert tenant.count("accounts") == 2


# -- contracts ----------------------------------------------------------------------------


def test_seed_003_failure_body_is_exact(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put("/contracts", json={})
    assert response.status_code == 422
    assert response.content == (
        b'{"message":"The given data was invalid.","errors":{"account":'
        b'["account at field is required."],"start":["The start field is required."]}}'
    )


def test_seed_003_example_creates_then_updates(tenant: Tenant) -> None:
    body = {
        "reference": "ab12cd34ef56",
        "account": "ACME Industries",
        "start": "2020-01-01",
        "end": "2021-12-31",
        "description": "",
    }
    with tenant.client() as http:
        unknown = http.put("/contracts", json=body)
        http.put("/accounts", json={"reference": "ACME Industries"})
        created = http.put("/contracts", json=body)
        updated = http.put("/contracts", json={**body, "end": "2022-12-31"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"account": ["The selected account is invalid."]}
    assert created.status_code == 201
    assert created.content == b'{"reference":"ab12cd34ef56"}'
    assert updated.status_code == 200
    assert updated.content == b'{"reference":"ab12cd34ef56"}'
    assert tenant.server.rows(
        'SELECT reference, start, "end", description FROM contracts WHERE system_id = ?',
        (tenant.system_id,),
    ) == [("ab12cd34ef56", "2020-01-01", "2022-12-31", None)]


def test_contract_without_reference_gets_a_generated_one(tenant: Tenant) -> None:
    with tenant.client() as http:
        http.put("/accounts", json={"reference": "ACME"})
        response = http.put("/contracts", json={"account": "ACME", "start": "2024-01-01"})
    assert response.status_code == 201
    assert re.fullmatch(r"[0-9a-f]{12}", response.json()["reference"])


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"account": "ACME", "start": "2024/01/01"},
            {"start": ["The start does not match the format Y-m-d."]},
        ),
        (
            {"account": "ACME", "start": "2024-01-02", "end": "2024-01-01"},
            {"end": ["The end must be a date after or equal to start."]},
        ),
        (
            {"account": "ACME", "start": "2024-01-01", "description": "d" * 151},
            {"description": ["The description must not be greater than 150 characters."]},
        ),
    ],
)
def test_contract_field_rules(
    tenant: Tenant, body: dict[str, str], errors: dict[str, list[str]]
) -> None:
    with tenant.client() as http:
        http.put("/accounts", json={"reference": "ACME"})
        response = http.put("/contracts", json=body)
    assert response.status_code == 422
    assert response.json() == {"message": "The given data was invalid.", "errors": errors}
    assert tenant.count("contracts") == 0


# -- activities ---------------------------------------------------------------------------

ACTIVITY = {
    "reference": "ab12cd34ef56",
    "account": "ACME Industries",
    "type": "Ticket",
    "source": "Freshdesk",
    "happened_at": "2019-03-06 10:00:00 +0530",
    "additional_information_object": {"subject": "Printer on fire", "priorty": "high"},
}


def test_activity_create_then_update_creating_the_account(tenant: Tenant) -> None:
    with tenant.client() as http:
        created = http.put("/activities/", json=ACTIVITY)
        updated = http.put("/activities", json={**ACTIVITY, "type": "Call"})
    assert created.status_code == 201
    assert created.content == b'{"reference":"ab12cd34ef56"}'
    assert updated.status_code == 200
    rows = tenant.server.rows(
        "SELECT a.reference, a.type, a.happened_at, a.details, c.name FROM activities a"
        " JOIN accounts c ON c.id = a.account_id WHERE a.system_id = ?",
        (tenant.system_id,),
    )
    assert rows == [
        (
            "ab12cd34ef56",
            "Call",
            "2019-03-06 04:30:00",
            '{"subject": "Printer on fire", "priorty": "high"}',
            "ACME Industries",
        )
    ]


def test_activity_with_form_array_details(tenant: Tenant) -> None:
    form = {k: v for k, v in ACTIVITY.items() if isinstance(v, str)}
    form.pop("reference")
    form["additional_information_array[url]"] = "https://example.com/t/1"
    with tenant.client() as http:
        response = http.put("/activities/", data=form)
    assert response.status_code == 201
    assert tenant.server.rows(
        "SELECT details FROM activities WHERE system_id = ?", (tenant.system_id,)
    ) == [('{"url": "https://example.com/t/1"}',)]


def test_activity_rules(tenant: Tenant) -> None:
    with tenant.client() as http:
        missing = http.put("/activities/", json={})
        wrong = http.put(
            "/activities/",
            json={
                **ACTIVITY,
                "happened_at": "2019-03-06",
                "contact": "ghost@example.com",
                "type": "t" * 101,
                "additional_information_object": "text",
            },
        )
        unknown_contact = http.put(
            "/activities/", json={**ACTIVITY, "contact": "ghost@example.com"}
        )
    assert missing.json()["errors"] == {
        "account": ["The account field is required."],
        "type": ["The type field is required."],
        "source": ["The source field is required."],
        "happened_at": ["The happened_at field is required."],
    }
    assert list(wrong.json()["errors"]) == [
        "contact",
        "type",
        "happened_at",
        "additional_information_object",
    ]
    assert wrong.json()["errors"] == {
        "contact": ["The selected contact is invalid."],
        "type": ["The type must not be greater than 100 characters."],
        "happened_at": ["The happened_at does not match the format Y-m-d H:i:s."],
        "additional_information_object": ["The additional_information_object must be an array."],
    }
    assert unknown_contact.status_code == 422
    assert unknown_contact.json()["errors"] == {"contact": ["The selected contact is invalid."]}
    assert tenant.count("activities") == 0
    assert tenant.count("accounts") == 0


def test_activity_links_an_existing_contact_by_email_or_phone(tenant: Tenant) -> None:
    with tenant.client() as http:
        put_record(http, "contact", {"Email": "Jo@Example.com"})
        put_record(http, "contact", {"Phone": "+31 6 1234 5678"})
        by_email = http.put("/activities/", json={**ACTIVITY, "contact": "jo@example.com"})
        by_phone = http.put(
            "/activities/", json={**ACTIVITY, "reference": "p1", "contact": "+31612345678"}
        )
    assert by_email.status_code == 201
    assert by_phone.status_code == 201
