"""Applying a seed: create or update everything it declares (idempotent)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import msgspec

from opengauge.server.clock import Clock
from opengauge.server.domain import branding as rules
from opengauge.server.domain import drivers as driver_rules
from opengauge.server.domain import mapping as m
from opengauge.server.domain.passwords import hash_password
from opengauge.server.domain.secrets import hash_api_key, hash_secret, new_api_key
from opengauge.server.seed.samples import add_samples
from opengauge.server.seed.schemas import (
    AppSpec,
    BounceSpec,
    CampaignSpec,
    DriverSpec,
    MappingSpec,
    Seed,
    SeedError,
    SystemSpec,
    touchpoint_name,
)
from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import (
    apps,
    branding,
    drivers,
    lists,
    mappings,
    systems,
    users,
)


@dataclass(frozen=True)
class AppliedSystem:
    name: str
    id: int
    created: bool
    #: Set when the system was created without an api_key in the seed.
    generated_api_key: str | None = None


def apply_seed(db: Database, seed: Seed, clock: Clock | None = None) -> list[AppliedSystem]:
    """Create or update every system in ``seed`` in one transaction."""
    now = (clock or Clock()).timestamp()
    return db.run_sync(seed_operation(seed, hash_secrets(seed), now))


def hash_secrets(seed: Seed) -> dict[str, str]:
    """client_id -> secret hash of every app in ``seed``, and :func:`user_key` -> password
    hash of every console user.

    Done outside the transaction: scrypt and argon2 are slow and the hashes don't depend on
    the data.
    """
    hashes = {
        app.client_id: hash_secret(app.client_secret)
        for system in seed.systems
        for app in system.connected_apps
    }
    for system in seed.systems:
        for user in system.users:
            hashes[user_key(system.name, user.email)] = hash_password(user.password)
    return hashes


def user_key(system: str, email: str) -> str:
    """A user's key among the hashes: NUL-separated, so no client id (which holds no control
    characters) can be the same."""
    return f"user\x00{system}\x00{email.lower()}"


def seed_operation(
    seed: Seed, secret_hashes: dict[str, str], now: str
) -> Callable[[Tx], list[AppliedSystem]]:
    """The operation applying ``seed`` (hashes from :func:`hash_secrets`)."""

    def operation(tx: Tx) -> list[AppliedSystem]:
        return [_apply_system(tx, spec, secret_hashes, now) for spec in seed.systems]

    return operation


def _apply_system(
    tx: Tx, spec: SystemSpec, secret_hashes: dict[str, str], now: str
) -> AppliedSystem:
    existing = systems.find_by_name(tx, spec.name)
    generated = None
    key_hash = hash_api_key(spec.api_key) if spec.api_key else None
    if key_hash is not None:
        holder = systems.find_by_api_key_hash(tx, key_hash)
        if holder is not None and (existing is None or holder[0] != existing[0]):
            raise SeedError(spec.name, ["api_key: the same key belongs to another system"])
    if existing is None:
        if key_hash is None:
            generated = new_api_key()
            key_hash = hash_api_key(generated)
        system_id = systems.create(tx, spec.name, spec.region, key_hash, now)
        for reference, name, data_type, fields in m.DEFAULT_MAPPINGS:
            mappings.upsert(tx, system_id, reference, name, data_type, fields, now)
    else:
        system_id = existing[0]
        systems.update(tx, system_id, spec.region, key_hash)

    shown_key = generated or spec.api_key
    if shown_key:
        systems.set_api_key_hint(tx, system_id, systems.api_key_hint_of(shown_key))
    global_id = systems.ensure_division(tx, system_id, systems.GLOBAL_DIVISION, None)
    division_ids = {systems.GLOBAL_DIVISION: global_id}
    pending = list(spec.divisions)
    while pending:  # parents first, whatever order the file lists them in
        ready = [d for d in pending if d.parent in division_ids]
        for division in ready:
            division_ids[division.division] = systems.ensure_division(
                tx, system_id, division.division, division_ids[division.parent]
            )
        pending = [d for d in pending if d not in ready]
        if not ready:
            raise SeedError(spec.name, ["divisions refer to unknown parents"])
    for touchpoint in spec.touchpoints:
        systems.ensure_touchpoint(tx, system_id, touchpoint_name(touchpoint))
    apply_branding(tx, system_id, spec)
    for segment in spec.segments:
        systems.ensure_segment(tx, system_id, segment)
    rule = spec.duplication_rule
    systems.set_duplication_rule(tx, system_id, rule.enabled, rule.days, rule.fields)
    for app in spec.connected_apps:
        apply_app(tx, system_id, app, secret_hashes[app.client_id], division_ids, now)
    for user in spec.users:
        password_hash = secret_hashes[user_key(spec.name, user.email)]
        role, active = user.role, user.active
        users.put(tx, system_id, user.email, user.name, role, password_hash, now, active=active)
    for mapping in spec.mappings:
        apply_mapping(tx, system_id, mapping, now)
    for campaign in spec.campaigns:
        apply_campaign(tx, system_id, campaign, now)
    for bounce in spec.bounces:
        apply_bounce(tx, system_id, bounce, now)
    # Level 1 first: a renamed level 1 takes its level 2 drivers along before they are matched.
    for driver in sorted(spec.drivers, key=lambda entry: entry.level):
        apply_driver(tx, system_id, driver, now)
    # Last: the samples use the touchpoints, divisions, segments and drivers above.
    add_samples(tx, system_id, spec.sample_responses, date.fromisoformat(now[:10]), now)
    return AppliedSystem(spec.name, system_id, existing is None, generated)


def apply_branding(tx: Tx, system_id: int, spec: SystemSpec) -> None:
    """Set what the seed gives of the survey branding (blank or null: the default); what it
    leaves out stays as it is, so a seed applied again keeps what the console changed."""
    given = {
        "display_name": spec.display_name,
        "brand_colour": spec.brand_colour,
        "privacy_url": spec.privacy_url,
    }
    values = {
        name: None if value is None else cleaned_setting(name, value)
        for name, value in given.items()
        if not isinstance(value, msgspec.UnsetType)
    }
    branding.update(tx, system_id, values)
    for touchpoint in spec.touchpoints:
        if isinstance(touchpoint, str) or isinstance(touchpoint.question, msgspec.UnsetType):
            continue
        question = None if touchpoint.question is None else rules.cleaned(touchpoint.question)
        branding.set_question(tx, system_id, touchpoint.name, question)


def cleaned_setting(name: str, value: str) -> str | None:
    """A branding setting as stored: trimmed, a colour in lower case; blank is None."""
    text = rules.cleaned(value)
    if text is not None and name == "brand_colour":
        return rules.normal_colour(text)
    return text


def apply_app(
    tx: Tx,
    system_id: int,
    app: AppSpec,
    secret_hash: str,
    division_ids: dict[str, int],
    now: str,
) -> None:
    """Create or update a connected app (its division among ``division_ids``)."""
    owner = apps.system_of_client(tx, app.client_id)
    if owner is not None and owner != system_id:
        raise SeedError(
            systems.system_name(tx, system_id),
            [f"client_id {app.client_id!r} belongs to another system"],
        )
    apps.upsert(
        tx,
        system_id,
        division_ids[app.division],
        app.name,
        app.client_id,
        secret_hash,
        app.active,
        now,
    )


def apply_mapping(tx: Tx, system_id: int, mapping: MappingSpec, now: str) -> None:
    mappings.upsert(
        tx,
        system_id,
        mapping.reference,
        mapping.name,
        mapping.data_type,
        list(mapping.fields.items()),
        now,
    )


def apply_campaign(tx: Tx, system_id: int, campaign: CampaignSpec, now: str) -> None:
    systems.upsert_campaign(
        tx,
        system_id,
        campaign.name,
        campaign.active,
        [{"field": f.field, "op": f.op, "values": f.values} for f in campaign.filters],
        campaign.duplication_days,
        now,
    )


def apply_bounce(tx: Tx, system_id: int, bounce: BounceSpec, now: str) -> None:
    lists.add_bounce(tx, system_id, bounce.email, bounce.type, bounce.reason, now)


def apply_driver(tx: Tx, system_id: int, spec: DriverSpec, now: str) -> None:
    """Create or update a driver: the one with the entry's reason code, or without one, the
    one with its label, good_bad, level (and level 1 category). The 4.1 module's rules hold:
    a renamed level 1 driver keeps its level 2 drivers."""
    wanted = driver_rules.check(spec.draft())
    code = None if spec.reason_code is None else driver_rules.read_code(spec.reason_code)
    existing = drivers.listed(tx, system_id)
    if code is not None:
        found = next((d for d in existing if d.reason_code == code), None)
    else:
        found = next((d for d in existing if driver_rules.key(d) == driver_rules.key(wanted)), None)
    others = [d for d in existing if found is None or d.id != found.id]
    try:
        driver_rules.check_among(wanted, others, found)
    except driver_rules.Refused as refused:
        name = systems.system_name(tx, system_id)
        raise SeedError(name, [f"drivers: {refused.detail}"]) from None
    if found is None:
        code = code or driver_rules.next_code(d.reason_code for d in existing)
        drivers.create(tx, system_id, code, wanted, now)
        return
    drivers.update(tx, system_id, found.id, wanted)
    if found.level == 1 and wanted.label != found.label:
        drivers.rename_category(tx, system_id, found.good_bad, found.label, wanted.label)
