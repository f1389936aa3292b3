"""GET and POST ``/v4.1/anonymize``: preview, anonymize by email, telephone or CG-ID."""

from __future__ import annotations

import uuid

import pytest

from opengauge.server.domain.anonymization import COMMENT
from tests.server.v4_1.anonymize.support import add_person, new_person, record_ids, traces
from tests.server.v4_1.support import call
from tests.support import MULTI_MAPPING, RunningServer, Tenant, create_tenant, put_record

REQUIRED = {"Error": {"Message": "Required field \u2018id\u2019 not supplied", "Code": 400800}}


def _done(count: int) -> dict[str, object]:
    return {"Data": {"Message": "Records anonymized", "Count": str(count)}}


def _outbox(tenant: Tenant, ids: list[int]) -> list[tuple[object, ...]]:
    marks = ", ".join("?" for _ in ids)
    return tenant.server.rows(
        f"SELECT recipient FROM outbox WHERE survey_record_id IN ({marks})",  # noqa: S608
        tuple(ids),
    )


def test_preview_lists_records_then_post_by_email_leaves_no_trace(tenant: Tenant) -> None:
    person = new_person()
    ids = add_person(tenant, person)
    assert len(ids) == 2
    assert len(_outbox(tenant, ids)) == 1

    preview = call(tenant, "GET", "anonymize", params={"email": person.email.upper()})
    assert preview.status_code == 200
    row = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "sms_telephone": person.phone,
    }
    assert preview.json() == {
        "Data": [{**row, "number_customergauge": str(record_id)} for record_id in ids]
    }

    done = call(tenant, "POST", "anonymize", data={"email": person.email})
    assert done.status_code == 200
    assert done.json() == _done(2)
    assert traces(tenant.server, person) == []

    (contact,) = tenant.server.rows(
        "SELECT c.key, c.email, c.phone, c.first_name, c.last_name, c.number, c.job_position,"
        " c.job_level FROM contacts c JOIN survey_records r ON r.contact_id = c.id"
        " WHERE r.id = ?",
        (ids[0],),
    )
    key, email, *rest = contact
    assert key.startswith("anonymized:")
    assert email.endswith("@anonymized.invalid")
    assert email != person.email
    assert rest == ["***", "***", "***", "***", "--", "*"]
    marks = ", ".join("?" for _ in ids)
    records = tenant.server.rows(
        f"SELECT comment, link_code, form_token FROM survey_records WHERE id IN ({marks})"  # noqa: S608
        " ORDER BY id",
        tuple(ids),
    )
    assert records == [(None, None, None), (COMMENT, None, None)]
    assert _outbox(tenant, ids) == []
    assert tenant.count("unsubscribes") == 0
    assert tenant.count("bounces") == 0

    after = call(tenant, "GET", "anonymize", data={"email": person.email})
    assert after.json() == {"Data": []}
    again = call(tenant, "POST", "anonymize", data={"email": person.email})
    assert again.json() == _done(0)


def test_post_by_telephone_matches_digits_in_any_format(tenant: Tenant) -> None:
    person = new_person()
    ids = add_person(tenant, person)
    # A second contact known only by the same number, written differently.
    spaced = f"+{person.digits[:2]} ({person.digits[2]}) {person.digits[3:]}"
    with tenant.client() as http:
        only_phone = put_record(
            http, MULTI_MAPPING, {"Phone": spaced, "First Name": person.first_name}
        )
    assert only_phone.status_code == 200, only_phone.text

    preview = call(tenant, "GET", "anonymize", params={"telephone": person.digits})
    assert [item["sms_telephone"] for item in preview.json()["Data"]] == [
        person.phone,
        person.phone,
        spaced,
    ]
    done = call(tenant, "POST", "anonymize", data={"telephone": f"+{person.digits}"})
    assert done.json() == _done(3)
    assert traces(tenant.server, person) == []
    assert record_ids(tenant, person) == []
    assert call(tenant, "POST", "anonymize", data={"telephone": person.phone}).json() == _done(0)
    assert len(ids) == 2


