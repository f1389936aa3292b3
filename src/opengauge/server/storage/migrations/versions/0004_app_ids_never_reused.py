"""connected app ids are never reused (SQLite)

A token names its app by id; SQLite hands a deleted row's id to the next insert unless the
table is AUTOINCREMENT, and a token of a deleted app then matched a new app with the same
client id. PostgreSQL sequences never reuse ids, so this changes nothing there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # Nothing references connected_apps.id by foreign key, so the copy-and-swap is safe.
    with op.batch_alter_table(
        "connected_apps", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("connected_apps", recreate="always"):
        pass
