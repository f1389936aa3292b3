"""The control plane's use cases. Database work is returned as operations for ``Database.run``.

Configuration is written through the seed file's own functions (``seed/service.py``), so
an entry posted here and the same entry in a seed file end up identical.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from opengauge.server.domain.secrets import hash_api_key, hash_secret
from opengauge.server.errors import Conflict, ResourceNotFound
from opengauge.server.seed import service as seeding
from opengauge.server.seed.schemas import (
    AppSpec,
    BounceSpec,
    CampaignSpec,
    DuplicationRuleSpec,
    MappingSpec,
    Seed,
    SeedError,
    load_seed,
)
from opengauge.server.settings import Settings
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import (
    apps,
    browse,
    lists,
    mappings,
    outbox,
    sandbox,
    systems,
)

DEMO_SEED = "demo.yaml"
Operation = Callable[[Tx], Any]


def find_system(tx: Tx, name: str) -> int:
    found = systems.find_by_name(tx, name) if _may_exist(name) else None
    if found is None:
        raise ResourceNotFound(f"System [{name}] not found.")
    return found[0]


def _may_exist(name: str) -> bool:
    """Whether a name from a path could be stored: none holds a NUL (the seed rules refuse
    control characters), and PostgreSQL refuses to even compare one."""
    return "\x00" not in name


# -- seeds and reset ------------------------------------------------------------------


def startup_seeds(settings: Settings) -> list[Seed]:
    """The seeds the server started with: the demo tenant, then the ``seed`` file."""
    paths = [str(resources.files("opengauge.server") / DEMO_SEED)] if settings.demo else []
    if settings.seed:
        paths.append(settings.seed)
    return [load_seed(path) for path in paths]


def hash_secrets(seeds: list[Seed]) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for seed in seeds:
        hashes.update(seeding.hash_secrets(seed))
    return hashes


def apply_seeds(
    seeds: list[Seed], hashes: dict[str, str], now: str, *, wipe: bool = False
) -> Operation:
    """Apply ``seeds`` in order (after deleting every system when ``wipe``)."""

    def operation(tx: Tx) -> list[dict[str, Any]]:
        if wipe:
            sandbox.wipe(tx)
        applied: list[seeding.AppliedSystem] = []
        try:
            for seed in seeds:
                applied += seeding.seed_operation(seed, hashes, now)(tx)
        except SeedError as error:
            raise Conflict(f"{error.source}: {'; '.join(error.problems)}") from None
        return [_applied(system) for system in applied]

    return operation


def _applied(system: seeding.AppliedSystem) -> dict[str, Any]:
    shown: dict[str, Any] = {"name": system.name, "created": system.created}
    if system.generated_api_key:
        shown["api_key"] = system.generated_api_key
    return shown


# -- systems --------------------------------------------------------------------------


def list_systems(tx: Tx) -> list[dict[str, Any]]:
    return [
        {"name": row.name, "region": row.region, "created_at": row.created_at}
        for row in sandbox.systems(tx)
    ]


def context_of(tx: Tx, system_id: int, name: str) -> dict[str, Any]:
    """The parts of a system a posted entry is checked against, in the seed file's shape."""
    found = systems.find_by_name(tx, name)
    assert found is not None
    return {
        "name": name,
        "region": found[1],
        "divisions": [
            {"division": d, "parent": p} for d, p in sandbox.divisions(tx, system_id) if p
        ],
        "touchpoints": sandbox.touchpoints(tx, system_id),
        "segments": systems.segment_names(tx, system_id),
    }


def show_system(name: str) -> Operation:
    def operation(tx: Tx) -> dict[str, Any]:
        system_id = find_system(tx, name)
        return _system_json(tx, system_id, name)

    return operation


def _system_json(tx: Tx, system_id: int, name: str) -> dict[str, Any]:
    shown = context_of(tx, system_id, name)
    enabled, days, fields = systems.duplication_rule(tx, system_id)
    return {
        **shown,
        "duplication_rule": {"enabled": enabled, "days": days, "fields": fields},
        "connected_apps": list_apps_of(tx, system_id),
        "mappings": list_mappings_of(tx, system_id),
        "campaigns": list_campaigns_of(tx, system_id),
        "bounces": list_bounces_of(tx, system_id),
    }


def set_api_key(name: str, key: str) -> Operation:
    """Give the system its new 4.1 API key (stored hashed, with its last characters to show
    which key is set); the old one stops working."""
    key_hash, hint = hash_api_key(key), systems.api_key_hint_of(key)

    def operation(tx: Tx) -> None:
        if not (_may_exist(name) and systems.set_api_key_hash(tx, name, key_hash, hint)):
            raise ResourceNotFound(f"System [{name}] not found.")

    return operation


def delete_system(name: str) -> Operation:
    def operation(tx: Tx) -> int:
        system_id = find_system(tx, name)
        sandbox.delete_system(tx, system_id)
        return system_id

    return operation


# -- connected apps -------------------------------------------------------------------


def list_apps_of(tx: Tx, system_id: int) -> list[dict[str, Any]]:
    return [
        {"name": a.name, "client_id": a.client_id, "division": a.division, "active": a.active}
        for a in sandbox.apps(tx, system_id)
    ]


