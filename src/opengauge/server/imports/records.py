"""``PUT /records/``: one record written through its inbound mapping.

What the record becomes depends on the mapping's data type: :data:`HANDLERS` holds one
writer per type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from opengauge.server.auth.service import require_active_app
from opengauge.server.domain import mapping as m
from opengauge.server.domain import records as r
from opengauge.server.domain import revenue as revenue_rules
from opengauge.server.errors import ValidationFailed
from opengauge.server.imports.common import (
    Context,
    TxLookups,
    account_of,
    add_survey_record,
    contact_fields,
    contact_key,
    find_mapping,
    new_reference,
    record_problems,
    system_rule_hit,
)
from opengauge.server.imports.schemas import RECORD_REQUIRED, read_record_import
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import (
    accounts,
    contacts,
    lists,
    outbox,
    records,
    revenue,
    systems,
)
from opengauge.server.tokens import Claims

STATUS_QUEUED = "QUEUED"
STATUS_RESPONDED = "RESPONDED"
STATUS_DUPLICATE = "DUPLICATE"
STATUS_UNSUBSCRIBED = "UNSUBSCRIBED"
STATUS_BOUNCED = "BOUNCED"
#: Survey Data for a contact with only a phone number: OpenGauge sends no SMS.
STATUS_NO_EMAIL = "NO_EMAIL"

VECTOR_EMAIL = "Email"
INVITATION_SUBJECT = "How likely are you to recommend {system}?"


def put_record(
    params: dict[str, Any], claims: Claims, context: Context
) -> Callable[[Tx], list[str]]:
    """Upsert one record through its mapping; the operation returns the ignored keys.

    The body's shape is checked here, before the operation is queued.
    """
    request = read_record_import(params)
    system_id = claims.system_id

    def operation(tx: Tx) -> list[str]:
        require_active_app(tx, claims)
        mapping = find_mapping(tx, system_id, request.configuration)
        if request.record is None:
            raise ValidationFailed({"record": [RECORD_REQUIRED]})
        clean, errors = r.validate_record(mapping, request.record, TxLookups(tx, system_id))
        problems = record_problems(errors, clean.ignored, request.configuration, context.strict)
        if problems:
            raise ValidationFailed(problems, ignored=clean.ignored)
        HANDLERS[mapping.data_type](tx, system_id, mapping, clean, context)
        return clean.ignored

    return operation


# -- one writer per data type ---------------------------------------------------------

Handler = Callable[[Tx, int, m.Mapping, r.CleanRecord, Context], None]


def _put_account(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, context: Context
) -> None:
    now = context.clock.timestamp()
    account = account_of(tx, system_id, clean, now)
    if account is not None:
        accounts.put_quietly(tx, system_id, *account, now)


def _add_alias(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, context: Context
) -> None:
    accounts.add_alias(tx, system_id, clean.ids["account.name"], clean.values["account.alias"])


def _put_contact(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, context: Context
) -> None:
    """A Contact record: nothing waits for its upserts (on PostgreSQL one queued statement)."""
    now = context.clock.timestamp()
    account = account_of(tx, system_id, clean, now)
    contacts.put_with_account(tx, system_id, account, contact_fields(clean, None), now)


def _add_external_response(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, context: Context
) -> None:
    """A record that is already answered: no invitation, no duplication rule, no link."""
    now = context.clock.timestamp()
    add_survey_record(
        tx,
        system_id,
        mapping,
        clean,
        now,
        with_link=False,
        delivery_vector=VECTOR_EMAIL,
        status=STATUS_RESPONDED,
        nps=clean.get("survey.nps"),
        comment=clean.get("survey.comment"),
        date_response=clean.get("survey.date_response") or now,
    )


def _invite_by_email(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, context: Context
) -> None:
    """Survey Data / Multi-Object: a survey record and, unless suppressed, an e-mail."""
    now = context.clock.timestamp()
    key = contact_key(clean)
    records.lock_contact(tx, system_id, key)
    earlier_contact = contacts.find_id(tx, system_id, key)
    email = clean.get("contact.email")
    if email and lists.is_unsubscribed(tx, system_id, email):
        status = STATUS_UNSUBSCRIBED
    elif email and lists.is_bounced(tx, system_id, email):
        status = STATUS_BOUNCED
    elif system_rule_hit(tx, system_id, earlier_contact, clean, now):
        # The real service accepts the record and suppresses the send.
        status = STATUS_DUPLICATE
    elif not email:
        status = STATUS_NO_EMAIL
    else:
        status = STATUS_QUEUED
    record_id, code = add_survey_record(
        tx,
        system_id,
        mapping,
        clean,
        now,
        with_link=status == STATUS_QUEUED,
        delivery_vector=VECTOR_EMAIL,
        status=status,
        date_sent=now if status == STATUS_QUEUED else None,
    )
    if status == STATUS_QUEUED:
        assert email is not None
        subject = INVITATION_SUBJECT.format(system=systems.system_name(tx, system_id))
        outbox.enqueue(tx, system_id, record_id, email, subject, context.survey_link(code), now)


def _put_activity(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, context: Context
) -> None:
    now = context.clock.timestamp()
    account_id = accounts.ensure(tx, system_id, clean.values["account.name"], now)
    reference = clean.get("activity.reference") or new_reference()
    records.put_activity(
        tx,
        system_id,
        reference,
        records.ActivityFields(
            account_id=account_id,
            contact_id=clean.ids.get("contact"),
            type=clean.values["activity.type"],
            source=clean.values["activity.source"],
            happened_at=clean.values["activity.happened_at"],
            details=json.dumps(clean.with_prefix(m.DETAILS_PREFIX)),
        ),
        now,
    )


def _add_revenue_line(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, context: Context
) -> None:
    """A revenue line and its monthly amounts, as a revenue file row would give."""
    end = clean.get("revenue.end")
    line = revenue_rules.RevenueRow(
        account=clean.values["account.name"],
        amount=Decimal(clean.values["revenue.amount"]),
        start=date.fromisoformat(clean.values["revenue.start"]),
        end=date.fromisoformat(end) if end else None,
        kind=clean.values["revenue.type"],
        description=clean.get("revenue.description"),
    )
    new_line = revenue.NewLine(
        account_id=clean.ids["account.name"],
        amount=Decimal(line.amount),
        start=line.start,
        end=line.end,
        kind=line.kind,
        description=line.description,
        months=revenue_rules.expand(line),
    )
    revenue.add_lines(tx, system_id, None, [new_line], context.clock.timestamp())


#: Data type -> what a valid record of that type writes. Mappings are checked against
#: ``mapping.DATA_TYPES`` when stored, and a test checks this table covers them all.
HANDLERS: dict[str, Handler] = {
    m.ACCOUNT: _put_account,
    m.ACCOUNT_ALIAS: _add_alias,
    m.CONTACT: _put_contact,
    m.SURVEY_DATA: _invite_by_email,
    m.MULTI_OBJECT: _invite_by_email,
    m.EXTERNAL_RESPONSE: _add_external_response,
    m.ACTIVITY: _put_activity,
    m.REVENUE: _add_revenue_line,
}
