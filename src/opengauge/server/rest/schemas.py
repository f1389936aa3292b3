"""Wire shapes of the v7 sync export and the checks of its query string, and the body of the
v6 contact anonymization.

The query string is read like Laravel reads it (PHP brackets, trimmed values, empty strings
as absent); refusals are Laravel 422 bodies with the parameter names as attributes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from opengauge.server.anonymization.service import Subject
from opengauge.server.domain import validation as v
from opengauge.server.errors import ValidationFailed
from opengauge.server.storage.repositories.exports import ExportRow, Period, PeriodColumn

PER_PAGE_MAX: Final = 1000
#: Laravel's ``date`` rule; the export accepts a date or a date-time, so no single format.

#: What ``with[]`` may ask for. ``properties`` and ``drivers`` change the answer; ``tags`` and
#: ``questions`` are accepted and change nothing (see docs/export.md).
EXPANSIONS: Final = frozenset({"drivers", "tags", "questions", "properties"})
PROPERTIES: Final = "properties"
DRIVERS: Final = "drivers"

#: ``period[field]`` on the wire -> the survey-record column it filters on.
PERIOD_FIELDS: Final[dict[str, PeriodColumn]] = {
    "date_creation": "date_creation",
    "date_order": "date_order",
    "date_sent": "date_sent",
    "date_survey_response": "date_response",
}

# PHP's FILTER_VALIDATE_INT, which Laravel's ``integer`` rule uses: no leading zeros, 64 bits.
_INTEGER = re.compile(r"^[+-]?(?:0|[1-9][0-9]*)$")
_INT64 = 2**63


@dataclass(frozen=True, slots=True)
class ExportQuery:
    """A checked export request."""

    per_page: int = PER_PAGE_MAX
    #: None on the first call.
    cursor: int | None = None
    expand: frozenset[str] = frozenset()
    period: Period | None = None

    @property
    def after(self) -> int:
        """The id the page starts after: the cursor, or 0 on the first call."""
        return 0 if self.cursor is None else self.cursor


def read_export_query(params: dict[str, Any]) -> ExportQuery:
    """The query parameters checked in Laravel's rule order; :class:`ValidationFailed` if bad."""
    errors = v.Errors()
    per_page = _integer(params, "per_page", errors)
    if per_page is not None and not 1 <= per_page <= PER_PAGE_MAX:
        errors.add("per_page", v.BETWEEN, min=1, max=PER_PAGE_MAX)
    cursor = _integer(params, "cursor", errors)
    expand = _expansions(params.get("with"), errors)
    period = _period(params.get("period"), errors)
    if errors:
        raise ValidationFailed(errors.messages)
    return ExportQuery(
        per_page=PER_PAGE_MAX if per_page is None else per_page,
        cursor=cursor,
        expand=expand,
        period=period,
    )


def _integer(params: dict[str, Any], name: str, errors: v.Errors) -> int | None:
    value = v.normalize(params.get(name))
    if value is None:
        return None
    if isinstance(value, str) and _INTEGER.match(value) and -_INT64 <= int(value) < _INT64:
        return int(value)
    errors.add(name, v.INTEGER)
    return None


def _expansions(raw: Any, errors: v.Errors) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list | dict):
        errors.add("with", v.ARRAY)
        return frozenset()
    items = raw.items() if isinstance(raw, dict) else enumerate(raw)
    chosen: set[str] = set()
    for key, item in items:
        value = v.normalize(item)
        if isinstance(value, str) and value in EXPANSIONS:
            chosen.add(value)
        else:
            errors.add(f"with.{key}", v.SELECTED_INVALID)
    return frozenset(chosen)


def _period(raw: Any, errors: v.Errors) -> Period | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.add("period", v.ARRAY)
        return None
    field = v.normalize(raw.get("field"))
    column: PeriodColumn | None = None
    if field is None:
        if any(v.normalize(raw.get(name)) is not None for name in ("start", "end")):
            errors.add("period.field", v.REQUIRED)
    elif isinstance(field, str) and field in PERIOD_FIELDS:
        column = PERIOD_FIELDS[field]
    else:
        errors.add("period.field", v.SELECTED_INVALID)
    start = _moment(raw, "start", errors, end_of_day=False)
    end = _moment(raw, "end", errors, end_of_day=True)
    if start is not None and end is not None and end < start:
        errors.add("period.end", v.AFTER_OR_EQUAL, date="period.start")
    if column is None or (start is None and end is None):
        return None
    return Period(column, start, end)


def _moment(raw: dict[str, Any], name: str, errors: v.Errors, *, end_of_day: bool) -> str | None:
    """A bound as ``YYYY-MM-DD HH:MM:SS`` (UTC); a bare date covers its whole day."""
    value = v.normalize(raw.get(name))
    if value is None:
        return None
    if isinstance(value, str):
        day = v.parse_date(value)
        if day is not None:
            return day + (" 23:59:59" if end_of_day else " 00:00:00")
        moment = v.parse_datetime(value)
        if moment is not None:
            return moment
    errors.add(f"period.{name}", v.NOT_A_DATE)
    return None


