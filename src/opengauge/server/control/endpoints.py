"""Routes of the control plane ``/_opengauge/...`` (the app checks the admin token first).

Every answer is JSON: ``{"data": ...}`` on success, 204 for a deletion, and errors as
``{"message": ...}`` (with ``errors`` for a 422), like the rest of OpenGauge's own surface.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from opengauge.server.control import schemas
from opengauge.server.control import service as control
from opengauge.server.errors import ResourceNotFound, ValidationFailed
from opengauge.server.http.responses import json_response, limited_body
from opengauge.server.http.routing import Family, Route, request_endpoint
from opengauge.server.journal import Entry
from opengauge.server.seed.schemas import Seed, SeedError
from opengauge.server.state import State

FAMILY = Family("control")
PREFIX = "/_opengauge"
Handler = Callable[[State, Request], Awaitable[Response]]
OUTBOX_LIMIT = 100
OUTBOX_MAX = 1000
#: Seed documents may be bigger than an API request.
SEED_MAX_BYTES = 16 * 1024 * 1024


def _data(value: Any, status: int = 200) -> Response:
    return json_response({"data": value}, status)


def _created(created: bool, value: Any) -> Response:
    return _data(value, 201 if created else 200)


def _deleted() -> Response:
    return Response(status_code=204)


async def _body(state: State, request: Request, limit: int | None = None) -> bytes:
    return await limited_body(request, limit or state.settings.max_body_bytes)


def _system(request: Request) -> str:
    return str(request.path_params["system"])


# -- seeds and reset ------------------------------------------------------------------


async def reset(state: State, request: Request) -> Response:
    """Delete every system, re-apply the seeds the server started with, and clear the
    journal, the faults, the clock and the rate-limit counts."""
    try:
        seeds = control.startup_seeds(state.settings)
    except SeedError as error:
        raise schemas.seed_problems(error) from None
    applied = await _apply(state, seeds, wipe=True)
    # Only once the database is reset: a refused reset changes nothing.
    state.clock.reset()
    state.journal.clear(everything=True)
    state.faults.clear()
    await state.limiter.reset()
    return _data({"systems": applied})


async def apply_seed(state: State, request: Request) -> Response:
    """Apply a seed document (YAML or JSON), creating or updating what it declares."""
    seed = schemas.read_seed(await _body(state, request, SEED_MAX_BYTES))
    return _data({"systems": await _apply(state, [seed])})


async def _apply(state: State, seeds: list[Seed], *, wipe: bool = False) -> list[dict[str, Any]]:
    # Hashing secrets is slow on purpose: off the event loop, before the transaction.
    hashes = await asyncio.to_thread(control.hash_secrets, seeds)
    operation = control.apply_seeds(seeds, hashes, state.clock.timestamp(), wipe=wipe)
    applied: list[dict[str, Any]] = await state.db.run(operation)
    return applied


# -- systems --------------------------------------------------------------------------


async def list_systems(state: State, request: Request) -> Response:
    return _data(await state.db.read(control.list_systems))


async def create_system(state: State, request: Request) -> Response:
    spec = schemas.read_system(await _body(state, request))
    (applied,) = await _apply(state, [Seed(systems=[spec])])
    return _created(applied["created"], applied)


async def show_system(state: State, request: Request) -> Response:
    return _data(await state.db.read(control.show_system(_system(request))))


async def delete_system(state: State, request: Request) -> Response:
    system_id = await state.db.run(control.delete_system(_system(request)))
    state.journal.clear(system_id)
    return _deleted()


# -- configuration of one system ------------------------------------------------------

Lister = Callable[[Any, int], list[dict[str, Any]]]


def _lister(lister: Lister) -> Handler:
    async def endpoint(state: State, request: Request) -> Response:
        return _data(await state.db.read(control.list_of(_system(request), lister)))

    return endpoint


def _deleter(param: str, delete: Callable[[str, str], control.Operation]) -> Handler:
    """DELETE of one entry of a system, named by the path parameter ``param``."""

    async def endpoint(state: State, request: Request) -> Response:
        await state.db.run(delete(_system(request), request.path_params[param]))
        return _deleted()

    return endpoint


delete_app = _deleter("client_id", control.delete_app)
delete_mapping = _deleter("reference", control.delete_mapping)
delete_touchpoint = _deleter("name", control.delete_touchpoint)
delete_campaign = _deleter("name", control.delete_campaign)
delete_bounce = _deleter("email", control.delete_bounce)


async def _entry(state: State, request: Request, kind: str) -> Any:
    """A posted seed entry of ``kind``, checked against the system's configuration."""
    body = await _body(state, request)
    context = await state.db.run(control.system_context(_system(request)))
    return schemas.read_entry(body, kind, context)


