"""revenue uploads

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:48:51.742222
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revenue_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_filename", sa.String(length=255), nullable=False),
        sa.Column("date_upload", sa.String(length=19), nullable=False),
        sa.Column("total_records", sa.Integer(), nullable=False),
        sa.Column("successful_records", sa.Integer(), nullable=False),
        sa.Column("unsuccessful_records", sa.Integer(), nullable=False),
        sa.Column("logs", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_revenue_uploads_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_uploads")),
    )
    op.create_table(
        "revenue_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_revenue_months_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["revenue_lines.id"],
            name=op.f("fk_revenue_months_line_id_revenue_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_revenue_months_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_months")),
    )
    with op.batch_alter_table("revenue_months", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revenue_months_system_id_account_id_month"),
            ["system_id", "account_id", "month"],
            unique=False,
        )

    with op.batch_alter_table("revenue_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upload_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_revenue_lines_upload_id_revenue_uploads"),
            "revenue_uploads",
            ["upload_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("revenue_lines", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_revenue_lines_upload_id_revenue_uploads"), type_="foreignkey"
        )
        batch_op.drop_column("upload_id")

    with op.batch_alter_table("revenue_months", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revenue_months_system_id_account_id_month"))

    op.drop_table("revenue_months")
    op.drop_table("revenue_uploads")
