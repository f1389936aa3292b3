"""Helpers of the follow-up tests: systems with console users and answered survey records,
made through the API as a client would, and what the database keeps of a follow-up."""

from __future__ import annotations

from typing import Any

from tests.server.console.support import console_tenant
from tests.support import RunningServer, Tenant, put_record, tenant_seed

#: An External Response mapping that also names the account and the touchpoint.
RESPONSES = "responses"
RESPONDED = "2024-05-01 10:00:00"


def follow_up_tenant(server: RunningServer) -> Tenant:
    """A fresh system with an Administrator and a Viewer (``tests.server.console.support``)
    and the mapping :data:`RESPONSES` beside the usual ones."""
    mappings = tenant_seed("any")["systems"][0]["mappings"]
    responses = {
        "reference": RESPONSES,
        "name": "Responses",
        "data_type": "External Response",
        "fields": {
            "Email": "contact.email",
            "Phone": "contact.phone",
            "First Name": "contact.first_name",
            "Last Name": "contact.last_name",
            "Account Name": "account.name",
            "Touchpoint": "survey.touchpoint",
            "NPS": "survey.nps",
            "Comment": "survey.comment",
            "Responded": "survey.date_response",
        },
    }
    return console_tenant(server, mappings=[*mappings, responses])


def answer(
    tenant: Tenant,
    nps: int,
    email: str = "ann@example.com",
    responded: str = RESPONDED,
    **fields: str,
) -> int:
    """Import one answered survey record (``PUT /records/``); its CG-ID."""
    record = {"Email": email, "NPS": str(nps), "Responded": responded, **fields}
    with tenant.client() as http:
        response = put_record(http, RESPONSES, record)
    assert response.status_code == 200, response.text
    ((record_id,),) = tenant.server.rows(
        "SELECT MAX(id) FROM survey_records WHERE system_id = ?", (tenant.system_id,)
    )
    return int(record_id)


def workflow_of(tenant: Tenant, record_id: int) -> tuple[Any, ...] | None:
    """The record's (status, assigned_to) as stored, or None without a workflows row."""
    rows = tenant.server.rows(
        "SELECT status, assigned_to FROM workflows WHERE survey_record_id = ? AND system_id = ?",
        (record_id, tenant.system_id),
    )
    return tuple(rows[0]) if rows else None


def history_of(tenant: Tenant, record_id: int) -> list[tuple[Any, ...]]:
    """The record's changes in order: (by, status, assigned_to, comment)."""
    return [
        tuple(row)
        for row in tenant.server.rows(
            'SELECT "by", status, assigned_to, comment FROM workflow_events'
            " WHERE survey_record_id = ? AND system_id = ? ORDER BY id",
            (record_id, tenant.system_id),
        )
    ]


def follow_up_mails(tenant: Tenant) -> list[tuple[Any, ...]]:
    """The system's follow-up e-mails in order: (recipient, record, subject, link)."""
    return [
        tuple(row)
        for row in tenant.server.rows(
            "SELECT recipient, survey_record_id, subject, link FROM outbox"
            " WHERE system_id = ? AND kind = 'follow_up' ORDER BY id",
            (tenant.system_id,),
        )
    ]


def follow_up_state(tenant: Tenant) -> dict[str, list[tuple[Any, ...]]]:
    """Every follow-up row of the system, its history and its outbox, to prove a refused
    change wrote nothing."""
    return {
        table: tenant.server.rows(
            f"SELECT * FROM {table} WHERE system_id = ? ORDER BY 1",  # noqa: S608
            (tenant.system_id,),
        )
        for table in ("workflows", "workflow_events", "outbox")
    }
