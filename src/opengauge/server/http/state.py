"""What every endpoint can reach: settings, database, clock and signing keys."""

from __future__ import annotations

from dataclasses import dataclass, field

from opengauge.server.auth.tokens import KeyRing
from opengauge.server.clock import Clock
from opengauge.server.settings import Settings
from opengauge.server.storage import Database


@dataclass
class State:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=Clock)
    _keys: KeyRing | None = None

    @property
    def keys(self) -> KeyRing:
        if self._keys is None:
            raise RuntimeError("the application has not started")
        return self._keys

    @keys.setter
    def keys(self, value: KeyRing) -> None:
        self._keys = value
