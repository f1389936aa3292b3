"""Field validation with Laravel 9's English messages.

CustomerGauge's import APIs are Laravel applications; clients see Laravel's validator
messages with the mapping's field heading (or the parameter name) as the attribute. This
module reproduces the rules we need and their exact wording, and normalises input the way
Laravel's default middleware does: strings are trimmed and empty strings become null.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

REQUIRED = "The {a} field is required."
REQUIRED_WITHOUT = "The {a} field is required when {values} is not present."
EMAIL = "The {a} must be a valid email address."
MAX_STRING = "The {a} must not be greater than {max} characters."
DATE_FORMAT = "The {a} does not match the format {format}."
NOT_A_DATE = "The {a} is not a valid date."
NUMERIC = "The {a} must be a number."
INTEGER = "The {a} must be an integer."
BETWEEN = "The {a} must be between {min} and {max}."
SELECTED_INVALID = "The selected {a} is invalid."
FORMAT_INVALID = "The {a} format is invalid."
STRING = "The {a} must be a string."
ARRAY = "The {a} must be an array."
AFTER_OR_EQUAL = "The {a} must be a date after or equal to {date}."

DATE_FMT = "Y-m-d"
DATETIME_FMT = "Y-m-d H:i:s"

_EMAIL = re.compile(
    r"^[\w.!#$%&'*+/=?^`{|}~-]+@"
    r"(?:[^\W_](?:[\w-]*[^\W_])?\.)*[^\W_](?:[\w-]*[^\W_])?$",
    re.UNICODE,
)
_PHONE = re.compile(r"^[0-9 ()+\-]+$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})"
    r"(?: ?(?:Z|([+-])(\d{2}):?(\d{2})))?$"
)


def normalize(value: Any) -> Any:
    """Laravel's TrimStrings + ConvertEmptyStringsToNull; numbers become strings."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _number_text(value)
    return value


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_date(text: str) -> str | None:
    """``YYYY-MM-DD`` if the text is a real calendar date in that format."""
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


def parse_datetime(text: str) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` in UTC, accepting a trailing offset such as ``+0530``."""
    match = _DATETIME.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, sign, off_h, off_m = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
        if sign:
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            tz = timezone(offset if sign == "+" else -offset)
            moment = moment.replace(tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError):  # no such date, or the offset leaves years 1-9999
        return None
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Errors:
    """Laravel's error bag: attribute -> messages, in rule order."""

    messages: dict[str, list[str]] = field(default_factory=dict)

    def add(self, attribute: str, template: str, **values: Any) -> None:
        text = template.format(a=attribute, **values)
        self.messages.setdefault(attribute, []).append(text)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def in_order(self, attributes: Sequence[str]) -> dict[str, list[str]]:
        """The messages with attributes in rule order (cross-field rules are added late)."""
        rank = {name: i for i, name in enumerate(attributes)}
        return dict(sorted(self.messages.items(), key=lambda item: rank.get(item[0], len(rank))))


# -- rules ------------------------------------------------------------------------------
# A rule checks a normalised, present (non-null) value. It returns the cleaned value, or
# records its messages and returns None.

Rule = Callable[[str, Any, Errors], Any]


def text(max_length: int = 128) -> Rule:
    def check(attribute: str, value: Any, errors: Errors) -> Any:
        if not isinstance(value, str):
            errors.add(attribute, STRING)
            return None
        if len(value) > max_length:
            errors.add(attribute, MAX_STRING, max=max_length)
            return None
        return value

    return check


def email(max_length: int = 255) -> Rule:
    def check(attribute: str, value: Any, errors: Errors) -> Any:
        if not isinstance(value, str):
            errors.add(attribute, STRING)
            return None
        ok = True
        if not _EMAIL.match(value) or ".." in value:
            errors.add(attribute, EMAIL)
            ok = False
        if len(value) > max_length:
            errors.add(attribute, MAX_STRING, max=max_length)
            ok = False
        return value if ok else None

    return check


def phone(max_length: int = 128) -> Rule:
    def check(attribute: str, value: Any, errors: Errors) -> Any:
        if not isinstance(value, str):
            errors.add(attribute, STRING)
            return None
        ok = True
        if not _PHONE.match(value) or not any(c.isdigit() for c in value):
            errors.add(attribute, FORMAT_INVALID)
            ok = False
        if len(value) > max_length:
            errors.add(attribute, MAX_STRING, max=max_length)
            ok = False
        return value if ok else None

    return check


def date_value(attribute: str, value: Any, errors: Errors) -> Any:
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None:
        errors.add(attribute, DATE_FORMAT, format=DATE_FMT)
    return parsed


def datetime_value(attribute: str, value: Any, errors: Errors) -> Any:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        errors.add(attribute, DATE_FORMAT, format=DATETIME_FMT)
    return parsed


def number(attribute: str, value: Any, errors: Errors) -> Any:
    if isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed == parsed and abs(parsed) != float("inf"):
            return value
    errors.add(attribute, NUMERIC)
    return None


def amount(limit: int) -> Rule:
    """A number whose size stays below ``limit`` (what the column can hold)."""

    def check(attribute: str, value: Any, errors: Errors) -> Any:
        if number(attribute, value, errors) is None:
            return None
        if abs(float(value)) >= limit:
            errors.add(attribute, BETWEEN, min=f"-{limit - 1}", max=limit - 1)
            return None
        return value

    return check


def score(low: int, high: int) -> Rule:
    """An integer between ``low`` and ``high`` (numeric, integer, between)."""

    def check(attribute: str, value: Any, errors: Errors) -> Any:
        if number(attribute, value, errors) is None:
            return None
        try:
            parsed = int(value)
        except ValueError:
            errors.add(attribute, INTEGER)
            return None
        if not low <= parsed <= high:
            errors.add(attribute, BETWEEN, min=low, max=high)
            return None
        return parsed

    return check


def choice(options: Mapping[str, str]) -> Rule:
    """One of ``options`` (keys compared lower-cased; the value is what is stored)."""

    def check(attribute: str, value: Any, errors: Errors) -> Any:
        chosen = options.get(value.lower()) if isinstance(value, str) else None
        if chosen is None:
            errors.add(attribute, SELECTED_INVALID)
        return chosen

    return check
