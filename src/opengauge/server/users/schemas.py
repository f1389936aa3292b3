"""The body of ``PATCH /v5/user-manager/users/disable`` and the fields of a new user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opengauge.server.domain import validation as v
from opengauge.server.errors import ValidationFailed
from opengauge.server.storage.repositories.users import ROLES


def read_disable(params: dict[str, Any]) -> str:
    """The e-mail to disable, or a Laravel 422 (``The email field is required.``)."""
    errors = v.Errors()
    email = v.normalize(params.get("email"))
    if email is None:
        errors.add("email", v.REQUIRED)
    else:
        email = v.email()("email", email, errors)
    if errors:
        raise ValidationFailed(errors.messages)
    return str(email)


@dataclass(frozen=True)
class NewUser:
    email: str
    name: str
    role: str


def user_problems(email: str, name: str, role: str) -> dict[str, str]:
    """What is wrong with a new user's fields, by field (empty when nothing is)."""
    problems: dict[str, str] = {}
    if v.email()("email", email.strip(), v.Errors()) is None:
        problems["email"] = "Enter an e-mail address."
    if not name.strip():
        problems["name"] = "Enter a name."
    elif len(name) > 128 or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        problems["name"] = "At most 128 characters, on one line."
    if role not in ROLES:
        problems["role"] = f"The role is one of {', '.join(ROLES)}."
    return problems
