"""GET file/company-revenue over real HTTP, on every backend."""

from __future__ import annotations

import uuid

from opengauge.server.clock import Clock
from tests.server.v4_1.revenue.helpers import add_accounts, csv_bytes, post_file
from tests.server.v4_1.support import call
from tests.support import RunningServer, Tenant, create_tenant

LISTING = "file/company-revenue"


def test_lists_uploads_with_string_numbers_and_log_lists(tenant: Tenant, clock: Clock) -> None:
    add_accounts(tenant, "Acme")
    clock.frozen = 1_717_243_200  # 2024-06-01 12:00:00 UTC
    post_file(tenant, csv_bytes("Acme,1,2024-01-01,,One Time,"), "good.csv")
    post_file(tenant, csv_bytes("Nobody,1,2024-01-01,,One Time,"), "bad.csv")

    response = call(tenant, "GET", LISTING)

    assert response.status_code == 200
    good, bad = response.json()["Data"]
    assert good == {
        "id": good["id"],
        "status": "Processed",
        "source_filename": "good.csv",
        "date_upload": "2024-06-01 12:00:00",
        "total_records": "1",
        "successful_records": "1",
        "unsuccessful_records": "0",
        "logs": [],
    }
    assert good["id"].isdigit()
    assert bad["status"] == "Failed"
    assert bad["logs"] == ["Record 1: Account 'Nobody' does not exist."]
    assert (bad["successful_records"], bad["unsuccessful_records"]) == ("0", "1")

    only_bad = call(tenant, "GET", LISTING, params={"id": bad["id"]}).json()["Data"]
    assert only_bad == [bad]
    assert call(tenant, "GET", LISTING, params={"id": "999999999999"}).json() == {"Data": []}
    paged = call(tenant, "GET", LISTING, params={"start": "1", "limit": "5"}).json()["Data"]
    assert paged == [bad]
    window = {"date_range_from": "2024-06-01", "date_range_to": "2024-06-01"}
    assert len(call(tenant, "GET", LISTING, params=window).json()["Data"]) == 2
    window = {"date_range_from": "2024-06-02", "date_range_to": "2024-06-30"}
    assert call(tenant, "GET", LISTING, params=window).json() == {"Data": []}


def test_bad_id_and_half_a_date_range(tenant: Tenant) -> None:
    bad_id = call(tenant, "GET", LISTING, params={"id": "abc"})
    half = call(tenant, "GET", LISTING, params={"date_range_from": "2024-01-01"})

    assert bad_id.json() == {"Error": {"Message": "Invalid arguments supplied", "Code": 300001}}
    assert half.status_code == 400
    assert half.json()["Error"]["Code"] == 300004


def test_xml_variant(tenant: Tenant) -> None:
    post_file(tenant, csv_bytes("Nobody,1,2024-01-01,,One Time,"), "a&b.csv")

    response = call(tenant, "GET", LISTING, "xml")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    text = response.text
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<Data><item><id>')
    assert "<source_filename>a&amp;b.csv</source_filename>" in text
    assert "<logs><item>Record 1: Account 'Nobody' does not exist.</item></logs>" in text


def test_other_tenants_uploads_are_not_listed(server: RunningServer, tenant: Tenant) -> None:
    other = create_tenant(server, f"t-{uuid.uuid4().hex[:10]}")
    post_file(other, csv_bytes("Nobody,1,2024-01-01,,One Time,"))

    assert call(tenant, "GET", LISTING).json() == {"Data": []}
    assert len(call(other, "GET", LISTING).json()["Data"]) == 1


def test_bad_api_key_is_401(tenant: Tenant) -> None:
    with tenant.server.client(headers={"Authorization": "api_key nope"}) as http:
        response = http.get(f"/v4.1/{LISTING}.xml")

    assert response.status_code == 401
    assert "<Code>200000</Code>" in response.text
