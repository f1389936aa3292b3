"""``PUT /contracts``: create or update a contract of an existing account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opengauge.server.auth.service import require_active_app
from opengauge.server.imports.common import Context, new_reference
from opengauge.server.imports.schemas import read_contract
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import accounts, records
from opengauge.server.tokens import Claims


def put_contract(
    params: dict[str, Any], claims: Claims, context: Context
) -> Callable[[Tx], tuple[int, dict[str, Any]]]:
    """Create or update a contract; the operation returns (status, body).

    The body is checked here, before the operation is queued; only whether its account
    exists is checked in the operation.
    """
    draft = read_contract(params)
    system_id = claims.system_id

    def operation(tx: Tx) -> tuple[int, dict[str, Any]]:
        require_active_app(tx, claims)
        request = draft.complete(lambda name: accounts.find_id(tx, system_id, name))
        reference = request.reference or new_reference()
        created = records.put_contract(
            tx,
            system_id,
            reference,
            request.account_id,
            request.start,
            request.end,
            request.description,
            context.clock.timestamp(),
        )
        return (201 if created else 200), {"reference": reference}

    return operation
