"""``POST workflow``: change a survey record's follow-up (spec section 11, evidence §2.25).

Parameters: ``number_customergauge`` (the CG-ID, required), and any of ``status`` (``OPEN``,
``IN-PROGRESS``, ``PROGRESS``, ``CLOSED``, ``CLOSE`` or an integer 0-99), ``comment`` and
``assigned_to`` (the e-mail of an active console user of the caller's system). The change
itself is the use case the console's Follow-up screen shares (``server/workflow``); this
module reads the call and words the refusals as 4.1 codes, checked in this order:

400201 no ``number_customergauge`` → 300001 not a number → 400011 unknown ``status`` →
300001 nothing to change, or a comment over 4000 characters → 400200 no such record in the
caller's system → 300001 ``assigned_to`` is no active console user of the system.
"""

from __future__ import annotations

from opengauge.server.storage import Tx
from opengauge.server.v4_1.call import Call, Principal
from opengauge.server.v4_1.errors import ErrorCode, V41Error
from opengauge.server.workflow import service as workflow
from opengauge.server.workflow.service import FollowUpRefused, Refusal

_CODES = {
    Refusal.RECORD_NOT_FOUND: ErrorCode.WORKFLOW_NOT_FOUND,
    Refusal.UNKNOWN_STATUS: ErrorCode.WORKFLOW_STATUS,
    Refusal.UNKNOWN_ASSIGNEE: ErrorCode.INVALID_ARGUMENTS,
    Refusal.NOTHING_GIVEN: ErrorCode.INVALID_ARGUMENTS,
    Refusal.COMMENT_TOO_LONG: ErrorCode.INVALID_ARGUMENTS,
}


def update(tx: Tx, principal: Principal, call: Call) -> dict[str, int]:
    """Apply the change; ``{"number_customergauge": <the CG-ID, as a number>}``."""
    raw_id = call.text("number_customergauge")
    if raw_id is None:
        raise V41Error(ErrorCode.WORKFLOW_NUMBER_REQUIRED)
    if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18):
        raise V41Error(ErrorCode.INVALID_ARGUMENTS)
    record_id = int(raw_id)
    change = workflow.Change(call.text("status"), call.text("assigned_to"), call.text("comment"))
    now = call.clock.timestamp()
    try:
        workflow.apply(
            tx, principal.system_id, record_id, change, principal.user, now, call.base_url
        )
    except FollowUpRefused as refused:
        raise V41Error(_CODES[refused.reason]) from None
    return {"number_customergauge": record_id}
