"""Drivers over 4.1, as ``reasons``: list, create, update (spec section 11, reference 2.24).

Every check runs before the first write, so a refused request changes nothing. Only the
caller's system is read or changed. :func:`create` and :func:`change` are also the console's:
they refuse with :class:`~opengauge.server.domain.drivers.Refused`, which the 4.1 handlers turn
into the code table's errors.
"""

from __future__ import annotations

from collections.abc import Mapping

from opengauge.server.domain import drivers as rules
from opengauge.server.domain.drivers import Refusal, Refused
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import drivers
from opengauge.server.storage.repositories.drivers import Driver
from opengauge.server.v4_1.call import Call, Principal
from opengauge.server.v4_1.errors import ErrorCode, V41Error

#: The fields a driver is made of, as 4.1 parameters and console form fields.
FIELDS = ("good_bad", "level", "category_main", "position", "label")

_CODES = {
    Refusal.CODE_REQUIRED: ErrorCode.REASON_CODE_REQUIRED,
    Refusal.CODE_TAKEN: ErrorCode.REASON_CODE_EXISTS,
    Refusal.CODE_UNKNOWN: ErrorCode.REASON_CODE_MISSING,
    Refusal.NO_LEVEL_1: ErrorCode.REASON_LEVEL_2,
    Refusal.GOOD_BAD_REQUIRED: ErrorCode.GOOD_BAD_REQUIRED,
    Refusal.GOOD_BAD_WRONG: ErrorCode.GOOD_BAD_WRONG,
}


def list_reasons(tx: Tx, principal: Principal, call: Call) -> list[dict[str, str]]:
    """``[{reason_code, numeration, position, show_for, good_bad, category_main, level,
    label}]``, every value a string; ``show_for`` (``Promoter`` or ``Detractor&Neutral``)
    keeps one side. Promoters' drivers first, each level 1 followed by its level 2."""
    good_bad = None
    wanted = call.text("show_for")
    if wanted is not None:
        good_bad = rules.shown_for(wanted)
        if good_bad is None:
            raise V41Error(ErrorCode.INVALID_ARGUMENTS)
    return [
        {
            "reason_code": driver.reason_code,
            "numeration": numeration,
            "position": str(driver.position),
            "show_for": rules.show_for(driver.good_bad),
            "good_bad": driver.good_bad,
            "category_main": driver.category_main,
            "level": str(driver.level),
            "label": driver.label,
        }
        for driver, numeration in rules.in_order(drivers.listed(tx, principal.system_id, good_bad))
    ]


def add_reason(tx: Tx, principal: Principal, call: Call) -> dict[str, str]:
    """A new driver from ``good_bad``, ``label``, ``level`` (1), ``position`` (0),
    ``category_main`` (level 2) and optionally ``reason_code``: ``{"reason_code": ...}``."""
    try:
        now = call.clock.timestamp()
        code = create(tx, principal.system_id, _given(call), call.text("reason_code"), now)
    except Refused as refused:
        raise _error(refused, ErrorCode.REASON_NOT_INSERTED) from None
    return {"reason_code": code}


def update_reason(tx: Tx, principal: Principal, call: Call) -> dict[str, str]:
    """Change the driver ``reason_code`` names; fields not given stay as they are."""
    try:
        code = change(tx, principal.system_id, call.text("reason_code"), _given(call))
    except Refused as refused:
        raise _error(refused, ErrorCode.REASON_NOT_UPDATED) from None
    return {"reason_code": code}


def create(
    tx: Tx,
    system_id: int,
    given: Mapping[str, str | None],
    reason_code: str | None,
    now: str,
) -> str:
    """Store a new driver of the system; its reason code (``reason_code``, or the next free
    number). Checks in order: good_bad, the fields, the code's form, the code taken, the
    level 1 of a level 2, the label taken."""
    draft = rules.read(given)
    code = None if reason_code is None else rules.read_code(reason_code)
    drivers.lock(tx, system_id)
    existing = drivers.listed(tx, system_id)
    if code is not None and any(d.reason_code == code for d in existing):
        raise Refused(
            Refusal.CODE_TAKEN, "reason_code", f"Reason code {code} is used by another driver."
        )
    rules.check_among(draft, existing)
    code = code or rules.next_code(d.reason_code for d in existing)
    drivers.create(tx, system_id, code, draft, now)
    return code


def change(tx: Tx, system_id: int, reason_code: str | None, given: Mapping[str, str | None]) -> str:
    """Change the driver with ``reason_code``; its code. A renamed level 1 driver keeps its
    level 2 drivers (their ``category_main`` follows). Checks in order: the code given, the
    code known, good_bad, the fields, the level 1 of a level 2, the label taken, the level 2
    drivers of a level 1."""
    if reason_code is None:
        raise Refused(Refusal.CODE_REQUIRED, "reason_code", "Give the driver's reason code.")
    drivers.lock(tx, system_id)
    existing = drivers.listed(tx, system_id)
    driver = _find(existing, reason_code)
    draft = rules.read(given, driver)
    others = [d for d in existing if d.id != driver.id]
    rules.check_among(draft, others, driver)
    drivers.update(tx, system_id, driver.id, draft)
    if driver.level == 1 and draft.label != driver.label:
        drivers.rename_category(tx, system_id, driver.good_bad, driver.label, draft.label)
    return driver.reason_code


def _find(existing: list[Driver], reason_code: str) -> Driver:
    for driver in existing:
        if driver.reason_code == reason_code:
            return driver
    raise Refused(Refusal.CODE_UNKNOWN, "reason_code", "There is no driver with this reason code.")


def _given(call: Call) -> dict[str, str | None]:
    return {name: call.text(name) for name in FIELDS}


def _error(refused: Refused, invalid: ErrorCode) -> V41Error:
    return V41Error(_CODES.get(refused.refusal, invalid))
