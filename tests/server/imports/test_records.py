"""PUT /records/ (spec section 4, seed 000): bodies, checks, data types and their effects."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from tests.support import (
    ACCOUNT_MAPPING,
    MULTI_MAPPING,
    RunningServer,
    Tenant,
    create_tenant,
    put_record,
)

GIVEN = "The given data was invalid."


def _invalid(errors: dict[str, list[str]]) -> bytes:
    return json.dumps({"message": GIVEN, "errors": errors}, separators=(",", ":")).encode()


# -- the documented examples (seed 000) ---------------------------------------------------


def test_seed_example_json_body_returns_200_with_empty_body(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(
            http,
            MULTI_MAPPING,
            {
                "Account Name": "ACME",
                "First Name": "Joe",
                "Last Name": "Doe",
                "Email": "joe.doe@example.com",
            },
        )
    assert response.status_code == 200
    assert response.content == b""
    rows = tenant.server.rows(
        "SELECT c.first_name, c.last_name, c.email, a.name FROM contacts c"
        " JOIN accounts a ON a.id = c.account_id WHERE c.system_id = ?",
        (tenant.system_id,),
    )
    assert rows == [("Joe", "Doe", "joe.doe@example.com", "ACME")]


def test_seed_example_form_body(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put(
            "/records/",
            data={
                "configuration": MULTI_MAPPING,
                "record[Account Name]": "ACME",
                "record[First Name]": "Joe",
                "record[Last Name]": "Doe",
                "record[Email]": "joe.doe@example.com",
            },
        )
    assert response.status_code == 200
    assert response.content == b""
    assert tenant.count("survey_records") == 1


def test_json_body_sent_with_curl_default_form_content_type(tenant: Tenant) -> None:
    body = json.dumps({"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "Curl"}})
    with tenant.client() as http:
        response = http.put(
            "/records/",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 200
    assert tenant.count("accounts") == 1


def test_seed_example_missing_configuration_is_exact_422(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put("/records/", json={"record": {"Account Name": "ACME"}})
    assert response.status_code == 422
    assert response.content == _invalid({"configuration": ["The configuration field is required."]})


# -- order of checks ----------------------------------------------------------------------


def test_unknown_mapping_is_404_with_reference(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(http, "no-such-mapping", {"a": "b"})
    assert response.status_code == 404
    assert response.content == b'{"message":"The inbound mapping [no-such-mapping] was not found."}'


def test_mapping_is_checked_before_record(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put("/records/", json={"configuration": "missing"})
    assert response.status_code == 404


@pytest.mark.parametrize("record", [None, "a string", ["a", "list"], {}, 42, True])
def test_record_missing_or_not_an_object_is_422(tenant: Tenant, record: object) -> None:
    body: dict[str, object] = {"configuration": ACCOUNT_MAPPING}
    if record is not None:
        body["record"] = record
    with tenant.client() as http:
        response = http.put("/records/", json=body)
    assert response.status_code == 422
    assert response.content == _invalid({"record": ["The record field is required."]})


def test_auth_is_checked_before_anything_else(server: RunningServer) -> None:
    with server.client() as http:
        response = http.put("/records/", content=b"{broken")
    assert response.status_code == 401


def test_default_mappings_exist_for_every_new_system(tenant: Tenant) -> None:
    with tenant.client() as http:
        contact = put_record(http, "contact", {"Email": "a@example.com"})
        activity = put_record(
            http,
            "activities",
            {
                "Account Name": "ACME",
                "Type": "Ticket",
                "Source": "Zendesk",
                "Happened At": "2024-05-01 10:00:00",
                "Email": "a@example.com",
            },
        )
    assert contact.status_code == 200
    assert activity.status_code == 200
    assert tenant.count("contacts") == 1
    assert tenant.count("activities") == 1


# -- field rules (Laravel 9 wording, headings as attribute names) -------------------------


def test_email_or_phone_messages_use_headings(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(http, MULTI_MAPPING, {"First Name": "Joe"})
    assert response.status_code == 422
    assert response.content == _invalid(
        {
            "Email": ["The Email field is required when Phone is not present."],
            "Phone": ["The Phone field is required when Email is not present."],
        }
    )


def test_phone_alone_satisfies_email_or_phone(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(http, MULTI_MAPPING, {"Phone": "+55 (62) 01234-56789"})
    assert response.status_code == 200
    assert tenant.server.rows(
        "SELECT phone FROM contacts WHERE system_id = ?", (tenant.system_id,)
    ) == [("+55 (62) 01234-56789",)]


def test_invalid_email_message(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(http, MULTI_MAPPING, {"Email": "joe@"})
    assert response.content == _invalid({"Email": ["The Email must be a valid email address."]})


@pytest.mark.parametrize(
    ("record", "errors"),
    [
        ({"Phone": "call me"}, {"Phone": ["The Phone format is invalid."]}),
        ({"Phone": "()-+"}, {"Phone": ["The Phone format is invalid."]}),
        (
            {"Email": "a@example.com", "Touchpoint": "Sales"},
            {"Touchpoint": ["The selected Touchpoint is invalid."]},
        ),
        (
            {"Email": "a@example.com", "Division": "Mars"},
            {"Division": ["The selected Division is invalid."]},
        ),
        (
            {"Email": "a@example.com", "Order Date": "01-02-2024"},
            {"Order Date": ["The Order Date does not match the format Y-m-d."]},
        ),
        (
            {"Email": "a@example.com", "Order Date": "2024-02-30"},
            {"Order Date": ["The Order Date does not match the format Y-m-d."]},
        ),
        (
            {"Email": "a@example.com", "Account Name": "x" * 129},
            {"Account Name": ["The Account Name must not be greater than 128 characters."]},
        ),
        (
            {"Email": "a@example.com", "First Name": {"nested": "object"}},
            {"First Name": ["The First Name must be a string."]},
        ),
        (
            {"Email": "a" * 250 + "@example.com"},
            {"Email": ["The Email must not be greater than 255 characters."]},
        ),
    ],
)
def test_field_rule_messages(
    tenant: Tenant, record: dict[str, object], errors: dict[str, list[str]]
) -> None:
    before = tenant.server.snapshot()
    with tenant.client() as http:
        response = put_record(http, MULTI_MAPPING, record)
    assert response.status_code == 422
    assert response.content == _invalid(errors)
    assert tenant.server.snapshot() == before


def test_several_errors_are_all_reported_in_mapping_order(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(
            http, MULTI_MAPPING, {"Account Name": "y" * 200, "Email": "bad", "Touchpoint": "None"}
        )
    assert list(response.json()["errors"]) == ["Account Name", "Email", "Touchpoint"]


def test_values_are_trimmed_and_empty_strings_are_absent(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(
            http,
            MULTI_MAPPING,
            {"Email": "  joe@example.com ", "Phone": "", "Touchpoint": " Support"},
        )
    assert response.status_code == 200
    rows = tenant.server.rows(
        "SELECT email, phone FROM contacts WHERE system_id = ?", (tenant.system_id,)
    )
    assert rows == [("joe@example.com", None)]


def test_numbers_are_accepted_as_text(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(
            http, ACCOUNT_MAPPING, {"Account Name": "Numeric", "Account Number": 123}
        )
    assert response.status_code == 200
    assert tenant.server.rows(
        "SELECT number FROM accounts WHERE system_id = ?", (tenant.system_id,)
    ) == [("123",)]


def test_unicode_values_are_stored_and_counted_as_characters(tenant: Tenant) -> None:
    base = "Zoë Ünïcødé 株式会社 🚀"
    name = base + "é" * (128 - len(base))  # exactly 128 characters, far more bytes
    assert len(name.encode()) > 128
    with tenant.client() as http:
        ok = put_record(http, ACCOUNT_MAPPING, {"Account Name": name})
        too_long = put_record(http, ACCOUNT_MAPPING, {"Account Name": name + "é"})
    assert ok.status_code == 200
    assert too_long.status_code == 422
    assert tenant.server.rows(
        "SELECT name FROM accounts WHERE system_id = ?", (tenant.system_id,)
    ) == [(name,)]


def test_4000_character_value_is_refused_and_nothing_written(tenant: Tenant) -> None:
    before = tenant.server.snapshot()
    with tenant.client() as http:
        response = put_record(http, ACCOUNT_MAPPING, {"Account Name": "z" * 4000})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "Account Name": ["The Account Name must not be greater than 128 characters."]
    }
    assert tenant.server.snapshot() == before


def test_unmapped_keys_are_ignored_and_reported_in_a_header(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(
            http,
            ACCOUNT_MAPPING,
            {"Account Name": "ACME", "account name": "case!", "Colour": "red"},
        )
    assert response.status_code == 200
    assert json.loads(response.headers["x-opengauge-ignored-fields"]) == ["account name", "Colour"]


def test_mapped_keys_only_means_no_ignored_header(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(http, ACCOUNT_MAPPING, {"Account Name": "A"})
    assert "x-opengauge-ignored-fields" not in response.headers


# -- bad bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"configuration": "x",}', b"{'single': 'quotes'}", b"[1, 2", b"\xff\xfe{}"],
)
def test_malformed_json_is_400_and_writes_nothing(tenant: Tenant, body: bytes) -> None:
    before = tenant.server.snapshot()
    with tenant.client() as http:
        response = http.put("/records/", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.content == b'{"message":"Malformed JSON body."}'
    assert tenant.server.snapshot() == before


@pytest.mark.parametrize("body", [b"", b"   ", b"[]", b'"text"', b"42", b"null"])
def test_empty_or_non_object_body_asks_for_configuration(tenant: Tenant, body: bytes) -> None:
    with tenant.client() as http:
        response = http.put("/records/", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.content == _invalid({"configuration": ["The configuration field is required."]})


@pytest.mark.parametrize("configuration", [["a"], {"a": 1}, True])
def test_configuration_of_wrong_type_is_422(tenant: Tenant, configuration: object) -> None:
    with tenant.client() as http:
        response = put_record(http, configuration, {})
    assert response.status_code == 422
    assert response.json()["errors"] == {"configuration": ["The configuration must be a string."]}


# -- effects of each data type ------------------------------------------------------------


def test_account_upsert_updates_only_given_fields(tenant: Tenant) -> None:
    put = {"configuration": ACCOUNT_MAPPING}
    with tenant.client() as http:
        http.put(
            "/records/",
            json={
                **put,
                "record": {"Account Name": "ACME", "Region": "EMEA", "Account Manager": "Ann"},
            },
        )
        http.put("/records/", json={**put, "record": {"Account Name": "ACME", "Region": "APAC"}})
    rows = tenant.server.rows(
        "SELECT name, region, manager FROM accounts WHERE system_id = ?", (tenant.system_id,)
    )
    assert rows == [("ACME", "APAC", "Ann")]


def test_account_parent_is_created_and_linked(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(
            http, ACCOUNT_MAPPING, {"Account Name": "ACME NL", "Parent Account": "ACME Group"}
        )
        loop = put_record(
            http, ACCOUNT_MAPPING, {"Account Name": "ACME Group", "Parent Account": "ACME NL"}
        )
    assert response.status_code == 200
    rows = tenant.server.rows(
        "SELECT c.name, p.name FROM accounts c JOIN accounts p ON p.id = c.parent_id"
        " WHERE c.system_id = ?",
        (tenant.system_id,),
    )
    assert rows == [("ACME NL", "ACME Group")]
    assert loop.status_code == 422
    assert loop.json()["errors"] == {"Parent Account": ["The selected Parent Account is invalid."]}


def test_contact_is_keyed_by_email_case_insensitively(tenant: Tenant) -> None:
    with tenant.client() as http:
        for email, first in (("Joe@Example.com", "Joe"), ("joe@example.com", "Joseph")):
            put_record(http, "contact", {"Email": email, "First Name": first})
    rows = tenant.server.rows(
        "SELECT email, first_name FROM contacts WHERE system_id = ?", (tenant.system_id,)
    )
    assert rows == [("joe@example.com", "Joseph")]


def test_survey_data_creates_a_queued_email_record(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(http, "survey", {"Email": "s@example.com", "Order Number": "SO-1"})
    assert response.status_code == 200
    rows = tenant.server.rows(
        "SELECT delivery_vector, status, number_order, nps FROM survey_records WHERE system_id = ?",
        (tenant.system_id,),
    )
    assert rows == [("Email", "QUEUED", "SO-1", None)]


def test_multi_object_record_has_touchpoint_division_and_segment(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(
            http,
            MULTI_MAPPING,
            {
                "Email": "m@example.com",
                "Account Name": "ACME",
                "Touchpoint": "Support",
                "Division": "Netherlands",
                "Order Date": "2024-03-01",
                "Product": "Widgets",
            },
        )
    assert response.status_code == 200
    rows = tenant.server.rows(
        "SELECT t.name, d.name, r.date_order, r.segments, a.name FROM survey_records r"
        " JOIN touchpoints t ON t.id = r.touchpoint_id JOIN divisions d ON d.id = r.division_id"
        " JOIN accounts a ON a.id = r.account_id WHERE r.system_id = ?",
        (tenant.system_id,),
    )
    assert rows == [("Support", "Netherlands", "2024-03-01", '{"Product": "Widgets"}', "ACME")]


def test_external_response_is_stored_as_a_response(tenant: Tenant) -> None:
    with tenant.client() as http:
        missing = put_record(http, "external", {"Email": "e@example.com"})
        out_of_range = put_record(http, "external", {"Email": "e@example.com", "NPS": 11})
        not_a_number = put_record(http, "external", {"Email": "e@example.com", "NPS": "x"})
        ok = put_record(
            http,
            "external",
            {
                "Email": "e@example.com",
                "NPS": "9",
                "Comment": "Great",
                "Responded": "2024-01-02 03:04:05",
            },
        )
    assert missing.json()["errors"] == {"NPS": ["The NPS field is required."]}
    assert out_of_range.json()["errors"] == {"NPS": ["The NPS must be between 0 and 10."]}
    assert not_a_number.json()["errors"] == {"NPS": ["The NPS must be a number."]}
    assert ok.status_code == 200
    rows = tenant.server.rows(
        "SELECT status, nps, comment, date_response FROM survey_records WHERE system_id = ?",
        (tenant.system_id,),
    )
    assert rows == [("RESPONDED", 9, "Great", "2024-01-02 03:04:05")]


def test_account_alias_needs_an_existing_account(tenant: Tenant) -> None:
    with tenant.client() as http:
        unknown = put_record(http, "alias", {"Account Name": "Nope", "Alias": "N"})
        put_record(http, ACCOUNT_MAPPING, {"Account Name": "ACME"})
        ok = put_record(http, "alias", {"Account Name": "ACME", "Alias": "Acme Inc"})
        again = put_record(http, "alias", {"Account Name": "ACME", "Alias": "Acme Inc"})
        missing = put_record(http, "alias", {"Account Name": "ACME"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"Account Name": ["The selected Account Name is invalid."]}
    assert ok.status_code == again.status_code == 200
    assert tenant.count("account_aliases") == 1
    assert missing.json()["errors"] == {"Alias": ["The Alias field is required."]}


def test_activity_through_records_needs_an_existing_contact(tenant: Tenant) -> None:
    record = {
        "Account Name": "ACME",
        "Type": "Ticket",
        "Source": "Zendesk",
        "Happened At": "2019-03-06 10:00:00 +0530",
        "Email": "nobody@example.com",
        "Reference": "T-1",
    }
    with tenant.client() as http:
        unknown = put_record(http, "activities", record)
        put_record(http, "contact", {"Email": "nobody@example.com"})
        ok = put_record(http, "activities", record)
        update = put_record(http, "activities", {**record, "Type": "Call"})
    assert unknown.json()["errors"] == {"Email": ["The selected Email is invalid."]}
    assert ok.status_code == update.status_code == 200
    rows = tenant.server.rows(
        "SELECT reference, type, happened_at FROM activities WHERE system_id = ?",
        (tenant.system_id,),
    )
    assert rows == [("T-1", "Call", "2019-03-06 04:30:00")]


def test_activity_required_fields(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(http, "activities", {"Reference": "x"})
    assert response.json()["errors"] == {
        "Account Name": ["The Account Name field is required."],
        "Type": ["The Type field is required."],
        "Source": ["The Source field is required."],
        "Happened At": ["The Happened At field is required."],
    }


def test_revenue_line_rules_and_effect(tenant: Tenant) -> None:
    line = {
        "Account Name": "ACME",
        "Amount": "1200.50",
        "Start": "2024-01-01",
        "End": "2024-12-31",
        "Type": "arr",
    }
    with tenant.client() as http:
        unknown = put_record(http, "revenue", line)
        put_record(http, ACCOUNT_MAPPING, {"Account Name": "ACME"})
        bad = put_record(
            http, "revenue", {**line, "Amount": "lots", "Type": "Weekly", "End": "2023-01-01"}
        )
        backwards = put_record(http, "revenue", {**line, "End": "2023-01-01"})
        ok = put_record(http, "revenue", line)
    assert unknown.json()["errors"] == {"Account Name": ["The selected Account Name is invalid."]}
    assert bad.json()["errors"] == {
        "Amount": ["The Amount must be a number."],
        "End": ["The End must be a date after or equal to Start."],
        "Type": ["The selected Type is invalid."],
    }
    assert backwards.json()["errors"] == {
        "End": ["The End must be a date after or equal to Start."]
    }
    assert ok.status_code == 200
    rows = tenant.server.rows(
        'SELECT amount, start, "end", type FROM revenue_lines WHERE system_id = ?',
        (tenant.system_id,),
    )
    assert [(float(r[0]), *r[1:]) for r in rows] == [(1200.5, "2024-01-01", "2024-12-31", "ARR")]
    months = tenant.server.rows(
        "SELECT month, amount FROM revenue_months WHERE system_id = ? ORDER BY month",
        (tenant.system_id,),
    )
    # ARR over a year: twelve months that add up to the amount to the cent.
    assert [m[0] for m in months] == [f"2024-{i:02d}-01" for i in range(1, 13)]
    assert sum(Decimal(str(m[1])) for m in months) == Decimal("1200.50")
    assert Decimal(str(months[0][1])) == Decimal("100.04")


# -- tenant isolation ---------------------------------------------------------------------


def test_a_token_never_reaches_another_systems_mappings(server: RunningServer) -> None:
    a = create_tenant(server, f"iso-a-{uuid.uuid4().hex[:8]}")
    b = create_tenant(
        server,
        f"iso-b-{uuid.uuid4().hex[:8]}",
        mappings=[
            {
                "reference": "b-only",
                "name": "B",
                "data_type": "Account",
                "fields": {"Name": "account.name"},
            }
        ],
    )
    with a.client() as http:
        foreign = put_record(http, "b-only", {"Name": "Intruder"})
        own = put_record(http, ACCOUNT_MAPPING, {"Account Name": "Mine"})
    assert foreign.status_code == 404
    assert foreign.json() == {"message": "The inbound mapping [b-only] was not found."}
    assert own.status_code == 200
    assert a.count("accounts") == 1
    assert b.count("accounts") == 0
    # The same reference exists in both systems: each write lands in the caller's system.
    with b.client() as http:
        put_record(http, "b-only", {"Name": "Theirs"})
    assert server.rows("SELECT name FROM accounts WHERE system_id = ?", (b.system_id,)) == [
        ("Theirs",)
    ]
    assert server.rows("SELECT name FROM accounts WHERE system_id = ?", (a.system_id,)) == [
        ("Mine",)
    ]
