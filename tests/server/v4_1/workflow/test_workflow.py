"""POST /v4.1/workflow (spec section 11, evidence §2.25): every answer in JSON and XML, how
statuses are stored, the history, one system's records only, the assignee's e-mail."""

from __future__ import annotations

import calendar
import time
from typing import Any

import pytest

from opengauge.server.clock import Clock
from tests.server.console.support import admin_of, viewer_of
from tests.server.v4_1.support import call
from tests.server.workflow.support import (
    answer,
    follow_up_mails,
    follow_up_state,
    follow_up_tenant,
    history_of,
    workflow_of,
)
from tests.support import RunningServer, Tenant

XML_HEAD = b'<?xml version="1.0" encoding="utf-8"?>\n'
NOT_FOUND = ("Workflow not found", 400200)
#: The typographic quotes are the documentation's.
REQUIRED = ("Required field \u2018number_customergauge\u2019 not supplied", 400201)
BAD_STATUS = ("Workflow status does not exist", 400011)
INVALID = ("Invalid arguments supplied", 300001)


@pytest.fixture
def tenant(server: RunningServer) -> Tenant:
    return follow_up_tenant(server)


def post(tenant: Tenant, fmt: str = "json", **data: Any) -> Any:
    return call(tenant, "POST", "workflow", fmt, data=data)


def error_body(message: str, code: int, fmt: str) -> bytes:
    if fmt == "json":
        return f'{{"Error":{{"Message":"{message}","Code":{code}}}}}'.encode()
    return XML_HEAD + f"<Error><Message>{message}</Message><Code>{code}</Code></Error>".encode()


# -- answers --------------------------------------------------------------------------


def test_a_change_answers_with_the_cg_id_as_a_number(tenant: Tenant) -> None:
    record = answer(tenant, 3)
    done = post(tenant, number_customergauge=str(record), status="CLOSE", comment="Solved")
    assert done.status_code == 200
    assert done.content == b'{"Data":{"number_customergauge":%d}}' % record
    as_xml = post(tenant, "xml", number_customergauge=str(record), comment="Called back")
    assert as_xml.status_code == 200
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert as_xml.content == (
        XML_HEAD + b"<Data><number_customergauge>%d</number_customergauge></Data>" % record
    )
    assert workflow_of(tenant, record) == ("CLOSED", None)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, REQUIRED),
        ({"number_customergauge": "", "status": "OPEN"}, REQUIRED),
        ({"number_customergauge": "twelve", "status": "OPEN"}, INVALID),
        ({"number_customergauge": "-3", "status": "OPEN"}, INVALID),
        ({"number_customergauge": "1" * 19, "status": "OPEN"}, INVALID),
        ({"status": "DONE"}, BAD_STATUS),
        ({"status": "100"}, BAD_STATUS),
        ({"status": "-1"}, BAD_STATUS),
        ({"status": "1.5"}, BAD_STATUS),
        ({"status": "IN PROGRESS"}, BAD_STATUS),
        ({"status": "DONE", "assigned_to": "nobody@example.com"}, BAD_STATUS),
        ({}, INVALID),  # nothing to change
        ({"status": " ", "comment": "", "assigned_to": ""}, INVALID),
        ({"comment": "x" * 4001}, INVALID),
        ({"assigned_to": "nobody@example.com"}, INVALID),
        ({"assigned_to": "not an address", "comment": "hi"}, INVALID),
    ],
)
def test_every_refusal_in_json_and_xml_changes_nothing(
    tenant: Tenant, fmt: str, data: dict[str, str], expected: tuple[str, int]
) -> None:
    record = answer(tenant, 4)
    if expected != REQUIRED:
        data = {"number_customergauge": str(record), **data}
    before = follow_up_state(tenant)
    refused = post(tenant, fmt, **data)
    assert refused.status_code == 400
    assert refused.content == error_body(*expected, fmt)
    assert follow_up_state(tenant) == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_record_the_system_does_not_have_is_not_found(
    server: RunningServer, tenant: Tenant, fmt: str
) -> None:
    other = follow_up_tenant(server)
    theirs = answer(other, 2)
    mine = answer(tenant, 2)
    before = follow_up_state(other)
    for cg_id in (theirs, mine + 1000, 2**31, 0):
        refused = post(tenant, fmt, number_customergauge=str(cg_id), status="CLOSED")
        assert refused.status_code == 400, cg_id
        assert refused.content == error_body(*NOT_FOUND, fmt)
    assert follow_up_state(other) == before
    # ... and another system's user is no assignee here.
    refused = post(tenant, fmt, number_customergauge=str(mine), assigned_to=admin_of(other))
    assert refused.content == error_body(*INVALID, fmt)
    assert workflow_of(tenant, mine) is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_credentials_and_other_methods(tenant: Tenant, fmt: str) -> None:
    record = answer(tenant, 5)
    with tenant.server.client(headers={"Authorization": "api_key wrong"}) as http:
        refused = http.post(
            f"/v4.1/workflow.{fmt}", data={"number_customergauge": str(record), "status": "CLOSED"}
        )
    assert refused.status_code == 401
    assert refused.content == error_body("Invalid API Key", 200000, fmt)
    listed = call(tenant, "GET", "workflow", fmt)
    assert listed.status_code == 405
    assert listed.content == error_body("Method does not exist", 300003, fmt)
    assert workflow_of(tenant, record) is None