def hash_app_secret(app: AppSpec) -> str:
    return hash_secret(app.client_secret)


def put_app(name: str, app: AppSpec, secret_hash: str, now: str) -> Operation:
    def operation(tx: Tx) -> bool:
        system_id = find_system(tx, name)
        division_id = systems.division_id(tx, system_id, app.division)
        if division_id is None:
            raise ResourceNotFound(f"Division [{app.division}] not found.")
        created = not any(a.client_id == app.client_id for a in sandbox.apps(tx, system_id))
        try:
            seeding.apply_app(tx, system_id, app, secret_hash, {app.division: division_id}, now)
        except SeedError:
            raise Conflict(f"The client_id [{app.client_id}] belongs to another system.") from None
        return created

    return operation


def client_id_taken(client_id: str) -> Operation:
    """Whether any system has a connected app with this client id."""
    return lambda tx: apps.system_of_client(tx, client_id) is not None


def revoke_app(client_id: str) -> Operation:
    """Revoke the app: no new tokens, and its tokens stop working. False if there is none."""
    return lambda tx: apps.set_active(tx, client_id, False)


def deactivate_app(name: str, client_id: str) -> Operation:
    """Revoke an app of the system called ``name`` (:func:`revoke_app`, for one system)."""

    def operation(tx: Tx) -> None:
        system_id = find_system(tx, name)
        if not any(a.client_id == client_id for a in sandbox.apps(tx, system_id)):
            raise ResourceNotFound(f"Connected app [{client_id}] not found.")
        apps.set_active(tx, client_id, False)

    return operation


def api_key_hint(name: str) -> Operation:
    """The last characters of the system's API key (None: set before they were kept)."""
    return lambda tx: systems.api_key_hint(tx, find_system(tx, name))


def delete_app(name: str, client_id: str) -> Operation:
    def operation(tx: Tx) -> None:
        system_id = find_system(tx, name)
        if not (_may_exist(client_id) and sandbox.delete_app(tx, system_id, client_id)):
            raise ResourceNotFound(f"Connected app [{client_id}] not found.")

    return operation


# -- mappings -------------------------------------------------------------------------


def list_mappings_of(tx: Tx, system_id: int) -> list[dict[str, Any]]:
    shown = []
    for reference in sandbox.mapping_references(tx, system_id):
        found = mapping_of(tx, system_id, reference)
        assert found is not None
        shown.append(found)
    return shown


def mapping_of(tx: Tx, system_id: int, reference: str) -> dict[str, Any] | None:
    """One mapping of the system as the control plane shows it, or None."""
    mapping = mappings.get(tx, system_id, reference) if _may_exist(reference) else None
    if mapping is None:
        return None
    return {
        "reference": mapping.reference,
        "name": mapping.name,
        "data_type": mapping.data_type,
        "fields": dict(mapping.fields),
    }


def put_mapping(name: str, mapping: MappingSpec, now: str) -> Operation:
    def operation(tx: Tx) -> bool:
        system_id = find_system(tx, name)
        created = not mappings.exists(tx, system_id, mapping.reference)
        seeding.apply_mapping(tx, system_id, mapping, now)
        return created

    return operation


def delete_mapping(name: str, reference: str) -> Operation:
    def operation(tx: Tx) -> None:
        system_id = find_system(tx, name)
        if not (_may_exist(reference) and sandbox.delete_mapping(tx, system_id, reference)):
            raise ResourceNotFound(f"The inbound mapping [{reference}] was not found.")

    return operation


# -- touchpoints ----------------------------------------------------------------------


def put_touchpoint(name: str, touchpoint: str) -> Operation:
    def operation(tx: Tx) -> bool:
        system_id = find_system(tx, name)
        created = systems.touchpoint_id(tx, system_id, touchpoint) is None
        systems.ensure_touchpoint(tx, system_id, touchpoint)
        return created

    return operation


def delete_touchpoint(name: str, touchpoint: str) -> Operation:
    def operation(tx: Tx) -> None:
        system_id = find_system(tx, name)
        missing = ResourceNotFound(f"Touchpoint [{touchpoint}] not found.")
        if not _may_exist(touchpoint):
            raise missing
        if sandbox.touchpoint_in_use(tx, system_id, touchpoint):
            raise Conflict(f"Touchpoint [{touchpoint}] is used by survey records.")
        if not sandbox.delete_touchpoint(tx, system_id, touchpoint):
            raise missing

    return operation


# -- segments and the duplication rule ------------------------------------------------


def put_segment(name: str, segment: str) -> Operation:
    """Add a segment (target field ``survey.segment.<segment>``); False if it existed."""

    def operation(tx: Tx) -> bool:
        system_id = find_system(tx, name)
        created = segment not in systems.segment_names(tx, system_id)
        systems.ensure_segment(tx, system_id, segment)
        return created

    return operation


def duplication_rule_of(name: str) -> Operation:
    def operation(tx: Tx) -> dict[str, Any]:
        enabled, days, fields = systems.duplication_rule(tx, find_system(tx, name))
        return {"enabled": enabled, "days": days, "fields": fields}

    return operation


