"""Survey Data / Multi-Object imports queue invitations (spec section 8, "Outbox")."""

from __future__ import annotations

import uuid
from typing import Any

from opengauge.server.storage.repositories import lists
from tests.support import MULTI_MAPPING, RunningServer, Tenant, create_tenant, put_record


def _statuses(tenant: Tenant) -> list[tuple[Any, ...]]:
    return tenant.server.rows(
        "SELECT c.email, r.status, r.delivery_vector, r.date_sent IS NOT NULL"
        " FROM survey_records r JOIN contacts c ON c.id = r.contact_id"
        " WHERE r.system_id = ? ORDER BY r.id",
        (tenant.system_id,),
    )


def _outbox(tenant: Tenant) -> list[tuple[Any, ...]]:
    return tenant.server.rows(
        "SELECT o.recipient, o.subject, o.link, o.status, r.link_code FROM outbox o"
        " JOIN survey_records r ON r.id = o.survey_record_id WHERE o.system_id = ? ORDER BY o.id",
        (tenant.system_id,),
    )


def test_survey_data_queues_one_invitation_with_the_survey_link(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(http, "survey", {"Email": "Inv@Example.com"})
    assert response.status_code == 200
    # The address keeps the case it was sent with; matching ignores case.
    assert _statuses(tenant) == [("Inv@Example.com", "QUEUED", "Email", True)]
    ((recipient, subject, link, status, code),) = _outbox(tenant)
    assert recipient == "Inv@Example.com"
    assert subject == f"How likely are you to recommend {tenant.name}?"
    assert link == f"{tenant.server.app.settings.base_url}/r/{code}"
    assert status == "QUEUED"


def test_unsubscribed_and_bounced_contacts_get_no_invitation(tenant: Tenant) -> None:
    now = "2024-01-01 00:00:00"

    def suppress(tx: Any) -> None:
        tx.write(
            "INSERT INTO unsubscribes (system_id, email, added_by, created_at) VALUES (?, ?, ?, ?)",
            (tenant.system_id, "gone@example.com", "api_key", now),
        )
        lists.add_bounce(
            tx, tenant.system_id, "Bounce@example.com", "hard", "550 no such user", now
        )

    tenant.server.db.run_sync(suppress)
    with tenant.client() as http:
        gone = put_record(http, MULTI_MAPPING, {"Email": "GONE@example.com"})
        bounced = put_record(http, MULTI_MAPPING, {"Email": "bounce@example.com"})
    assert gone.status_code == bounced.status_code == 200
    assert _statuses(tenant) == [
        ("GONE@example.com", "UNSUBSCRIBED", "Email", False),
        ("bounce@example.com", "BOUNCED", "Email", False),
    ]
    assert _outbox(tenant) == []


def test_a_duplicate_is_accepted_but_not_sent(server: RunningServer) -> None:
    tenant = create_tenant(
        server,
        f"dup-{uuid.uuid4().hex[:8]}",
        duplication_rule={"enabled": True, "days": 90, "fields": []},
    )
    with tenant.client() as http:
        first = put_record(http, "survey", {"Email": "d@example.com"})
        second = put_record(http, "survey", {"Email": "d@example.com"})
    assert first.status_code == second.status_code == 200
    assert second.content == b""
    assert [row[1] for row in _statuses(tenant)] == ["QUEUED", "DUPLICATE"]
    assert len(_outbox(tenant)) == 1


def test_duplicates_and_suppressed_records_do_not_restart_the_interval(
    server: RunningServer,
) -> None:
    tenant = create_tenant(
        server,
        f"dup2-{uuid.uuid4().hex[:8]}",
        duplication_rule={"enabled": True, "days": 90, "fields": []},
    )
    with tenant.client() as http:
        for _ in range(3):
            put_record(http, "survey", {"Email": "x@example.com"})
    assert [row[1] for row in _statuses(tenant)] == ["QUEUED", "DUPLICATE", "DUPLICATE"]


def test_phone_only_contacts_get_a_record_but_no_email(tenant: Tenant) -> None:
    with tenant.client() as http:
        response = put_record(http, MULTI_MAPPING, {"Phone": "+31 6 1234 5678"})
    assert response.status_code == 200
    assert tenant.server.rows(
        "SELECT status FROM survey_records WHERE system_id = ?", (tenant.system_id,)
    ) == [("NO_EMAIL",)]
    assert _outbox(tenant) == []


def test_external_responses_and_personal_links_queue_nothing(server: RunningServer) -> None:
    tenant = create_tenant(
        server,
        f"ext-{uuid.uuid4().hex[:8]}",
        campaigns=[{"name": "all", "filters": []}],
    )
    with tenant.client() as http:
        put_record(http, "external", {"Email": "e@example.com", "NPS": 8})
        http.put(
            "/personal-link/",
            json={"configuration": MULTI_MAPPING, "record": {"Email": "p@example.com"}},
        )
    assert _outbox(tenant) == []
    assert tenant.count("survey_records") == 2


def test_invitations_that_are_not_sent_have_no_survey_link(server: RunningServer) -> None:
    tenant = create_tenant(
        server,
        f"nolink-{uuid.uuid4().hex[:8]}",
        duplication_rule={"enabled": True, "days": 90, "fields": []},
    )
    with tenant.client() as http:
        put_record(http, "survey", {"Email": "l@example.com"})
        put_record(http, "survey", {"Email": "l@example.com"})
        put_record(http, MULTI_MAPPING, {"Phone": "+31 6 1111 2222"})
    rows = server.rows(
        "SELECT status, link_code IS NOT NULL, form_token IS NOT NULL FROM survey_records"
        " WHERE system_id = ? ORDER BY id",
        (tenant.system_id,),
    )
    assert rows == [("QUEUED", True, True), ("DUPLICATE", False, False), ("NO_EMAIL", False, False)]
