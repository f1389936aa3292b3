"""A data subject with a trace in every place anonymization must reach, and a database scan."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String

from opengauge.server.storage.tables import metadata
from tests.support import MULTI_MAPPING, RunningServer, Tenant, put_record


@dataclass(frozen=True)
class Person:
    """Unique values, so a scan of the shared test database finds only this person."""

    email: str
    phone: str
    first_name: str
    last_name: str

    @property
    def digits(self) -> str:
        return re.sub(r"\D", "", self.phone)


def new_person() -> Person:
    token = uuid.uuid4()
    digits = str(token.int)[:9]
    return Person(
        email=f"Gdpr.{token.hex[:12]}@Example.com",
        phone=f"+31 6 {digits[:4]} {digits[4:]}",
        first_name=f"Ximena{token.hex[12:20]}",
        last_name=f"Quorra{token.hex[20:28]}",
    )


def add_person(tenant: Tenant, person: Person) -> list[int]:
    """An e-mailed invitation, a response with a comment, job details, list entries.

    Returns the person's survey record ids (the CG-IDs), oldest first.
    """
    with tenant.client() as http:
        invited = put_record(
            http,
            MULTI_MAPPING,
            {
                "Account Name": "ACME",
                "First Name": person.first_name,
                "Last Name": person.last_name,
                "Email": person.email,
                "Phone": person.phone,
            },
        )
        responded = put_record(
            http,
            "external",
            {
                "Email": person.email,
                "NPS": 3,
                "Comment": f"Call {person.first_name} on {person.phone}",
                "Responded": "2024-01-02 03:04:05",
            },
        )
    assert invited.status_code == 200, invited.text
    assert responded.status_code == 200, responded.text
    key = "email:" + person.email.lower()
    now = "2024-01-03 00:00:00"

    def details(tx: Any) -> None:
        # No mapping in the test seed has these targets; they must be anonymized too.
        tx.write(
            "UPDATE contacts SET number = ?, job_position = ?, job_level = ?"
            " WHERE system_id = ? AND key = ?",
            (f"N-{person.digits}", "Chief", "C-level", tenant.system_id, key),
        )
        tx.write(
            "INSERT INTO unsubscribes (system_id, email, added_by, created_at) VALUES (?, ?, ?, ?)",
            (tenant.system_id, person.email, "api_key", now),
        )
        tx.write(
            "INSERT INTO bounces (system_id, email, type, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (tenant.system_id, person.email.upper(), "hard", f"{person.email} unknown", now),
        )

    tenant.server.db.run_sync(details)
    return record_ids(tenant, person)


def record_ids(tenant: Tenant, person: Person) -> list[int]:
    rows = tenant.server.rows(
        "SELECT r.id FROM survey_records r JOIN contacts c ON c.id = r.contact_id"
        " WHERE r.system_id = ? AND c.key = ? ORDER BY r.id",
        (tenant.system_id, "email:" + person.email.lower()),
    )
    return [int(row[0]) for row in rows]


def traces(server: RunningServer, person: Person, system_id: int | None = None) -> list[str]:
    """Every ``table.column`` holding the person's address, phone digits or names.

    Scans every text column of every table in the schema (of one system when given).
    """
    needles = (person.email.lower(), person.first_name.lower(), person.last_name.lower())
    found = []
    for table in metadata.sorted_tables:
        scoped = system_id is not None and "system_id" in table.c
        for column in table.c:
            if not isinstance(column.type, String):
                continue
            sql = f'SELECT "{column.name}" FROM {table.name} WHERE "{column.name}" IS NOT NULL'  # noqa: S608
            params: tuple[Any, ...] = ()
            if scoped:
                sql += " AND system_id = ?"
                params = (system_id,)
            for (value,) in server.rows(sql, params):
                text = str(value).lower()
                if any(n in text for n in needles) or person.digits in re.sub(r"\D", "", text):
                    found.append(f"{table.name}.{column.name}")
                    break
    return found
