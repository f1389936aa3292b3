"""A sandbox: a fresh database, the OpenGauge app serving it, and what a test needs to know."""

from __future__ import annotations

import dataclasses
import json
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Self, TypeVar

from opengauge.server.app import OpenGaugeApp
from opengauge.server.clock import Clock
from opengauge.server.seed.service import apply_seed
from opengauge.server.settings import Settings
from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import browse, lists, outbox, systems
from opengauge.testing import _interception
from opengauge.testing._asgi import AppThread, Request, Response
from opengauge.testing._database import SystemInfo, describe, templates
from opengauge.testing._seed import SeedSource, read_seed

#: More rows than any test stores; the inspection helpers return everything.
_ALL = 1_000_000
_CONTROL_TIMEOUT = 60.0

Row = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class Credentials:
    """What a client needs to talk to one system."""

    client_id: str
    client_secret: str
    api_key: str
    region: str


@dataclass(frozen=True)
class Urls:
    """The base URLs of the CustomerGauge hosts, without a trailing slash."""

    auth: str
    imports: str
    api: str
    survey: str

    @classmethod
    def for_region(cls, region: str) -> Urls:
        """The real service's hosts for ``region`` (what the mock intercepts)."""
        return cls(
            auth=f"https://auth.{region}.customergauge.com",
            imports=f"https://imports.api.{region}.customergauge.com",
            api=f"https://api.{region}.customergauge.com",
            survey=f"https://survey.{region}.customergauge.com",
        )

    @classmethod
    def same(cls, url: str) -> Urls:
        """One server for every family (a ThreadedServer)."""
        return cls(auth=url, imports=url, api=url, survey=url)


class System:
    """One tenant of the sandbox: its credentials, mappings and stored data (read-only)."""

    def __init__(self, info: SystemInfo, db: Database) -> None:
        self.name = info.name
        self.region = info.region
        #: Mapping name -> reference, e.g. ``mappings["Records"]``.
        self.mappings: Mapping[str, str] = MappingProxyType(dict(info.mappings))
        self._apps = info.apps
        self._api_key = info.api_key
        self._db = db

    def __repr__(self) -> str:
        return f"<System {self.name!r} region={self.region!r}>"

    @property
    def id(self) -> int:
        """The system's database id (looked up by name: a control-plane reset renumbers)."""
        found = self._read(lambda tx: systems.find_by_name(tx, self.name))
        if found is None:
            raise LookupError(f"system {self.name!r} does not exist (any more)")
        return found[0]

    @property
    def client_id(self) -> str:
        """The client id of the system's first connected app."""
        return self._first_app()[0]

    @property
    def client_secret(self) -> str:
        return self._first_app()[1]

    @property
    def api_key(self) -> str:
        """The 4.1 API key (from the seed, or the one generated when the seed had none)."""
        if self._api_key is None:
            raise LookupError(f"the API key of system {self.name!r} is unknown")
        return self._api_key

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.client_id, self.client_secret, self.api_key, self.region)

    def _first_app(self) -> tuple[str, str]:
        if not self._apps:
            raise LookupError(f"system {self.name!r} has no connected app in its seed")
        return self._apps[0]

    # -- what is stored ----------------------------------------------------------------

    def accounts(self) -> list[Row]:
        """Accounts, oldest first: id, name, number, manager, region, parent_id, updated_at."""
        return self._view("accounts")

    def contacts(self) -> list[Row]:
        """Contacts, oldest first: id, email, phone, first_name, last_name, number, ..."""
        return self._view("contacts")

    def survey_records(self) -> list[Row]:
        """Survey records, oldest first: id (the CG-ID), contact_id, account_id,
        delivery_vector, status, nps, date_creation, and the contact's email and phone."""
        records = self._view("survey-records")
        people = {c["id"]: c for c in self.contacts()}
        for record in records:
            contact = people.get(record["contact_id"], {})
            record["email"] = contact.get("email")
            record["phone"] = contact.get("phone")
        return records

    def outbox(self) -> list[Row]:
        """Invitation e-mails, oldest first: recipient, subject, link, status, ..."""
        system_id = self.id
        entries = self._read(lambda tx: outbox.entries(tx, system_id, _ALL))
        return [dataclasses.asdict(entry) for entry in entries]

    def unsubscribes(self) -> list[Row]:
        """Unsubscribed addresses, oldest first: email, date, added_by."""
        system_id = self.id
        rows = self._read(lambda tx: lists.unsubscribes(tx, system_id, 0, _ALL, None, None))
        return [{"email": e, "date": d, "added_by": by} for e, d, by in rows]

    def bounces(self) -> list[Row]:
        """Bounced addresses, oldest first: email, type, reason, date."""
        system_id = self.id
        rows = self._read(lambda tx: lists.bounces(tx, system_id, 0, _ALL, None, None))
        return [{"email": e, "type": t, "reason": r, "date": d} for e, t, r, d in rows]

    def _view(self, view: str) -> list[Row]:
        columns, rows = self._read(lambda tx: browse.latest_rows(tx, view, self.name, _ALL))
        return [dict(zip(columns[1:], row[1:], strict=True)) for row in rows]

    def _read(self, query: Callable[[Tx], T]) -> T:
        return self._db.read_sync(query)


