"""The 4.1 layer: authentication, envelopes, JSON/XML, unknown modules and methods."""

from __future__ import annotations

import uuid

import pytest

from opengauge.server.storage.repositories import apps
from opengauge.server.v4_1.errors import MESSAGES, ErrorCode
from opengauge.server.v4_1.rendering import render
from tests.server.v4_1.support import api_key_headers, call
from tests.support import RunningServer, Tenant, create_tenant

INVALID_KEY_JSON = b'{"Error":{"Message":"Invalid API Key","Code":200000}}'
INVALID_KEY_XML = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b"<Error><Message>Invalid API Key</Message><Code>200000</Code></Error>"
)


def test_api_key_header_query_and_bearer_all_work(tenant: Tenant) -> None:
    key = f"{tenant.name}-api-key"
    with tenant.server.client() as http:
        header = http.get("/v4.1/lists/bounce.json", headers={"Authorization": f"api_key {key}"})
        scheme_case = http.get(
            "/v4.1/lists/bounce.json", headers={"Authorization": f"API_KEY {key}"}
        )
        query = http.get("/v4.1/lists/bounce.json", params={"api_key": key})
    with tenant.client() as http:
        bearer = http.get("/v4.1/lists/bounce.json")
    for response in (header, scheme_case, query, bearer):
        assert response.status_code == 200
        assert response.content == b'{"Data":[]}'


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "api_key wrong"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "api_key"},
    ],
)
def test_bad_credentials_are_200000_in_json_and_xml(
    tenant: Tenant, headers: dict[str, str]
) -> None:
    with tenant.server.client(headers=headers) as http:
        as_json = http.get("/v4.1/lists/bounce.json")
        as_xml = http.get("/v4.1/lists/bounce.xml")
    assert as_json.status_code == as_xml.status_code == 401
    assert as_json.content == INVALID_KEY_JSON
    assert as_xml.content == INVALID_KEY_XML
    assert as_xml.headers["content-type"].startswith("application/xml")


def test_a_key_from_another_region_is_invalid(tenant: Tenant) -> None:
    with tenant.server.client(headers=api_key_headers(tenant)) as http:
        eu = http.get("/v4.1/lists/bounce.json", headers={"Host": "api.eu.customergauge.com"})
        us = http.get("/v4.1/lists/bounce.json", headers={"Host": "api.us.customergauge.com"})
    assert eu.status_code == 200
    assert us.status_code == 401


def test_a_revoked_app_token_is_invalid(tenant: Tenant) -> None:
    with tenant.client() as http:
        tenant.server.db.run_sync(lambda tx: apps.set_active(tx, tenant.client_id, False))
        response = http.get("/v4.1/lists/bounce.json")
    assert response.status_code == 401
    assert response.content == INVALID_KEY_JSON


def test_unknown_module_and_wrong_method(tenant: Tenant) -> None:
    unknown = call(tenant, "GET", "no/such/module")
    unknown_xml = call(tenant, "GET", "nothing", fmt="xml")
    wrong = call(tenant, "DELETE", "lists/bounce")
    assert unknown.status_code == 404
    assert unknown.content == b'{"Error":{"Message":"Module does not exist","Code":300002}}'
    assert unknown_xml.content.endswith(
        b"<Error><Message>Module does not exist</Message><Code>300002</Code></Error>"
    )
    assert wrong.status_code == 405
    assert wrong.content == b'{"Error":{"Message":"Method does not exist","Code":300003}}'


def test_no_suffix_means_json_and_a_trailing_param_after_the_suffix_is_read(
    tenant: Tenant,
) -> None:
    with tenant.server.client() as http:
        plain = http.get("/v4.1/lists/bounce", headers=api_key_headers(tenant))
        typo = http.get(f"/v4.1/lists/bounce.json&api_key={tenant.name}-api-key")
    assert plain.content == typo.content == b'{"Data":[]}'


@pytest.mark.parametrize(
    ("params", "message", "code"),
    [
        ({"date_range_from": "2024-01-01"}, "Required field 'date_range_to' not supplied", 300004),
        ({"date_range_to": "2024-01-01"}, "Required field 'date_range_from' not supplied", 300004),
        (
            {"date_range_from": "yesterday", "date_range_to": "2024-01-01"},
            "Invalid arguments supplied",
            300001,
        ),
        ({"start": "-1"}, "Invalid arguments supplied", 300001),
        ({"limit": "0"}, "Invalid arguments supplied", 300001),
        ({"limit": "ten"}, "Invalid arguments supplied", 300001),
    ],
)
def test_paging_and_date_range_errors(
    tenant: Tenant, params: dict[str, str], message: str, code: int
) -> None:
    response = call(tenant, "GET", "lists/unsubscribe", params=params)
    assert response.status_code == 400
    assert response.json() == {"Error": {"Message": message, "Code": code}}