async def put_app(state: State, request: Request) -> Response:
    app = await _entry(state, request, "connected_apps")
    secret_hash = await asyncio.to_thread(control.hash_app_secret, app)
    created = await state.db.run(
        control.put_app(_system(request), app, secret_hash, state.clock.timestamp())
    )
    shown = {"name": app.name, "client_id": app.client_id, "division": app.division}
    return _created(created, {**shown, "active": app.active})


async def put_mapping(state: State, request: Request) -> Response:
    mapping = await _entry(state, request, "mappings")
    created = await state.db.run(
        control.put_mapping(_system(request), mapping, state.clock.timestamp())
    )
    shown = {"reference": mapping.reference, "name": mapping.name}
    return _created(created, {**shown, "data_type": mapping.data_type, "fields": mapping.fields})


async def put_touchpoint(state: State, request: Request) -> Response:
    name = schemas.read_touchpoint(await _body(state, request))
    created = await state.db.run(control.put_touchpoint(_system(request), name))
    return _created(created, {"name": name})


async def put_campaign(state: State, request: Request) -> Response:
    campaign = await _entry(state, request, "campaigns")
    created = await state.db.run(
        control.put_campaign(_system(request), campaign, state.clock.timestamp())
    )
    filters = [{"field": f.field, "op": f.op, "values": f.values} for f in campaign.filters]
    shown = {"name": campaign.name, "active": campaign.active, "filters": filters}
    return _created(created, {**shown, "duplication_days": campaign.duplication_days})


async def put_bounce(state: State, request: Request) -> Response:
    bounce = await _entry(state, request, "bounces")
    created = await state.db.run(
        control.put_bounce(_system(request), bounce, state.clock.timestamp())
    )
    shown = {"email": bounce.email.lower(), "type": bounce.type, "reason": bounce.reason}
    return _created(created, shown)


# -- outbox ---------------------------------------------------------------------------


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return OUTBOX_LIMIT
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= OUTBOX_MAX):
        message = f"The limit must be a whole number between 1 and {OUTBOX_MAX}."
        raise ValidationFailed({"limit": [message]}, summary="first")
    return int(raw)


async def list_outbox(state: State, request: Request) -> Response:
    name = request.path_params.get("system")
    return _data(await state.db.read(control.list_outbox(name, _limit(request))))


# -- journal --------------------------------------------------------------------------


async def _journal_json(state: State, entries: list[Entry]) -> list[dict[str, Any]]:
    ids = sorted({e.system_id for e in entries if e.system_id is not None})
    names: dict[int, str] = await state.db.read(control.system_names(ids)) if ids else {}
    ordered = sorted(entries, key=lambda e: e.id)
    return [e.to_json(names.get(e.system_id) if e.system_id is not None else None) for e in ordered]


async def journal(state: State, request: Request) -> Response:
    """Every system's entries, and those of requests nobody was recognised for."""
    entries = [e for system_id in state.journal.systems() for e in state.journal.entries(system_id)]
    return _data(await _journal_json(state, entries))


async def clear_journal(state: State, request: Request) -> Response:
    state.journal.clear(everything=True)
    return _deleted()


async def system_journal(state: State, request: Request) -> Response:
    system_id = await state.db.read(control.system_id_of(_system(request)))
    return _data(await _journal_json(state, state.journal.entries(system_id)))


async def clear_system_journal(state: State, request: Request) -> Response:
    state.journal.clear(await state.db.read(control.system_id_of(_system(request))))
    return _deleted()


# -- faults ---------------------------------------------------------------------------


async def list_faults(state: State, request: Request) -> Response:
    return _data([rule.to_json() for rule in state.faults.rules])


async def add_fault(state: State, request: Request) -> Response:
    spec = schemas.read_fault(await _body(state, request))
    rule = state.faults.add(
        spec.path,
        methods=spec.methods,
        status=spec.status,
        latency_ms=spec.latency_ms,
        probability=spec.probability,
        retry_after=spec.retry_after,
        count=spec.count,
        seed=spec.seed,
    )
    return _data(rule.to_json(), 201)


