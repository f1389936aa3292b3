"""Test helpers: running the server, making tenants, reading the database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn
from sqlalchemy.engine import make_url

from opengauge.server.app import OpenGaugeApp
from opengauge.server.http.ratelimit import Limiter
from opengauge.server.http.serving import uvicorn_options
from opengauge.server.seed.schemas import validate_seed
from opengauge.server.seed.service import apply_seed
from opengauge.server.settings import Settings
from opengauge.server.storage import Database


@dataclass
class RunningServer:
    app: OpenGaugeApp
    base_url: str
    backend: str
    #: The event loop serving the app (its database writer lives there).
    loop: asyncio.AbstractEventLoop

    @property
    def db(self) -> Database:
        return self.app.state.db

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30, **kwargs)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the database directly (SQL with ``?`` placeholders)."""
        return self.db.run_sync(lambda tx: tx.all(sql, params))

    def count(self, table: str, system_id: int) -> int:
        rows = self.rows(f"SELECT COUNT(*) FROM {table} WHERE system_id = ?", (system_id,))  # noqa: S608
        return int(rows[0][0])

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every data table, to prove a request changed nothing."""
        tables = (
            "systems",
            "accounts",
            "account_aliases",
            "contacts",
            "contracts",
            "activities",
            "revenue_lines",
            "survey_records",
            "mappings",
            "connected_apps",
        )
        return {t: self.rows(f"SELECT * FROM {t} ORDER BY 1") for t in tables}  # noqa: S608


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def start_server(database_url: str, **settings: Any) -> Iterator[RunningServer]:
    """The application under uvicorn in a background thread, on a loopback port."""
    # An explicit IPPROTO_TCP lets asyncio turn Nagle off on accepted connections; with the
    # default protocol 0 every request waited ~40 ms for delayed ACKs.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # Abuse limits only where a test asks (the rate_limits fixture): every test runs from
    # 127.0.0.1, and many of them fail to log in on purpose.
    settings = {
        "sqlite_synchronous": "NORMAL",
        "access_log": False,
        "auth_failure_limit": "",
        "survey_submit_limit": "",
        **settings,
    }
    app = OpenGaugeApp(Settings(database_url=database_url, port=port, **settings))
    captured = _LoopCapture(app)
    # What `serve` runs, except logging: the test run's own (pytest captures it).
    options = uvicorn_options(app.settings) | {
        "loop": "asyncio",
        "log_config": None,
        "log_level": "warning",
    }
    config = uvicorn.Config(captured, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    backend = "postgres" if database_url.startswith("postgresql") else "sqlite"
    try:
        assert captured.loop is not None
        yield RunningServer(app, f"http://127.0.0.1:{port}", backend, captured.loop)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


class _LoopCapture:
    """Passes everything to the app and remembers the loop its lifespan runs on."""

    def __init__(self, app: OpenGaugeApp) -> None:
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            self.loop = asyncio.get_running_loop()
        await self.app(scope, receive, send)


class RateLimits:
    """Turns a running server's abuse limits on for one test, with counts of its own."""

    def __init__(self, server: RunningServer, storage_url: str) -> None:
        self.server = server
        self.storage_url = storage_url
        self._original = server.app.state.limiter
        self._installed: list[Limiter] = []

    def __call__(self, **settings: str) -> Limiter:
        """Install a new limiter: ``rate_limits(auth_failure_limit="10/minute")``.

        In Redis its keys have a prefix of their own, so no count leaks between tests.
        """
        own = {"rate_limit_url": self.storage_url, "rate_limit_prefix": f"test-{uuid.uuid4().hex}"}
        configured = self.server.app.state.settings.replace(**{**own, **settings})
        limiter = Limiter.from_settings(configured)
        limiter.refusal_listeners.extend(self._original.refusal_listeners)
        self._installed.append(limiter)
        self.server.app.state.limiter = limiter
        return limiter

    def restore(self) -> None:
        """Put the server's own limiter back; forget and close the test's."""
        self.server.app.state.limiter = self._original
        for limiter in self._installed:
            asyncio.run_coroutine_threadsafe(_discard(limiter), self.server.loop).result(30)


