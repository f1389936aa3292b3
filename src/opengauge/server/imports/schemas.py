"""Wire shapes of the import endpoints and the checks that need no database."""

from __future__ import annotations

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


# -- PUT /accounts ------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountPut:
    reference: str
    number: str | None
    manager: str | None
    parent: str | None
    region: str | None


def read_account(params: dict[str, Any]) -> AccountPut:
    errors = v.Errors()
    values = _fields(
        params,
        errors,
        {
            "reference": v.text(128),
            "number": v.text(255),
            "manager": v.text(128),
            "parent": v.text(128),
            "region": v.text(128),
        },
        required={"reference": "reference is required."},
    )
    if errors:
        raise ValidationFailed(errors.messages)
    return AccountPut(
        values["reference"],
        values.get("number"),
        values.get("manager"),
        values.get("parent"),
        values.get("region"),
    )


# -- PUT /contracts -----------------------------------------------------------------------


@dataclass(frozen=True)
class ContractPut:
    reference: str | None
    account: str
    start: str
    end: str | None
    description: str | None


def read_contract(params: dict[str, Any]) -> ContractPut:
    errors = v.Errors()
    values = _fields(
        params,
        errors,
        {
            "reference": v.text(128),
            "account": v.text(255),
            "start": v.date_value,
            "end": v.date_value,
            "description": v.text(150),
        },
        required={"account": "account at field is required.", "start": v.REQUIRED},
    )
    start, end = values.get("start"), values.get("end")
    if start and end and end < start:
        errors.add("end", v.AFTER_OR_EQUAL, date="start")
    if errors:
        raise ValidationFailed(errors.messages)
    return ContractPut(
        values.get("reference"), values["account"], values["start"], end, values.get("description")
    )


# -- PUT /activities/ ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityPut:
    reference: str | None
    account: str
    contact: str | None
    type: str
    source: str
    happened_at: str
    details: dict[str, str]


def read_activity(params: dict[str, Any]) -> ActivityPut:
    errors = v.Errors()
    values = _fields(
        params,
        errors,
        {
            "reference": v.text(128),
            "account": v.text(255),
            "contact": v.text(255),
            "type": v.text(100),
            "source": v.text(100),
            "happened_at": v.datetime_value,
        },
        required={
            "account": v.REQUIRED,
            "type": v.REQUIRED,
            "source": v.REQUIRED,
            "happened_at": v.REQUIRED,
        },
    )
    details = _details(params, errors)
    if errors:
        raise ValidationFailed(errors.messages)
    return ActivityPut(
        values.get("reference"),
        values["account"],
        values.get("contact"),
        values["type"],
        values["source"],
        values["happened_at"],
        details,
    )


def _details(params: dict[str, Any], errors: v.Errors) -> dict[str, str]:
    details: dict[str, str] = {}
    for name in ("additional_information_object", "additional_information_array"):
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
            details[str(key)] = value
    return details


def _fields(
    params: dict[str, Any],
    errors: v.Errors,
    rules: dict[str, v.Rule],
    required: dict[str, str],
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, rule in rules.items():
        value = v.normalize(params.get(name))
        if value is None:
            if name in required:
                errors.add(name, required[name])
            continue
        cleaned = rule(name, value, errors)
        if cleaned is not None:
            values[name] = cleaned
    return values
