"""``GET /v7/rest/sync/responses`` and ``/non-responses``: shape, streams, auth, validation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from opengauge.server.clock import Clock
from opengauge.server.storage.repositories import apps
from tests.server.rest.helpers import NON_RESPONSES, RESPONSES, Params, flat, follow, get_page
from tests.support import ACCOUNT_MAPPING, MULTI_MAPPING, Tenant, create_tenant, put_record

RESPONSE_KEYS = [
    "number_customergauge",
    "number_customer",
    "number_order",
    "email",
    "phone",
    "nps",
    "comment",
    "date_creation",
    "date_order",
    "date_email_sent",
    "date_survey_response",
    "touchpoint",
    "delivery_vector",
    "link",
    "contact",
    "account",
    "properties",
    "custom_fields",
    "drivers",
]
NON_RESPONSE_KEYS = [
    k for k in RESPONSE_KEYS if k not in ("nps", "comment", "date_survey_response")
]


def _epoch(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()


def _last_id(tenant: Tenant) -> int:
    rows = tenant.server.rows(
        "SELECT MAX(id) FROM survey_records WHERE system_id = ?", (tenant.system_id,)
    )
    return int(rows[0][0])


def _sql(tenant: Tenant, sql: str, params: tuple[Any, ...]) -> None:
    tenant.server.db.run_sync(lambda tx: tx.write(sql, params))


def _answer(tenant: Tenant, record_id: int, when: str, nps: int = 8) -> None:
    """What the survey page will do; plain SQL until it exists."""
    _sql(
        tenant,
        "UPDATE survey_records SET nps = ?, comment = 'Answered', date_response = ?,"
        " status = 'RESPONDED' WHERE id = ?",
        (nps, when, record_id),
    )


# -- the record -------------------------------------------------------------------------


def test_full_record_as_non_response_then_as_response(tenant: Tenant, clock: Clock) -> None:
    clock.frozen = _epoch("2024-06-01 12:00:00")
    with tenant.client() as http:
        put_record(http, ACCOUNT_MAPPING, {"Account Name": "ACME", "Account Number": "A-1"})
        record = {
            "Account Name": "ACME",
            "First Name": "Ann",
            "Last Name": "Smith",
            "Email": "Ann@Example.com",
            "Phone": "+31 20 123 4567",
            "Touchpoint": "Support",
            "Division": "Netherlands",
            "Order Date": "2024-05-30",
            "Product": "Widget",
        }
        assert put_record(http, MULTI_MAPPING, record).status_code == 200
        rid = _last_id(tenant)
        _sql(tenant, "UPDATE contacts SET number = 'C-42' WHERE system_id = ?", (tenant.system_id,))
        _sql(
            tenant,
            "UPDATE survey_records SET date_sent = ?, link_code = ? WHERE id = ?",
            ("2024-06-01 12:05:00", "k3y0fth3l1nk", rid),
        )
        expected: dict[str, Any] = {
            "number_customergauge": rid,
            "number_customer": "C-42",
            "number_order": None,
            "email": "Ann@Example.com",
            "phone": "+31 20 123 4567",
            "date_creation": "2024-06-01 12:00:00",
            "date_order": "2024-05-30",
            "date_email_sent": "2024-06-01 12:05:00",
            "touchpoint": "Support",
            "delivery_vector": "Email",
            "link": f"{tenant.server.app.settings.base_url}/r/k3y0fth3l1nk",
            "contact": {"first_name": "Ann", "last_name": "Smith"},
            "account": {"name": "ACME", "number": "A-1"},
            "properties": [{"field": "Product", "reference": "Widget"}],
            "custom_fields": [],
            "drivers": [],
        }
        body = get_page(http, NON_RESPONSES, [("with[]", "properties")])
        assert body == {"data": [expected], "cursor": {"next": rid}}
        assert list(body["data"][0]) == NON_RESPONSE_KEYS
        assert type(body["data"][0]["number_customergauge"]) is int
        # Segment data only when asked for; every key is there either way.
        plain = get_page(http, NON_RESPONSES, [("with[]", "drivers")])["data"][0]
        assert plain == {**expected, "properties": []}
        assert get_page(http, RESPONSES)["data"] == []

        _answer(tenant, rid, "2024-06-02 08:30:00", nps=9)
        body = get_page(http, RESPONSES, [("with[]", "properties"), ("with[]", "tags")])
        (response,) = body["data"]
        assert list(response) == RESPONSE_KEYS
        assert response == {
            **expected,
            "nps": 9,
            "comment": "Answered",
            "date_survey_response": "2024-06-02 08:30:00",
        }
        assert type(response["nps"]) is int
        assert get_page(http, NON_RESPONSES)["data"] == []


def test_bare_external_response_has_nulls_not_missing_keys(tenant: Tenant) -> None:
    with tenant.client() as http:
        put_record(
            http,
            "external",
            {"Email": "bo@example.com", "NPS": "3", "Responded": "2024-01-02 03:04:05+0100"},
        )
        (record,) = get_page(http, RESPONSES)["data"]
    assert list(record) == RESPONSE_KEYS
    assert record["nps"] == 3
    assert record["comment"] is None
    assert record["date_survey_response"] == "2024-01-02 02:04:05"  # stored in UTC
    assert record["date_order"] is None
    assert record["date_email_sent"] is None
    assert record["touchpoint"] is None
    assert record["link"] is None
    assert record["contact"] == {"first_name": None, "last_name": None}
    assert record["account"] == {"name": None, "number": None}
    assert record["properties"] == record["custom_fields"] == record["drivers"] == []


# -- the two streams --------------------------------------------------------------------


def test_external_responses_are_responses_and_survey_data_non_responses(tenant: Tenant) -> None:
    with tenant.client() as http:
        for i in range(3):
            put_record(http, "survey", {"Email": f"s{i}@example.com", "Order Number": f"O-{i}"})
            put_record(http, "external", {"Email": f"e{i}@example.com", "NPS": "10"})
        non_responses, _ = follow(http, NON_RESPONSES)
        responses, _ = follow(http, RESPONSES)
        orders = [r["number_order"] for r in get_page(http, NON_RESPONSES)["data"]]
    ids = tenant.server.rows(
        "SELECT id, date_response IS NULL FROM survey_records WHERE system_id = ? ORDER BY id",
        (tenant.system_id,),
    )
    assert flat(non_responses) == [i for i, unanswered in ids if unanswered]
    assert flat(responses) == [i for i, unanswered in ids if not unanswered]
    assert len(flat(responses)) == len(flat(non_responses)) == 3
    assert orders == ["O-0", "O-1", "O-2"]


def test_an_answered_non_response_moves_to_responses(tenant: Tenant, clock: Clock) -> None:
    clock.frozen = _epoch("2024-06-01 12:00:00")
    with tenant.client() as http:
        put_record(http, "survey", {"Email": "late@example.com"})
        late = _last_id(tenant)
        put_record(http, "external", {"Email": "early@example.com", "NPS": "9"})
        early = _last_id(tenant)
        assert follow(http, NON_RESPONSES)[0] == [[late], []]
        pages, cursor = follow(http, RESPONSES)
        assert (pages, cursor) == ([[early], []], early)

        _answer(tenant, late, "2024-06-03 09:00:00")
        assert get_page(http, NON_RESPONSES)["data"] == []
        assert flat(follow(http, RESPONSES)[0]) == [late, early]
        # A client whose cursor already passed the record does not get it again by id ...
        assert get_page(http, RESPONSES, [("cursor", cursor)])["data"] == []
        # ... so docs/export.md has it also sync by response date, from no cursor.
        recent: Params = [
            ("period[field]", "date_survey_response"),
            ("period[start]", "2024-06-02 00:00:00"),
        ]
        assert flat(follow(http, RESPONSES, params=recent)[0]) == [late]


def test_each_system_sees_only_its_own_records(tenant: Tenant) -> None:
    other = create_tenant(tenant.server, f"t-{uuid.uuid4().hex[:10]}")
    with tenant.client() as mine, other.client() as theirs:
        put_record(mine, "external", {"Email": "a@example.com", "NPS": "1"})
        put_record(theirs, "external", {"Email": "b@example.com", "NPS": "2"})
        put_record(mine, "external", {"Email": "c@example.com", "NPS": "3"})
        put_record(theirs, "survey", {"Email": "d@example.com"})
        mine_ids = flat(follow(mine, RESPONSES)[0])
        theirs_ids = flat(follow(theirs, RESPONSES)[0])
        assert [r["email"] for r in get_page(mine, RESPONSES)["data"]] == [
            "a@example.com",
            "c@example.com",
        ]
        assert [r["email"] for r in get_page(theirs, RESPONSES)["data"]] == ["b@example.com"]
        assert get_page(mine, NON_RESPONSES)["data"] == []
        # A cursor taken from another system's numbering still shows only our records.
        after = theirs_ids[0] - 1
        assert flat(follow(mine, RESPONSES, cursor=after)[0]) == [i for i in mine_ids if i > after]
    assert not set(mine_ids) & set(theirs_ids)


def test_paths_with_a_trailing_slash_and_other_methods(tenant: Tenant) -> None:
    with tenant.client() as http:
        assert http.get(RESPONSES + "/").status_code == 200
        assert http.get(NON_RESPONSES + "/").status_code == 200
        refused = http.post(RESPONSES)
        assert refused.status_code == 405
        assert refused.json() == {"message": "Method not allowed."}


# -- 401 --------------------------------------------------------------------------------

UNAUTHENTICATED = {"message": "Unauthenticated."}


@pytest.mark.parametrize("path", [RESPONSES, NON_RESPONSES])
@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer nonsense", "Basic abc"])
def test_missing_or_bad_token_is_401(
    reader: tuple[Tenant, httpx.Client], path: str, authorization: str | None
) -> None:
    tenant, _ = reader
    headers = {"Authorization": authorization} if authorization else {}
    with tenant.server.client() as http:
        response = http.get(path, headers=headers, params={"per_page": "0"})
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_token_of_another_region_is_401(reader: tuple[Tenant, httpx.Client]) -> None:
    _, http = reader
    assert http.get(RESPONSES, headers={"Host": "api.EU.customergauge.com"}).status_code == 200
    wrong = http.get(RESPONSES, headers={"Host": "api.us.customergauge.com"})
    assert wrong.status_code == 401
    assert wrong.json() == UNAUTHENTICATED


def test_deactivated_app_is_401_before_any_422(tenant: Tenant) -> None:
    with tenant.client() as http:
        assert http.get(NON_RESPONSES).status_code == 200
        tenant.server.db.run_sync(lambda tx: apps.set_active(tx, tenant.client_id, False))
        for params in ({}, {"per_page": "0"}):
            response = http.get(NON_RESPONSES, params=params)
            assert response.status_code == 401
            assert response.json() == UNAUTHENTICATED


# -- 422 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("per_page=0", {"per_page": ["The per_page must be between 1 and 1000."]}),
        ("per_page=1001", {"per_page": ["The per_page must be between 1 and 1000."]}),
        ("per_page=ten", {"per_page": ["The per_page must be an integer."]}),
        ("per_page=1.5", {"per_page": ["The per_page must be an integer."]}),
        ("per_page[]=5", {"per_page": ["The per_page must be an integer."]}),
        ("cursor=abc", {"cursor": ["The cursor must be an integer."]}),
        ("cursor=1e3", {"cursor": ["The cursor must be an integer."]}),
        ("cursor=99999999999999999999", {"cursor": ["The cursor must be an integer."]}),
        ("with[]=drivers&with[]=nps", {"with.1": ["The selected with.1 is invalid."]}),
        ("with[]=", {"with.0": ["The selected with.0 is invalid."]}),
        ("with=drivers", {"with": ["The with must be an array."]}),
        ("period=2024", {"period": ["The period must be an array."]}),
        (
            "period[field]=date_nope&period[start]=2024-01-01",
            {"period.field": ["The selected period.field is invalid."]},
        ),
        ("period[start]=2024-01-01", {"period.field": ["The period.field field is required."]}),
        (
            "period[field]=date_order&period[start]=2024-02-30",
            {"period.start": ["The period.start is not a valid date."]},
        ),
        (
            "period[field]=date_order&period[end]=yesterday",
            {"period.end": ["The period.end is not a valid date."]},
        ),
        (
            "period[field]=date_sent&period[start]=2024-02-01&period[end]=2024-01-31 23:00:00",
            {"period.end": ["The period.end must be a date after or equal to period.start."]},
        ),
        (
            "per_page=0&cursor=x&with[]=y&period[field]=z&period[start]=1",
            {
                "per_page": ["The per_page must be between 1 and 1000."],
                "cursor": ["The cursor must be an integer."],
                "with.0": ["The selected with.0 is invalid."],
                "period.field": ["The selected period.field is invalid."],
                "period.start": ["The period.start is not a valid date."],
            },
        ),
    ],
)
def test_bad_parameters_are_422(
    reader: tuple[Tenant, httpx.Client], query: str, errors: dict[str, list[str]]
) -> None:
    _, http = reader
    for path in (RESPONSES, NON_RESPONSES):
        response = http.get(f"{path}?{query}")
        assert response.status_code == 422
        body = response.json()
        assert body == {"message": "The given data was invalid.", "errors": errors}
        assert list(body["errors"]) == list(errors)


def test_lenient_parameters(tenant: Tenant) -> None:
    with tenant.client() as http:
        for i in range(3):
            put_record(http, "external", {"Email": f"x{i}@example.com", "NPS": "5"})
        # Empty means absent; values are trimmed; unknown parameters are ignored.
        assert len(get_page(http, RESPONSES, [("per_page", ""), ("cursor", "")])["data"]) == 3
        assert len(get_page(http, RESPONSES, [("per_page", " 2 "), ("x", "y")])["data"]) == 2
        assert len(get_page(http, RESPONSES, [("cursor", "-5")])["data"]) == 3
        # Past the end, the cursor given comes back.
        assert get_page(http, RESPONSES, [("cursor", "+999999")]) == {
            "data": [],
            "cursor": {"next": 999999},
        }
