"""The import use cases. Each function returns an operation for ``Database.run``.

Operations check everything before they write, so a refusal leaves the database unchanged,
and run inside the writer's shared transaction (see ``storage/database.py``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from opengauge.server.auth.service import require_active_app
from opengauge.server.auth.tokens import Claims
from opengauge.server.clock import Clock
from opengauge.server.domain import campaigns as c
from opengauge.server.domain import duplication as dup
from opengauge.server.domain import mapping as m
from opengauge.server.domain import records as r
from opengauge.server.domain import revenue as revenue_rules
from opengauge.server.domain import validation as v
from opengauge.server.errors import DomainRefusal, MappingNotFound, ValidationFailed
from opengauge.server.imports.schemas import (
    RECORD_REQUIRED,
    read_account,
    read_activity,
    read_contract,
    read_record_import,
)
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import (
    accounts,
    contacts,
    lists,
    mappings,
    outbox,
    records,
    revenue,
    systems,
)
from opengauge.server.storage.repositories.accounts import AccountFields
from opengauge.server.storage.repositories.contacts import ContactFields

STATUS_QUEUED = "QUEUED"
STATUS_SENT = "SENT"
STATUS_RESPONDED = "RESPONDED"
STATUS_DUPLICATE = "DUPLICATE"
STATUS_UNSUBSCRIBED = "UNSUBSCRIBED"
STATUS_BOUNCED = "BOUNCED"
#: Survey Data for a contact with only a phone number: OpenGauge sends no SMS.
STATUS_NO_EMAIL = "NO_EMAIL"

VECTOR_EMAIL = "Email"
VECTOR_PERSONAL_LINK = "Personal Link"

NO_CAMPAIGN = "Could not match any campaign filter."
SYSTEM_DUPLICATE = "Record could not be imported because it duplicates with another record."
CAMPAIGN_DUPLICATE = (
    "Personal link record could not be created because it duplicates with another record."
)
WRONG_DATA_TYPE = (
    "The inbound mapping [{reference}] data type is invalid, only 'Multi-Object' or"
    " 'Survey Data' are allowed."
)
INVITATION_SUBJECT = "How likely are you to recommend {system}?"
#: Strict mode's message for a record key the mapping would ignore (an OpenGauge extension).
UNMAPPED_KEY = "The {key} field is not in the inbound mapping [{reference}]."


@dataclass(frozen=True)
class Context:
    """What operations need besides the request: the clock and where links point."""

    clock: Clock
    base_url: str
    #: Refuse records with keys the mapping ignores (strict mode) instead of dropping them.
    strict: bool = False

    def survey_link(self, code: str) -> str:
        return f"{self.base_url}/r/{code}"

    def short_link(self, code: str) -> str:
        return f"{self.base_url}/s/{code}"


class _TxLookups:
    """Existence checks for the record validator, answered from the transaction."""

    __slots__ = ("system_id", "tx")

    def __init__(self, tx: Tx, system_id: int) -> None:
        self.tx = tx
        self.system_id = system_id

    def touchpoint(self, name: str) -> int | None:
        return systems.touchpoint_id(self.tx, self.system_id, name)

    def division(self, name: str) -> int | None:
        return systems.division_id(self.tx, self.system_id, name)

    def account(self, name: str) -> int | None:
        return accounts.find_id(self.tx, self.system_id, name)

    def contact(self, email: str | None, phone: str | None) -> int | None:
        return contacts.find_id(self.tx, self.system_id, contacts.contact_key(email, phone))

    def parent_loop(self, account: str, parent: str) -> bool:
        return _makes_parent_loop(self.tx, self.system_id, account, parent)


def put_record(
    params: dict[str, Any], claims: Claims, context: Context
) -> Callable[[Tx], list[str]]:
    """Upsert one record through its mapping; the operation returns the ignored keys."""

    def operation(tx: Tx) -> list[str]:
        require_active_app(tx, claims)
        request = read_record_import(params)
        system_id = claims.system_id
        mapping = mappings.get(tx, system_id, request.configuration)
        if mapping is None:
            raise MappingNotFound(request.configuration)
        if request.record is None:
            raise ValidationFailed({"record": [RECORD_REQUIRED]})
        clean, errors = r.validate_record(mapping, request.record, _TxLookups(tx, system_id))
        problems = _problems(errors, clean.ignored, request.configuration, context.strict)
        if problems:
            raise ValidationFailed(problems, ignored=clean.ignored)
        _apply(tx, system_id, mapping, clean, context)
        return clean.ignored

    return operation


def _problems(
    errors: v.Errors, ignored: list[str], reference: str, strict: bool
) -> dict[str, list[str]]:
    """The field errors, and in strict mode one message per ignored key after them."""
    problems = dict(errors.messages)
    if strict:
        for key in ignored:
            problems[key] = [UNMAPPED_KEY.format(key=key, reference=reference)]
    return problems


def _apply(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, context: Context
) -> None:
    now = context.clock.timestamp()
    dt = mapping.data_type
    if dt == m.ACCOUNT:
        _upsert_account(tx, system_id, mapping, clean, now)
    elif dt == m.ACCOUNT_ALIAS:
        accounts.add_alias(tx, system_id, clean.ids["account.name"], clean.values["account.alias"])
    elif dt == m.CONTACT:
        _put_contact(tx, system_id, clean, now)
    elif dt == m.EXTERNAL_RESPONSE:
        _create_external_response(tx, system_id, mapping, clean, now)
    elif dt in m.SURVEY_TYPES:
        _invite_by_email(tx, system_id, mapping, clean, context)
    elif dt == m.ACTIVITY:
        _put_activity_record(tx, system_id, clean, now)
    elif dt == m.REVENUE:
        _add_revenue_line(tx, system_id, clean, now)
    else:  # pragma: no cover - mappings are validated when stored
        raise AssertionError(f"unknown data type {dt}")


def _add_revenue_line(tx: Tx, system_id: int, clean: r.CleanRecord, now: str) -> None:
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
    revenue.add_lines(
        tx,
        system_id,
        None,
        [
            revenue.NewLine(
                account_id=clean.ids["account.name"],
                amount=Decimal(line.amount),
                start=line.start,
                end=line.end,
                kind=line.kind,
                description=line.description,
                months=revenue_rules.expand(line),
            )
        ],
        now,
    )


def _upsert_account(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, now: str
) -> int | None:
    account = _account_of(tx, system_id, clean, now)
    return None if account is None else accounts.upsert(tx, system_id, *account, now)


def _account_of(
    tx: Tx, system_id: int, clean: r.CleanRecord, now: str
) -> tuple[str, AccountFields] | None:
    """The record's account name and fields, its parent account made sure of; None if none."""
    name = clean.get("account.name")
    if name is None:
        return None
    parent = clean.get("account.parent")
    # A parent that would close a loop was refused by the field rules already.
    parent_id = accounts.ensure(tx, system_id, parent, now) if parent is not None else None
    return name, AccountFields(
        number=clean.get("account.number"),
        manager=clean.get("account.manager"),
        region=clean.get("account.region"),
        parent_id=parent_id,
    )


