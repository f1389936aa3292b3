"""What the import use cases share: their context, the lookups a record is validated with,
and the writes of an account, a contact and a survey record.

Every function here runs inside an operation, in the writer's shared transaction.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from opengauge.server.clock import Clock
from opengauge.server.domain import duplication as dup
from opengauge.server.domain import mapping as m
from opengauge.server.domain import records as r
from opengauge.server.domain import validation as v
from opengauge.server.errors import MappingNotFound
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import accounts, contacts, mappings, records, systems
from opengauge.server.storage.repositories.accounts import AccountFields
from opengauge.server.storage.repositories.contacts import ContactFields

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


class TxLookups:
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
        return makes_parent_loop(self.tx, self.system_id, account, parent)


def find_mapping(tx: Tx, system_id: int, reference: str) -> m.Mapping:
    """The inbound mapping called ``reference``; :class:`MappingNotFound` if there is none."""
    mapping = mappings.get(tx, system_id, reference)
    if mapping is None:
        raise MappingNotFound(reference)
    return mapping


def record_problems(
    errors: v.Errors, ignored: list[str], reference: str, strict: bool
) -> dict[str, list[str]]:
    """The field errors, and in strict mode one message per ignored key after them."""
    problems = dict(errors.messages)
    if strict:
        for key in ignored:
            problems[key] = [UNMAPPED_KEY.format(key=key, reference=reference)]
    return problems


def makes_parent_loop(tx: Tx, system_id: int, name: str, parent: str) -> bool:
    """Parent accounts form a tree: an account can't be its own (grand)parent."""
    if parent == name:
        return True
    own_id = accounts.find_id(tx, system_id, name)
    parent_id = accounts.find_id(tx, system_id, parent)
    return (
        own_id is not None and parent_id is not None and own_id in accounts.ancestors(tx, parent_id)
    )


def upsert_account(tx: Tx, system_id: int, clean: r.CleanRecord, now: str) -> int | None:
    """The record's account (and its parent), when the record names one."""
    account = account_of(tx, system_id, clean, now)
    return None if account is None else accounts.upsert(tx, system_id, *account, now)


def account_of(
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


def upsert_contact(tx: Tx, system_id: int, clean: r.CleanRecord, now: str) -> int:
    """The record's contact, and its account first."""
    account_id = upsert_account(tx, system_id, clean, now)
    return contacts.upsert(tx, system_id, contact_fields(clean, account_id), now)


def contact_fields(clean: r.CleanRecord, account_id: int | None) -> ContactFields:
    get = clean.values.get  # every import of a contact comes here: one look-up per field
    return ContactFields(
        email=get("contact.email"),
        phone=get("contact.phone"),
        first_name=get("contact.first_name"),
        last_name=get("contact.last_name"),
        number=get("contact.number"),
        job_position=get("contact.job_position"),
        job_level=get("contact.job_level"),
        language=get("contact.language"),
        account_id=account_id,
    )


def contact_key(clean: r.CleanRecord) -> str:
    return contacts.contact_key(clean.get("contact.email"), clean.get("contact.phone"))


def system_rule_hit(
    tx: Tx, system_id: int, contact_id: int | None, clean: r.CleanRecord, now: str
) -> bool:
    """Whether the system's duplication rule suppresses a new invitation of ``contact_id``."""
    enabled, days, fields = systems.duplication_rule(tx, system_id)
    rule = dup.DuplicationRule(enabled, days, tuple(fields))
    if contact_id is None or not rule.enabled or rule.days <= 0:
        return False
    earlier = records.recent_invitations(
        tx, system_id, contact_id, dup.window_start(now, rule.days)
    )
    return dup.duplicates(rule, _invitation_values(clean), earlier)


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


def add_survey_record(
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
    contact_id = upsert_contact(tx, system_id, clean, now)
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


def new_link_code() -> str:
    """An unguessable survey link code (16 URL-safe characters, 96 random bits)."""
    return secrets.token_urlsafe(12)


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def new_reference() -> str:
    """A reference like the real service's: 12 lower-case hex characters."""
    return secrets.token_hex(6)
