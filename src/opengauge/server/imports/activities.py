"""``PUT /activities/``: create or update an activity, creating its account if needed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from opengauge.server.auth.service import require_active_app
from opengauge.server.imports.common import Context, new_reference
from opengauge.server.imports.schemas import read_activity
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import accounts, contacts, records
from opengauge.server.tokens import Claims


def put_activity(
    params: dict[str, Any], claims: Claims, context: Context
) -> Callable[[Tx], tuple[int, dict[str, Any]]]:
    """Create or update an activity; the operation returns (status, body).

    The body is checked here, before the operation is queued; only whether the contact it
    names exists is checked in the operation.
    """
    draft = read_activity(params)
    system_id = claims.system_id

    def operation(tx: Tx) -> tuple[int, dict[str, Any]]:
        require_active_app(tx, claims)
        request = draft.complete(
            lambda reference: contacts.find_id_by_reference(tx, system_id, reference)
        )
        now = context.clock.timestamp()
        account_id = accounts.ensure(tx, system_id, request.account, now)
        reference = request.reference or new_reference()
        created = records.put_activity(
            tx,
            system_id,
            reference,
            records.ActivityFields(
                account_id=account_id,
                contact_id=request.contact_id,
                type=request.type,
                source=request.source,
                happened_at=request.happened_at,
                details=json.dumps(request.details),
            ),
            now,
        )
        return (201 if created else 200), {"reference": reference}

    return operation
