"""Persistence: the schema, migrations, the group-commit writer, the readers, the repositories.

This package is the only one that talks SQL.
"""

from opengauge.server.storage.database import Database
from opengauge.server.storage.transaction import Tx

__all__ = ["Database", "Tx"]
