"""console users, their sessions and invitations

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


INDEXES = (
    ("accounts", ("system_id", "id")),
    ("contacts", ("system_id", "id")),
    ("contracts", ("system_id", "account_id")),
    ("revenue_uploads", ("system_id", "id")),
    ("outbox", ("system_id", "id")),
)


def upgrade() -> None:
    op.add_column("systems", sa.Column("api_key_hint", sa.String(length=8), nullable=True))
    # The console's pages of one system, newest first, and an account's contracts.
    for table, columns in INDEXES:
        op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))
    # The outbox also carries a console user's set-password e-mail, which has no survey record.
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("survey_record_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="survey")
        )
    op.create_table(
        "console_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=19), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_console_users_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_users")),
        sa.UniqueConstraint("system_id", "email", name=op.f("uq_console_users_system_id_email")),
    )
    for table in ("console_sessions", "console_invitations"):
        extra = (
            [
                sa.Column("csrf_token", sa.String(length=64), nullable=False),
                sa.Column("created_at", sa.String(length=19), nullable=False),
                sa.Column("last_seen_at", sa.String(length=19), nullable=False),
            ]
            if table == "console_sessions"
            else [sa.Column("expires_at", sa.String(length=19), nullable=False)]
        )
        op.create_table(
            table,
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            *extra,
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["console_users.id"],
                name=op.f(f"fk_{table}_user_id_console_users"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("token_hash", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_user_id"), table, ["user_id"])


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE survey_record_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("kind")
        batch.alter_column("survey_record_id", existing_type=sa.Integer(), nullable=False)
    for table, columns in INDEXES:
        op.drop_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table_name=table)
    op.drop_table("console_invitations")
    op.drop_table("console_sessions")
    op.drop_table("console_users")
    with op.batch_alter_table("systems") as batch:
        batch.drop_column("api_key_hint")
