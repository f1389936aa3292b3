"""The values the SDK returns. Field names follow the wire, in snake case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: One record of the responses or non-responses export, exactly as the server sends it
#: (see docs/export.md for the keys).
ExportRecord = dict[str, Any]


@dataclass(frozen=True)
class PersonalLink:
    """A personal survey link: the survey record's CG-ID and its two URLs."""

    number_customergauge: int
    survey_link: str
    survey_link_short: str


@dataclass(frozen=True)
class ExportPage:
    """One page of an export: its records and the cursor to ask for the next one."""

    data: list[ExportRecord]
    next_cursor: int


@dataclass(frozen=True)
class Unsubscribe:
    """An address on the unsubscribe list; ``user`` is who added it (app name, ``api_key``…)."""

    email: str
    date: str
    user: str


@dataclass(frozen=True)
class Bounce:
    """A bounced address."""

    email: str
    type: str
    reason: str
    date: str


@dataclass(frozen=True)
class Division:
    """A division of the hierarchy; ``parent`` is None for Global."""

    id: int
    name: str
    parent: str | None


@dataclass(frozen=True)
class AnonymizeCandidate:
    """A survey record that anonymizing would change (missing values are ``""``)."""

    number_customergauge: int
    first_name: str
    last_name: str
    email: str
    telephone: str


@dataclass(frozen=True)
class RevenueUpload:
    """A revenue file upload; ``logs`` say why a ``Failed`` upload stored nothing."""

    id: int
    status: str
    source_filename: str
    date_upload: str
    total_records: int
    successful_records: int
    unsuccessful_records: int
    logs: list[str]
