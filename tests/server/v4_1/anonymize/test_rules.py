"""The field rules of spec section 7, without a database."""

from __future__ import annotations

from opengauge.server.domain.anonymization import (
    PersonalData,
    anonymize_contact,
    is_anonymized,
    new_token,
    phone_digits,
)


def test_every_personal_field_is_replaced() -> None:
    contact = PersonalData("email:a@b.c", "a@b.c", "+31 6", "Ann", "Lee", "C-1", "CEO", "Top")
    token = new_token()
    assert anonymize_contact(contact, token) == PersonalData(
        f"anonymized:{token}", f"{token}@anonymized.invalid", "***", "***", "***", "***", "--", "*"
    )
    assert is_anonymized(f"anonymized:{token}")
    assert not is_anonymized("email:a@b.c")


def test_absent_fields_stay_absent_but_address_and_key_change() -> None:
    contact = PersonalData("phone:316", None, "316", None, None, None, None, None)
    result = anonymize_contact(contact, "t")
    assert result == PersonalData(
        "anonymized:t", "t@anonymized.invalid", "***", None, None, None, None, None
    )


def test_tokens_are_unique_and_phones_match_by_digits() -> None:
    assert len({new_token() for _ in range(100)}) == 100
    assert phone_digits("+31 (6) 12-34") == "3161234"
