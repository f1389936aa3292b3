"""personal links outbox lists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:18:14.037234
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bounces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.String(length=19), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_bounces_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bounces")),
        sa.UniqueConstraint("system_id", "email", name=op.f("uq_bounces_system_id_email")),
    )
    op.create_table(
        "unsubscribes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.String(length=19), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_unsubscribes_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unsubscribes")),
        sa.UniqueConstraint("system_id", "email", name=op.f("uq_unsubscribes_system_id_email")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("survey_record_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("link", sa.String(length=512), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.String(length=19), nullable=True),
        sa.Column("created_at", sa.String(length=19), nullable=False),
        sa.Column("sent_at", sa.String(length=19), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_record_id"],
            ["survey_records.id"],
            name=op.f("fk_outbox_survey_record_id_survey_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_outbox_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_status_next_attempt_at"),
            ["status", "next_attempt_at"],
            unique=False,
        )

    with op.batch_alter_table("survey_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("date_sent", sa.String(length=19), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_survey_records_system_id_date_response_id"),
            ["system_id", "date_response", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_survey_records_responses",
            ["system_id", "id"],
            unique=False,
            sqlite_where=sa.text("date_response IS NOT NULL"),
            postgresql_where=sa.text("date_response IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_survey_records_non_responses",
            ["system_id", "id"],
            unique=False,
            sqlite_where=sa.text("date_response IS NULL"),
            postgresql_where=sa.text("date_response IS NULL"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_records_campaign_id_campaigns"),
            "campaigns",
            ["campaign_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_records", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_survey_records_campaign_id_campaigns"), type_="foreignkey"
        )
        batch_op.drop_index("ix_survey_records_non_responses")
        batch_op.drop_index("ix_survey_records_responses")
        batch_op.drop_index(batch_op.f("ix_survey_records_system_id_date_response_id"))
        batch_op.drop_column("date_sent")
        batch_op.drop_column("campaign_id")
        batch_op.drop_column("form_token")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_status_next_attempt_at"))

    op.drop_table("outbox")
    op.drop_table("unsubscribes")
    op.drop_table("bounces")
