"""The import use cases, one module each; this module names them for the endpoints.

Each ``put_*`` function checks the request's body (what needs no database) and returns the
operation for ``Database.run``: it checks that the app is still active, then everything that
needs the database, before it writes, so a refusal leaves the database unchanged.
"""

from __future__ import annotations

from opengauge.server.imports.accounts import put_account
from opengauge.server.imports.activities import put_activity
from opengauge.server.imports.common import Context
from opengauge.server.imports.contracts import put_contract
from opengauge.server.imports.personal_link import put_personal_link
from opengauge.server.imports.records import put_record

__all__ = [
    "Context",
    "put_account",
    "put_activity",
    "put_contract",
    "put_personal_link",
    "put_record",
]
