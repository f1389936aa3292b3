"""Duplication rules: when a contact may not be surveyed again yet.

The system rule has an interval in days and up to three target fields. Two invitations are
duplicates when they go to the same contact, the earlier one was sent within the interval, and
every listed field has the same value on both (no fields: the contact alone decides). A
campaign's own interval counts invitations of that campaign to the same contact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DuplicationRule:
    enabled: bool
    days: int
    fields: tuple[str, ...]


def window_start(now: str, days: int) -> str:
    """The earliest ``date_sent`` (``YYYY-MM-DD HH:MM:SS``) still inside an interval."""
    moment = datetime.strptime(now, "%Y-%m-%d %H:%M:%S") - timedelta(days=days)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def duplicates(
    rule: DuplicationRule,
    new: Mapping[str, object],
    earlier: Sequence[Mapping[str, object]],
) -> bool:
    """Whether ``new`` duplicates one of ``earlier`` (same contact, inside the interval).

    Values are compared by target field (``survey.number_order``, ``survey.segment.Product``,
    ...); the caller only passes earlier invitations of the same contact inside the window.
    """
    if not rule.enabled:
        return False
    return any(all(new.get(f) == old.get(f) for f in rule.fields) for old in earlier)
