"""The database schema, as SQLAlchemy tables.

These definitions drive the Alembic migrations. Repositories query the same tables with
plain parameterised SQL (see ``storage/transaction.py`` for why). Dates and timestamps are
stored as ISO text (``YYYY-MM-DD`` / ``YYYY-MM-DD HH:MM:SS``, UTC) so that SQLite and
PostgreSQL store and compare them identically.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TIMESTAMP = String(19)
DATE = String(10)


def _system_fk() -> Column[int]:
    return Column(
        "system_id", Integer, ForeignKey("systems.id", ondelete="CASCADE"), nullable=False
    )


def _record_fk(*, primary_key: bool = False, nullable: bool = False) -> Column[int]:
    """A survey record a row belongs to (deleted with it)."""
    return Column(
        "survey_record_id",
        Integer,
        ForeignKey("survey_records.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=nullable,
    )


systems = Table(
    "systems",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("region", String(2), nullable=False),
    Column("api_key_hash", String(64), nullable=False, unique=True),
    # The key's last characters, so the console can show which key is set (null: set before
    # the column existed).
    Column("api_key_hint", String(8), nullable=True),
    Column("duplication_enabled", Boolean, nullable=False, default=False),
    Column("duplication_days", Integer, nullable=False, default=0),
    Column("duplication_fields", Text, nullable=False, default="[]"),
    Column("created_at", TIMESTAMP, nullable=False),
    # What a survey shows the customer (null: the system's name, the default colour, no link).
    Column("display_name", String(128), nullable=True),
    Column("brand_colour", String(7), nullable=True),
    Column("privacy_url", String(512), nullable=True),
)

#: A system's logo, uploaded in the console and served to its survey pages.
system_logos = Table(
    "system_logos",
    metadata,
    Column("system_id", Integer, ForeignKey("systems.id", ondelete="CASCADE"), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
    # SHA-256 of the data: the logo's URL changes with it, so it can be cached for good.
    Column("digest", String(64), nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_pem", Text, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
)

divisions = Table(
    "divisions",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("name", String(128), nullable=False),
    Column("parent_id", Integer, ForeignKey("divisions.id"), nullable=True),
    UniqueConstraint("system_id", "name"),
)

connected_apps = Table(
    "connected_apps",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("division_id", Integer, ForeignKey("divisions.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("client_id", String(128), nullable=False, unique=True),
    Column("secret_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TIMESTAMP, nullable=False),
    # Ids are never reused: tokens name their app by id (see migration 0004).
    sqlite_autoincrement=True,
)

touchpoints = Table(
    "touchpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("name", String(128), nullable=False),
    # The survey question for this touchpoint (null: the standard recommend question).
    Column("question", Text, nullable=True),
    UniqueConstraint("system_id", "name"),
)

segments = Table(
    "segments",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("name", String(128), nullable=False),
    UniqueConstraint("system_id", "name"),
)

mappings = Table(
    "mappings",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("reference", String(64), nullable=False),
    Column("name", String(128), nullable=False),
    Column("data_type", String(32), nullable=False),
    # Ordered list of [heading, target] pairs, as JSON.
    Column("fields", Text, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    UniqueConstraint("system_id", "reference"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("name", String(128), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    # List of {field, op, values} filters, as JSON.
    Column("filters", Text, nullable=False, default="[]"),
    Column("duplication_days", Integer, nullable=True),
    Column("created_at", TIMESTAMP, nullable=False),
    UniqueConstraint("system_id", "name"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    # 255: /activities/ and /contracts name accounts with up to 255 characters.
    Column("name", String(255), nullable=False),
    Column("number", String(255), nullable=True),
    Column("manager", String(128), nullable=True),
    Column("region", String(128), nullable=True),
    Column("parent_id", Integer, ForeignKey("accounts.id"), nullable=True),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    UniqueConstraint("system_id", "name"),
    # The console's newest-first pages of one system (keyset paging on the id).
    Index(None, "system_id", "id"),
)

account_aliases = Table(
    "account_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("alias", String(128), nullable=False),
    UniqueConstraint("account_id", "alias"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    # "email:<lower-cased address>" or "phone:<digits>": the upsert key.
    Column("key", String(300), nullable=False),
    Column("email", String(255), nullable=True),
    Column("phone", String(128), nullable=True),
    Column("first_name", String(128), nullable=True),
    Column("last_name", String(128), nullable=True),
    Column("number", String(128), nullable=True),
    Column("job_position", String(128), nullable=True),
    Column("job_level", String(128), nullable=True),
    Column("language", String(128), nullable=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=True),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    UniqueConstraint("system_id", "key"),
    Index(None, "system_id", "id"),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("reference", String(128), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("start", DATE, nullable=False),
    Column("end", DATE, nullable=True),
    Column("description", String(150), nullable=True),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    UniqueConstraint("system_id", "reference"),
    Index(None, "system_id", "account_id"),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("reference", String(128), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=True),
    Column("type", String(100), nullable=False),
    Column("source", String(100), nullable=False),
    Column("happened_at", TIMESTAMP, nullable=False),
    # Additional information as a JSON object of strings.
    Column("details", Text, nullable=False, default="{}"),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    UniqueConstraint("system_id", "reference"),
)

revenue_uploads = Table(
    "revenue_uploads",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    # "processed" (every row stored) or "failed" (nothing stored).
    Column("status", String(16), nullable=False),
    Column("source_filename", String(255), nullable=False),
    Column("date_upload", TIMESTAMP, nullable=False),
    Column("total_records", Integer, nullable=False),
    Column("successful_records", Integer, nullable=False),
    Column("unsuccessful_records", Integer, nullable=False),
    # Per-row log lines, as a JSON list.
    Column("logs", Text, nullable=False, default="[]"),
    Index(None, "system_id", "id"),
)

revenue_lines = Table(
    "revenue_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column(
        "upload_id", Integer, ForeignKey("revenue_uploads.id", ondelete="CASCADE"), nullable=True
    ),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("amount", Numeric(18, 2), nullable=False),
    Column("start", DATE, nullable=False),
    Column("end", DATE, nullable=True),
    Column("type", String(16), nullable=False),
    Column("description", String(255), nullable=True),
    Column("created_at", TIMESTAMP, nullable=False),
    Index(None, "system_id", "account_id"),
)

revenue_months = Table(
    "revenue_months",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("line_id", Integer, ForeignKey("revenue_lines.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    # The first day of the month, YYYY-MM-01.
    Column("month", DATE, nullable=False),
    Column("amount", Numeric(18, 2), nullable=False),
    # With the amount, reporting sums each account's months of a period from the index alone.
    Index(None, "system_id", "account_id", "month", "amount"),
)

survey_records = Table(
    "survey_records",
    metadata,
    # The id is the record's CG-ID, ``number_customergauge`` on the wire.
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("mapping_id", Integer, ForeignKey("mappings.id", ondelete="SET NULL"), nullable=True),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=True),
    Column("division_id", Integer, ForeignKey("divisions.id"), nullable=True),
    Column("touchpoint_id", Integer, ForeignKey("touchpoints.id"), nullable=True),
    Column("delivery_vector", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("number_order", String(128), nullable=True),
    Column("date_order", DATE, nullable=True),
    Column("language", String(128), nullable=True),
    Column("nps", Integer, nullable=True),
    Column("comment", Text, nullable=True),
    Column("date_response", TIMESTAMP, nullable=True),
    # Segment values as a JSON object {segment name: value}.
    Column("segments", Text, nullable=False, default="{}"),
    Column("link_code", String(32), nullable=True, unique=True),
    # Hidden field of the survey form: a submission must carry it (see survey/).
    Column("form_token", String(64), nullable=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="SET NULL"), nullable=True),
    Column("date_creation", TIMESTAMP, nullable=False),
    # When the invitation went out (e-mail sent, or personal link handed out).
    Column("date_sent", TIMESTAMP, nullable=True),
    Index(None, "system_id", "contact_id"),
    Index(None, "system_id", "date_response", "id"),
    # The two export streams page through one system's records by id.
    Index(
        "ix_survey_records_responses",
        "system_id",
        "id",
        sqlite_where=text("date_response IS NOT NULL"),
        postgresql_where=text("date_response IS NOT NULL"),
    ),
    Index(
        "ix_survey_records_non_responses",
        "system_id",
        "id",
        sqlite_where=text("date_response IS NULL"),
        postgresql_where=text("date_response IS NULL"),
    ),
    # Reporting counts scores over a period, one index per way of slicing them; each covers
    # the count, and only answered records are in it (invitations cost no entry). The one by
    # date also covers a segment filter's scans (segments and account included).
    *(
        Index(
            f"ix_survey_records_scores_by_{name}",
            "system_id",
            *columns,
            sqlite_where=text("nps IS NOT NULL"),
            postgresql_where=text("nps IS NOT NULL"),
        )
        for name, columns in (
            (
                "date",
                ("date_response", "nps", "touchpoint_id", "division_id", "account_id", "segments"),
            ),
            ("touchpoint", ("touchpoint_id", "date_response", "nps", "division_id")),
            ("division", ("division_id", "date_response", "nps", "touchpoint_id")),
            ("account", ("account_id", "date_response", "nps", "touchpoint_id", "division_id")),
        )
    ),
    # Invitations sent in a period, and how many of them were answered.
    Index(
        "ix_survey_records_invitations",
        "system_id",
        "date_sent",
        "touchpoint_id",
        "division_id",
        "date_response",
        sqlite_where=text("date_sent IS NOT NULL"),
        postgresql_where=text("date_sent IS NOT NULL"),
    ),
)

#: Drivers ("reasons" in the 4.1 suite): what a customer may say influenced their score.
drivers = Table(
    "drivers",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("reason_code", String(32), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    # pos (shown for scores 9-10) or neg (0-8).
    Column("good_bad", String(3), nullable=False),
    # A level 2 driver names its level 1 driver's label here; empty for level 1.
    Column("category_main", String(128), nullable=False, default=""),
    Column("level", Integer, nullable=False),
    Column("label", String(255), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    UniqueConstraint("system_id", "reason_code"),
)

#: The drivers an answer chose. The record's score, period and slices are copied here when
#: the answer is stored, so that counting a driver over a period reads this table alone.
record_drivers = Table(
    "record_drivers",
    metadata,
    _record_fk(primary_key=True),
    Column("driver_id", Integer, ForeignKey("drivers.id", ondelete="CASCADE"), primary_key=True),
    _system_fk(),
    Column("date_response", TIMESTAMP, nullable=False),
    Column("nps", Integer, nullable=False),
    Column("touchpoint_id", Integer, nullable=True),
    Column("division_id", Integer, nullable=True),
    Index(
        "ix_record_drivers_by_driver",
        "system_id",
        "driver_id",
        "date_response",
        "nps",
        "touchpoint_id",
        "division_id",
    ),
)

#: The follow-up of a survey record (closing the loop): its current state.
workflows = Table(
    "workflows",
    metadata,
    _record_fk(primary_key=True),
    _system_fk(),
    # OPEN, IN-PROGRESS, CLOSED, or an extended status 0-99 as its digits.
    Column("status", String(16), nullable=False),
    # A console user's e-mail (lower case), or null.
    Column("assigned_to", String(255), nullable=True),
    Column("updated_at", TIMESTAMP, nullable=False),
    Index(None, "system_id", "status"),
)

#: Every change of a follow-up: who, when, and what they set.
workflow_events = Table(
    "workflow_events",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    _record_fk(),
    Column("at", TIMESTAMP, nullable=False),
    # A console user's e-mail, a connected app's name, or api_key.
    Column("by", String(255), nullable=False),
    Column("status", String(16), nullable=True),
    Column("assigned_to", String(255), nullable=True),
    Column("comment", Text, nullable=True),
    Index(None, "survey_record_id", "id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    # The invited survey record; none for a console user's set-password e-mail.
    _record_fk(nullable=True),
    # survey (an invitation to answer) or console (a set-password link for a console user).
    Column("kind", String(16), nullable=False, server_default="survey"),
    Column("recipient", String(255), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("link", String(512), nullable=False),
    # QUEUED, SENT or FAILED.
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", TIMESTAMP, nullable=True),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("sent_at", TIMESTAMP, nullable=True),
    Index(None, "status", "next_attempt_at"),
    Index(None, "system_id", "id"),
)

unsubscribes = Table(
    "unsubscribes",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("email", String(255), nullable=False),
    # The connected app's name, "api_key", or "survey" for the link on a survey page.
    Column("added_by", String(128), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    UniqueConstraint("system_id", "email"),
)

bounces = Table(
    "bounces",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    Column("email", String(255), nullable=False),
    Column("type", String(32), nullable=False),
    Column("reason", String(255), nullable=True),
    Column("created_at", TIMESTAMP, nullable=False),
    UniqueConstraint("system_id", "email"),
)

console_users = Table(
    "console_users",
    metadata,
    Column("id", Integer, primary_key=True),
    _system_fk(),
    # Stored in lower case: an e-mail is unique per system whatever its case.
    Column("email", String(255), nullable=False),
    Column("name", String(128), nullable=False),
    # administrator or viewer.
    Column("role", String(16), nullable=False),
    # argon2id, in argon2's own encoded form; empty until an invited user sets a password.
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TIMESTAMP, nullable=False),
    UniqueConstraint("system_id", "email"),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    # SHA-256 of the cookie's value: a stolen database opens no session.
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("last_seen_at", TIMESTAMP, nullable=False),
    Index(None, "user_id"),
)

#: One-time links that let an invited user set a password (or a user reset theirs).
console_invitations = Table(
    "console_invitations",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", TIMESTAMP, nullable=False),
    Index(None, "user_id"),
)