async def clear_faults(state: State, request: Request) -> Response:
    state.faults.clear()
    return _deleted()


async def delete_fault(state: State, request: Request) -> Response:
    fault_id = request.path_params["fault"]
    if not state.faults.remove(fault_id):
        raise ResourceNotFound(f"Fault [{fault_id}] not found.")
    return _deleted()


# -- clock ----------------------------------------------------------------------------


def _clock_json(state: State) -> dict[str, Any]:
    clock = state.clock
    return {
        "now": schemas.timestamp(clock.time()),
        "offset": round(clock.drift(), 3),
        "frozen": clock.frozen is not None,
    }


async def show_clock(state: State, request: Request) -> Response:
    return _data(_clock_json(state))


async def change_clock(state: State, request: Request) -> Response:
    change, moment = schemas.read_clock_change(await _body(state, request))
    clock = state.clock
    before = (clock.offset, clock.frozen)
    if change.offset is not None:
        clock.set_offset(change.offset)
    if moment is not None:
        clock.set_time(moment)
    if change.frozen is True:
        clock.freeze()
    elif change.frozen is False:
        clock.unfreeze()
    if change.advance is not None:
        clock.advance(change.advance)
    if not schemas.CLOCK_EARLIEST <= clock.time() <= schemas.CLOCK_LATEST:
        clock.offset, clock.frozen = before
        raise ValidationFailed({"body": [schemas.CLOCK_RANGE]}, summary="first")
    return _data(_clock_json(state))


async def reset_clock(state: State, request: Request) -> Response:
    state.clock.reset()
    return _data(_clock_json(state))


def _routes() -> list[Route[State]]:
    table: list[tuple[str, Handler, str]] = [
        ("/reset", reset, "POST"),
        ("/seed", apply_seed, "POST"),
        ("/systems", list_systems, "GET"),
        ("/systems", create_system, "POST"),
        ("/systems/{system}", show_system, "GET"),
        ("/systems/{system}", delete_system, "DELETE"),
        ("/systems/{system}/apps", _lister(control.list_apps_of), "GET"),
        ("/systems/{system}/apps", put_app, "POST"),
        ("/systems/{system}/apps/{client_id:path}", delete_app, "DELETE"),
        ("/systems/{system}/mappings", _lister(control.list_mappings_of), "GET"),
        ("/systems/{system}/mappings", put_mapping, "POST"),
        ("/systems/{system}/mappings/{reference:path}", delete_mapping, "DELETE"),
        ("/systems/{system}/touchpoints", _lister(control.list_touchpoints_of), "GET"),
        ("/systems/{system}/touchpoints", put_touchpoint, "POST"),
        ("/systems/{system}/touchpoints/{name:path}", delete_touchpoint, "DELETE"),
        ("/systems/{system}/campaigns", _lister(control.list_campaigns_of), "GET"),
        ("/systems/{system}/campaigns", put_campaign, "POST"),
        ("/systems/{system}/campaigns/{name:path}", delete_campaign, "DELETE"),
        ("/systems/{system}/bounces", _lister(control.list_bounces_of), "GET"),
        ("/systems/{system}/bounces", put_bounce, "POST"),
        ("/systems/{system}/bounces/{email:path}", delete_bounce, "DELETE"),
        ("/systems/{system}/outbox", list_outbox, "GET"),
        ("/systems/{system}/journal", system_journal, "GET"),
        ("/systems/{system}/journal", clear_system_journal, "DELETE"),
        ("/outbox", list_outbox, "GET"),
        ("/journal", journal, "GET"),
        ("/journal", clear_journal, "DELETE"),
        ("/faults", list_faults, "GET"),
        ("/faults", add_fault, "POST"),
        ("/faults", clear_faults, "DELETE"),
        ("/faults/{fault}", delete_fault, "DELETE"),
        ("/clock", show_clock, "GET"),
        ("/clock", change_clock, "POST"),
        ("/clock", reset_clock, "DELETE"),
    ]
    return [
        Route(PREFIX + path, (method,), request_endpoint(handler), FAMILY)
        for path, handler, method in table
    ]


ROUTES = _routes()
