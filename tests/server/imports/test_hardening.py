"""Hostile and odd input: never a 500, never a write on refusal, 401 before anything else."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from opengauge.server.storage.repositories import apps
from tests.support import (
    ACCOUNT_MAPPING,
    MULTI_MAPPING,
    RunningServer,
    Tenant,
    create_tenant,
    put_record,
)

ENDPOINTS = ("/records/", "/accounts", "/contracts", "/activities/")
SUPPORT = {"field": "survey.touchpoint", "op": "is", "values": ["Support"]}


@pytest.mark.parametrize("body", [b"{}", b"{", b"x" * 2_000_000, b'{"record": "x"}'])
def test_a_revoked_token_gets_401_whatever_the_body(tenant: Tenant, body: bytes) -> None:
    with tenant.client() as http:
        tenant.server.db.run_sync(lambda tx: apps.set_active(tx, tenant.client_id, False))
        for path in ENDPOINTS:
            response = http.put(path, content=body, headers={"Content-Type": "application/json"})
            assert response.status_code == 401, path
            assert response.json() == {"message": "Unauthenticated."}


@pytest.mark.parametrize("happened_at", ["0001-01-01 00:00:00 +0100", "9999-12-31 23:59:59 -0100"])
def test_offsets_past_the_calendar_edges_are_a_422(tenant: Tenant, happened_at: str) -> None:
    with tenant.client() as http:
        response = http.put(
            "/activities/",
            json={"account": "A", "type": "t", "source": "s", "happened_at": happened_at},
        )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "happened_at": ["The happened_at does not match the format Y-m-d H:i:s."]
    }


@pytest.mark.parametrize(
    "body",
    [
        b'{"configuration":"x","record":{"Account Name":"\xff\xfe"}}',
        b"[" * 100_000,
        b'{"a":' * 50_000,
    ],
)
def test_undecodable_json_is_a_400_everywhere(tenant: Tenant, body: bytes) -> None:
    with tenant.client() as http:
        for path in ENDPOINTS:
            response = http.put(path, content=body, headers={"Content-Type": "application/json"})
            assert response.status_code == 400
            assert response.json() == {"message": "Malformed JSON body."}
        token = http.post("/oauth2/token", content=body)
    assert token.status_code == 400
    assert token.json() == {"error": "invalid_request"}


def test_nul_characters_are_dropped_not_a_500(tenant: Tenant) -> None:
    with tenant.client() as http:
        as_json = http.put(
            "/records/",
            content=b'{"configuration":"'
            + ACCOUNT_MAPPING.encode()
            + b'","record":{"Account Name":"A\\u0000B"}}',
            headers={"Content-Type": "application/json"},
        )
        as_form = http.put(
            "/records/",
            content=f"configuration={ACCOUNT_MAPPING}&record[Account%20Name]=C%00D".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        fixed = http.put("/accounts", content=b'{"reference":"x\\u0000"}')
        token = http.post(
            "/oauth2/token",
            content=b"grant_type=client_credentials&client_id=demo%00&client_secret=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert as_json.status_code == as_form.status_code == 200
    assert fixed.status_code == 201
    assert token.status_code == 400
    assert token.json() == {"error": "invalid_client"}
    names = {
        r[0]
        for r in tenant.server.rows(
            "SELECT name FROM accounts WHERE system_id = ?", (tenant.system_id,)
        )
    }
    assert names == {"AB", "CD", "x"}


def test_activity_creates_an_account_with_a_255_character_name(tenant: Tenant) -> None:
    name = "a" * 255
    with tenant.client() as http:
        ok = http.put(
            "/activities/",
            json={
                "account": name,
                "type": "t",
                "source": "s",
                "happened_at": "2024-01-01 00:00:00",
            },
        )
        too_long = http.put(
            "/activities/",
            json={
                "account": name + "a",
                "type": "t",
                "source": "s",
                "happened_at": "2024-01-01 00:00:00",
            },
        )
    assert ok.status_code == 201
    assert too_long.json()["errors"] == {
        "account": ["The account must not be greater than 255 characters."]
    }


def test_a_huge_revenue_amount_is_a_422(tenant: Tenant) -> None:
    with tenant.client() as http:
        http.put("/accounts", json={"reference": "ACME"})
        response = put_record(
            http,
            "revenue",
            {
                "Account Name": "ACME",
                "Amount": "1e20",
                "Start": "2024-01-01",
                "Type": "ARR",
            },
        )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "Amount": ["The Amount must be between -9999999999999999 and 9999999999999999."]
    }


def test_the_ignored_fields_header_stays_small(tenant: Tenant) -> None:
    record = {"Account Name": "ACME", "k" * 70_000: "v"}
    record.update({f"extra {i}": "v" for i in range(200)})
    with tenant.client() as http:
        response = put_record(http, ACCOUNT_MAPPING, record)
    assert response.status_code == 200
    header = response.headers["x-opengauge-ignored-fields"]
    assert len(header) <= 1024
    assert header.startswith('["' + "k" * 256 + '","extra 0"')


def test_made_up_tokens_are_not_remembered(tenant: Tenant) -> None:
    keys = tenant.server.app.state.keys
    before = len(keys._cache)
    with tenant.server.client() as http:
        for i in range(20):
            bogus = f"eyJhbGciOiJSUzI1NiJ9.{'x' * (300 + i)}.sig"
            response = http.put("/accounts", json={}, headers={"Authorization": f"Bearer {bogus}"})
            assert response.status_code == 401
        huge = http.put("/accounts", json={}, headers={"Authorization": "Bearer " + "a" * 9000})
    assert huge.status_code == 401
    assert len(keys._cache) == before


def test_multipart_form_bodies_work(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put(
            "/records/",
            files={
                "configuration": (None, MULTI_MAPPING),
                "record[Email]": (None, "m@example.com"),
                "record[First Name]": (None, "Multi"),
            },
        )
    assert response.status_code == 200
    assert tenant.server.rows(
        "SELECT email, first_name FROM contacts WHERE system_id = ?", (tenant.system_id,)
    ) == [("m@example.com", "Multi")]


def test_existence_errors_join_the_others_in_rule_order(tenant: Tenant) -> None:
    with tenant.client() as http:
        contract = http.put(
            "/contracts",
            json={"account": "Nope", "end": "2020-01-01", "description": "d" * 151},
        )
        activity = put_record(
            http,
            "activities",
            {
                "Account Name": "A",
                "Email": "ghost@example.com",
                "Type": "t" * 101,
                "Source": "s",
                "Happened At": "2024-01-01 00:00:00",
            },
        )
    assert contract.json()["errors"] == {
        "account": ["The selected account is invalid."],
        "start": ["The start field is required."],
        "description": ["The description must not be greater than 150 characters."],
    }
    assert list(activity.json()["errors"].items()) == [
        ("Email", ["The selected Email is invalid."]),
        ("Type", ["The Type must not be greater than 100 characters."]),
    ]


def test_cross_field_errors_keep_rule_order(tenant: Tenant) -> None:
    with tenant.client() as http:
        http.put("/accounts", json={"reference": "ACME"})
        response = http.put(
            "/contracts",
            json={
                "account": "ACME",
                "start": "2024-02-01",
                "end": "2024-01-01",
                "description": "d" * 151,
            },
        )
    assert list(response.json()["errors"]) == ["end", "description"]


def test_comments_and_details_follow_the_128_character_rule(tenant: Tenant) -> None:
    with tenant.client() as http:
        comment = put_record(
            http, "external", {"Email": "c@example.com", "NPS": 5, "Comment": "c" * 129}
        )
        details = http.put(
            "/activities/",
            json={
                "account": "A",
                "type": "t",
                "source": "s",
                "happened_at": "2024-01-01 00:00:00",
                "additional_information_object": {"subject": "s" * 129},
            },
        )
    assert comment.json()["errors"] == {
        "Comment": ["The Comment must not be greater than 128 characters."]
    }
    assert details.json()["errors"] == {
        "additional_information_object.subject": [
            "The additional_information_object.subject must not be greater than 128 characters."
        ]
    }


def test_basic_credentials_without_base64_padding(tenant: Tenant) -> None:
    encoded = base64.b64encode(f"{tenant.client_id}:{tenant.client_secret}x".encode())
    unpadded = encoded.decode().rstrip("=")
    assert len(unpadded) % 4  # the case under test: padding was needed
    with tenant.server.client() as http:
        response = http.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {unpadded}"},
        )
    # The secret is wrong on purpose (the extra "x"): decoding worked, so the answer is
    # invalid_client rather than invalid_request.
    assert response.json() == {"error": "invalid_client"}


def test_token_path_with_trailing_slash_and_no_redirects(tenant: Tenant) -> None:
    with tenant.server.client() as http:
        response = http.post("/oauth2/token/", data=tenant.credentials())
        jwks = http.get("/.well-known/jwks.json/")
    assert response.status_code == 200
    assert jwks.status_code == 404
    assert jwks.json() == {"message": "Not found."}


def test_a_reused_app_id_does_not_revive_old_tokens(server: RunningServer) -> None:
    tenant = create_tenant(server, f"reuse-{uuid.uuid4().hex[:8]}")
    with tenant.client() as http:
        # Re-point the app row at another client id: the old token must stop working.
        server.db.run_sync(
            lambda tx: tx.write(
                "UPDATE connected_apps SET client_id = ? WHERE client_id = ?",
                (f"{tenant.client_id}-new", tenant.client_id),
            )
        )
        response = http.put("/accounts", json={"reference": "x"})
    assert response.status_code == 401


#: Keys no header may carry raw: DEL, a control character, non-ASCII, a quote and backslash.
HOSTILE_KEYS = ["Colour\x7f", "Tab\there", "Café 😀", 'say "hi" \\ bye']


def _assert_visible_ascii(value: bytes) -> None:
    assert all(0x20 <= byte < 0x7F for byte in value), value


def test_ignored_keys_with_control_characters_still_get_their_answer(
    server: RunningServer,
) -> None:
    tenant = create_tenant(
        server,
        f"hdr-{uuid.uuid4().hex[:10]}",
        campaigns=[{"name": "s", "filters": [SUPPORT]}],
        duplication_rule={"enabled": True, "days": 30, "fields": []},
    )
    record = {"Email": "d@x.com", "Touchpoint": "Support"} | dict.fromkeys(HOSTILE_KEYS, "v")
    with tenant.client() as http:
        link = http.put("/personal-link/", json={"configuration": MULTI_MAPPING, "record": record})
        plain = put_record(http, ACCOUNT_MAPPING, {"Account Name": "A"} | record)
        refused = put_record(http, "contact", record | {"Email": "not-an-address"})
    assert link.status_code == 200
    assert set(link.json()["data"]) == {"number_customergauge", "survey_link", "survey_link_short"}
    assert plain.status_code == 200
    assert refused.status_code == 422
    for response in (link, plain, refused):
        raw = response.headers.raw
        (value,) = [v for k, v in raw if k.lower() == b"x-opengauge-ignored-fields"]
        _assert_visible_ascii(value)
        assert [k for k in json.loads(value) if k in HOSTILE_KEYS] == HOSTILE_KEYS


@pytest.mark.parametrize("character", ["é", "😀"])
def test_one_long_non_ascii_ignored_key_still_gets_a_header(tenant: Tenant, character: str) -> None:
    """Escaped, each character takes 6 or 12 bytes: a key that alone passes the header's
    1 KiB is cut further, so the header never claims that nothing was ignored."""
    key = character * 300
    with tenant.client() as http:
        response = put_record(http, ACCOUNT_MAPPING, {"Account Name": "A", key: "v"})
    assert response.status_code == 200
    value = response.headers["x-opengauge-ignored-fields"]
    (named,) = json.loads(value)
    assert key.startswith(named)
    assert len(value.encode()) <= 1024
