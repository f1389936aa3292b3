"""Persistence: the schema, migrations, the group-commit writer and the repositories.

This package is the only one that talks SQL.
"""

from opengauge.server.storage.database import Database, Tx

__all__ = ["Database", "Tx"]