def _makes_parent_loop(tx: Tx, system_id: int, name: str, parent: str) -> bool:
    """Parent accounts form a tree: an account can't be its own (grand)parent."""
    if parent == name:
        return True
    own_id = accounts.find_id(tx, system_id, name)
    parent_id = accounts.find_id(tx, system_id, parent)
    return (
        own_id is not None and parent_id is not None and own_id in accounts.ancestors(tx, parent_id)
    )


def _upsert_contact(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, now: str
) -> int:
    account_id = _upsert_account(tx, system_id, mapping, clean, now)
    return contacts.upsert(tx, system_id, _contact_fields(clean, account_id), now)


def _put_contact(tx: Tx, system_id: int, clean: r.CleanRecord, now: str) -> None:
    """A Contact record: nothing waits for its upserts (on PostgreSQL one queued statement)."""
    account = _account_of(tx, system_id, clean, now)
    contacts.put_with_account(tx, system_id, account, _contact_fields(clean, None), now)


def _contact_fields(clean: r.CleanRecord, account_id: int | None) -> ContactFields:
    return ContactFields(
        email=clean.get("contact.email"),
        phone=clean.get("contact.phone"),
        first_name=clean.get("contact.first_name"),
        last_name=clean.get("contact.last_name"),
        number=clean.get("contact.number"),
        job_position=clean.get("contact.job_position"),
        job_level=clean.get("contact.job_level"),
        language=clean.get("contact.language"),
        account_id=account_id,
    )


def _survey_fields(
    mapping: m.Mapping,
    clean: r.CleanRecord,
    contact_id: int,
    account_id: int | None,
    **values: Any,
) -> records.SurveyFields:
    """A survey record's columns from a clean record; ``values`` fills in the rest."""
    return records.SurveyFields(
        mapping_id=mapping.id,
        contact_id=contact_id,
        account_id=account_id,
        division_id=clean.ids.get("survey.division"),
        touchpoint_id=clean.ids.get("survey.touchpoint"),
        number_order=clean.get("survey.number_order"),
        date_order=clean.get("survey.date_order"),
        language=clean.get("survey.language") or clean.get("contact.language"),
        segments=json.dumps(clean.with_prefix(m.SEGMENT_PREFIX)),
        **values,
    )