# -- statuses and history ------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("OPEN", "OPEN"),
        ("IN-PROGRESS", "IN-PROGRESS"),
        ("PROGRESS", "IN-PROGRESS"),
        ("CLOSED", "CLOSED"),
        ("CLOSE", "CLOSED"),
        ("close", "CLOSED"),
        (" progress ", "IN-PROGRESS"),
        ("0", "0"),
        ("07", "7"),
        ("99", "99"),
    ],
)
def test_statuses_are_stored_as_the_documented_set(tenant: Tenant, given: str, stored: str) -> None:
    record = answer(tenant, 6)
    # A record is OPEN to start with: first move it elsewhere, so OPEN is a change too.
    post(tenant, number_customergauge=str(record), status="12")
    assert post(tenant, number_customergauge=str(record), status=given).status_code == 200
    assert workflow_of(tenant, record) == (stored, None)
    assert history_of(tenant, record)[-1] == ("api_key", stored, None, None)


def test_every_change_is_kept_in_order_with_who_and_when(tenant: Tenant, clock: Clock) -> None:
    record = answer(tenant, 2)
    clock.freeze()
    clock.set_time(calendar.timegm(time.strptime("2025-03-01 09:00:00", "%Y-%m-%d %H:%M:%S")))
    post(tenant, number_customergauge=str(record), assigned_to=viewer_of(tenant).upper())
    clock.advance(60)
    post(tenant, number_customergauge=str(record), status="PROGRESS", comment=" Calling them ")
    clock.advance(60)
    with tenant.client() as http:  # a connected app is named by its name
        by_app = http.post(
            "/v4.1/workflow.json",
            data={"number_customergauge": str(record), "status": "CLOSE", "comment": "Solved"},
        )
    assert by_app.status_code == 200
    assert history_of(tenant, record) == [
        ("api_key", None, viewer_of(tenant), None),
        ("api_key", "IN-PROGRESS", None, "Calling them"),
        ("crm", "CLOSED", None, "Solved"),
    ]
    times = tenant.server.rows(
        "SELECT at FROM workflow_events WHERE survey_record_id = ? ORDER BY id", (record,)
    )
    assert [at for (at,) in times] == [
        "2025-03-01 09:00:00",
        "2025-03-01 09:01:00",
        "2025-03-01 09:02:00",
    ]
    assert workflow_of(tenant, record) == ("CLOSED", viewer_of(tenant))
    ((updated,),) = tenant.server.rows(
        "SELECT updated_at FROM workflows WHERE survey_record_id = ?", (record,)
    )
    assert updated == "2025-03-01 09:02:00"


def test_the_same_change_again_is_answered_and_recorded_once(tenant: Tenant) -> None:
    record = answer(tenant, 1)
    change = {"number_customergauge": str(record), "status": "CLOSED"}
    first, again = post(tenant, **change), post(tenant, **change)
    assert first.status_code == again.status_code == 200
    assert again.json() == {"Data": {"number_customergauge": record}}
    assert history_of(tenant, record) == [("api_key", "CLOSED", None, None)]
    # A comment is always a change; the status it repeats is left out of the history.
    post(tenant, **change, comment="Still closed")
    assert history_of(tenant, record)[-1] == ("api_key", None, None, "Still closed")
    # A record is OPEN until a change says otherwise: OPEN alone changes nothing.
    fresh = answer(tenant, 1, email="fresh@example.com")
    assert post(tenant, number_customergauge=str(fresh), status="OPEN").status_code == 200
    assert workflow_of(tenant, fresh) is None
    assert history_of(tenant, fresh) == []


