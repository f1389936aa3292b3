"""Personal-link campaigns: which campaign a record belongs to.

A campaign has filters on target fields (``survey.touchpoint is Support``); a record belongs to
the first active campaign, in creation order, whose filters all match. No match means the
personal-link request is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CampaignFilter:
    field: str
    op: str  # "is" or "is_not"
    values: tuple[str, ...]

    def matches(self, value: str | None) -> bool:
        """``is``: the record's value is one of ``values``; ``is_not``: it is not (or absent)."""
        found = value is not None and value in self.values
        return found if self.op == "is" else not found


@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    active: bool
    filters: tuple[CampaignFilter, ...]
    duplication_days: int | None

    def matches(self, values: Mapping[str, str | None]) -> bool:
        return all(f.matches(values.get(f.field)) for f in self.filters)


def first_matching(
    campaigns: Sequence[Campaign], values: Mapping[str, str | None]
) -> Campaign | None:
    """The first active campaign (in the given, creation, order) whose filters all match."""
    for campaign in campaigns:
        if campaign.active and campaign.matches(values):
            return campaign
    return None


def parse_filters(raw: Iterable[Mapping[str, object]]) -> tuple[CampaignFilter, ...]:
    """Filters as stored (``[{"field", "op", "values"}]``)."""
    return tuple(
        CampaignFilter(
            str(item["field"]),
            str(item["op"]),
            tuple(str(v) for v in item.get("values", ()) or ()),  # type: ignore[attr-defined]
        )
        for item in raw
    )
