"""The request journal: the last N requests of each system, in memory.

Every API request (not the control plane) gets an :class:`Entry` when it arrives; endpoints
fill in who called (``note_caller``) and which record keys the mapping ignored
(``note_ignored``), and the app files the entry under its system when the response is out.

An entry holds names, never values: no header values, no body, only the *names* of query
parameters. So no secret (token, client secret, API key) and no personal data (an e-mail in
a query string) ever reaches the journal, and GDPR anonymization has nothing to erase here.

Each server process keeps its own journal (a bounded deque per system); with several worker
processes, a request is in the journal of the process that served it.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from collections.abc import Iterable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

#: Where the entry of the request in progress lives in the ASGI scope.
SCOPE_KEY = "opengauge.journal"
_SURVEY_CODE = re.compile(r"^/([rs])/[^/]+")
#: At most this many parameter names or ignored keys per entry, each cut to NAME_LIMIT.
NAMES_LIMIT = 32
NAME_LIMIT = 128


class Entry:
    """One request; filled in while it is served."""

    __slots__ = (
        "at",
        "caller",
        "duration_ms",
        "fault",
        "id",
        "ignored",
        "method",
        "params",
        "path",
        "status",
        "system_id",
    )

    def __init__(self, method: str, path: str, params: tuple[str, ...], at: float) -> None:
        self.id = 0
        self.method = method
        self.path = path
        self.params = params
        self.at = at
        self.status = 0
        self.duration_ms = 0.0
        self.system_id: int | None = None
        #: The connected app's client id, "api_key", or None when nobody was recognised.
        self.caller: str | None = None
        self.ignored: tuple[str, ...] = ()
        self.fault: str | None = None

    def to_json(self, system: str | None) -> dict[str, Any]:
        moment = datetime.fromtimestamp(self.at, UTC)
        return {
            "id": self.id,
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": self.method,
            "path": self.path,
            "params": list(self.params),
            "status": self.status,
            "duration_ms": round(self.duration_ms, 3),
            "system": system,
            "caller": self.caller,
            "ignored_keys": list(self.ignored),
            "fault": self.fault,
        }


def _names(names: Iterable[str]) -> tuple[str, ...]:
    kept: list[str] = []
    for name in names:
        short = name[:NAME_LIMIT]
        if short not in kept:
            kept.append(short)
            if len(kept) == NAMES_LIMIT:
                break
    return tuple(kept)


def new_entry(scope: MutableMapping[str, Any], route_path: str, now: float) -> Entry:
    """The entry for a request: its method, path and parameter names (never their values).

    ``route_path`` is the path without the root path the app is served under (what routes
    match). A 4.1 path may carry parameters after ``&`` (a documentation typo the server
    understands); they are cut off the path like a query string.
    """
    path, _, tail = route_path.partition("&")
    # A survey page's code opens and answers that survey: like a token, never kept.
    if path.startswith(("/r/", "/s/")):
        path = _SURVEY_CODE.sub(r"/\1/{code}", path)
    query = scope.get("query_string", b"")
    params: tuple[str, ...] = ()
    if query or tail:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        pairs += parse_qsl(tail, keep_blank_values=True)
        params = _names(name for name, _ in pairs)
    return Entry(scope["method"], path[:512], params, now)


def note_caller(scope: MutableMapping[str, Any], system_id: int, caller: str) -> None:
    """Record who is calling: the system and the app's client id (or ``api_key``)."""
    entry = scope.get(SCOPE_KEY)
    if entry is not None:
        entry.system_id = system_id
        entry.caller = caller


def note_ignored(scope: MutableMapping[str, Any], keys: Iterable[str]) -> None:
    """Record the record keys the mapping ignored."""
    entry = scope.get(SCOPE_KEY)
    if entry is not None:
        entry.ignored = _names(keys)


class Journal:
    """The last ``size`` entries per system, plus those of requests nobody was recognised for."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._by_system: dict[int | None, deque[Entry]] = {}
        self._ids = itertools.count(1)

    def add(self, entry: Entry) -> None:
        entry.id = next(self._ids)
        kept = self._by_system.get(entry.system_id)
        if kept is None:
            kept = self._by_system[entry.system_id] = deque(maxlen=self.size)
        kept.append(entry)

    def entries(self, system_id: int | None) -> list[Entry]:
        """One system's entries (None: unrecognised callers), oldest first."""
        return list(self._by_system.get(system_id, ()))

    def systems(self) -> list[int | None]:
        return list(self._by_system)

    def clear(self, system_id: int | None = None, *, everything: bool = False) -> None:
        """Forget one system's entries, or with ``everything`` all of them."""
        if everything:
            self._by_system.clear()
        else:
            self._by_system.pop(system_id, None)

    def __len__(self) -> int:
        return sum(len(kept) for kept in self._by_system.values())
