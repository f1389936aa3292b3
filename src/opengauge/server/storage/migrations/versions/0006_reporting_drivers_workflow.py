"""reporting indexes, drivers, follow-up workflow, survey branding

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIMESTAMP = sa.String(length=19)

#: The reporting indexes on survey_records: answered records only, each covering a count.
SCORE_INDEXES = (
    ("date", ("date_response", "nps", "touchpoint_id", "division_id", "account_id", "segments")),
    ("touchpoint", ("touchpoint_id", "date_response", "nps", "division_id")),
    ("division", ("division_id", "date_response", "nps", "touchpoint_id")),
    ("account", ("account_id", "date_response", "nps", "touchpoint_id", "division_id")),
)
INVITATION_INDEX = ("system_id", "date_sent", "touchpoint_id", "division_id", "date_response")
OLD_REVENUE_INDEX = ("system_id", "account_id", "month")
REVENUE_INDEX = ("system_id", "account_id", "month", "amount")
DRIVER_INDEX = ("system_id", "driver_id", "date_response", "nps", "touchpoint_id", "division_id")


def _index_name(table: str, columns: tuple[str, ...]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def _system_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["system_id"],
        ["systems.id"],
        name=op.f(f"fk_{table}_system_id_systems"),
        ondelete="CASCADE",
    )


def _record_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["survey_record_id"],
        ["survey_records.id"],
        name=op.f(f"fk_{table}_survey_record_id_survey_records"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("systems") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("brand_colour", sa.String(length=7), nullable=True))
        batch.add_column(sa.Column("privacy_url", sa.String(length=512), nullable=True))
    with op.batch_alter_table("touchpoints") as batch:
        batch.add_column(sa.Column("question", sa.Text(), nullable=True))
    for name, columns in SCORE_INDEXES:
        op.create_index(
            f"ix_survey_records_scores_by_{name}",
            "survey_records",
            ["system_id", *columns],
            sqlite_where=sa.text("nps IS NOT NULL"),
            postgresql_where=sa.text("nps IS NOT NULL"),
        )
    op.create_index(
        "ix_survey_records_invitations",
        "survey_records",
        list(INVITATION_INDEX),
        sqlite_where=sa.text("date_sent IS NOT NULL"),
        postgresql_where=sa.text("date_sent IS NOT NULL"),
    )
    op.drop_index(op.f(_index_name("revenue_months", OLD_REVENUE_INDEX)), "revenue_months")
    op.create_index(
        op.f(_index_name("revenue_months", REVENUE_INDEX)), "revenue_months", list(REVENUE_INDEX)
    )
    op.create_table(
        "system_logos",
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        _system_fk("system_logos"),
        sa.PrimaryKeyConstraint("system_id", name=op.f("pk_system_logos")),
    )
    op.create_table(
        "drivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("good_bad", sa.String(length=3), nullable=False),
        sa.Column("category_main", sa.String(length=128), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _system_fk("drivers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
        sa.UniqueConstraint(
            "system_id", "reason_code", name=op.f("uq_drivers_system_id_reason_code")
        ),
    )
    op.create_table(
        "record_drivers",
        sa.Column("survey_record_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("date_response", TIMESTAMP, nullable=False),
        sa.Column("nps", sa.Integer(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("division_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_record_drivers_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        _record_fk("record_drivers"),
        _system_fk("record_drivers"),
        sa.PrimaryKeyConstraint("survey_record_id", "driver_id", name=op.f("pk_record_drivers")),
    )
    op.create_index("ix_record_drivers_by_driver", "record_drivers", list(DRIVER_INDEX))
    op.create_table(
        "workflows",
        sa.Column("survey_record_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assigned_to", sa.String(length=255), nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        _record_fk("workflows"),
        _system_fk("workflows"),
        sa.PrimaryKeyConstraint("survey_record_id", name=op.f("pk_workflows")),
    )
    op.create_index(op.f("ix_workflows_system_id_status"), "workflows", ["system_id", "status"])
    op.create_table(
        "workflow_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("survey_record_id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("by", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("assigned_to", sa.String(length=255), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        _record_fk("workflow_events"),
        _system_fk("workflow_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_events")),
    )
    op.create_index(
        op.f("ix_workflow_events_survey_record_id_id"),
        "workflow_events",
        ["survey_record_id", "id"],
    )


def downgrade() -> None:
    op.drop_table("workflow_events")
    op.drop_table("workflows")
    op.drop_table("record_drivers")
    op.drop_table("drivers")
    op.drop_table("system_logos")
    op.drop_index(op.f(_index_name("revenue_months", REVENUE_INDEX)), "revenue_months")
    op.create_index(
        op.f(_index_name("revenue_months", OLD_REVENUE_INDEX)),
        "revenue_months",
        list(OLD_REVENUE_INDEX),
    )
    op.drop_index("ix_survey_records_invitations", "survey_records")
    for name, _columns in SCORE_INDEXES:
        op.drop_index(f"ix_survey_records_scores_by_{name}", "survey_records")
    with op.batch_alter_table("touchpoints") as batch:
        batch.drop_column("question")
    with op.batch_alter_table("systems") as batch:
        batch.drop_column("privacy_url")
        batch.drop_column("brand_colour")
        batch.drop_column("display_name")
