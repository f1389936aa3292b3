"""The console's use cases: signing in, and the screens' reads and changes.

Changes go through the control plane's operations (``control/service.py``), which apply the
seed file's rules, and users through ``users/service.py``: a mapping made on a screen is
checked exactly as the same mapping in a seed file. Every operation here is for the signed-in
user's own system, named by the session, never by the request.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opengauge.server.clock import Clock
from opengauge.server.control import schemas as control_schemas
from opengauge.server.control import service as control
from opengauge.server.domain import drivers as driver_rules
from opengauge.server.domain import mapping as m
from opengauge.server.domain import validation as v
from opengauge.server.domain.passwords import verify_password
from opengauge.server.domain.secrets import hash_secret, new_api_key, new_secret
from opengauge.server.errors import ResourceNotFound, ValidationFailed
from opengauge.server.seed.schemas import AppSpec, CampaignSpec, MappingSpec
from opengauge.server.storage import Database
from opengauge.server.storage.repositories import drivers, lists, outbox
from opengauge.server.storage.repositories.users import User
from opengauge.server.users import service as users
from opengauge.server.v4_1.call import Call, Principal
from opengauge.server.v4_1.errors import ErrorCode, V41Error
from opengauge.server.v4_1.hierarchy import service as hierarchy
from opengauge.server.v4_1.reasons import service as reasons

#: The data types a new mapping may have, in the documents' order.
DATA_TYPES = m.DATA_TYPES


async def sign_in(email: str, password: str, db: Database) -> list[User]:
    """The users these credentials belong to: one per system where the e-mail has a user
    with this password (none if wrong). Takes as long (one argon2 check) when no user has
    the e-mail, so the answer tells nothing about which e-mails exist."""
    candidates: list[User] = await db.read(users.users_with_email(email.strip()))
    matched = [
        user
        for user in candidates
        if await asyncio.to_thread(verify_password, password, user.password_hash)
    ]
    if not candidates:
        await asyncio.to_thread(verify_password, password, None)
    return matched


# -- inbound mappings -----------------------------------------------------------------


def list_mappings(system: str) -> control.Operation:
    return control.list_of(system, control.list_mappings_of)


def find_mapping(system: str, reference: str) -> control.Operation:
    def operation(tx: Any) -> dict[str, Any]:
        found = control.mapping_of(tx, control.find_system(tx, system), reference)
        if found is None:
            raise ResourceNotFound(f"The inbound mapping [{reference}] was not found.")
        return found

    return operation


@dataclass(frozen=True)
class MappingForm:
    name: str
    data_type: str
    #: (field heading, target field) rows as typed, empty rows left out.
    rows: list[tuple[str, str]]


def mapping_problems(form: MappingForm) -> dict[str, list[str]]:
    """What the form itself gets wrong, before the seed rules look at it."""
    problems: dict[str, list[str]] = {}
    if not form.name.strip():
        problems["name"] = ["Enter a configuration name."]
    if form.data_type not in DATA_TYPES:
        problems["data_type"] = ["Choose a data type."]
    headings = [heading for heading, _ in form.rows]
    if not form.rows:
        problems["fields"] = ["Map at least one field heading."]
    elif any(not heading or not target for heading, target in form.rows):
        problems["fields"] = ["Every row needs a field heading and a target field."]
    elif len(set(headings)) != len(headings):
        problems["fields"] = ["Each field heading can be mapped only once."]
    return problems


async def save_mapping(
    system: str, form: MappingForm, reference: str | None, db: Database, now: str
) -> str:
    """Create (``reference`` None: a new UUID) or change a mapping; its reference.

    :class:`ValidationFailed` lists what is wrong, by form field.
    """
    problems = mapping_problems(form)
    if problems:
        raise ValidationFailed(problems, summary="first")
    entry = {
        "reference": reference or str(uuid.uuid4()),
        "name": form.name.strip(),
        "data_type": form.data_type,
        "fields": dict(form.rows),
    }
    context = await db.read(control.system_context(system))
    spec: MappingSpec = control_schemas.check_entry(entry, "mappings", context)
    if reference is not None:
        await db.read(find_mapping(system, reference))
    await db.run(control.put_mapping(system, spec, now))
    return spec.reference


def delete_mapping(system: str, reference: str) -> control.Operation:
    return control.delete_mapping(system, reference)


# -- connected apps -------------------------------------------------------------------


def list_apps(system: str) -> control.Operation:
    return control.list_of(system, control.list_apps_of)


def deactivate_app(system: str, client_id: str) -> control.Operation:
    """No new tokens for the app, and its tokens fail from the next request on."""
    return control.deactivate_app(system, client_id)


def delete_app(system: str, client_id: str) -> control.Operation:
    return control.delete_app(system, client_id)


def divisions(system: str) -> control.Operation:
    def operation(tx: Any) -> list[str]:
        context = control.context_of(tx, control.find_system(tx, system), system)
        return ["Global", *(d["division"] for d in context["divisions"])]

    return operation


@dataclass(frozen=True)
class NewApp:
    name: str
    client_id: str
    client_secret: str
    division: str


async def create_app(system: str, name: str, division: str, db: Database, now: str) -> NewApp:
    """A new connected app with a generated client id and secret (the secret is shown once)."""
    client_id, secret = uuid.uuid4().hex, new_secret()
    if not name.strip():
        raise ValidationFailed({"name": ["Enter a name."]}, summary="first")
    entry = {"name": name.strip(), "client_id": client_id, "client_secret": secret}
    context = await db.read(control.system_context(system))
    app: AppSpec = control_schemas.check_entry(
        {**entry, "division": division}, "connected_apps", context
    )
    secret_hash = await asyncio.to_thread(hash_secret, secret)
    await db.run(control.put_app(system, app, secret_hash, now))
    return NewApp(app.name, client_id, secret, app.division)


# -- API key --------------------------------------------------------------------------


async def rotate_api_key(system: str, db: Database) -> str:
    """A new API key for the system (shown once); the old one stops working at once."""
    key = new_api_key()
    await db.run(control.set_api_key(system, key))
    return key


def api_key_hint(system: str) -> control.Operation:
    return control.api_key_hint(system)


# -- touchpoints, segments, duplication rule ------------------------------------------


def list_touchpoints(system: str) -> control.Operation:
    return control.list_of(system, control.list_touchpoints_of)


def add_touchpoint(system: str, name: str) -> control.Operation:
    return control.put_touchpoint(system, control_schemas.check_name(name))


def delete_touchpoint(system: str, name: str) -> control.Operation:
    """Refused (409) while survey records use the touchpoint."""
    return control.delete_touchpoint(system, name)


def list_segments(system: str) -> control.Operation:
    return lambda tx: control.system_context(system)(tx)["segments"]


def add_segment(system: str, name: str) -> control.Operation:
    return control.put_segment(system, control_schemas.check_name(name))


def duplication_rule(system: str) -> control.Operation:
    return control.duplication_rule_of(system)


def survey_fields(system: str) -> control.Operation:
    """The target fields a duplication rule or campaign filter may name, segments included."""

    def operation(tx: Any) -> list[str]:
        segments = control.system_context(system)(tx)["segments"]
        fixed = (*m.ACCOUNT_TARGETS, *m.CONTACT_TARGETS, *m.SURVEY_TARGETS)
        return [*fixed, *(m.SEGMENT_PREFIX + s for s in segments)]

    return operation


async def save_duplication_rule(
    system: str, enabled: bool, days: str, fields: list[str], db: Database
) -> None:
    """Set the rule; :class:`ValidationFailed` (by field) when the seed rules refuse it."""
    rule = {"enabled": enabled, "days": _whole_number(days, "days"), "fields": fields}
    context = await db.read(control.system_context(system))
    checked = control_schemas.check_system_part(context, "duplication_rule", rule)
    await db.run(control.set_duplication_rule(system, checked.duplication_rule))


def _whole_number(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValidationFailed(
            {field: ["Enter a whole number of days."]}, summary="first"
        ) from None


# -- campaigns ------------------------------------------------------------------------


def list_campaigns(system: str) -> control.Operation:
    return control.list_of(system, control.list_campaigns_of)


def find_campaign(system: str, name: str) -> control.Operation:
    def operation(tx: Any) -> dict[str, Any]:
        for campaign in control.list_campaigns_of(tx, control.find_system(tx, system)):
            if campaign["name"] == name:
                return campaign
        raise ResourceNotFound(f"Campaign [{name}] not found.")

    return operation


@dataclass(frozen=True)
class CampaignForm:
    name: str
    active: bool
    duplication_days: str
    #: (target field, "is" or "is_not", values as typed: comma-separated).
    filters: list[tuple[str, str, str]]


def filter_values(text: str) -> list[str]:
    return [value.strip() for value in text.split(",") if value.strip()]


async def save_campaign(
    system: str, form: CampaignForm, existing: str | None, db: Database, now: str
) -> None:
    """Create a campaign, or change the one called ``existing`` (its name stays)."""
    name = existing if existing is not None else form.name.strip()
    if not name:
        raise ValidationFailed({"name": ["Enter a name."]}, summary="first")
    days = form.duplication_days.strip()
    entry = {
        "name": name,
        "active": form.active,
        "duplication_days": _whole_number(days, "duplication_days") if days else None,
        "filters": [
            {"field": field, "op": op, "values": filter_values(values)}
            for field, op, values in form.filters
        ],
    }
    context = await db.read(control.system_context(system))
    if existing is None:
        taken = await db.read(list_campaigns(system))
        if any(c["name"] == name for c in taken):
            raise ValidationFailed({"name": ["A campaign with this name exists."]}, summary="first")
    else:
        await db.read(find_campaign(system, existing))
    campaign: CampaignSpec = control_schemas.check_entry(entry, "campaigns", context)
    await db.run(control.put_campaign(system, campaign, now))


def delete_campaign(system: str, name: str) -> control.Operation:
    return control.delete_campaign(system, name)


# -- unsubscribes and bounces ---------------------------------------------------------

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListPage:
    #: (email, date, added by / type), newest first.
    rows: list[tuple[str, str, str]]
    #: The id the next page starts before, or None on the last page.
    next_before: int | None


def find_listed(
    kind: str, system_id: int, search: str, before: int | None
) -> Callable[[Any], ListPage]:
    """A page of the ``unsubscribes`` or ``bounces`` list, e-mails starting with ``search``."""
    finder = lists.find_unsubscribes if kind == "unsubscribes" else lists.find_bounces

    def operation(tx: Any) -> ListPage:
        found = finder(tx, system_id, search.strip(), before, PAGE_SIZE + 1)
        more = len(found) > PAGE_SIZE
        shown = found[:PAGE_SIZE]
        return ListPage([r[1:] for r in shown], shown[-1][0] if more else None)

    return operation


async def add_unsubscribe(system: str, email: str, db: Database, now: str) -> bool:
    """Unsubscribe ``email`` (the console is its "added by"); False if it was listed."""
    address = email.strip()
    if v.email()("email", address, v.Errors()) is None:
        raise ValidationFailed({"email": ["Enter an e-mail address."]}, summary="first")
    added: bool = await db.run(control.add_unsubscribe(system, address.lower(), "console", now))
    return added


# -- hierarchy ------------------------------------------------------------------------
# The 4.1 hierarchy module's operations, so the console keeps its rules: Global stays, only a
# leaf is deleted, and what pointed at it moves to the replacement division.

HIERARCHY_ACTIONS: dict[str, Callable[[Any, Principal, Call], Any]] = {
    "add": hierarchy.add_division,
    "rename": hierarchy.update_division,
    "move": hierarchy.update_division,
    "delete": hierarchy.delete_division,
}

#: What the console says for the 4.1 codes whose table text is vague.
HIERARCHY_MESSAGES = {
    ErrorCode.INVALID_ARGUMENTS: (
        "That change is not possible: the name is taken or longer than 128 characters, the"
        " new parent is inside the division, or the replacement is the division itself."
    ),
}


@dataclass(frozen=True)
class DivisionRow:
    name: str
    parent: str
    depth: int


def division_tree(system_id: int) -> Callable[[Any], list[DivisionRow]]:
    """The divisions depth-first (each under its parent), Global first."""

    def operation(tx: Any) -> list[DivisionRow]:
        principal = Principal(system_id, "console")
        listed = hierarchy.list_divisions(tx, principal, Call("GET", {}, Clock(), ""))
        children: dict[str, list[str]] = {}
        for entry in listed:
            children.setdefault(entry["parent"], []).append(entry["division"])
        rows: list[DivisionRow] = []

        def walk(name: str, parent: str, depth: int) -> None:
            rows.append(DivisionRow(name, parent, depth))
            for child in children.get(name, []):
                walk(child, name, depth + 1)

        for root in children.get("", []):
            walk(root, "", 0)
        return rows

    return operation


def change_hierarchy(
    system_id: int, action: str, params: dict[str, str], clock: Clock
) -> Callable[[Any], Any]:
    """One change of the tree with the 4.1 parameters (``division``, ``parent``,
    ``division_to_update``, ``replacement-division``); refusals keep their 4.1 messages
    but the vague ones (:data:`HIERARCHY_MESSAGES`)."""
    change = HIERARCHY_ACTIONS[action]
    call = Call("POST", params, clock, "")

    def operation(tx: Any) -> Any:
        try:
            return change(tx, Principal(system_id, "console"), call)
        except V41Error as refused:
            message = HIERARCHY_MESSAGES.get(refused.code, refused.message)
            raise ValidationFailed({"division": [message]}, summary="first") from None

    return operation


# -- invitations ----------------------------------------------------------------------


def mail_invitation(
    invite: Callable[[Any], Any], user: User, link: str, inviter: str, now: str
) -> Callable[[Any], None]:
    """Store the set-password link (``invite``) and queue its e-mail in the outbox, in one
    transaction: the link is shown on screen too, for a server that sends no mail."""
    subject = f"{inviter} invited you to the OpenGauge console of {user.system}"

    def operation(tx: Any) -> None:
        invite(tx)
        outbox.enqueue_console(tx, user.system_id, user.email, subject, link, now)

    return operation


# -- drivers --------------------------------------------------------------------------
# The 4.1 reasons module's use cases, so a driver made here obeys the API's rules; refusals
# say what is wrong with the form's field instead of the code table's "Something went wrong".


@dataclass(frozen=True)
class DriverRow:
    reason_code: str
    numeration: str
    label: str
    shown_for: str
    good_bad: str
    level: int
    category: str
    position: int


def list_drivers(system_id: int) -> Callable[[Any], list[DriverRow]]:
    """The system's drivers as the 4.1 listing orders and numbers them."""

    def operation(tx: Any) -> list[DriverRow]:
        return [
            DriverRow(
                d.reason_code,
                numeration,
                d.label,
                driver_rules.show_for(d.good_bad),
                d.good_bad,
                d.level,
                d.category_main,
                d.position,
            )
            for d, numeration in driver_rules.in_order(drivers.listed(tx, system_id))
        ]

    return operation


def save_driver(
    system_id: int, reason_code: str | None, form: dict[str, str], now: str
) -> Callable[[Any], str]:
    """Create a driver (``reason_code`` None; the form may choose one) or change the one with
    ``reason_code``; its code. :class:`ValidationFailed` names the field at fault, and an
    unknown code is a 404."""

    def operation(tx: Any) -> str:
        given: dict[str, str | None] = {name: form.get(name, "") for name in reasons.FIELDS}
        try:
            if reason_code is None:
                chosen = form.get("reason_code", "").strip() or None
                return reasons.create(tx, system_id, given, chosen, now)
            return reasons.change(tx, system_id, reason_code, given)
        except driver_rules.Refused as refused:
            if refused.refusal is driver_rules.Refusal.CODE_UNKNOWN:
                raise ResourceNotFound(refused.detail) from None
            raise ValidationFailed({refused.field: [refused.detail]}, summary="first") from None

    return operation
