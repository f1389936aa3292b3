"""Wire shapes of the import endpoints and the checks that need no database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import msgspec

from opengauge.server.domain import validation as v
from opengauge.server.errors import ValidationFailed

RECORD_REQUIRED = "The record field is required."


class RecordImport(NamedTuple):
    """``{"configuration": ..., "record": {...}}`` as far as it could be read (a tuple: one
    is made for every record imported)."""

    configuration: str
    record: dict[str, Any] | None


def read_record_import(params: dict[str, Any]) -> RecordImport:
    """Check ``configuration`` (422 when missing); ``record`` is checked after the mapping."""
    configuration = v.normalize(params.get("configuration"))
    if configuration is None:
        raise ValidationFailed({"configuration": [v.REQUIRED.format(a="configuration")]})
    if not isinstance(configuration, str):
        raise ValidationFailed({"configuration": [v.STRING.format(a="configuration")]})
    record = params.get("record")
    return RecordImport(configuration, record if isinstance(record, dict) and record else None)


# -- fixed-schema endpoints --------------------------------------------------------------
# The rules of each endpoint, in the order Laravel would check them; errors come out in this
# order. Everything but the existence checks ("must exist") runs before the request's
# operation is queued; those are answered in the operation by a lookup it passes in.

Lookup = Callable[[str], int | None]

_ACCOUNT_RULES: dict[str, v.Rule] = {
    "reference": v.text(128),
    "number": v.text(255),
    "manager": v.text(128),
    "parent": v.text(128),
    "region": v.text(128),
}
_CONTRACT_RULES: dict[str, v.Rule] = {
    "reference": v.text(128),
    "account": v.text(255),
    "start": v.date_value,
    "end": v.date_value,
    "description": v.text(150),
}
_ACTIVITY_RULES: dict[str, v.Rule] = {
    "reference": v.text(128),
    "account": v.text(255),
    "contact": v.text(255),
    "type": v.text(100),
    "source": v.text(100),
    "happened_at": v.datetime_value,
}
_DETAIL_FIELDS = ("additional_information_object", "additional_information_array")
DETAIL_MAX = 128


@dataclass(frozen=True)
class CheckedFields:
    """A body's fields after every check that needs no database.

    ``pending`` names the fields that must still be looked up; ``messages`` holds a slot for
    each (an empty list), so a failed lookup's message lands where Laravel puts it.
    """

    values: dict[str, Any]
    messages: dict[str, list[str]]
    pending: tuple[str, ...]
    #: The attribute order of the 422 body; None keeps the order the checks ran in.
    order: tuple[str, ...] | None = None

    def refuse_now(self) -> None:
        """:class:`ValidationFailed` at once if no lookup is left that could add to it."""
        if not self.pending:
            self.look_up({})

    def look_up(self, lookups: dict[str, Lookup]) -> dict[str, int]:
        """The ids of the pending fields; :class:`ValidationFailed` if any check failed."""
        ids: dict[str, int] = {}
        messages = {name: list(texts) for name, texts in self.messages.items()}
        for name in self.pending:
            found = lookups[name](self.values[name])
            if found is None:
                messages[name].append(v.SELECTED_INVALID.format(a=name))
            else:
                ids[name] = found
        errors = v.Errors({name: texts for name, texts in messages.items() if texts})
        if errors:
            raise ValidationFailed(errors.in_order(self.order) if self.order else errors.messages)
        return ids


@dataclass(frozen=True)
class AccountPut:
    reference: str
    number: str | None
    manager: str | None
    parent: str | None
    region: str | None


def read_account(params: dict[str, Any]) -> AccountPut:
    errors = v.Errors()
    values, _ = _fields(params, errors, _ACCOUNT_RULES, {"reference": "reference is required."})
    CheckedFields(values, errors.messages, ()).refuse_now()
    return AccountPut(
        values["reference"],
        values.get("number"),
        values.get("manager"),
        values.get("parent"),
        values.get("region"),
    )


@dataclass(frozen=True)
class ContractPut:
    reference: str | None
    account_id: int
    start: str
    end: str | None
    description: str | None


@dataclass(frozen=True)
class ContractDraft:
    """A contract body whose account is still to be found."""

    checked: CheckedFields

    def complete(self, account: Lookup) -> ContractPut:
        ids = self.checked.look_up({"account": account})
        values = self.checked.values
        return ContractPut(
            values.get("reference"),
            ids["account"],
            values["start"],
            values.get("end"),
            values.get("description"),
        )


def read_contract(params: dict[str, Any]) -> ContractDraft:
    errors = v.Errors()
    values, pending = _fields(
        params,
        errors,
        _CONTRACT_RULES,
        {"account": "account at field is required.", "start": v.REQUIRED},
        lookups=("account",),
    )
    start, end = values.get("start"), values.get("end")
    if start and end and end < start:
        errors.add("end", v.AFTER_OR_EQUAL, date="start")
    checked = CheckedFields(values, errors.messages, pending, tuple(_CONTRACT_RULES))
    checked.refuse_now()
    return ContractDraft(checked)


@dataclass(frozen=True)
class ActivityPut:
    reference: str | None
    account: str
    contact_id: int | None
    type: str
    source: str
    happened_at: str
    details: dict[str, str]


@dataclass(frozen=True)
class ActivityDraft:
    """An activity body whose contact, if it names one, is still to be found."""

    checked: CheckedFields
    details: dict[str, str]

    def complete(self, contact: Lookup) -> ActivityPut:
        ids = self.checked.look_up({"contact": contact})
        values = self.checked.values
        return ActivityPut(
            values.get("reference"),
            values["account"],
            ids.get("contact"),
            values["type"],
            values["source"],
            values["happened_at"],
            self.details,
        )


def read_activity(params: dict[str, Any]) -> ActivityDraft:
    errors = v.Errors()
    values, pending = _fields(
        params,
        errors,
        _ACTIVITY_RULES,
        {name: v.REQUIRED for name in ("account", "type", "source", "happened_at")},
        lookups=("contact",),
    )
    details = _details(params, errors)
    checked = CheckedFields(values, errors.messages, pending)
    checked.refuse_now()
    return ActivityDraft(checked, details)


def _details(params: dict[str, Any], errors: v.Errors) -> dict[str, str]:
    details: dict[str, str] = {}
    for name in _DETAIL_FIELDS:
        raw = params.get(name)
        if raw is None:
            continue
        if not isinstance(raw, dict):
            errors.add(name, v.ARRAY)
            continue
        for key, value in raw.items():
            value = v.normalize(value)
            if value is None:
                continue
            if not isinstance(value, str):
                value = msgspec.json.encode(value).decode()
            if len(value) > DETAIL_MAX:
                errors.add(f"{name}.{key}", v.MAX_STRING, max=DETAIL_MAX)
                continue
            details[str(key)] = value
    return details


def _fields(
    params: dict[str, Any],
    errors: v.Errors,
    rules: dict[str, v.Rule],
    required: dict[str, str],
    lookups: tuple[str, ...] = (),
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The values that pass their rules, and which of them (in ``lookups``) must still be
    looked up; those get an empty slot in ``errors`` for the lookup's message."""
    values: dict[str, Any] = {}
    pending: list[str] = []
    for name, rule in rules.items():
        value = v.normalize(params.get(name))
        if value is None:
            if name in required:
                errors.add(name, required[name])
            continue
        cleaned = rule(name, value, errors)
        if cleaned is None:
            continue
        if name in lookups:
            errors.messages[name] = []
            pending.append(name)
        values[name] = cleaned
    return values, tuple(pending)
