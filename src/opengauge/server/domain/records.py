"""Validating one ``PUT /records/`` record against its mapping.

Input keys are the caller's field headings; error keys and attribute names in messages are
those headings too. Keys the mapping does not know are ignored (and reported back so the
request journal can show them). Rules that need the database (does this touchpoint exist?)
are answered by a :class:`Lookups` the caller supplies.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any, Protocol

from opengauge.server.domain import mapping as m
from opengauge.server.domain import validation as v

REVENUE_TYPES = {"arr": "ARR", "mrr": "MRR", "one time": "One Time", "other": "Other"}
#: The amount column holds 16 digits before the decimal point.
AMOUNT_LIMIT = 10**16

TARGET_RULES: dict[str, v.Rule] = {
    "account.name": v.text(128),
    "account.number": v.text(255),
    "account.manager": v.text(),
    "account.parent": v.text(),
    "account.region": v.text(),
    "account.alias": v.text(),
    "contact.email": v.email(),
    "contact.phone": v.phone(),
    "contact.first_name": v.text(),
    "contact.last_name": v.text(),
    "contact.number": v.text(),
    "contact.job_position": v.text(),
    "contact.job_level": v.text(),
    "contact.language": v.text(),
    "survey.touchpoint": v.text(),
    "survey.division": v.text(),
    "survey.number_order": v.text(),
    "survey.date_order": v.date_value,
    "survey.language": v.text(),
    "survey.nps": v.score(0, 10),
    "survey.comment": v.text(),
    "survey.date_response": v.datetime_value,
    "activity.reference": v.text(128),
    "activity.type": v.text(100),
    "activity.source": v.text(100),
    "activity.happened_at": v.datetime_value,
    "revenue.amount": v.amount(AMOUNT_LIMIT),
    "revenue.start": v.date_value,
    "revenue.end": v.date_value,
    "revenue.type": v.choice(REVENUE_TYPES),
    "revenue.description": v.text(),
}
_PREFIX_RULES = {m.SEGMENT_PREFIX: v.text(), m.DETAILS_PREFIX: v.text()}


class Lookups(Protocol):
    """Existence checks the validator needs; each returns an id or None."""

    def touchpoint(self, name: str) -> int | None: ...
    def division(self, name: str) -> int | None: ...
    def account(self, name: str) -> int | None: ...
    def contact(self, email: str | None, phone: str | None) -> int | None: ...
    def parent_loop(self, account: str, parent: str) -> bool:
        """Whether making ``parent`` the parent of ``account`` would close a loop."""
        ...


@dataclass
class CleanRecord:
    """A valid record: target -> cleaned value, plus ids resolved during validation."""

    values: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def get(self, target: str) -> Any:
        return self.values.get(target)

    def with_prefix(self, prefix: str) -> dict[str, Any]:
        return {
            target[len(prefix) :]: value
            for target, value in self.values.items()
            if target.startswith(prefix)
        }


def _rule_for(target: str) -> v.Rule:
    rule = TARGET_RULES.get(target)
    if rule is not None:
        return rule
    for prefix, prefix_rule in _PREFIX_RULES.items():
        if target.startswith(prefix):
            return prefix_rule
    return v.text()


@functools.lru_cache(maxsize=1024)
def _required_messages(mapping: m.Mapping) -> dict[str, tuple[str, dict[str, str]]]:
    """heading -> (message template, template values) for the data type's required targets."""
    required: dict[str, tuple[str, dict[str, str]]] = {}
    for requirement in m.REQUIRED_TARGETS[mapping.data_type]:
        if isinstance(requirement, tuple):
            first, second = (mapping.heading_for(t) for t in requirement)
            if first and second:
                required[first] = (v.REQUIRED_WITHOUT, {"values": second})
                required[second] = (v.REQUIRED_WITHOUT, {"values": first})
            elif first or second:
                required[first or second or ""] = (v.REQUIRED, {})
        else:
            heading = mapping.heading_for(requirement)
            if heading:
                required[heading] = (v.REQUIRED, {})
    return required


def validate_record(
    mapping: m.Mapping, record: MappingABC[str, Any], lookups: Lookups
) -> tuple[CleanRecord, v.Errors]:
    """Check ``record`` against ``mapping``'s rules; returns the clean record and any errors."""
    clean = CleanRecord()
    errors = v.Errors()
    mapped = mapping.targets
    clean.ignored = [key for key in record if key not in mapped]
    required = _required_messages(mapping)
    dt = mapping.data_type

    for heading, target in mapping.fields:
        value = v.normalize(record.get(heading))
        if value is None:
            need = required.get(heading)
            if need is not None:
                template, values = need
                # required_without: the other field being present is enough.
                if template is v.REQUIRED or v.normalize(record.get(values["values"])) is None:
                    errors.add(heading, template, **values)
            continue
        cleaned = _rule_for(target)(heading, value, errors)
        if cleaned is None:
            continue
        if target == "survey.touchpoint":
            found = lookups.touchpoint(cleaned)
        elif target == "survey.division":
            found = lookups.division(cleaned)
        elif target == "account.name" and dt in (m.ACCOUNT_ALIAS, m.REVENUE):
            found = lookups.account(cleaned)
        elif target == "account.parent":
            # Parent accounts form a tree: an account can't be its own (grand)parent.
            account = v.normalize(record.get(mapping.heading_for("account.name") or ""))
            if isinstance(account, str) and (
                account == cleaned or lookups.parent_loop(account, cleaned)
            ):
                errors.add(heading, v.SELECTED_INVALID)
            else:
                clean.values[target] = cleaned
            continue
        elif dt == m.ACTIVITY and target in ("contact.email", "contact.phone"):
            # An activity's contact must exist; it is found by e-mail, else by phone.
            if target == "contact.phone" and _given(mapping, record, "contact.email"):
                clean.values[target] = cleaned
                continue
            email = cleaned if target == "contact.email" else None
            phone = cleaned if target == "contact.phone" else None
            found = lookups.contact(email, phone)
            if found is not None:
                clean.ids["contact"] = found
        else:
            clean.values[target] = cleaned
            continue
        if found is None:
            errors.add(heading, v.SELECTED_INVALID)
            continue
        clean.values[target] = cleaned
        clean.ids[target] = found

    if dt == m.REVENUE:
        start, end = clean.get("revenue.start"), clean.get("revenue.end")
        if start and end and end < start:
            errors.add(
                mapping.heading_for("revenue.end") or "end",
                v.AFTER_OR_EQUAL,
                date=mapping.heading_for("revenue.start") or "start",
            )
    if errors:
        errors.messages = errors.in_order(mapping.headings)
    return clean, errors


def _given(mapping: m.Mapping, record: MappingABC[str, Any], target: str) -> bool:
    heading = mapping.heading_for(target)
    return heading is not None and v.normalize(record.get(heading)) is not None
