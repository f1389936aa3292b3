"""The import use cases. Each function returns an operation for ``Database.run``.

Operations check everything before they write, so a refusal leaves the database unchanged,
and run inside the writer's shared transaction (see ``storage/database.py``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from opengauge.server.auth.service import require_active_app
from opengauge.server.auth.tokens import Claims
from opengauge.server.clock import Clock
from opengauge.server.domain import mapping as m
from opengauge.server.domain import records as r
from opengauge.server.domain import validation as v
from opengauge.server.errors import MappingNotFound, ValidationFailed
from opengauge.server.imports.schemas import (
    RECORD_REQUIRED,
    read_account,
    read_activity,
    read_contract,
    read_record_import,
)
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import accounts, contacts, mappings, records, systems
from opengauge.server.storage.repositories.accounts import AccountFields
from opengauge.server.storage.repositories.contacts import ContactFields

STATUS_QUEUED = "QUEUED"
STATUS_RESPONDED = "RESPONDED"


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


def put_record(params: dict[str, Any], claims: Claims, clock: Clock) -> Callable[[Tx], list[str]]:
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
        if errors:
            raise ValidationFailed(errors.messages)
        _apply(tx, system_id, mapping, clean, clock.timestamp())
        return clean.ignored

    return operation


def _apply(tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, now: str) -> None:
    dt = mapping.data_type
    if dt == m.ACCOUNT:
        _upsert_account(tx, system_id, mapping, clean, now)
    elif dt == m.ACCOUNT_ALIAS:
        accounts.add_alias(tx, system_id, clean.ids["account.name"], clean.values["account.alias"])
    elif dt == m.CONTACT:
        _upsert_contact(tx, system_id, mapping, clean, now)
    elif dt in m.SURVEY_TYPES:
        _create_survey_record(tx, system_id, mapping, clean, now)
    elif dt == m.ACTIVITY:
        _put_activity_record(tx, system_id, clean, now)
    elif dt == m.REVENUE:
        records.add_revenue_line(
            tx,
            system_id,
            clean.ids["account.name"],
            Decimal(clean.values["revenue.amount"]),
            clean.values["revenue.start"],
            clean.get("revenue.end"),
            clean.values["revenue.type"],
            clean.get("revenue.description"),
            now,
        )
    else:  # pragma: no cover - mappings are validated when stored
        raise AssertionError(f"unknown data type {dt}")


def _upsert_account(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, now: str
) -> int | None:
    name = clean.get("account.name")
    if name is None:
        return None
    parent = clean.get("account.parent")
    parent_id = None
    if parent is not None:
        _refuse_parent_loop(tx, system_id, name, parent, mapping.heading_for("account.parent"))
        parent_id = accounts.ensure(tx, system_id, parent, now)
    return accounts.upsert(
        tx,
        system_id,
        name,
        AccountFields(
            number=clean.get("account.number"),
            manager=clean.get("account.manager"),
            region=clean.get("account.region"),
            parent_id=parent_id,
        ),
        now,
    )


def _refuse_parent_loop(
    tx: Tx, system_id: int, name: str, parent: str, attribute: str | None
) -> None:
    """Parent accounts form a tree: an account can't be its own (grand)parent."""
    own_id = accounts.find_id(tx, system_id, name)
    parent_id = accounts.find_id(tx, system_id, parent)
    if parent == name or (
        own_id is not None and parent_id is not None and own_id in accounts.ancestors(tx, parent_id)
    ):
        attribute = attribute or "parent"
        raise ValidationFailed({attribute: [v.SELECTED_INVALID.format(a=attribute)]})


def _upsert_contact(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, now: str
) -> int:
    account_id = _upsert_account(tx, system_id, mapping, clean, now)
    return contacts.upsert(
        tx,
        system_id,
        ContactFields(
            email=clean.get("contact.email"),
            phone=clean.get("contact.phone"),
            first_name=clean.get("contact.first_name"),
            last_name=clean.get("contact.last_name"),
            number=clean.get("contact.number"),
            job_position=clean.get("contact.job_position"),
            job_level=clean.get("contact.job_level"),
            language=clean.get("contact.language"),
            account_id=account_id,
        ),
        now,
    )


def _create_survey_record(
    tx: Tx, system_id: int, mapping: m.Mapping, clean: r.CleanRecord, now: str
) -> int:
    contact_id = _upsert_contact(tx, system_id, mapping, clean, now)
    account_name = clean.get("account.name")
    account_id = accounts.find_id(tx, system_id, account_name) if account_name else None
    is_response = mapping.data_type == m.EXTERNAL_RESPONSE
    nps = clean.get("survey.nps")
    return records.add_survey_record(
        tx,
        system_id,
        records.SurveyFields(
            mapping_id=mapping.id,
            contact_id=contact_id,
            account_id=account_id,
            division_id=clean.ids.get("survey.division"),
            touchpoint_id=clean.ids.get("survey.touchpoint"),
            delivery_vector="Email",
            status=STATUS_RESPONDED if is_response else STATUS_QUEUED,
            number_order=clean.get("survey.number_order"),
            date_order=clean.get("survey.date_order"),
            language=clean.get("survey.language") or clean.get("contact.language"),
            nps=nps,
            comment=clean.get("survey.comment"),
            date_response=clean.get("survey.date_response") or (now if is_response else None),
            segments=json.dumps(clean.with_prefix(m.SEGMENT_PREFIX)),
        ),
        now,
    )


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


def put_account(params: dict[str, Any], claims: Claims, clock: Clock) -> Callable[[Tx], int]:
    """Create or update an account; the operation returns 201 or 200."""

    def operation(tx: Tx) -> int:
        require_active_app(tx, claims)
        request = read_account(params)
        now = clock.timestamp()
        system_id = claims.system_id
        parent_id = None
        if request.parent is not None:
            _refuse_parent_loop(tx, system_id, request.reference, request.parent, "parent")
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
    params: dict[str, Any], claims: Claims, clock: Clock
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
            clock.timestamp(),
        )
        return (201 if created else 200), {"reference": reference}

    return operation


def put_activity(
    params: dict[str, Any], claims: Claims, clock: Clock
) -> Callable[[Tx], tuple[int, dict[str, Any]]]:
    """Create or update an activity, creating its account if needed; returns (status, body)."""

    def operation(tx: Tx) -> tuple[int, dict[str, Any]]:
        require_active_app(tx, claims)
        system_id = claims.system_id
        request = read_activity(
            params, lambda reference: contacts.find_id_by_reference(tx, system_id, reference)
        )
        now = clock.timestamp()
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