def _account_id(tx: Tx, system_id: int, clean: r.CleanRecord) -> int | None:
    name = clean.get("account.name")
    return accounts.find_id(tx, system_id, name) if name else None


def _create_external_response(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, now: str
) -> int:
    """A record that is already answered: no invitation, no duplication rule, no link."""
    record_id, _ = _add_survey_record(
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
    return record_id


def _invitation_values(clean: r.CleanRecord) -> dict[str, object]:
    """The new invitation's values in the form ``records.recent_invitations`` gives."""
    values: dict[str, object] = {
        "survey.number_order": clean.get("survey.number_order"),
        "survey.date_order": clean.get("survey.date_order"),
        "survey.language": clean.get("survey.language") or clean.get("contact.language"),
        "survey.touchpoint": clean.ids.get("survey.touchpoint"),
        "survey.division": clean.ids.get("survey.division"),
        "account.name": clean.get("account.name"),
    }
    for name, value in clean.with_prefix(m.SEGMENT_PREFIX).items():
        values[m.SEGMENT_PREFIX + name] = value
    return values


def _system_rule_hit(
    tx: Tx, system_id: int, contact_id: int | None, clean: r.CleanRecord, now: str
) -> bool:
    enabled, days, fields = systems.duplication_rule(tx, system_id)
    rule = dup.DuplicationRule(enabled, days, tuple(fields))
    if contact_id is None or not rule.enabled or rule.days <= 0:
        return False
    earlier = records.recent_invitations(
        tx, system_id, contact_id, dup.window_start(now, rule.days)
    )
    return dup.duplicates(rule, _invitation_values(clean), earlier)


def _contact_key(clean: r.CleanRecord) -> str:
    return contacts.contact_key(clean.get("contact.email"), clean.get("contact.phone"))


def _invite_by_email(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, context: Context
) -> int:
    """Survey Data / Multi-Object: a survey record and, unless suppressed, an e-mail."""
    now = context.clock.timestamp()
    key = _contact_key(clean)
    records.lock_contact(tx, system_id, key)
    earlier_contact = contacts.find_id(tx, system_id, key)
    email = clean.get("contact.email")
    if email and lists.is_unsubscribed(tx, system_id, email):
        status = STATUS_UNSUBSCRIBED
    elif email and lists.is_bounced(tx, system_id, email):
        status = STATUS_BOUNCED
    elif _system_rule_hit(tx, system_id, earlier_contact, clean, now):
        # The real service accepts the record and suppresses the send.
        status = STATUS_DUPLICATE
    elif not email:
        status = STATUS_NO_EMAIL
    else:
        status = STATUS_QUEUED
    record_id, code = _add_survey_record(
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
    return record_id


def _add_survey_record(
    tx: Tx,
    system_id: int,
    mapping: m.Mapping,
    clean: r.CleanRecord,
    now: str,
    *,
    with_link: bool = True,
    **values: Any,
) -> tuple[int, str]:
    """Upsert the contact and add a survey record, with its own link unless ``with_link`` is
    false (an invitation that is not sent can't be answered, a response needs none).

    Returns the record's id and link code (empty without a link); ``values`` are the delivery
    vector, status, campaign, send date and, for a response, its answer.
    """
    contact_id = _upsert_contact(tx, system_id, mapping, clean, now)
    code = new_link_code() if with_link else ""
    record_id = records.add_survey_record(
        tx,
        system_id,
        _survey_fields(
            mapping,
            clean,
            contact_id,
            _account_id(tx, system_id, clean),
            link_code=code or None,
            form_token=new_form_token() if code else None,
            **{"nps": None, "comment": None, "date_response": None, **values},
        ),
        now,
    )
    return record_id, code


def new_link_code() -> str:
    """An unguessable survey link code (16 URL-safe characters, 96 random bits)."""
    return secrets.token_urlsafe(12)


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


# -- PUT /personal-link/ ------------------------------------------------------------------


def put_personal_link(
    params: dict[str, Any], claims: Claims, context: Context
) -> Callable[[Tx], tuple[dict[str, Any], list[str]]]:
    """Create a personal-link survey record; the operation returns the 200 body and the
    ignored keys."""

    def operation(tx: Tx) -> tuple[dict[str, Any], list[str]]:
        require_active_app(tx, claims)
        request = read_record_import(params)
        system_id = claims.system_id
        mapping = mappings.get(tx, system_id, request.configuration)
        if mapping is None:
            raise MappingNotFound(request.configuration)
        if mapping.data_type not in (m.MULTI_OBJECT, m.SURVEY_DATA):
            message = WRONG_DATA_TYPE.format(reference=request.configuration)
            raise ValidationFailed({"configuration": [message]}, summary="first")
        # A missing record is checked like an empty one: the field rules say what is missing.
        clean, errors = r.validate_record(mapping, request.record or {}, _TxLookups(tx, system_id))
        problems = _problems(errors, clean.ignored, request.configuration, context.strict)
        if problems:
            raise ValidationFailed(problems, summary="first", ignored=clean.ignored)
        campaign = _matching_campaign(tx, system_id, clean)
        now = context.clock.timestamp()
        key = _contact_key(clean)
        records.lock_contact(tx, system_id, key)
        earlier_contact = contacts.find_id(tx, system_id, key)
        if _system_rule_hit(tx, system_id, earlier_contact, clean, now):
            raise DomainRefusal(SYSTEM_DUPLICATE)
        if earlier_contact is not None and campaign.duplication_days:
            since = dup.window_start(now, campaign.duplication_days)
            if records.recent_invitations(tx, system_id, earlier_contact, since, campaign.id):
                raise DomainRefusal(CAMPAIGN_DUPLICATE)
        record_id, code = _add_survey_record(
            tx,
            system_id,
            mapping,
            clean,
            now,
            delivery_vector=VECTOR_PERSONAL_LINK,
            status=STATUS_SENT,
            campaign_id=campaign.id,
            date_sent=now,
        )
        body = {
            "data": {
                "number_customergauge": record_id,
                "survey_link": context.survey_link(code),
                "survey_link_short": context.short_link(code),
            }
        }
        return body, clean.ignored

    return operation


def _matching_campaign(tx: Tx, system_id: int, clean: r.CleanRecord) -> c.Campaign:
    values = {target: str(value) for target, value in clean.values.items()}
    found = c.first_matching(
        [
            c.Campaign(id_, name, active, c.parse_filters(json.loads(filters)), days)
            for id_, name, active, filters, days in systems.campaigns(tx, system_id)
        ],
        values,
    )
    if found is None:
        raise DomainRefusal(NO_CAMPAIGN)
    return found


def _put_activity_record(tx: Tx, system_id: int, clean: r.CleanRecord, now: str) -> None:
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


def new_reference() -> str:
    """A reference like the real service's: 12 lower-case hex characters."""
    return secrets.token_hex(6)


# -- fixed-schema endpoints ---------------------------------------------------------------


def put_account(params: dict[str, Any], claims: Claims, context: Context) -> Callable[[Tx], int]:
    """Create or update an account; the operation returns 201 or 200."""

    def operation(tx: Tx) -> int:
        require_active_app(tx, claims)
        request = read_account(params)
        now = context.clock.timestamp()
        system_id = claims.system_id
        parent_id = None
        if request.parent is not None:
            if _makes_parent_loop(tx, system_id, request.reference, request.parent):
                raise ValidationFailed({"parent": [v.SELECTED_INVALID.format(a="parent")]})
            parent_id = accounts.ensure(tx, system_id, request.parent, now)
        _, created = accounts.put(
            tx,
            system_id,
            request.reference,
            AccountFields(
                number=request.number,
                manager=request.manager,
                region=request.region,
                parent_id=parent_id,
            ),
            now,
        )
        return 201 if created else 200

    return operation


def put_contract(
    params: dict[str, Any], claims: Claims, context: Context
) -> Callable[[Tx], tuple[int, dict[str, Any]]]:
    """Create or update a contract of an existing account; returns (status, body)."""

    def operation(tx: Tx) -> tuple[int, dict[str, Any]]:
        require_active_app(tx, claims)
        request = read_contract(params, lambda name: accounts.find_id(tx, claims.system_id, name))
        reference = request.reference or new_reference()
        created = records.put_contract(
            tx,
            claims.system_id,
            reference,
            request.account_id,
            request.start,
            request.end,
            request.description,
            context.clock.timestamp(),
        )
        return (201 if created else 200), {"reference": reference}

    return operation


def put_activity(
    params: dict[str, Any], claims: Claims, context: Context
) -> Callable[[Tx], tuple[int, dict[str, Any]]]:
    """Create or update an activity, creating its account if needed; returns (status, body)."""

    def operation(tx: Tx) -> tuple[int, dict[str, Any]]:
        require_active_app(tx, claims)
        system_id = claims.system_id
        request = read_activity(
            params, lambda reference: contacts.find_id_by_reference(tx, system_id, reference)
        )
        now = context.clock.timestamp()
        account_id = accounts.ensure(tx, system_id, request.account, now)
        reference = request.reference or new_reference()
        created = records.put_activity(
            tx,
            system_id,
            reference,
            records.ActivityFields(
                account_id=account_id,
                contact_id=request.contact_id,
                type=request.type,
                source=request.source,
                happened_at=request.happened_at,
                details=json.dumps(request.details),
            ),
            now,
        )
        return (201 if created else 200), {"reference": reference}

    return operation
