"""Inbound mappings: data types, target fields and what each data type must map.

A mapping turns a caller's field headings into our canonical target fields
(``account.name``, ``contact.email``...). This module knows which targets exist, which a data
type may use and which it must map. It has no I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ACCOUNT = "Account"
ACCOUNT_ALIAS = "Account Alias"
CONTACT = "Contact"
SURVEY_DATA = "Survey Data"
MULTI_OBJECT = "Multi-Object"
EXTERNAL_RESPONSE = "External Response"
ACTIVITY = "Activity"
REVENUE = "Revenue"

DATA_TYPES = (
    ACCOUNT,
    ACCOUNT_ALIAS,
    CONTACT,
    SURVEY_DATA,
    MULTI_OBJECT,
    EXTERNAL_RESPONSE,
    ACTIVITY,
    REVENUE,
)
SURVEY_TYPES = frozenset({SURVEY_DATA, MULTI_OBJECT, EXTERNAL_RESPONSE})

ACCOUNT_TARGETS = (
    "account.name",
    "account.number",
    "account.manager",
    "account.parent",
    "account.region",
    "account.alias",
)
CONTACT_TARGETS = (
    "contact.email",
    "contact.phone",
    "contact.first_name",
    "contact.last_name",
    "contact.number",
    "contact.job_position",
    "contact.job_level",
    "contact.language",
)
SURVEY_TARGETS = (
    "survey.touchpoint",
    "survey.division",
    "survey.number_order",
    "survey.date_order",
    "survey.language",
    "survey.nps",
    "survey.comment",
    "survey.date_response",
)
ACTIVITY_TARGETS = (
    "activity.reference",
    "activity.type",
    "activity.source",
    "activity.happened_at",
)
REVENUE_TARGETS = (
    "revenue.amount",
    "revenue.start",
    "revenue.end",
    "revenue.type",
    "revenue.description",
)
SEGMENT_PREFIX = "survey.segment."
DETAILS_PREFIX = "activity.details."

_ACCOUNT_FIELDS = tuple(t for t in ACCOUNT_TARGETS if t != "account.alias")
_ALLOWED: dict[str, tuple[str, ...]] = {
    ACCOUNT: _ACCOUNT_FIELDS,
    ACCOUNT_ALIAS: ("account.name", "account.alias"),
    CONTACT: _ACCOUNT_FIELDS + CONTACT_TARGETS,
    SURVEY_DATA: _ACCOUNT_FIELDS + CONTACT_TARGETS + SURVEY_TARGETS,
    MULTI_OBJECT: _ACCOUNT_FIELDS + CONTACT_TARGETS + SURVEY_TARGETS,
    EXTERNAL_RESPONSE: _ACCOUNT_FIELDS + CONTACT_TARGETS + SURVEY_TARGETS,
    ACTIVITY: ("account.name", "contact.email", "contact.phone", *ACTIVITY_TARGETS),
    REVENUE: ("account.name", *REVENUE_TARGETS),
}
_EMAIL_OR_PHONE = ("contact.email", "contact.phone")

#: What each data type must map. A tuple of two means "one of these".
REQUIRED_TARGETS: dict[str, tuple[str | tuple[str, str], ...]] = {
    ACCOUNT: ("account.name",),
    ACCOUNT_ALIAS: ("account.name", "account.alias"),
    CONTACT: (_EMAIL_OR_PHONE,),
    SURVEY_DATA: (_EMAIL_OR_PHONE,),
    MULTI_OBJECT: (_EMAIL_OR_PHONE,),
    EXTERNAL_RESPONSE: (_EMAIL_OR_PHONE, "survey.nps"),
    ACTIVITY: ("account.name", "activity.type", "activity.source", "activity.happened_at"),
    REVENUE: ("account.name", "revenue.amount", "revenue.start", "revenue.type"),
}

#: References every new system gets (the real service's defaults).
DEFAULT_MAPPINGS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "contact",
        "Contacts (Default)",
        CONTACT,
        (
            ("Email", "contact.email"),
            ("Phone", "contact.phone"),
            ("First Name", "contact.first_name"),
            ("Last Name", "contact.last_name"),
            ("Customer Number", "contact.number"),
            ("Job Position", "contact.job_position"),
            ("Job Level", "contact.job_level"),
            ("Language", "contact.language"),
            ("Account Name", "account.name"),
        ),
    ),
    (
        "activities",
        "Activities (Default)",
        ACTIVITY,
        (
            ("Reference", "activity.reference"),
            ("Account Name", "account.name"),
            ("Email", "contact.email"),
            ("Type", "activity.type"),
            ("Source", "activity.source"),
            ("Happened At", "activity.happened_at"),
        ),
    ),
)


@dataclass(frozen=True)
class Mapping:
    """A mapping as the import service uses it."""

    id: int
    reference: str
    name: str
    data_type: str
    fields: tuple[tuple[str, str], ...]

    @functools.cached_property
    def targets(self) -> dict[str, str]:
        """Heading -> target."""
        return dict(self.fields)

    @functools.cached_property
    def headings(self) -> list[str]:
        return [heading for heading, _ in self.fields]

    def heading_for(self, target: str) -> str | None:
        for heading, mapped in self.fields:
            if mapped == target:
                return heading
        return None


_ALL_FIXED = frozenset(
    ACCOUNT_TARGETS + CONTACT_TARGETS + SURVEY_TARGETS + ACTIVITY_TARGETS + REVENUE_TARGETS
)


def mapping_problems(
    data_type: str, fields: Sequence[tuple[str, str]], segments: Iterable[str] = ()
) -> list[str]:
    """Everything wrong with a mapping definition, as readable sentences (empty if valid)."""
    if data_type not in DATA_TYPES:
        return [f"unknown data type {data_type!r}; expected one of: {', '.join(DATA_TYPES)}"]
    problems: list[str] = []
    known_segments = set(segments)
    allowed = _ALLOWED[data_type]
    seen_targets: dict[str, str] = {}
    seen_headings: set[str] = set()
    for heading, target in fields:
        if not heading:
            problems.append("field headings must not be empty")
        if heading in seen_headings:
            problems.append(f"heading {heading!r} is mapped twice")
        seen_headings.add(heading)
        if target.startswith(SEGMENT_PREFIX):
            name = target[len(SEGMENT_PREFIX) :]
            if data_type not in SURVEY_TYPES:
                problems.append(f"target {target!r} is not allowed for data type {data_type}")
            elif name not in known_segments:
                problems.append(f"target {target!r} names an unknown segment {name!r}")
        elif target.startswith(DETAILS_PREFIX):
            if data_type != ACTIVITY or len(target) == len(DETAILS_PREFIX):
                problems.append(f"target {target!r} is not allowed for data type {data_type}")
        elif target not in _ALL_FIXED:
            problems.append(f"unknown target field {target!r} (heading {heading!r})")
        elif target not in allowed:
            problems.append(f"target {target!r} is not allowed for data type {data_type}")
        if target in seen_targets:
            problems.append(
                f"target {target!r} is mapped by both {seen_targets[target]!r} and {heading!r}"
            )
        seen_targets.setdefault(target, heading)
    for requirement in REQUIRED_TARGETS[data_type]:
        if isinstance(requirement, tuple):
            if not any(t in seen_targets for t in requirement):
                problems.append(
                    f"data type {data_type} must map {requirement[0]} or {requirement[1]}"
                )
        elif requirement not in seen_targets:
            problems.append(f"data type {data_type} must map {requirement}")
    return problems
