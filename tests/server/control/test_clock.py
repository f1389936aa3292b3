"""Clock control: token expiry, duplication intervals and the clock's own endpoints."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support import ACCOUNT_MAPPING, RunningServer, Tenant, create_tenant, put_record


def test_a_token_expires_after_moving_the_clock_3601_seconds(
    tenant: Tenant, admin: httpx.Client
) -> None:
    old = tenant.token()
    with tenant.server.client(headers={"Authorization": f"Bearer {old}"}) as http:
        assert put_record(http, ACCOUNT_MAPPING, {"Account Name": "A"}).status_code == 200
        moved = admin.post("/_opengauge/clock", json={"advance": 3601})
        assert moved.status_code == 200
        assert moved.json()["data"]["offset"] == 3601
        expired = put_record(http, ACCOUNT_MAPPING, {"Account Name": "A"})
        assert expired.status_code == 401
        assert expired.json() == {"message": "Unauthenticated."}
    with tenant.client() as fresh:
        assert put_record(fresh, ACCOUNT_MAPPING, {"Account Name": "A"}).status_code == 200


def test_the_duplication_interval_follows_the_clock(
    server: RunningServer, admin: httpx.Client
) -> None:
    tenant = create_tenant(
        server,
        f"d-{uuid.uuid4().hex[:10]}",
        duplication_rule={"enabled": True, "days": 1, "fields": []},
    )
    record = {"Email": "dup@example.com"}
    with tenant.client() as http:
        assert put_record(http, "survey", record).status_code == 200
        assert put_record(http, "survey", record).status_code == 200
    assert admin.post("/_opengauge/clock", json={"advance": 86_401}).status_code == 200
    with tenant.client() as http:  # a day on, the old token has expired too
        assert put_record(http, "survey", record).status_code == 200
    statuses = server.rows(
        "SELECT status FROM survey_records WHERE system_id = ? ORDER BY id", (tenant.system_id,)
    )
    assert [s for (s,) in statuses] == ["QUEUED", "DUPLICATE", "QUEUED"]


def test_set_freeze_advance_and_reset(admin: httpx.Client) -> None:
    shown = admin.get("/_opengauge/clock").json()["data"]
    assert shown["frozen"] is False
    assert shown["offset"] == 0
    frozen = admin.post(
        "/_opengauge/clock", json={"time": "2030-01-02T03:04:05Z", "frozen": True}
    ).json()["data"]
    assert frozen["now"] == "2030-01-02T03:04:05.000Z"
    assert frozen["frozen"] is True
    later = admin.post("/_opengauge/clock", json={"advance": 60}).json()["data"]
    assert later["now"] == "2030-01-02T03:05:05.000Z"
    assert admin.get("/_opengauge/clock").json()["data"]["now"] == later["now"]
    running = admin.post("/_opengauge/clock", json={"frozen": False}).json()["data"]
    assert running["frozen"] is False
    assert running["now"].startswith("2030-01-02T03:05")
    assert admin.post("/_opengauge/clock", json={"offset": -30}).json()["data"]["offset"] == -30
    reset = admin.delete("/_opengauge/clock").json()["data"]
    assert reset["offset"] == 0
    assert reset["frozen"] is False


def test_bad_clock_changes_are_422(admin: httpx.Client) -> None:
    for body in ({}, {"time": "yesterday"}, {"advance": "a lot"}, {"frozen": 1}, {"speed": 2}):
        response = admin.post("/_opengauge/clock", json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"]
    assert admin.post("/_opengauge/clock", content=b"{").status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"advance": 1e300},
        {"offset": 1e12},
        {"advance": -1e11},
        {"time": "0001-01-01T00:00:00+14:00"},
        {"time": "9999-12-31T23:59:59-12:00"},
    ],
)
def test_a_clock_outside_storable_dates_is_refused_and_nothing_changes(
    admin: httpx.Client, body: dict[str, object]
) -> None:
    assert admin.post("/_opengauge/clock", json={"offset": 60}).status_code == 200
    refused = admin.post("/_opengauge/clock", json=body)
    assert refused.status_code == 422
    assert "1970-01-01 and 9999-12-31" in refused.text
    shown = admin.get("/_opengauge/clock")
    assert shown.status_code == 200
    assert shown.json()["data"]["offset"] == 60
    assert admin.get("/_opengauge/journal").status_code == 200
