"""Wire shapes of the import endpoints and the checks that need no database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from opengauge.server.domain import validation as v
from opengauge.server.errors import ValidationFailed

RECORD_REQUIRED = "The record field is required."


@dataclass(frozen=True)
class RecordImport:
    """``{"configuration": ..., "record": {...}}`` as far as it could be read."""

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
# order. Existence checks ("must exist") are answered by a lookup the caller passes in.

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
class AccountPut:
    reference: str
    number: str | None
    manager: str | None
    parent: str | None
    region: str | None


def read_account(params: dict[str, Any]) -> AccountPut:
    errors = v.Errors()
    values, _ = _fields(params, errors, _ACCOUNT_RULES, {"reference": "reference is required."})
    if errors:
        raise ValidationFailed(errors.messages)
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


def read_contract(params: dict[str, Any], account: Lookup) -> ContractPut:
    errors = v.Errors()
    values, ids = _fields(
        params,
        errors,
        _CONTRACT_RULES,
        {"account": "account at field is required.", "start": v.REQUIRED},
        lookups={"account": account},
    )
    start, end = values.get("start"), values.get("end")
    if start and end and end < start:
        errors.add("end", v.AFTER_OR_EQUAL, date="start")
    if errors:
        raise ValidationFailed(errors.in_order(list(_CONTRACT_RULES)))
    return ContractPut(
        values.get("reference"), ids["account"], values["start"], end, values.get("description")
    )


@dataclass(frozen=True)
class ActivityPut:
    reference: str | None
    account: str
    contact_id: int | None
    type: str
    source: str
    happened_at: str
    details: dict[str, str]


def read_activity(params: dict[str, Any], contact: Lookup) -> ActivityPut:
    errors = v.Errors()
    values, ids = _fields(
        params,
        errors,
        _ACTIVITY_RULES,
        {name: v.REQUIRED for name in ("account", "type", "source", "happened_at")},
        lookups={"contact": contact},
    )
    details = _details(params, errors)
    if errors:
        raise ValidationFailed(errors.messages)
    return ActivityPut(
        values.get("reference"),
        values["account"],
        ids.get("contact"),
        values["type"],
        values["source"],
        values["happened_at"],
        details,
    )


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
    lookups: dict[str, Lookup] | None = None,
) -> tuple[dict[str, Any], dict[str, int]]:
    values: dict[str, Any] = {}
    ids: dict[str, int] = {}
    for name, rule in rules.items():
        value = v.normalize(params.get(name))
        if value is None:
            if name in required:
                errors.add(name, required[name])
            continue
        cleaned = rule(name, value, errors)
        if cleaned is None:
            continue
        lookup = (lookups or {}).get(name)
        if lookup is not None:
            found = lookup(cleaned)
            if found is None:
                errors.add(name, v.SELECTED_INVALID)
                continue
            ids[name] = found
        values[name] = cleaned
    return values, ids