# -- the answer ---------------------------------------------------------------------------


class Contact(msgspec.Struct):
    first_name: str | None
    last_name: str | None


class Account(msgspec.Struct):
    name: str | None
    number: str | None


class Field(msgspec.Struct):
    """One ``properties`` or ``custom_fields`` item: exactly these two keys."""

    field: str
    reference: str | None


class Driver(msgspec.Struct):
    label: str


class Response(msgspec.Struct):
    """A record of ``/v7/rest/sync/responses``; keys in the documented order."""

    number_customergauge: int
    number_customer: str | None
    number_order: str | None
    email: str | None
    phone: str | None
    nps: int | None
    comment: str | None
    date_creation: str
    date_order: str | None
    date_email_sent: str | None
    date_survey_response: str | None
    touchpoint: str | None
    delivery_vector: str
    link: str | None
    contact: Contact
    account: Account
    properties: list[Field]
    custom_fields: list[Field]
    drivers: list[Driver]


class NonResponse(msgspec.Struct):
    """A record of ``/v7/rest/sync/non-responses``: no nps, comment or response date."""

    number_customergauge: int
    number_customer: str | None
    number_order: str | None
    email: str | None
    phone: str | None
    date_creation: str
    date_order: str | None
    date_email_sent: str | None
    touchpoint: str | None
    delivery_vector: str
    link: str | None
    contact: Contact
    account: Account
    properties: list[Field]
    custom_fields: list[Field]
    drivers: list[Driver]


class Cursor(msgspec.Struct):
    next: int


Data = list[Response] | list[NonResponse]


class Page(msgspec.Struct):
    """``{"data": [...], "cursor": {"next": <int>}}``."""

    data: Data
    cursor: Cursor


_decode_segments = msgspec.json.Decoder(dict[str, Any]).decode


#: The lists no record has yet (custom fields, drivers): one shared empty list, only ever
#: encoded, never changed.
_NOTHING: list[Any] = []


def responses(
    rows: list[ExportRow],
    expand: frozenset[str],
    base_url: str,
    chosen: Mapping[int, list[str]],
) -> list[Response]:
    """The wire form of responded records; ``chosen`` holds the labels of the drivers each
    record chose (empty unless ``with[]=drivers`` asked for them).

    Built positionally, in the struct's field order: a 1,000-record page is built several
    times faster than from keyword arguments, and it is the export's main cost.
    """
    link = base_url + "/r/"
    with_properties = PROPERTIES in expand
    drivers = {rid: [Driver(label) for label in labels] for rid, labels in chosen.items()}
    return [
        Response(
            row.id,
            row.number_customer,
            row.number_order,
            row.email,
            row.phone,
            row.nps,
            row.comment,
            row.date_creation,
            row.date_order,
            row.date_sent,
            row.date_response,
            row.touchpoint,
            row.delivery_vector,
            None if row.link_code is None else link + row.link_code,
            Contact(row.first_name, row.last_name),
            Account(row.account_name, row.account_number),
            _properties(row) if with_properties else _NOTHING,
            _NOTHING,
            drivers.get(row.id, _NOTHING) if drivers else _NOTHING,
        )
        for row in rows
    ]


def non_responses(
    rows: list[ExportRow],
    expand: frozenset[str],
    base_url: str,
    chosen: Mapping[int, list[str]],
) -> list[NonResponse]:
    """The wire form of records without a response (built as :func:`responses` is): they
    have chosen no drivers, so ``chosen`` is always empty."""
    link = base_url + "/r/"
    with_properties = PROPERTIES in expand
    return [
        NonResponse(
            row.id,
            row.number_customer,
            row.number_order,
            row.email,
            row.phone,
            row.date_creation,
            row.date_order,
            row.date_sent,
            row.touchpoint,
            row.delivery_vector,
            None if row.link_code is None else link + row.link_code,
            Contact(row.first_name, row.last_name),
            Account(row.account_name, row.account_number),
            _properties(row) if with_properties else _NOTHING,
            _NOTHING,
            _NOTHING,
        )
        for row in rows
    ]


def _properties(row: ExportRow) -> list[Field]:
    """The record's segment values, in the order they were imported."""
    return [
        Field(name, None if value is None else str(value))
        for name, value in _decode_segments(row.segments).items()
    ]


def read_subject(params: dict[str, Any]) -> Subject:
    """The contact named by the body, or :class:`ValidationFailed` (422, Laravel 8 summary)."""
    errors = v.Errors()
    email = v.normalize(params.get("email"))
    phone_name = "phone" if v.normalize(params.get("phone")) is not None else "telephone"
    phone = v.normalize(params.get(phone_name))
    if email is None and phone is None:
        errors.add("email", v.REQUIRED_WITHOUT, values="phone")
        errors.add("phone", v.REQUIRED_WITHOUT, values="email")
    if email is not None:
        email = v.email()("email", email, errors)
    if phone is not None:
        phone = v.phone()(phone_name, phone, errors)
    if errors:
        raise ValidationFailed(errors.in_order(["email", "phone", "telephone"]))
    return Subject(email=email, phone=phone)
