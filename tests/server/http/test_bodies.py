"""Hostile multipart bodies: refused in the family's own format, never stalling the server."""

from __future__ import annotations

import httpx
import pytest

from tests.server.http.hostile import (
    BOUND_SECONDS,
    MEBIBYTE,
    MULTIPART_BB,
    TINY_PART,
    probing,
    tiny_parts,
)
from tests.server.v4_1.support import api_key_headers
from tests.support import Tenant


def _post_token(tenant: Tenant, body: bytes) -> httpx.Response:
    with tenant.server.client() as http:
        return http.post("/oauth2/token", content=body, headers=MULTIPART_BB)


def _post_survey(tenant: Tenant, body: bytes) -> httpx.Response:
    with tenant.server.client() as http:
        return http.post("/r/no-such-code", content=body, headers=MULTIPART_BB)


def _post_unsubscribe(tenant: Tenant, body: bytes) -> httpx.Response:
    with tenant.server.client(headers=api_key_headers(tenant)) as http:
        return http.post("/v4.1/lists/unsubscribe.json", content=body, headers=MULTIPART_BB)


def _put_record(tenant: Tenant, body: bytes) -> httpx.Response:
    with tenant.client() as http:
        return http.put("/records/", content=body, headers=MULTIPART_BB)


def _token_refusal(response: httpx.Response) -> None:
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}


def _survey_refusal(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Too much text" in response.text


def _v41_refusal(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.json() == {"Error": {"Message": "Payload too large.", "Code": 300001}}


def _imports_refusal(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.json() == {"message": "Payload too large."}


ENDPOINTS = {
    "token": (_post_token, _token_refusal),
    "survey": (_post_survey, _survey_refusal),
    "v4.1": (_post_unsubscribe, _v41_refusal),
    "records": (_put_record, _imports_refusal),
}


@pytest.mark.parametrize("family", list(ENDPOINTS))
def test_20000_tiny_parts_are_refused_without_stalling_others(tenant: Tenant, family: str) -> None:
    send, check = ENDPOINTS[family]
    body = tiny_parts(MEBIBYTE)
    with probing(tenant.server) as probe:
        response = send(tenant, body)
    print(f"{family}: worst jwks latency {probe.worst * 1000:.0f} ms over {len(probe.seconds)}")
    check(response)
    assert probe.worst < BOUND_SECONDS


@pytest.mark.parametrize("family", list(ENDPOINTS))
def test_a_text_part_over_64_kib_is_refused(tenant: Tenant, family: str) -> None:
    send, check = ENDPOINTS[family]
    body = (
        b'--BB\r\nContent-Disposition: form-data; name="email"\r\n\r\n'
        + b"a" * (64 * 1024 + 1)
        + b"\r\n--BB--\r\n"
    )
    check(send(tenant, body))


def form_parts(fields: dict[str, str], padding: int) -> bytes:
    """``fields`` as multipart parts after ``padding`` one-byte parts nobody asked for."""
    named = b"".join(
        b'--BB\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (name.encode(), value.encode())
        for name, value in fields.items()
    )
    return TINY_PART * padding + named + b"--BB--\r\n"


def test_1000_parts_are_still_read(tenant: Tenant) -> None:
    token = _post_token(tenant, form_parts(tenant.credentials(), 997))
    unsubscribed = _post_unsubscribe(tenant, form_parts({"email": "many@example.com"}, 999))

    assert token.status_code == 200
    assert unsubscribed.status_code == 200
    with tenant.server.client(headers=api_key_headers(tenant)) as http:
        listed = http.get("/v4.1/lists/unsubscribe.json").json()["Data"]
    assert [entry["Email"] for entry in listed] == ["many@example.com"]


def test_a_million_form_fields_are_parsed_without_stalling_others(tenant: Tenant) -> None:
    # Two MiB of url-encoded fields to the revenue upload (it allows 4 MiB): parse_qsl took
    # seconds over them on the event loop.
    body = b"a&" * MEBIBYTE
    with (
        probing(tenant.server) as probe,
        tenant.server.client(headers=api_key_headers(tenant)) as http,
    ):
        response = http.post(
            "/v4.1/company/revenue_file_automate.json",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    print(f"2 MiB form: worst jwks latency {probe.worst * 1000:.0f} ms")
    assert response.json() == {
        "Error": {"Message": "Required field 'file' not supplied", "Code": 300004}
    }
    assert probe.worst < BOUND_SECONDS


def test_multipart_fields_keep_their_charset_and_lose_nul_after_a_preamble(tenant: Tenant) -> None:
    body = (
        b"a preamble nobody reads\r\n"
        b'--BB\r\nContent-Disposition: form-data; name="division"\r\n'
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nZ\xfcrich\x00\r\n"
        b'--BB\r\nContent-Disposition: form-data; name="parent"\r\n\r\nGlobal\r\n--BB--\r\n'
    )
    with tenant.server.client(headers=api_key_headers(tenant)) as http:
        created = http.post("/v4.1/hierarchy.json", content=body, headers=MULTIPART_BB)
        listed = http.get("/v4.1/hierarchy.json").text
    assert created.status_code == 200, created.text
    assert '"division":"Zürich"' in listed
