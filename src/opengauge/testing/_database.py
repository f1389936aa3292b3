"""Sandbox databases: migrated and seeded once per process, then copied for each sandbox.

Migrating (Alembic) and making a signing key (RSA) take a few hundred milliseconds; copying
a finished SQLite file takes well under one. So the first sandbox of a seed builds a
*template* file and every later one starts from a copy. The seed's app secrets are hashed
at a token cost (see ``_SANDBOX_SCRYPT_N``), so logging in is cheap in every sandbox.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import msgspec

from opengauge.server.bootstrap import prepare_database
from opengauge.server.clock import Clock
from opengauge.server.domain import mapping as m
from opengauge.server.domain.passwords import hash_password
from opengauge.server.domain.secrets import hash_secret
from opengauge.server.seed.schemas import Seed
from opengauge.server.seed.service import AppliedSystem, seed_operation, user_key
from opengauge.server.storage import Database


@dataclass(frozen=True)
class SystemInfo:
    """What a seed made of one system: its id and the credentials a client needs."""

    name: str
    id: int
    region: str
    api_key: str | None
    #: (client_id, client_secret) of each connected app, in seed order.
    apps: tuple[tuple[str, str], ...] = ()
    #: Mapping name -> reference.
    mappings: dict[str, str] = field(default_factory=dict)


def describe(
    seed: Seed, applied: list[AppliedSystem], known: dict[str, SystemInfo]
) -> dict[str, SystemInfo]:
    """``known`` updated with what applying ``seed`` did (``applied`` is apply_seed's answer)."""
    systems = dict(known)
    for spec, result in zip(seed.systems, applied, strict=True):
        before = systems.get(spec.name)
        if before is None:
            before = SystemInfo(
                spec.name,
                result.id,
                spec.region,
                result.generated_api_key,
                mappings={name: ref for ref, name, _, _ in m.DEFAULT_MAPPINGS},
            )
        apps = dict(before.apps)
        apps.update((app.client_id, app.client_secret) for app in spec.connected_apps)
        systems[spec.name] = replace(
            before,
            region=spec.region,
            api_key=spec.api_key or before.api_key,
            apps=tuple(apps.items()),
            mappings={**before.mappings, **{mp.name: mp.reference for mp in spec.mappings}},
        )
    return systems


#: scrypt's cost for the seed's app secrets in a template. Verifying a secret hashed at the
#: server's cost takes tens of milliseconds, paid by every sandbox's first token request;
#: a throwaway secret in a temporary database needs no protection against guessing.
_SANDBOX_SCRYPT_N = 2


def _sandbox_hashes(seed: Seed) -> dict[str, str]:
    """client_id -> a cheap secret hash, for every app of ``seed`` (console users' passwords
    are hashed as the server hashes them)."""
    hashes = {
        app.client_id: hash_secret(app.client_secret, n=_SANDBOX_SCRYPT_N)
        for system in seed.systems
        for app in system.connected_apps
    }
    for system in seed.systems:
        for user in system.users:
            hashes[user_key(system.name, user.email)] = hash_password(user.password)
    return hashes


@dataclass(frozen=True)
class Template:
    """A migrated, seeded SQLite file that sandboxes copy."""

    path: Path
    systems: dict[str, SystemInfo]
    #: The seed as a JSON file: the server's ``seed`` setting, what ``/_opengauge/reset`` restores.
    seed_path: Path

    def copy_to(self, folder: Path) -> Path:
        target = folder / "opengauge.db"
        shutil.copyfile(self.path, target)
        return target


class _Templates:
    """One template per distinct seed, in a folder removed when the process exits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._folder: Path | None = None
        self._schema: Path | None = None
        self._by_seed: dict[bytes, Template] = {}

    def for_seed(self, seed: Seed) -> Template:
        key = msgspec.json.encode(seed)
        with self._lock:
            template = self._by_seed.get(key)
            if template is None:
                template = self._by_seed[key] = self._build(seed, len(self._by_seed))
            return template

    def _build(self, seed: Seed, number: int) -> Template:
        folder = self._ensure_folder()
        path = folder / f"seed-{number}.db"
        shutil.copyfile(self._schema_file(folder), path)
        db = Database(f"sqlite:///{path}")
        applied = db.run_sync(seed_operation(seed, _sandbox_hashes(seed), Clock().timestamp()))
        seed_path = folder / f"seed-{number}.json"
        seed_path.write_bytes(msgspec.json.encode(seed))
        return Template(path, describe(seed, applied, {}), seed_path)

    def _schema_file(self, folder: Path) -> Path:
        """An empty database at the newest schema, with a token signing key."""
        if self._schema is None:
            path = folder / "schema.db"
            prepare_database(Database(f"sqlite:///{path}"))
            self._schema = path
        return self._schema

    def _ensure_folder(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="opengauge-templates-"))
            atexit.register(shutil.rmtree, self._folder, ignore_errors=True)
        return self._folder


templates = _Templates()