class _Environment:
    """A fresh database seeded from ``seed`` and the OpenGauge app serving it.

    The first system of the seed is the default one: ``client_id``, ``api_key``,
    ``survey_records()`` and the rest are that system's; ``system("name")`` gives the others.
    Subclasses decide how the app is reached (``_settings``, ``_start``, ``_stop``).
    """

    def __init__(
        self, seed: SeedSource = None, *, strict: bool = False, rate_limits: bool = False
    ) -> None:
        parsed = read_seed(seed)
        if not parsed.systems:
            raise ValueError("the seed declares no system")
        template = templates.for_seed(parsed)
        self._folder = Path(tempfile.mkdtemp(prefix="opengauge-sandbox-"))
        self._closed = False
        try:
            path = template.copy_to(self._folder)
            self._infos = template.systems
            self._default = parsed.systems[0].name
            #: The control plane's bearer token (``/_opengauge/...``, see docs/control-plane.md).
            self.admin_token = secrets.token_urlsafe(16)
            #: The server's clock: ``clock.advance(3601)``, ``clock.freeze()``, ``clock.reset()``.
            self.clock = Clock()
            settings = self._settings(path, self._infos[self._default].region).replace(
                admin_token=self.admin_token,
                strict_mapping=strict,
                seed=str(template.seed_path),
            )
            if not rate_limits:
                # A test suite fails logins on purpose, all from one address.
                settings = settings.replace(auth_failure_limit="", survey_submit_limit="")
            self.app = OpenGaugeApp(settings, clock=self.clock, tune_gc=False)
            self._start()
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise

    def _settings(self, path: Path, region: str) -> Settings:
        # A test database need not survive a power cut.
        # The embedding test run owns standard output: no access log.
        return Settings(
            database_url=f"sqlite:///{path}",
            default_region=region,
            sqlite_synchronous="OFF",
            access_log=False,
        )

    def _start(self) -> None:
        raise NotImplementedError

    def _stop(self) -> None:
        raise NotImplementedError

    def _send(self, request: Request) -> Response:
        raise NotImplementedError

    @property
    def urls(self) -> Urls:
        raise NotImplementedError

    # -- lifetime ----------------------------------------------------------------------

    def close(self) -> None:
        """Stop the app and delete the database (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._stop()
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- tenants and credentials -------------------------------------------------------

    def system(self, name: str | None = None) -> System:
        """A system of the seed by name (default: the first one)."""
        info = self._infos.get(name or self._default)
        if info is None:
            raise LookupError(f"no system {name!r}; the seed has {sorted(self._infos)}")
        return System(info, self.app.state.db)

    @property
    def systems(self) -> list[System]:
        return [self.system(name) for name in self._infos]

    @property
    def client_id(self) -> str:
        return self.system().client_id

    @property
    def client_secret(self) -> str:
        return self.system().client_secret

    @property
    def api_key(self) -> str:
        return self.system().api_key

    @property
    def region(self) -> str:
        return self.system().region

    @property
    def credentials(self) -> Credentials:
        return self.system().credentials

    @property
    def mappings(self) -> Mapping[str, str]:
        """The default system's mapping references by name: ``mappings["Records"]``."""
        return self.system().mappings

    def apply_seed(self, seed: SeedSource) -> None:
        """Create or update what ``seed`` declares (a dict, a YAML/JSON file), like at start."""
        parsed = read_seed(seed)
        applied = apply_seed(self.app.state.db, parsed, self.clock)
        self._infos = describe(parsed, applied, self._infos)

    # -- the control plane (docs/control-plane.md) --------------------------------------

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call ``/_opengauge/<path>`` with the admin token; the answer's ``data`` (or None).

        ``control("POST", "faults", {"path": "/records*", "status": 429, "count": 1})``.
        Raises ``RuntimeError`` with the server's message when it refuses.
        """
        headers = [(b"authorization", f"Bearer {self.admin_token}".encode())]
        content = b""
        if body is not None:
            headers.append((b"content-type", b"application/json"))
            content = json.dumps(body).encode()
        url = f"{self.urls.api}/_opengauge/{path.lstrip('/')}"
        answer = self._send(Request(method, url, headers, content))
        decoded = json.loads(answer.body) if answer.body else {}
        if answer.status >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status} {decoded.get('message', '')}")
        return decoded.get("data")

    def journal(self, system: str | None = None) -> list[Row]:
        """The last requests a system's clients made (default system), oldest first."""
        entries: list[Row] = self.control("GET", f"systems/{system or self._default}/journal")
        return entries

    def add_fault(self, **rule: Any) -> Row:
        """Add a fault rule (``path=``, ``status=``, ``latency_ms=``, ``count=``...)."""
        added: Row = self.control("POST", "faults", rule)
        return added

    def reset(self) -> None:
        """Back to the seed: every system re-created, journal, faults and clock cleared."""
        self.control("POST", "reset")

    # -- what is stored (the default system) -------------------------------------------

    def accounts(self) -> list[Row]:
        return self.system().accounts()

    def contacts(self) -> list[Row]:
        return self.system().contacts()

    def survey_records(self) -> list[Row]:
        return self.system().survey_records()

    def outbox(self) -> list[Row]:
        return self.system().outbox()

    def unsubscribes(self) -> list[Row]:
        return self.system().unsubscribes()

    def bounces(self) -> list[Row]:
        return self.system().bounces()


class Sandbox(_Environment):
    """A CustomerGauge served in-process: no socket, no port.

    It answers nothing until it is activated: then every request of ``requests`` or
    ``httpx`` to ``*.customergauge.com`` comes here. ``mock_customergauge`` and the
    ``customergauge`` fixture do that for you.
    """

    def _settings(self, path: Path, region: str) -> Settings:
        # Survey links then point at survey.<region>.customergauge.com: intercepted too.
        return super()._settings(path, region).replace(public_url=Urls.for_region(region).survey)

    def _start(self) -> None:
        self._thread = AppThread(self.app)
        self._thread.start()

    def _stop(self) -> None:
        _interception.deactivate(self._thread)
        self._thread.stop()

    def _send(self, request: Request) -> Response:
        return self._thread.call(request, _CONTROL_TIMEOUT)

    @property
    def urls(self) -> Urls:
        """The default system's hosts: ``https://auth.eu.customergauge.com`` and so on."""
        return Urls.for_region(self.region)

    def activate(self) -> None:
        """Route ``*.customergauge.com`` requests of requests and httpx here."""
        _interception.activate(self._thread)

    def deactivate(self) -> None:
        """Stop routing requests here (the most recent other active sandbox takes over)."""
        _interception.deactivate(self._thread)