def test_post_by_id_anonymizes_the_records_contact(tenant: Tenant) -> None:
    person = new_person()
    ids = add_person(tenant, person)
    done = call(tenant, "POST", "anonymize", params={"id": str(ids[1])})
    assert done.json() == _done(2)
    assert traces(tenant.server, person) == []
    again = call(tenant, "POST", "anonymize", data={"id": str(ids[0])})
    assert again.json() == _done(0)


def test_a_subject_nobody_matches_counts_zero(tenant: Tenant) -> None:
    unknown = f"nobody-{uuid.uuid4().hex}@example.com"
    assert call(tenant, "GET", "anonymize", params={"email": unknown}).json() == {"Data": []}
    assert call(tenant, "POST", "anonymize", data={"email": unknown}).json() == _done(0)
    assert call(tenant, "POST", "anonymize", data={"id": "999999999"}).json() == _done(0)
    assert call(tenant, "POST", "anonymize", data={"telephone": "no digits"}).json() == _done(0)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("GET", {}),
        ("GET", {"email": "  "}),
        ("GET", {"id": "12"}),  # the preview takes no CG-ID
        ("POST", {}),
        ("POST", {"email": "", "telephone": ""}),
    ],
)
def test_no_subject_is_400800_and_writes_nothing(
    tenant: Tenant, method: str, params: dict[str, str]
) -> None:
    person = new_person()
    add_person(tenant, person)
    before = tenant.server.snapshot()
    response = call(tenant, method, "anonymize", data=params)
    assert response.status_code == 400
    assert response.json() == REQUIRED
    assert tenant.server.snapshot() == before
    assert tenant.count("unsubscribes") == 1


def test_errors_in_xml(tenant: Tenant) -> None:
    required = call(tenant, "POST", "anonymize", fmt="xml")
    assert required.status_code == 400
    assert required.text == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<Error><Message>Required field \u2018id\u2019 not supplied</Message>"
        "<Code>400800</Code></Error>"
    )
    bad_id = call(tenant, "POST", "anonymize", fmt="xml", data={"id": "12a"})
    assert bad_id.status_code == 400
    assert "<Code>300001</Code>" in bad_id.text


def test_preview_and_post_in_xml(tenant: Tenant) -> None:
    person = new_person()
    ids = add_person(tenant, person)
    preview = call(tenant, "GET", "anonymize", fmt="xml", data={"email": person.email})
    assert preview.status_code == 200
    assert preview.headers["content-type"].startswith("application/xml")
    assert preview.text == (
        '<?xml version="1.0" encoding="utf-8"?>\n<Data>'
        + "".join(
            f"<item><first_name>{person.first_name}</first_name>"
            f"<last_name>{person.last_name}</last_name><email>{person.email}</email>"
            f"<sms_telephone>{person.phone}</sms_telephone>"
            f"<number_customergauge>{record_id}</number_customergauge></item>"
            for record_id in ids
        )
        + "</Data>"
    )
    done = call(tenant, "POST", "anonymize", fmt="xml", data={"email": person.email})
    assert done.text == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<Data><Message>Records anonymized</Message><Count>2</Count></Data>"
    )
    empty = call(tenant, "GET", "anonymize", fmt="xml", data={"email": person.email})
    assert empty.text == '<?xml version="1.0" encoding="utf-8"?>\n<Data></Data>'


def test_other_systems_keep_the_same_contact(server: RunningServer, tenant: Tenant) -> None:
    other = create_tenant(server, f"t-{uuid.uuid4().hex[:10]}")
    person = new_person()
    add_person(tenant, person)
    kept = add_person(other, person)
    before = other.server.rows(
        "SELECT * FROM contacts WHERE system_id = ? ORDER BY id", (other.system_id,)
    )

    done = call(tenant, "POST", "anonymize", data={"email": person.email})
    assert done.json() == _done(2)
    assert traces(server, person, tenant.system_id) == []
    after = other.server.rows(
        "SELECT * FROM contacts WHERE system_id = ? ORDER BY id", (other.system_id,)
    )
    assert after == before
    assert other.count("unsubscribes") == 1
    assert other.count("bounces") == 1
    assert len(_outbox(other, kept)) == 1
    preview = call(other, "GET", "anonymize", data={"email": person.email})
    assert [item["number_customergauge"] for item in preview.json()["Data"]] == [
        str(record_id) for record_id in kept
    ]
