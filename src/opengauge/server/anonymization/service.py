"""Finding a data subject and anonymizing them, within one system.

Both the 4.1 ``anonymize`` module and ``POST /v6/system-admin/data-admin/contacts/anonymize``
call these functions inside their request's database operation. What each field becomes is
decided in :mod:`opengauge.server.domain.anonymization`; the SQL is in the repository.
"""

from __future__ import annotations

from dataclasses import dataclass

from opengauge.server.domain import anonymization as rules
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import anonymization as repository
from opengauge.server.storage.repositories import workflows
from opengauge.server.storage.repositories.anonymization import Contact, PreviewRow


@dataclass(frozen=True)
class Subject:
    """Who is to be anonymized: any of an address, a phone number or a survey record's CG-ID.

    Several given together name one person, so their matches are combined.
    """

    email: str | None = None
    phone: str | None = None
    record_id: int | None = None


def _contact_ids(tx: Tx, system_id: int, subject: Subject) -> list[int]:
    found: set[int] = set()
    if subject.email is not None:
        address = rules.email_address(subject.email)
        found.update(repository.contact_ids_by_email(tx, system_id, address))
    if subject.phone is not None:
        digits = rules.phone_digits(subject.phone)
        # A "number" without digits names nobody (and must not match every empty phone).
        if digits:
            found.update(repository.contact_ids_by_phone(tx, system_id, digits))
    if subject.record_id is not None:
        found.update(repository.contact_ids_by_record(tx, system_id, subject.record_id))
    return sorted(found)


def preview(tx: Tx, system_id: int, subject: Subject) -> list[PreviewRow]:
    """The survey records an anonymization of ``subject`` would change; writes nothing."""
    return repository.preview(tx, system_id, _contact_ids(tx, system_id, subject))


def anonymize(tx: Tx, system_id: int, subject: Subject, now: str) -> int:
    """Anonymize every matching contact and its survey records; returns how many records.

    The comments of their records' follow-ups are overwritten as the records' are. The
    contacts' addresses (and the one asked for) also leave the system's outbox,
    unsubscribe list and bounce list. A subject that matches nothing still has its address
    removed from those lists, and the answer is 0.
    """
    contact_ids = _contact_ids(tx, system_id, subject)
    addresses: set[str] = set()
    if subject.email is not None:
        addresses.add(rules.email_address(subject.email))
    for contact in repository.contacts(tx, system_id, contact_ids):
        if contact.data.email:
            addresses.add(rules.email_address(contact.data.email))
        anonymized = rules.anonymize_contact(contact.data, rules.new_token())
        repository.overwrite_contact(tx, system_id, Contact(contact.id, anonymized), now)
    count = repository.overwrite_records(tx, system_id, contact_ids, rules.COMMENT)
    workflows.anonymize_comments(tx, system_id, contact_ids, rules.COMMENT)
    ordered = sorted(addresses)
    repository.delete_outbox_entries(tx, system_id, contact_ids, ordered)
    repository.delete_list_entries(tx, system_id, ordered)
    return count