def set_duplication_rule(name: str, rule: DuplicationRuleSpec) -> Operation:
    def operation(tx: Tx) -> None:
        system_id = find_system(tx, name)
        systems.set_duplication_rule(tx, system_id, rule.enabled, rule.days, rule.fields)

    return operation


# -- campaigns ------------------------------------------------------------------------


def list_campaigns_of(tx: Tx, system_id: int) -> list[dict[str, Any]]:
    return [
        {"name": c, "active": a, "filters": json.loads(f), "duplication_days": d}
        for _, c, a, f, d in systems.campaigns(tx, system_id)
    ]


def put_campaign(name: str, campaign: CampaignSpec, now: str) -> Operation:
    def operation(tx: Tx) -> bool:
        system_id = find_system(tx, name)
        created = not any(c == campaign.name for _, c, *_ in systems.campaigns(tx, system_id))
        seeding.apply_campaign(tx, system_id, campaign, now)
        return created

    return operation


def delete_campaign(name: str, campaign: str) -> Operation:
    def operation(tx: Tx) -> None:
        system_id = find_system(tx, name)
        if not (_may_exist(campaign) and sandbox.delete_campaign(tx, system_id, campaign)):
            raise ResourceNotFound(f"Campaign [{campaign}] not found.")

    return operation


# -- bounces --------------------------------------------------------------------------


def list_bounces_of(tx: Tx, system_id: int) -> list[dict[str, Any]]:
    return [
        {"email": b.email, "type": b.type, "reason": b.reason, "created_at": b.created_at}
        for b in sandbox.bounces(tx, system_id)
    ]


def put_bounce(name: str, bounce: BounceSpec, now: str) -> Operation:
    def operation(tx: Tx) -> bool:
        system_id = find_system(tx, name)
        created = not any(b.email == bounce.email.lower() for b in sandbox.bounces(tx, system_id))
        seeding.apply_bounce(tx, system_id, bounce, now)
        return created

    return operation


def add_bounce(name: str, email: str, kind: str, reason: str | None, now: str) -> Operation:
    """Record a bounce as a mail server reports it; False if the address was listed."""

    def operation(tx: Tx) -> bool:
        return lists.add_bounce(tx, find_system(tx, name), email, kind, reason, now)

    return operation


def delete_bounce(name: str, email: str) -> Operation:
    def operation(tx: Tx) -> None:
        system_id = find_system(tx, name)
        if not (_may_exist(email) and sandbox.delete_bounce(tx, system_id, email)):
            raise ResourceNotFound(f"Bounce [{email}] not found.")

    return operation


# -- unsubscribes ---------------------------------------------------------------------


def add_unsubscribe(name: str, email: str, added_by: str, now: str) -> Operation:
    """Unsubscribe an address; False if it was on the list already."""
    return lambda tx: lists.add_unsubscribe(tx, find_system(tx, name), email, added_by, now)


# -- lists of a system ----------------------------------------------------------------


def list_of(name: str, lister: Callable[[Tx, int], list[dict[str, Any]]]) -> Operation:
    """An operation listing one kind of thing of the system called ``name``."""

    def operation(tx: Tx) -> list[dict[str, Any]]:
        return lister(tx, find_system(tx, name))

    return operation


def list_touchpoints_of(tx: Tx, system_id: int) -> list[dict[str, Any]]:
    return [{"name": t} for t in sandbox.touchpoints(tx, system_id)]


def system_context(name: str) -> Operation:
    """The system's divisions, segments and touchpoints, to check a posted entry against."""

    def operation(tx: Tx) -> dict[str, Any]:
        return context_of(tx, find_system(tx, name), name)

    return operation


# -- stored rows ----------------------------------------------------------------------


def latest_rows(table: str, name: str | None, limit: int) -> Operation:
    """The newest ``limit`` rows of a table (of one system), to see what imports wrote."""
    return lambda tx: browse.latest_rows(tx, table, name, limit)


# -- outbox ---------------------------------------------------------------------------


def list_outbox(name: str | None, limit: int) -> Operation:
    def operation(tx: Tx) -> list[dict[str, Any]]:
        system_id = find_system(tx, name) if name is not None else None
        entries = outbox.entries(tx, system_id, limit)
        names = sandbox.system_names(tx, sorted({e.system_id for e in entries}))
        return [
            {
                "id": e.id,
                "system": names.get(e.system_id),
                "number_customergauge": e.survey_record_id,
                "kind": e.kind,
                "to": e.recipient,
                "subject": e.subject,
                "link": e.link,
                "status": e.status,
                "attempts": e.attempts,
                "last_error": e.last_error,
                "created_at": e.created_at,
                "sent_at": e.sent_at,
            }
            for e in entries
        ]

    return operation


def system_names(ids: list[int]) -> Operation:
    def operation(tx: Tx) -> dict[int, str]:
        return sandbox.system_names(tx, ids)

    return operation


def system_id_of(name: str) -> Operation:
    return lambda tx: find_system(tx, name)
