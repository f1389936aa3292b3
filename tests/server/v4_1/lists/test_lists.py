"""GET/POST lists/unsubscribe and GET lists/bounce (spec section 6)."""

from __future__ import annotations

from typing import Any

from opengauge.server.storage.repositories import lists
from tests.server.v4_1.support import call
from tests.support import Tenant


def test_post_unsubscribe_then_list_it(tenant: Tenant) -> None:
    added = call(tenant, "POST", "lists/unsubscribe", data={"email": "Gone@Example.com"})
    assert added.status_code == 200
    assert added.content == b'{"Data":{"Message":"Record added"}}'
    listed = call(tenant, "GET", "lists/unsubscribe").json()["Data"]
    (item,) = listed
    assert item["Email"] == "gone@example.com"
    assert item["User"] == "api_key"
    assert len(item["Date"]) == 19


def test_bearer_callers_are_listed_by_app_name(tenant: Tenant) -> None:
    with tenant.client() as http:
        http.post("/v4.1/lists/unsubscribe.json", data={"email": "b@example.com"})
    assert call(tenant, "GET", "lists/unsubscribe").json()["Data"][0]["User"] == "crm"


def test_unsubscribe_errors(tenant: Tenant) -> None:
    missing = call(tenant, "POST", "lists/unsubscribe", data={})
    invalid = call(tenant, "POST", "lists/unsubscribe", data={"email": "not an address"})
    call(tenant, "POST", "lists/unsubscribe", data={"email": "twice@example.com"})
    again = call(tenant, "POST", "lists/unsubscribe", data={"email": "TWICE@example.com"})
    assert missing.status_code == invalid.status_code == again.status_code == 400
    assert missing.json() == {"Error": {"Message": "Email address is required", "Code": 400402}}
    assert invalid.json() == {"Error": {"Message": "Invalid arguments supplied", "Code": 300001}}
    assert again.json() == {
        "Error": {"Message": "Email address already exist in the unsubscribe list", "Code": 400403}
    }
    assert tenant.count("unsubscribes") == 1


def test_xml_variants(tenant: Tenant) -> None:
    added = call(tenant, "POST", "lists/unsubscribe", fmt="xml", data={"email": "x@example.com"})
    listed = call(tenant, "GET", "lists/unsubscribe", fmt="xml")
    duplicate = call(
        tenant, "POST", "lists/unsubscribe", fmt="xml", data={"email": "x@example.com"}
    )
    assert added.content == (
        b'<?xml version="1.0" encoding="utf-8"?>\n<Data><Message>Record added</Message></Data>'
    )
    assert listed.content.startswith(
        b'<?xml version="1.0" encoding="utf-8"?>\n<Data><item><Email>x@example.com</Email><Date>'
    )
    assert listed.content.endswith(b"</Date><User>api_key</User></item></Data>")
    assert duplicate.content.endswith(
        b"<Error><Message>Email address already exist in the unsubscribe list</Message>"
        b"<Code>400403</Code></Error>"
    )


def test_a_get_with_a_form_body_is_read(tenant: Tenant) -> None:
    # The documentation sends GET requests with -d parameters.
    for i in range(3):
        call(tenant, "POST", "lists/unsubscribe", data={"email": f"p{i}@example.com"})
    page = call(
        tenant,
        "GET",
        "lists/unsubscribe",
        content=b"start=1&limit=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert [i["Email"] for i in page.json()["Data"]] == ["p1@example.com"]


def _add(tenant: Tenant, emails: list[str], when: list[str]) -> None:
    def operation(tx: Any) -> None:
        for email, at in zip(emails, when, strict=True):
            tx.write(
                "INSERT INTO unsubscribes (system_id, email, added_by, created_at)"
                " VALUES (?, ?, 'api_key', ?)",
                (tenant.system_id, email, at),
            )
            lists.add_bounce(tx, tenant.system_id, email, "hard", "550 unknown user", at)

    tenant.server.db.run_sync(operation)


def test_paging_defaults_caps_and_date_ranges(tenant: Tenant) -> None:
    emails = [f"u{i:04d}@example.com" for i in range(1005)]
    days = [f"2024-01-{1 + i % 28:02d} 10:00:00" for i in range(1005)]
    _add(tenant, emails, days)
    unsubscribes = call(tenant, "GET", "lists/unsubscribe").json()["Data"]
    capped = call(tenant, "GET", "lists/unsubscribe", params={"limit": "5000"}).json()["Data"]
    bounces = call(tenant, "GET", "lists/bounce").json()["Data"]
    assert len(unsubscribes) == 100  # the unsubscribe list's default page
    assert len(capped) == len(bounces) == 1000  # both lists' maximum (and the bounce default)
    assert [b["Date"] for b in bounces] == sorted(b["Date"] for b in bounces)
    second = call(tenant, "GET", "lists/bounce", params={"start": "1000"}).json()["Data"]
    assert len(second) == 5
    one_day = call(
        tenant,
        "GET",
        "lists/bounce",
        params={"date_range_from": "2024-01-03", "date_range_to": "2024-01-03"},
    ).json()["Data"]
    assert {b["Date"] for b in one_day} == {"2024-01-03 10:00:00"}
    assert one_day[0]["Type"] == "hard"
    assert one_day[0]["Reason"] == "550 unknown user"
