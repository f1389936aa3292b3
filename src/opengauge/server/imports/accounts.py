"""``PUT /accounts``: create or update an account by its reference."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opengauge.server.auth.service import require_active_app
from opengauge.server.domain import validation as v
from opengauge.server.errors import ValidationFailed
from opengauge.server.imports.common import Context, makes_parent_loop
from opengauge.server.imports.schemas import read_account
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import accounts
from opengauge.server.storage.repositories.accounts import AccountFields
from opengauge.server.tokens import Claims


def put_account(params: dict[str, Any], claims: Claims, context: Context) -> Callable[[Tx], int]:
    """Create or update an account; the operation returns 201 or 200.

    The body is checked here, before the operation is queued.
    """
    request = read_account(params)
    system_id = claims.system_id

    def operation(tx: Tx) -> int:
        require_active_app(tx, claims)
        now = context.clock.timestamp()
        parent_id = None
        if request.parent is not None:
            if makes_parent_loop(tx, system_id, request.reference, request.parent):
                raise ValidationFailed({"parent": [v.SELECTED_INVALID.format(a="parent")]})
            parent_id = accounts.ensure(tx, system_id, request.parent, now)
        _, created = accounts.put(
            tx,
            system_id,
            request.reference,
            AccountFields(
                number=request.number,
                manager=request.manager,
                region=request.region,
                parent_id=parent_id,
            ),
            now,
        )
        return 201 if created else 200

    return operation
