"""Unsubscribe and bounce lists (spec section 6)."""

from __future__ import annotations

from typing import Any

from opengauge.server.domain import validation as v
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import lists
from opengauge.server.v4_1.call import Call, Principal
from opengauge.server.v4_1.errors import ErrorCode, V41Error

UNSUBSCRIBE_PAGE = (100, 1000)
BOUNCE_PAGE = (1000, 1000)


def list_unsubscribes(tx: Tx, principal: Principal, call: Call) -> list[dict[str, Any]]:
    start, limit = call.page(*UNSUBSCRIBE_PAGE)
    since, until = call.date_range() or (None, None)
    return [
        {"Email": email, "Date": date, "User": user}
        for email, date, user in lists.unsubscribes(
            tx, principal.system_id, start, limit, since, until
        )
    ]


def add_unsubscribe(tx: Tx, principal: Principal, call: Call) -> dict[str, str]:
    email = call.text("email")
    if email is None:
        raise V41Error(ErrorCode.EMAIL_REQUIRED)
    if v.email()("email", email, v.Errors()) is None:
        raise V41Error(ErrorCode.INVALID_ARGUMENTS)
    added = lists.add_unsubscribe(
        tx, principal.system_id, email, principal.user, call.clock.timestamp()
    )
    if not added:
        raise V41Error(ErrorCode.EMAIL_ALREADY_UNSUBSCRIBED)
    return {"Message": "Record added"}


def list_bounces(tx: Tx, principal: Principal, call: Call) -> list[dict[str, Any]]:
    start, limit = call.page(*BOUNCE_PAGE)
    since, until = call.date_range() or (None, None)
    return [
        {"Email": email, "Type": kind, "Reason": reason or "", "Date": date}
        for email, kind, reason, date in lists.bounces(
            tx, principal.system_id, start, limit, since, until
        )
    ]
