"""Request bodies of the control plane and how they are read.

Configuration bodies (systems, apps, mappings, campaigns, bounces) are the entries of a seed
file and are checked by the seed file's own rules (``seed/schemas.py``); problems come back
as a Laravel-style 422 whose ``errors`` are keyed by the field's path.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, TypeVar

import msgspec

from opengauge.server.errors import MalformedJson, ValidationFailed
from opengauge.server.seed.schemas import Seed, SeedError, SystemSpec, parse_seed, validate_seed

T = TypeVar("T")
NOT_AN_OBJECT = "The body must be a JSON object."


class FaultSpec(msgspec.Struct, forbid_unknown_fields=True):
    """A fault rule as posted to ``/_opengauge/faults``."""

    path: str
    methods: list[str] = []
    status: int | None = None
    latency_ms: int = 0
    probability: float = 1.0
    retry_after: int | None = None
    count: int | None = None
    seed: int | None = None


class ClockChange(msgspec.Struct, forbid_unknown_fields=True):
    """What ``POST /_opengauge/clock`` may change; applied in this order."""

    offset: float | None = None
    time: str | None = None
    frozen: bool | None = None
    advance: float | None = None


class TouchpointSpec(msgspec.Struct, forbid_unknown_fields=True):
    name: str


def read_json(body: bytes) -> dict[str, Any]:
    """A JSON object body; 400 for broken JSON, 422 for anything but an object."""
    try:
        value = msgspec.json.decode(body) if body.strip() else {}
    except (msgspec.DecodeError, RecursionError):
        raise MalformedJson() from None
    if not isinstance(value, dict):
        raise ValidationFailed({"body": [NOT_AN_OBJECT]}, summary="first")
    return value


def _convert(data: dict[str, Any], kind: type[T]) -> T:
    try:
        return msgspec.convert(data, kind, strict=True)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(_problem(str(exc)), summary="first") from None


_FIELD = re.compile(r"^Object (missing required|contains unknown) field `([^`]*)`")


def _problem(message: str) -> dict[str, list[str]]:
    """msgspec's message as Laravel-style errors keyed by the field's path."""
    text, at, path = message.partition(" - at `$")
    where = path.rstrip("`").lstrip(".") if at else ""
    found = _FIELD.match(text)
    if found:
        name = f"{where}.{found[2]}" if where else found[2]
        missing = found[1] == "missing required"
        return {name: [f"The {name} field is {'required' if missing else 'not allowed'}."]}
    return {where or "body": [f"The {where or 'body'} is invalid: {text}."]}


def read_fault(body: bytes) -> FaultSpec:
    spec = _convert(read_json(body), FaultSpec)
    errors: dict[str, list[str]] = {}
    if not spec.path.startswith(("/", "*")) or spec.path.startswith("/_opengauge"):
        errors["path"] = ["The path must be a glob starting with / or * outside /_opengauge."]
    if spec.status is not None and not (400 <= spec.status <= 599 and _known(spec.status)):
        errors["status"] = ["The status must be an HTTP error status between 400 and 599."]
    if spec.status is None and spec.latency_ms == 0:
        errors["status"] = ["A fault needs a status, a latency_ms, or both."]
    if not 0 <= spec.latency_ms <= 60_000:
        errors["latency_ms"] = ["The latency_ms must be between 0 and 60000."]
    if not 0.0 <= spec.probability <= 1.0:
        errors["probability"] = ["The probability must be between 0 and 1."]
    if spec.retry_after is not None and not 0 <= spec.retry_after <= 86_400:
        errors["retry_after"] = ["The retry_after must be between 0 and 86400 seconds."]
    if spec.count is not None and spec.count < 1:
        errors["count"] = ["The count must be at least 1."]
    if any(not m.isascii() or not m.isalpha() for m in spec.methods):
        errors["methods"] = ["The methods must be HTTP method names."]
    if errors:
        raise ValidationFailed(errors, summary="first")
    return spec


def _known(status: int) -> bool:
    try:
        HTTPStatus(status)
    except ValueError:
        return False
    return True


#: The clock stays where dates can be stored and shown: 1970-01-01 to 9999-12-31 (UTC).
CLOCK_EARLIEST = 0.0
CLOCK_LATEST = 253_402_300_799.0
CLOCK_RANGE = "The clock must stay between 1970-01-01 and 9999-12-31 (UTC)."


def read_clock_change(body: bytes) -> tuple[ClockChange, float | None]:
    """The change and, when ``time`` is given, that moment in seconds since the epoch."""
    change = _convert(read_json(body), ClockChange)
    if change == ClockChange():
        raise ValidationFailed(
            {"body": ["Give at least one of offset, time, frozen or advance."]}, summary="first"
        )
    moment = None
    if change.time is not None:
        try:
            parsed = datetime.fromisoformat(change.time)
        except ValueError:
            raise ValidationFailed(
                {"time": ["The time must be an ISO 8601 date-time."]}, summary="first"
            ) from None
        try:
            moment = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
        except (OverflowError, ValueError):
            raise ValidationFailed({"time": [CLOCK_RANGE]}, summary="first") from None
    return change, moment


def read_touchpoint(body: bytes) -> str:
    return check_name(_convert(read_json(body), TouchpointSpec).name)


def check_name(text: str) -> str:
    """A touchpoint's or segment's name, trimmed; 422 unless 1 to 128 characters on one line."""
    name = text.strip()
    if not name or len(name) > 128 or any(ord(ch) < 32 for ch in name):
        raise ValidationFailed(
            {"name": ["The name must be 1 to 128 characters, without line breaks."]},
            summary="first",
        )
    return name


def read_seed(body: bytes) -> Seed:
    """A whole seed document, YAML or JSON."""
    try:
        return parse_seed(body.decode("utf-8", errors="replace"), "seed")
    except SeedError as error:
        raise seed_problems(error) from None
    except RecursionError:
        raise ValidationFailed(
            {"body": ["The seed is nested too deeply."]}, summary="first"
        ) from None


def read_system(body: bytes) -> SystemSpec:
    """One system entry of a seed file."""
    (system,) = _as_seed(read_json(body), "").systems
    return system


def read_entry(body: bytes, kind: str, system: dict[str, Any]) -> Any:
    """One ``kind`` entry (``connected_apps``, ``mappings``...) for ``system``.

    It is checked inside a copy of the system's own configuration, so a mapping may use the
    system's segments and an app its divisions.
    """
    return check_entry(read_json(body), kind, system)


def check_entry(entry: dict[str, Any], kind: str, system: dict[str, Any]) -> Any:
    """:func:`read_entry` for an entry already parsed (the console's forms)."""
    data = {**system, kind: [entry]}
    (checked,) = _as_seed(data, f"{kind}[0]").systems
    return getattr(checked, kind)[0]


def check_system_part(system: dict[str, Any], key: str, value: Any) -> SystemSpec:
    """The system with ``key`` (``duplication_rule``...) set to ``value``, checked by the seed
    rules; 422 with the problems of that key."""
    (checked,) = _as_seed({**system, key: value}, key).systems
    return checked


def _as_seed(system: dict[str, Any], prefix: str) -> Seed:
    try:
        return validate_seed({"systems": [system]}, "body")
    except SeedError as error:
        raise seed_problems(error, f"systems[0].{prefix}".rstrip(".")) from None


def seed_problems(error: SeedError, prefix: str = "") -> ValidationFailed:
    """A seed's problems as a 422; ``prefix`` is cut from each problem's path."""
    errors: dict[str, list[str]] = {}
    for problem in error.problems:
        where, sep, text = problem.partition(": ")
        if not sep:
            where, text = "", problem
        if prefix and where.startswith(prefix):
            where = where[len(prefix) :].lstrip(".")
        found = _FIELD.match(text)
        if found:
            where = f"{where}.{found[2]}" if where else found[2]
            state = "required" if found[1] == "missing required" else "not allowed"
            text = f"The {where} field is {state}."
        errors.setdefault(where or "body", []).append(text)
    return ValidationFailed(errors, summary="first")


def timestamp(moment: float) -> str:
    """Seconds since the epoch as ISO 8601 UTC with milliseconds and ``Z``."""
    text = datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
