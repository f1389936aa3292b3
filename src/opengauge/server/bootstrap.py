"""Getting a database ready to serve: schema, signing keys, seed."""

from __future__ import annotations

import logging

from opengauge.server.clock import Clock
from opengauge.server.storage import Database, Tx, migrate
from opengauge.server.storage.repositories import apps
from opengauge.server.tokens import new_signing_key

log = logging.getLogger("opengauge")


def prepare_database(db: Database, clock: Clock | None = None) -> None:
    """Migrate to the newest schema and make sure a token signing key exists."""
    if migrate.current_revision(db) != migrate.head_revision():
        log.info("migrating the database schema")
        migrate.upgrade(db)
    now = (clock or Clock()).timestamp()

    def ensure_key(tx: Tx) -> None:
        if not apps.signing_keys(tx):
            kid, pem = new_signing_key()
            apps.add_signing_key(tx, kid, pem, now)

    db.run_sync(ensure_key)
