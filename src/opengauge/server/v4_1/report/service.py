"""The NPS report (spec section 11; evidence reference.md 2.26).

``filter_touchpoint``, ``filter_division`` (that division and every one below it) and
``filter_segment`` (a value of any segment) narrow the count, and so does
``filter_<segment name>`` (a value of that segment: the one known client sends
``filter_SegmentB``). Any other ``filter_`` key is 400000. Without ``date_range_from`` and
``date_range_to`` every answer counts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from opengauge.server.domain.nps import one_decimal
from opengauge.server.reporting import service as reporting
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import systems
from opengauge.server.v4_1.call import Call, Principal
from opengauge.server.v4_1.errors import ErrorCode, V41Error

FILTER_PREFIX = "filter_"
#: Every answer, when the call gives no date range.
ALL_TIME = ("0000-01-01 00:00:00", "9999-12-31 23:59:59")


def nps(tx: Tx, principal: Principal, call: Call) -> dict[str, Any]:
    filters = _filters(tx, principal.system_id, call)
    period = call.date_range() or ALL_TIME
    tally = reporting.tally(tx, principal.system_id, filters, period)
    return {
        "nps": one_decimal(tally.score),
        "responses": str(tally.responses),
        "promoters": str(tally.promoters),
        "passives": str(tally.passives),
        "detractors": str(tally.detractors),
    }


def _filters(tx: Tx, system_id: int, call: Call) -> reporting.Filters:
    chosen: dict[str, str] = {}
    segment_name = None
    segments = {name.lower(): name for name in systems.segment_names(tx, system_id)}
    for key in call.params:
        if not key.startswith(FILTER_PREFIX):
            continue
        field = key.removeprefix(FILTER_PREFIX)
        value = call.text(key)
        if field in ("touchpoint", "division", "segment"):
            kind = field
        elif field.lower() in segments:
            kind, segment_name = "segment", segments[field.lower()]
        else:
            raise V41Error(ErrorCode.FILTER_KEY)
        if value is not None:
            chosen[kind] = value
    # The period comes from the call; the dates here only satisfy the type.
    return reporting.Filters(
        date.min,
        date.max,
        touchpoint=chosen.get("touchpoint"),
        division=chosen.get("division"),
        segment=chosen.get("segment"),
        segment_name=segment_name if "segment" in chosen else None,
    )
