"""``opengauge serve``: prepare the database, then run uvicorn."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from types import FrameType

import click
import uvicorn

from opengauge.cli import preflight
from opengauge.cli.main import configure_logging, demo_seed_path
from opengauge.server.app import OpenGaugeApp
from opengauge.server.bootstrap import prepare_database
from opengauge.server.http.serving import uvicorn_options
from opengauge.server.metrics import MULTIPROC_ENV
from opengauge.server.seed.schemas import SeedError, load_seed
from opengauge.server.seed.service import apply_seed
from opengauge.server.settings import ENV_PREFIX, Settings
from opengauge.server.storage import Database

DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105 - the demo tenant's published secret
DEMO_API_KEY = "demo-api-key"
DEMO_USER = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - the demo console user's published password


def run(settings: Settings) -> None:
    configure_logging(settings.log_level, settings.log_format)
    preflight.check_serve(settings)
    database = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    paths = ([str(demo_seed_path())] if settings.demo else []) + (
        [settings.seed] if settings.seed else []
    )
    # Migrate and seed once, here, before any worker process starts; every seed is read and
    # checked before the database is created or migrated.
    try:
        seeds = [(path, load_seed(path)) for path in paths]
        prepare_database(database)
        for path, seed in seeds:
            for system in apply_seed(database, seed):
                click.echo(f"seed {path}: system {system.name!r} ready")
                if system.generated_api_key:
                    click.echo(f"  generated API key: {system.generated_api_key}")
    except SeedError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if settings.demo:
        click.echo(walkthrough(settings.base_url))
    click.echo(
        f"OpenGauge listening on http://{settings.host}:{settings.port} "
        f"({database.dialect}, {settings.workers} worker(s))"
    )
    if settings.demo:
        click.echo(
            f"Console: {settings.base_url}/console/ (sign in as {DEMO_USER}, password {DEMO_PASSWORD})"
        )
    # One admin token, shown here once and never logged; workers are separate processes, and
    # a token generated in each would differ from worker to worker.
    if not settings.admin_token:
        settings = settings.replace(admin_token=secrets.token_urlsafe(24))
        click.echo(f"control plane admin token: {settings.admin_token}")
    options = uvicorn_options(settings)
    # On SIGTERM uvicorn stops accepting, finishes what is in flight, runs the lifespan
    # shutdown (the last group commits), then raises the signal again to die by it. It
    # restores this handler first, so that becomes exit status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    if settings.workers == 1:
        uvicorn.run(OpenGaugeApp(settings), **options)
        return
    # Hand workers every setting through the environment.
    for name, value in worker_environment(settings).items():
        os.environ[name] = value
    with _metrics_folder():
        app = "opengauge.server.app:create_app"
        uvicorn.run(app, factory=True, workers=settings.workers, **options)


@contextlib.contextmanager
def _metrics_folder() -> Iterator[None]:
    """A fresh folder where the workers' metrics meet (prometheus-client's multiprocess
    mode), set before any worker starts and removed when the server stops."""
    folder = tempfile.mkdtemp(prefix="opengauge-metrics-")
    os.environ[MULTIPROC_ENV] = folder
    try:
        yield
    finally:
        del os.environ[MULTIPROC_ENV]
        shutil.rmtree(folder, ignore_errors=True)


def _exit_cleanly(signum: int, _: FrameType | None) -> None:
    raise SystemExit(0)


def walkthrough(base: str) -> str:
    """The copy-paste demo printed by ``serve --demo`` (also shown in the README)."""
    return f"""
Demo tenant ready: client id {DEMO_CLIENT_ID}, client secret {DEMO_CLIENT_SECRET}, API key {DEMO_API_KEY}

  # 1. get an access token
  TOKEN=$(curl -s -X POST {base}/oauth2/token \\
    -d "grant_type=client_credentials&client_id={DEMO_CLIENT_ID}&client_secret={DEMO_CLIENT_SECRET}" \\
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

  # 2. create or update an account through the "accounts" inbound mapping
  curl -si -X PUT {base}/records/ -H "Authorization: Bearer $TOKEN" \\
    -H "Content-Type: application/json" \\
    -d '{{"configuration": "accounts", "record": {{"Account Name": "ACME", "Account Number": "A-1"}}}}'

  # 3. a record that breaks a rule gets the API's 422
  curl -s -w '\\n' -X PUT {base}/records/ -H "Authorization: Bearer $TOKEN" \\
    -d 'configuration=contact&record[Email]=not-an-address'

  # 4. see the data (in a second terminal, from the same folder)
  .venv/bin/opengauge db show accounts

  # 5. create a personal survey link; open its survey_link in a browser and answer it
  curl -s -w '\\n' -X PUT {base}/personal-link/ -H "Authorization: Bearer $TOKEN" \\
    -H "Content-Type: application/json" \\
    -d '{{"configuration": "survey", "record": {{"Email": "joe@example.com", "First Name": "Joe", "Touchpoint": "Support"}}}}'

  # 6. after answering, today's responses are in the export (the demo's samples are older)
  curl -gs -w '\\n' "{base}/v7/rest/sync/responses?period[field]=date_survey_response&period[start]=$(date -u +%F)" \\
    -H "Authorization: Bearer $TOKEN"
"""


def worker_environment(settings: Settings) -> dict[str, str]:
    """``OPENGAUGE_*`` variables from which each worker's ``Settings.from_env`` rebuilds
    ``settings``: every field, so a new setting cannot be forgotten here."""
    environment = {}
    for field in dataclasses.fields(settings):
        if field.name in ("extra", "workers"):
            continue
        value = getattr(settings, field.name)
        if field.name == "public_url":
            value = settings.base_url
        environment[ENV_PREFIX + field.name.upper()] = str(value)
    return environment