async def _discard(limiter: Limiter) -> None:
    await limiter.reset()
    await limiter.aclose()


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for this test session; dropped afterwards."""
    name = f"opengauge_test_{uuid.uuid4().hex[:12]}"
    url = make_url(admin_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ACCOUNT_MAPPING = "9dd58237-c913-4073-9c76-07da0b49ff50"
MULTI_MAPPING = "53505294-0b20-2509-b15d-c8e377701d66"


def tenant_seed(name: str, region: str = "eu", **extra: Any) -> dict[str, Any]:
    """A seed for one system with an app and one mapping of every data type."""
    system: dict[str, Any] = {
        "name": name,
        "region": region,
        "api_key": f"{name}-api-key",
        "divisions": [{"division": "Netherlands", "parent": "Global"}],
        "touchpoints": ["Support", "Onboarding"],
        "segments": ["Product"],
        "connected_apps": [
            {"name": "crm", "client_id": f"{name}-client", "client_secret": f"{name}-secret"}
        ],
        "mappings": [
            {
                "reference": ACCOUNT_MAPPING,
                "name": "Accounts",
                "data_type": "Account",
                "fields": {
                    "Account Name": "account.name",
                    "Account Number": "account.number",
                    "Account Manager": "account.manager",
                    "Parent Account": "account.parent",
                    "Region": "account.region",
                },
            },
            {
                "reference": MULTI_MAPPING,
                "name": "Multi",
                "data_type": "Multi-Object",
                "fields": {
                    "Account Name": "account.name",
                    "First Name": "contact.first_name",
                    "Last Name": "contact.last_name",
                    "Email": "contact.email",
                    "Phone": "contact.phone",
                    "Touchpoint": "survey.touchpoint",
                    "Division": "survey.division",
                    "Order Date": "survey.date_order",
                    "Product": "survey.segment.Product",
                },
            },
            {
                "reference": "survey",
                "name": "Survey",
                "data_type": "Survey Data",
                "fields": {"Email": "contact.email", "Order Number": "survey.number_order"},
            },
            {
                "reference": "external",
                "name": "External responses",
                "data_type": "External Response",
                "fields": {
                    "Email": "contact.email",
                    "Phone": "contact.phone",
                    "NPS": "survey.nps",
                    "Comment": "survey.comment",
                    "Responded": "survey.date_response",
                },
            },
            {
                "reference": "alias",
                "name": "Aliases",
                "data_type": "Account Alias",
                "fields": {"Account Name": "account.name", "Alias": "account.alias"},
            },
            {
                "reference": "revenue",
                "name": "Revenue",
                "data_type": "Revenue",
                "fields": {
                    "Account Name": "account.name",
                    "Amount": "revenue.amount",
                    "Start": "revenue.start",
                    "End": "revenue.end",
                    "Type": "revenue.type",
                },
            },
        ],
    }
    system.update(extra)
    return {"systems": [system]}


@dataclass
class Tenant:
    server: RunningServer
    name: str
    system_id: int
    client_id: str
    client_secret: str
    region: str

    def credentials(self) -> dict[str, str]:
        """The token request form for this tenant's app."""
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    def token(self) -> str:
        with self.server.client() as http:
            response = http.post("/oauth2/token", data=self.credentials())
        response.raise_for_status()
        return str(response.json()["access_token"])

    def client(self) -> httpx.Client:
        """An HTTP client that sends this tenant's bearer token."""
        return self.server.client(headers={"Authorization": f"Bearer {self.token()}"})

    def count(self, table: str) -> int:
        return self.server.count(table, self.system_id)


def create_tenant(server: RunningServer, name: str, region: str = "eu", **extra: Any) -> Tenant:
    seed = validate_seed(tenant_seed(name, region, **extra))
    (applied,) = apply_seed(server.db, seed)
    return Tenant(server, name, applied.id, f"{name}-client", f"{name}-secret", region)


