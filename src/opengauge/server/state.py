"""What every layer can reach: settings, database, clock, signing keys, abuse limits and the
sandbox's journal and fault rules.

It sits beside the packages rather than in ``http/``, so that ``http/`` (generic plumbing)
depends on nothing above it and every family can take a ``State`` without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opengauge.server.clock import Clock
from opengauge.server.faults import Faults
from opengauge.server.http.ratelimit import Limiter
from opengauge.server.journal import Journal
from opengauge.server.settings import Settings
from opengauge.server.storage import Database
from opengauge.server.tokens import KeyRing


@dataclass
class State:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=Clock)
    #: The control plane's bearer token (the setting, or one made at start).
    admin_token: str = ""
    journal: Journal = field(default_factory=lambda: Journal(100))
    faults: Faults = field(default_factory=Faults)
    #: Abuse limits, as the settings say (``http/ratelimit.py``).
    limiter: Limiter = field(init=False)
    _keys: KeyRing | None = None

    def __post_init__(self) -> None:
        self.limiter = Limiter.from_settings(self.settings)

    @property
    def keys(self) -> KeyRing:
        if self._keys is None:
            raise RuntimeError("the application has not started")
        return self._keys

    @keys.setter
    def keys(self, value: KeyRing) -> None:
        self._keys = value