def test_any_record_of_the_system_can_be_followed_up(tenant: Tenant) -> None:
    # A promoter, and an invitation nobody answered yet: the API takes any CG-ID.
    promoter = answer(tenant, 10)
    with tenant.client() as http:
        http.put("/records/", json={"configuration": "survey", "record": {"Email": "q@x.com"}})
    ((invited,),) = tenant.server.rows(
        "SELECT MAX(id) FROM survey_records WHERE system_id = ?", (tenant.system_id,)
    )
    for record in (promoter, int(invited)):
        assert post(tenant, number_customergauge=str(record), status="CLOSED").status_code == 200
        assert workflow_of(tenant, record) == ("CLOSED", None)


# -- the assignee's e-mail ------------------------------------------------------------


def test_a_new_assignee_is_mailed_a_link_to_the_follow_up(tenant: Tenant) -> None:
    record = answer(tenant, 0)
    base_url = tenant.server.app.settings.base_url
    subject = f"The follow-up of survey record {record} in {tenant.name} is assigned to you"
    link = f"{base_url}/console/follow-up/{record}"
    post(tenant, number_customergauge=str(record), assigned_to=viewer_of(tenant))
    assert follow_up_mails(tenant) == [(viewer_of(tenant), record, subject, link)]
    # The same assignee again, in any case, with other changes: no second e-mail.
    post(
        tenant,
        number_customergauge=str(record),
        assigned_to=viewer_of(tenant).upper(),
        status="PROGRESS",
    )
    assert len(follow_up_mails(tenant)) == 1
    assert history_of(tenant, record)[-1] == ("api_key", "IN-PROGRESS", None, None)
    # Someone else: their own e-mail.
    post(tenant, number_customergauge=str(record), assigned_to=admin_of(tenant))
    assert [mail[0] for mail in follow_up_mails(tenant)] == [viewer_of(tenant), admin_of(tenant)]


def test_a_disabled_user_is_no_assignee(tenant: Tenant) -> None:
    record = answer(tenant, 3)
    with tenant.client() as http:
        disabled = http.patch("/v5/user-manager/users/disable", json={"email": viewer_of(tenant)})
    assert disabled.status_code == 204
    refused = post(tenant, number_customergauge=str(record), assigned_to=viewer_of(tenant))
    assert refused.json() == {"Error": {"Message": INVALID[0], "Code": INVALID[1]}}
    assert follow_up_mails(tenant) == []


def test_the_control_plane_lists_the_e_mail_as_a_follow_up(tenant: Tenant) -> None:
    record = answer(tenant, 3)
    post(tenant, number_customergauge=str(record), assigned_to=admin_of(tenant))
    token = tenant.server.app.admin_token
    with tenant.server.client(headers={"Authorization": f"Bearer {token}"}) as admin:
        listed = admin.get(f"/_opengauge/systems/{tenant.name}/outbox").json()["data"]
    (entry,) = [e for e in listed if e["kind"] == "follow_up"]
    assert entry["number_customergauge"] == record
    assert entry["to"] == admin_of(tenant)
    assert entry["status"] == "QUEUED"
    assert entry["link"].endswith(f"/console/follow-up/{record}")


# -- GDPR -----------------------------------------------------------------------------


def test_anonymizing_the_customer_overwrites_the_follow_up_comments(tenant: Tenant) -> None:
    record = answer(tenant, 2, email="gdpr@example.com", Comment="Call me on 555 1234")
    other = answer(tenant, 2, email="keep@example.com")
    post(tenant, number_customergauge=str(record), comment="Rang 555 1234, no answer")
    post(tenant, number_customergauge=str(record), status="CLOSED")
    post(tenant, number_customergauge=str(other), comment="Kept")
    post(tenant, number_customergauge=str(record), assigned_to=admin_of(tenant))
    post(tenant, number_customergauge=str(other), assigned_to=admin_of(tenant))
    done = call(tenant, "POST", "anonymize", data={"email": "gdpr@example.com"})
    assert done.status_code == 200
    # The e-mail about the anonymized record's follow-up goes with the record's invitations.
    assert [mail[1] for mail in follow_up_mails(tenant)] == [other]
    anonymized = "This comment has been anonymised based on customer request"
    assert [row[3] for row in history_of(tenant, record)] == [anonymized, None, None]
    assert [row[3] for row in history_of(tenant, other)] == ["Kept", None]
