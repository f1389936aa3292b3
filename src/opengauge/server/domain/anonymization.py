"""GDPR anonymization rules: what each personal field becomes (spec section 7).

Absent values stay absent: there is nothing to anonymise in an empty field, and writing
``***`` into it would invent data the system never had. The e-mail address and the contact
key are always replaced, so the old address can never be looked up again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

#: Addresses under this reserved top-level domain (RFC 2606) can never receive mail.
ANONYMIZED_DOMAIN = "anonymized.invalid"
#: The contact key of an anonymized contact; never produced by an import.
ANONYMIZED_KEY_PREFIX = "anonymized:"
MASK = "***"
JOB_LEVEL = "*"
JOB_POSITION = "--"
#: What every survey comment becomes (a record without a comment keeps none).
COMMENT = "This comment has been anonymised based on customer request"


@dataclass(frozen=True)
class PersonalData:
    """The personal fields of one contact as stored."""

    key: str
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    number: str | None
    job_position: str | None
    job_level: str | None


def new_token() -> str:
    """128 random bits as hex: the unguessable part of a new address and key."""
    return secrets.token_hex(16)


def anonymize_contact(contact: PersonalData, token: str) -> PersonalData:
    """The contact with every personal field replaced; ``token`` makes address and key unique."""

    def masked(value: str | None, mask: str) -> str | None:
        return None if value is None else mask

    return replace(
        contact,
        key=ANONYMIZED_KEY_PREFIX + token,
        email=f"{token}@{ANONYMIZED_DOMAIN}",
        phone=masked(contact.phone, MASK),
        first_name=masked(contact.first_name, MASK),
        last_name=masked(contact.last_name, MASK),
        number=masked(contact.number, MASK),
        job_position=masked(contact.job_position, JOB_POSITION),
        job_level=masked(contact.job_level, JOB_LEVEL),
    )


def is_anonymized(key: str) -> bool:
    """Whether a contact key belongs to an already anonymized contact."""
    return key.startswith(ANONYMIZED_KEY_PREFIX)


def phone_digits(phone: str) -> str:
    """A phone number's digits, the form numbers are matched in (``+31 (6) 1-2`` -> ``31612``)."""
    return "".join(ch for ch in phone if ch.isdigit())


def email_address(email: str) -> str:
    """An address as it is matched: trimmed and lower-cased."""
    return email.strip().lower()
