"""``opengauge apps ...`` and ``opengauge mappings ...``: administration of a local database.

These write through the control plane's use cases (``server/control/service.py``), which in
turn use the seed file's rules, so an app or mapping made here is checked exactly as the same
entry in a seed file or posted to ``/_opengauge/`` would be.
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

import click

from opengauge.cli.common import database_option, print_table, reported, run_operation


def _entry(database_url: str | None, system: str, kind: str, entry: dict[str, Any]) -> Any:
    """``entry`` checked as a seed file's ``kind`` entry of ``system``."""
    from opengauge.server.control import schemas
    from opengauge.server.control import service as control

    context = run_operation(database_url, control.system_context(system))
    with reported():
        return schemas.read_entry(json.dumps(entry).encode(), kind, context)


def _systems(database_url: str | None, system: str | None) -> list[str]:
    from opengauge.server.control import service as control

    if system is not None:
        run_operation(database_url, control.system_id_of(system))  # a clear error when unknown
        return [system]
    return [s["name"] for s in run_operation(database_url, control.list_systems)]


_system_option = click.option("--system", required=True, help="The system (by name).")


# -- connected apps ---------------------------------------------------------------------


@click.group()
def apps() -> None:
    """Connected apps: the OAuth2 clients that get tokens."""


@apps.command(name="create")
@_system_option
@click.option("--name", required=True, help="What the app is, e.g. 'Salesforce sync'.")
@click.option("--client-id", help="[default: generated]")
@click.option("--division", default="Global", show_default=True, help="Its hierarchy division.")
@database_option
def create_app(
    system: str, name: str, client_id: str | None, division: str, database_url: str | None
) -> None:
    """Create a connected app and print its client id and secret (the secret is stored
    hashed: this is the only time it is shown)."""
    from opengauge.server.clock import Clock
    from opengauge.server.control import service as control
    from opengauge.server.domain.secrets import new_secret

    secret = new_secret()
    spec = {
        "name": name,
        "client_id": client_id or uuid.uuid4().hex,
        "client_secret": secret,
        "division": division,
    }
    app = _entry(database_url, system, "connected_apps", spec)
    if run_operation(database_url, control.client_id_taken(app.client_id)):
        click.echo(f"a connected app with client id {app.client_id!r} exists already", err=True)
        sys.exit(1)
    secret_hash = control.hash_app_secret(app)
    run_operation(database_url, control.put_app(system, app, secret_hash, Clock().timestamp()))
    click.echo(f"connected app {name!r} created in system {system!r} (division {division})")
    click.echo(f"client_id:     {app.client_id}")
    click.echo(f"client_secret: {secret}")
    click.echo("the secret is not shown again; store it now.", err=True)


@apps.command(name="list")
@click.option("--system", help="Only this system (by name).")
@database_option
def list_apps(system: str | None, database_url: str | None) -> None:
    """The connected apps of every system (or of --system)."""
    from opengauge.server.control import service as control

    rows: list[list[object]] = []
    for name in _systems(database_url, system):
        for app in run_operation(database_url, control.list_of(name, control.list_apps_of)):
            status = "active" if app["active"] else "revoked"
            rows.append([name, app["name"], app["client_id"], app["division"], status])
    print_table(["system", "name", "client_id", "division", "status"], rows)


@apps.command()
@click.argument("client_id")
@database_option
def revoke(client_id: str, database_url: str | None) -> None:
    """Revoke CLIENT_ID: it gets no new tokens, and the tokens it has stop working at once."""
    from opengauge.server.control import service as control

    if not run_operation(database_url, control.revoke_app(client_id)):
        click.echo(f"no connected app with client id {client_id!r}", err=True)
        sys.exit(1)
    click.echo(f"{client_id}: revoked")


# -- inbound mappings -------------------------------------------------------------------


@click.group()
def mappings() -> None:
    """Inbound mappings: how a caller's field headings land on accounts, contacts and
    survey records."""


def _parse_fields(pairs: tuple[str, ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        heading, sep, target = pair.rpartition("=")
        if not sep or not heading.strip() or not target.strip():
            raise click.UsageError(f"--field takes 'Heading=target', not {pair!r}")
        fields[heading.strip()] = target.strip()
    return fields


@mappings.command(name="create")
@_system_option
@click.option("--name", required=True, help="A name people recognise.")
@click.option(
    "--type",
    "data_type",
    required=True,
    help="The data type: Account, Contact, Survey Data, Multi-Object, External Response, ...",
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="HEADING=TARGET",
    help="One field, e.g. 'Account Name=account.name' (repeat it).",
)
@click.option("--reference", help="The reference callers send as configuration [default: a UUID].")
@database_option
def create_mapping(
    system: str,
    name: str,
    data_type: str,
    fields: tuple[str, ...],
    reference: str | None,
    database_url: str | None,
) -> None:
    """Create (or replace) an inbound mapping, checked like a seed file's, and print its
    reference."""
    from opengauge.server.clock import Clock
    from opengauge.server.control import service as control

    spec = {
        "reference": reference or str(uuid.uuid4()),
        "name": name,
        "data_type": data_type,
        "fields": _parse_fields(fields),
    }
    mapping = _entry(database_url, system, "mappings", spec)
    created = run_operation(database_url, control.put_mapping(system, mapping, Clock().timestamp()))
    click.echo(f"mapping {name!r} ({mapping.data_type}) {'created' if created else 'replaced'}")
    click.echo(f"reference: {mapping.reference}")


@mappings.command(name="list")
@click.option("--system", help="Only this system (by name).")
@database_option
def list_mappings(system: str | None, database_url: str | None) -> None:
    """The inbound mappings of every system (or of --system)."""
    from opengauge.server.control import service as control

    rows: list[list[object]] = []
    for name in _systems(database_url, system):
        for mapping in run_operation(database_url, control.list_of(name, control.list_mappings_of)):
            shown = [mapping["reference"], mapping["name"], mapping["data_type"]]
            rows.append([name, *shown, len(mapping["fields"])])
    print_table(["system", "reference", "name", "data_type", "fields"], rows)


@mappings.command(name="show")
@click.argument("reference")
@_system_option
@click.option("--json", "as_json", is_flag=True, help="As a seed file's mappings entry (JSON).")
@database_option
def show_mapping(reference: str, system: str, as_json: bool, database_url: str | None) -> None:
    """One mapping: its data type and every heading with the field it fills."""
    from opengauge.server.control import service as control

    found = [
        m
        for m in run_operation(database_url, control.list_of(system, control.list_mappings_of))
        if m["reference"] == reference
    ]
    if not found:
        click.echo(f"The inbound mapping [{reference}] was not found.", err=True)
        sys.exit(1)
    mapping = found[0]
    if as_json:
        click.echo(json.dumps(mapping, indent=2, ensure_ascii=False))
        return
    click.echo(f"{mapping['name']} ({mapping['data_type']}), reference {mapping['reference']}")
    print_table(["heading", "target"], list(mapping["fields"].items()))