def access_token(base_url: str, client_id: str, client_secret: str) -> str:
    """A bearer token from the token endpoint at ``base_url`` (the request must succeed)."""
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
    }
    response = httpx.post(f"{base_url}/oauth2/token", data=form, timeout=30)
    response.raise_for_status()
    return str(response.json()["access_token"])


def put_record(http: httpx.Client, configuration: Any, record: Any) -> httpx.Response:
    """``PUT /records/`` with a JSON body."""
    return http.put("/records/", json={"configuration": configuration, "record": record})


# -- server processes -----------------------------------------------------------------

#: How tests start the command: the interpreter running the tests, so the same install.
OPENGAUGE = [sys.executable, "-m", "opengauge"]


def clean_env() -> dict[str, str]:
    """The environment without OPENGAUGE_* settings, so only explicit options count."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENGAUGE_")}


@dataclass
class Served:
    """An ``opengauge serve`` process started by a test; ``output`` grows as it prints."""

    process: subprocess.Popen[str]
    port: int
    output: list[str]
    printed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for(self, text: str, timeout: float = 30) -> str:
        """Wait until the output holds ``text``; the output so far."""
        with self.printed:
            self.printed.wait_for(lambda: text in "".join(self.output), timeout)
            printed = "".join(self.output)
        assert text in printed, f"{text!r} not printed:\n{printed}"
        return printed


class ServerProcesses:
    """Starts ``opengauge serve`` processes and stops every one of them at the end."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.started: list[subprocess.Popen[str]] = []
        self.readers: list[threading.Thread] = []

    def __call__(
        self,
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        access_log: bool = False,
    ) -> Served:
        """Start ``opengauge serve *args``; ``env`` adds ``OPENGAUGE_*`` settings."""
        port = free_port()
        quiet = [] if access_log else ["--no-access-log"]
        process = subprocess.Popen(
            [*OPENGAUGE, "serve", "--port", str(port), *quiet, *args],
            cwd=cwd or self.cwd,
            env={**clean_env(), **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.started.append(process)
        served = Served(process, port, [])
        # Read everything it prints, always: a full pipe would block the server's writes.
        reader = threading.Thread(target=_read_output, args=(served,), daemon=True)
        reader.start()
        self.readers.append(reader)
        with served.printed:
            served.printed.wait_for(
                lambda: (
                    process.poll() is not None
                    or any(
                        "Application startup complete" in line or "Uvicorn running" in line
                        for line in served.output
                    )
                ),
                timeout=60,
            )
        wait_until_up(port)
        return served

    def kill(self, served: Served) -> None:
        """SIGKILL the process and its workers, as a crash would, and wait for them."""
        os.killpg(served.process.pid, signal.SIGKILL)
        served.process.wait(timeout=30)
        self.started.remove(served.process)
        if served.process.stdout is not None:
            served.process.stdout.close()

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        for reader in self.readers:
            reader.join(timeout=30)
        for process in self.started:
            if process.stdout is not None:
                process.stdout.close()


def _read_output(served: Served) -> None:
    stream = served.process.stdout
    assert stream is not None
    for line in stream:
        with served.printed:
            served.output.append(line)
            served.printed.notify_all()
    served.process.wait()
    with served.printed:
        served.printed.notify_all()


def wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
        except urllib.error.HTTPError:
            return  # the server answered (404 for /)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port}")


@contextlib.contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of the given backend for server processes."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'processes.db'}"
        return
    with postgres_database(os.environ["OPENGAUGE_TEST_POSTGRES_URL"]) as url:
        yield url


async def run_in_one_batch(db: Any, operations: list[Callable[[Any], object]]) -> list[object]:
    """Queue ``operations`` on a started ``db`` together, so its writer commits them as one
    batch; their results or errors, in order."""
    db.start()
    try:
        futures = [db.run(op) for op in operations]
        return list(await asyncio.gather(*futures, return_exceptions=True))
    finally:
        db.stop()
