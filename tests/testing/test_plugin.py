"""The ``customergauge`` fixture and its marker: seed, strict mode, clock, inspection."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from opengauge.testing import Sandbox, default_seed

RECORD = {"Email": "ann@example.com", "Touchpoint": "Support"}


def _bearer(cg: Sandbox) -> dict[str, str]:
    response = requests.post(
        f"{cg.urls.auth}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(cg.client_id, cg.client_secret),
        timeout=10,
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _put_record(cg: Sandbox, record: dict[str, str], mapping: str = "Records") -> requests.Response:
    return requests.put(
        f"{cg.urls.imports}/records/",
        json={"configuration": cg.mappings[mapping], "record": record},
        headers=_bearer(cg),
        timeout=10,
    )


def test_the_fixture_gives_credentials_mappings_and_urls(customergauge: Sandbox) -> None:
    cg = customergauge
    assert (cg.client_id, cg.client_secret, cg.api_key, cg.region) == (
        "sandbox-client",
        "sandbox-secret",
        "sandbox-api-key",
        "eu",
    )
    assert cg.credentials.client_id == "sandbox-client"
    assert {"Records", "Personal links", "Accounts", "External responses"} <= set(cg.mappings)
    assert cg.mappings["Contacts (Default)"] == "contact"
    assert cg.urls.auth == "https://auth.eu.customergauge.com"
    assert cg.urls.imports == "https://imports.api.eu.customergauge.com"
    assert cg.urls.api == "https://api.eu.customergauge.com"
    assert [s.name for s in cg.systems] == ["sandbox"]


def test_every_test_starts_empty_a(customergauge: Sandbox) -> None:
    assert customergauge.contacts() == []
    assert _put_record(customergauge, RECORD).status_code == 200
    assert len(customergauge.contacts()) == 1


def test_every_test_starts_empty_b(customergauge: Sandbox) -> None:
    assert customergauge.contacts() == []
    assert _put_record(customergauge, RECORD).status_code == 200
    assert len(customergauge.contacts()) == 1


def test_inspection_helpers(customergauge: Sandbox) -> None:
    cg = customergauge
    record = {**RECORD, "First Name": "Ann", "Account Name": "ACME", "Product": "Widgets"}
    assert _put_record(cg, record).status_code == 200
    assert _put_record(cg, {"Account Name": "Globex"}, "Accounts").status_code == 200
    cg.apply_seed({"systems": [{"name": "sandbox", "bounces": [{"email": "x@example.com"}]}]})

    assert [a["name"] for a in cg.accounts()] == ["ACME", "Globex"]
    (contact,) = cg.contacts()
    assert (contact["email"], contact["first_name"]) == ("ann@example.com", "Ann")
    (survey,) = cg.survey_records()
    assert (survey["email"], survey["status"], survey["delivery_vector"]) == (
        "ann@example.com",
        "QUEUED",
        "Email",
    )
    (invitation,) = cg.outbox()
    assert invitation["recipient"] == "ann@example.com"
    assert invitation["link"].startswith("https://survey.eu.customergauge.com/r/")
    assert [(b["email"], b["type"]) for b in cg.bounces()] == [("x@example.com", "hard")]
    assert cg.unsubscribes() == []


def test_apply_seed_adds_systems_and_mappings(customergauge: Sandbox) -> None:
    cg = customergauge
    cg.apply_seed(default_seed("us", "second"))
    second = cg.system("second")
    assert (second.region, second.client_id) == ("us", "second-client")
    assert second.api_key == "second-api-key"
    cg.apply_seed(
        {
            "systems": [
                {
                    "name": "sandbox",
                    "mappings": [
                        {
                            "reference": "orders",
                            "name": "Orders",
                            "data_type": "Survey Data",
                            "fields": {"Email": "contact.email"},
                        }
                    ],
                }
            ]
        }
    )
    assert cg.mappings["Orders"] == "orders"
    assert cg.mappings["Records"]  # kept
    assert _put_record(cg, {"Email": "o@example.com"}, "Orders").status_code == 200
    with pytest.raises(LookupError, match="no system 'third'"):
        cg.system("third")


def test_the_clock_expires_tokens(customergauge: Sandbox) -> None:
    cg = customergauge
    headers = _bearer(cg)
    url = f"{cg.urls.imports}/accounts"
    assert requests.put(url, json={"reference": "A"}, headers=headers, timeout=10).ok
    cg.clock.advance(3601)
    expired = requests.put(url, json={"reference": "B"}, headers=headers, timeout=10)
    assert (expired.status_code, expired.json()) == (401, {"message": "Unauthenticated."})


def test_lenient_by_default_ignored_keys_are_dropped(customergauge: Sandbox) -> None:
    answer = _put_record(customergauge, {**RECORD, "Shoe Size": "44"})
    assert answer.status_code == 200
    assert answer.headers["X-OpenGauge-Ignored-Fields"] == '["Shoe Size"]'


@pytest.mark.customergauge(strict=True)
def test_strict_mode_refuses_ignored_keys(customergauge: Sandbox) -> None:
    answer = _put_record(customergauge, {**RECORD, "Shoe Size": "44"})
    assert answer.status_code == 422
    assert "Shoe Size" in answer.text
    assert customergauge.contacts() == []


@pytest.mark.customergauge(seed=default_seed("au", "down-under"))
def test_the_marker_takes_a_seed_dict(customergauge: Sandbox) -> None:
    assert (customergauge.region, customergauge.client_id) == ("au", "down-under-client")
    assert customergauge.urls.auth == "https://auth.au.customergauge.com"
    assert _put_record(customergauge, RECORD).status_code == 200


SEED_FILE = Path(__file__).with_name("seed.yaml")


@pytest.mark.customergauge(SEED_FILE)
def test_the_marker_takes_a_seed_file(customergauge: Sandbox) -> None:
    assert customergauge.client_id == "file-client"
    assert customergauge.mappings["Contacts"] == "contacts"
    answer = requests.put(
        f"{customergauge.urls.imports}/records/",
        json={"configuration": "contacts", "record": {"Email": "f@example.com"}},
        headers=_bearer(customergauge),
        timeout=10,
    )
    assert answer.status_code == 200
    assert [c["email"] for c in customergauge.contacts()] == ["f@example.com"]


@pytest.mark.customergauge(scope="fortnight")
def test_an_unknown_scope_is_an_error(request: pytest.FixtureRequest) -> None:
    with pytest.raises(ValueError, match="scope must"):
        request.getfixturevalue("customergauge")
