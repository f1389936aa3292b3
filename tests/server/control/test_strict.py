"""Strict mode: records with keys the mapping ignores are refused instead of dropped."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, POSTGRES_URL
from tests.server.control.support import call, database, started, token
from tests.support import ACCOUNT_MAPPING, MULTI_MAPPING, Tenant, put_record

STRICT = {"X-OpenGauge-Strict": "1"}


def test_the_header_refuses_ignored_keys_with_a_422_naming_them(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put(
            "/records/",
            json={"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "A", "Colour": 1}},
            headers=STRICT,
        )
    assert response.status_code == 422
    assert response.json() == {
        "message": "The given data was invalid.",
        "errors": {
            "Colour": [f"The Colour field is not in the inbound mapping [{ACCOUNT_MAPPING}]."]
        },
    }
    assert json.loads(response.headers["x-opengauge-ignored-fields"]) == ["Colour"]
    assert tenant.count("accounts") == 0


def test_strict_refusal_lists_field_errors_first(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put(
            "/records/",
            json={"configuration": "survey", "record": {"email": "a@example.com"}},
            headers=STRICT,
        )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["Email", "email"]


def test_strict_personal_links_use_the_first_message_summary(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put(
            "/personal-link/",
            json={"configuration": MULTI_MAPPING, "record": {"Email": "a@example.com", "X": 1}},
            headers={"X-OpenGauge-Strict": "true"},
        )
    assert response.status_code == 422
    message = f"The X field is not in the inbound mapping [{MULTI_MAPPING}]."
    assert response.json() == {"message": message, "errors": {"X": [message]}}


def test_strict_mode_accepts_a_record_of_mapped_keys_only(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put(
            "/records/",
            json={"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "A"}},
            headers=STRICT,
        )
    assert response.status_code == 200
    assert "x-opengauge-ignored-fields" not in response.headers
    assert tenant.count("accounts") == 1


def test_lenient_is_the_default(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(http, ACCOUNT_MAPPING, {"Account Name": "A", "Colour": "red"})
    assert response.status_code == 200
    assert json.loads(response.headers["x-opengauge-ignored-fields"]) == ["Colour"]


def test_a_strict_header_that_is_neither_1_nor_0_is_a_400(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = http.put(
            "/records/",
            json={"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "A"}},
            headers={"X-OpenGauge-Strict": "maybe"},
        )
    assert response.status_code == 400
    assert response.json() == {"message": "The X-OpenGauge-Strict header must be 1 or 0."}


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_setting_makes_strict_the_default_and_the_header_relaxes_it(
    backend: str, tmp_path: Path
) -> None:
    async def scenario(url: str) -> None:
        with started(url, strict_mapping=True) as app:
            headers = {
                "authorization": f"Bearer {await token(app)}",
                "content-type": "application/json",
            }
            record = {"configuration": ACCOUNT_MAPPING, "record": {"Account Name": "A", "Hue": 1}}
            body = json.dumps(record).encode()
            status, _, refused = await call(app, "PUT", "/records/", body=body, headers=headers)
            assert status == 422
            assert list(json.loads(refused)["errors"]) == ["Hue"]
            lenient = {**headers, "x-opengauge-strict": "0"}
            status, sent, _ = await call(app, "PUT", "/records/", body=body, headers=lenient)
            assert status == 200
            assert json.loads(sent["x-opengauge-ignored-fields"]) == ["Hue"]
            assert [e.ignored for e in app.state.journal.entries(1)][-2:] == [("Hue",), ("Hue",)]

    with database(backend, tmp_path, POSTGRES_URL) as url:
        asyncio.run(scenario(url))
