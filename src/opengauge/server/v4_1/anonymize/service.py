"""The 4.1 ``anonymize`` module: GET previews what POST would anonymize.

Parameters: ``email`` or ``telephone`` (GET and POST) and ``id``, a survey record's CG-ID
(POST only). Without any of them the answer is 400800 (``Required field 'id'
not supplied``, typographic quotes on the wire).
"""

from __future__ import annotations

from typing import Any

from opengauge.server.anonymization import service
from opengauge.server.anonymization.service import Subject
from opengauge.server.storage import Tx
from opengauge.server.v4_1.call import Call, Principal
from opengauge.server.v4_1.errors import ErrorCode, V41Error

MESSAGE = "Records anonymized"


def _subject(call: Call, *, by_id: bool) -> Subject:
    email, phone = call.text("email"), call.text("telephone")
    raw_id = call.text("id") if by_id else None
    if email is None and phone is None and raw_id is None:
        raise V41Error(ErrorCode.ANONYMIZE_ID_REQUIRED)
    record_id = None
    if raw_id is not None:
        if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18):
            raise V41Error(ErrorCode.INVALID_ARGUMENTS)
        record_id = int(raw_id)
    return Subject(email=email, phone=phone, record_id=record_id)


def preview(tx: Tx, principal: Principal, call: Call) -> list[dict[str, str]]:
    """``GET anonymize``: the matching survey records, numbers as strings."""
    subject = _subject(call, by_id=False)
    return [
        {
            "first_name": row.first_name or "",
            "last_name": row.last_name or "",
            "email": row.email or "",
            "sms_telephone": row.phone or "",
            "number_customergauge": str(row.record_id),
        }
        for row in service.preview(tx, principal.system_id, subject)
    ]


def run(tx: Tx, principal: Principal, call: Call) -> dict[str, Any]:
    """``POST anonymize``: anonymize the subject; ``Count`` is the survey records changed."""
    subject = _subject(call, by_id=True)
    count = service.anonymize(tx, principal.system_id, subject, call.clock.timestamp())
    return {"Message": MESSAGE, "Count": str(count)}
