"""Reading the console's forms: fields as text, the rows of a mapping or a campaign, a
follow-up's change, a new password, where to go after signing in, and a refusal's messages
by form field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opengauge.server.console.pages import PREFIX
from opengauge.server.console.service import CampaignForm, MappingForm
from opengauge.server.domain.passwords import password_problem
from opengauge.server.errors import ValidationFailed
from opengauge.server.storage.repositories.workflows import CLOSED
from opengauge.server.workflow.service import Change

#: The most Field Mapping or filter rows a form is read with.
MAX_ROWS = 200


def text(form: Mapping[str, Any], name: str) -> str:
    """A posted field as text; a missing or repeated field is empty."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def next_path(value: str) -> str:
    """Where to go after signing in: a console path only (no open redirect)."""
    if value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX + "/"


def password_problems(form: Mapping[str, Any]) -> dict[str, list[str]]:
    """What is wrong with a new password and its confirmation, by field."""
    new, confirm = text(form, "new"), text(form, "confirm")
    if (problem := password_problem(new)) is not None:
        return {"new": [problem]}
    if new != confirm:
        return {"confirm": ["The two new passwords are not the same."]}
    return {}


def read_mapping_form(form: Mapping[str, Any]) -> tuple[MappingForm, list[tuple[str, str]]]:
    """The posted mapping, and every row as typed (to show the form again)."""
    count = _rows(form)
    typed = [
        (text(form, f"heading_{i}").strip(), text(form, f"target_{i}").strip())
        for i in range(count)
    ]
    rows = [(heading, target) for heading, target in typed if heading or target]
    return MappingForm(text(form, "name"), text(form, "data_type"), rows), typed


def read_campaign_form(form: Mapping[str, Any]) -> CampaignForm:
    """The posted campaign; rows with neither a field nor values are left out."""
    count = _rows(form)
    typed = [
        (text(form, f"field_{i}").strip(), text(form, f"op_{i}"), text(form, f"values_{i}"))
        for i in range(count)
    ]
    filters = [(f, op, values) for f, op, values in typed if f or values.strip()]
    return CampaignForm(
        text(form, "name"), text(form, "active") == "1", text(form, "duplication_days"), filters
    )


def read_follow_up_form(action: str, form: Mapping[str, Any]) -> Change:
    """The change a form of a record's Follow-up page posts: ``assign`` (``assigned_to``),
    ``status``, ``comment`` or ``close`` (with an optional ``comment``)."""
    if action == "assign":
        return Change(assigned_to=text(form, "assigned_to"))
    if action == "status":
        return Change(status=text(form, "status"))
    if action == "close":
        return Change(status=CLOSED, comment=text(form, "comment"))
    return Change(comment=text(form, "comment"))


def form_problems(refused: ValidationFailed) -> dict[str, list[str]]:
    """The refusal's messages by form field: seed paths (``fields.Email``) by their head."""
    problems: dict[str, list[str]] = {}
    for where, messages in refused.errors.items():
        problems.setdefault(where.split(".", 1)[0] or "fields", []).extend(messages)
    return problems


def _rows(form: Mapping[str, Any]) -> int:
    """How many rows the form says it has (its hidden ``rows`` field), within reason."""
    try:
        return max(0, min(int(text(form, "rows")), MAX_ROWS))
    except ValueError:
        return 0