def test_the_error_table_is_complete_with_its_statuses() -> None:
    # The table's 77, and 400200 (Workflow not found), which only the evidence shows.
    assert len(ErrorCode) == len(MESSAGES) == 78
    assert ErrorCode(200000).status == 401
    assert ErrorCode(300002).status == 404
    assert ErrorCode(300003).status == 405
    assert {c.status for c in ErrorCode if c >= 400000} == {400}
    assert ErrorCode(400403).message == "Email address already exist in the unsubscribe list"
    assert ErrorCode(400904).message == "Parent division can not be deleted"
    assert ErrorCode(400800).message == "Required field ‘id’ not supplied"  # noqa: RUF001
    assert ErrorCode(400009).message == "Days can’t be more than 365"  # noqa: RUF001


def test_xml_rendering_escapes_and_names_list_items() -> None:
    body, content_type = render(
        {"Data": [{"Email": "a&b@example.com", "User": "<crm>", "n": None, "ok": True}]},
        xml=True,
    )
    assert content_type.startswith("application/xml")
    assert body == (
        b'<?xml version="1.0" encoding="utf-8"?>\n<Data><item><Email>a&amp;b@example.com</Email>'
        b"<User>&lt;crm&gt;</User><n/><ok>true</ok></item></Data>"
    )


def test_systems_never_see_each_other(server: RunningServer) -> None:
    a = create_tenant(server, f"iso41-a-{uuid.uuid4().hex[:6]}")
    b = create_tenant(server, f"iso41-b-{uuid.uuid4().hex[:6]}")
    call(a, "POST", "lists/unsubscribe", data={"email": "only-a@example.com"})
    assert call(b, "GET", "lists/unsubscribe").json() == {"Data": []}
    assert len(call(a, "GET", "lists/unsubscribe").json()["Data"]) == 1


@pytest.mark.parametrize("start", ["\u00b2", "9" * 5000, "99999999999999999999999", "1.5", "-3"])
def test_odd_numbers_are_invalid_arguments_not_500s(tenant: Tenant, start: str) -> None:
    for module in ("lists/unsubscribe", "lists/bounce", "file/company-revenue"):
        response = call(tenant, "GET", module, params={"start": start})
        assert response.status_code == 400
        assert response.json() == {
            "Error": {"Message": "Invalid arguments supplied", "Code": 300001}
        }


def test_a_part_with_an_unknown_charset_is_read_as_utf8(tenant: Tenant) -> None:
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="email"\r\n'
        b"Content-Type: text/plain; charset=bogus\r\n\r\nmp@example.com\r\n--XX--\r\n"
    )
    response = call(
        tenant,
        "POST",
        "lists/unsubscribe",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=XX"},
    )
    assert response.status_code == 200


def test_xml_never_carries_characters_xml_forbids(tenant: Tenant) -> None:
    from xml.dom import minidom

    call(tenant, "POST", "hierarchy", data={"division": "Bad\x01Name"})
    body = call(tenant, "GET", "hierarchy", fmt="xml").content
    minidom.parseString(body)  # noqa: S318 - our own output: it must be well-formed
    assert b"BadName" in body


def test_too_large_and_unknown_methods_keep_the_41_envelope(tenant: Tenant) -> None:
    big = b"email=" + b"a" * (2 * 1024 * 1024)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    as_json = call(tenant, "POST", "lists/unsubscribe", content=big, headers=form)
    as_xml = call(tenant, "POST", "lists/unsubscribe", fmt="xml", content=big, headers=form)
    options = call(tenant, "OPTIONS", "hierarchy", fmt="xml")
    head = call(tenant, "HEAD", "hierarchy")
    assert as_json.status_code == as_xml.status_code == 413
    assert as_json.json() == {"Error": {"Message": "Payload too large.", "Code": 300001}}
    assert as_xml.content.endswith(
        b"<Error><Message>Payload too large.</Message><Code>300001</Code></Error>"
    )
    assert options.status_code == head.status_code == 405
    assert options.content.endswith(
        b"<Error><Message>Method does not exist</Message><Code>300003</Code></Error>"
    )
