"""One 4.1 request as the modules see it: parameters, files, who is calling, paging."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opengauge.server.clock import Clock
from opengauge.server.domain import validation as v
from opengauge.server.storage import Tx
from opengauge.server.v4_1.errors import ErrorCode, V41Error, required_field


@dataclass(frozen=True)
class Principal:
    """The caller: its system, and the name 4.1 lists show as ``User``."""

    system_id: int
    #: The connected app's name, or ``api_key``.
    user: str


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Call:
    """A 4.1 request: parameters from the query string and the body, on every method."""

    method: str
    params: dict[str, Any]
    clock: Clock
    base_url: str
    files: dict[str, UploadedFile] = field(default_factory=dict)
    #: What the module's ``prepare`` step made of the request (a read file), if it has one.
    prepared: object = None

    def text(self, name: str) -> str | None:
        """A parameter as trimmed text; None when absent or empty."""
        value = v.normalize(self.params.get(name))
        if value is None:
            return None
        if not isinstance(value, str):
            raise V41Error(ErrorCode.INVALID_ARGUMENTS)
        return value

    def required(self, name: str) -> str:
        """A parameter that must be there: 300004 naming it otherwise."""
        value = self.text(name)
        if value is None:
            raise required_field(name)
        return value

    def page(self, default: int, maximum: int) -> tuple[int, int]:
        """``start`` (default 0) and ``limit`` (default ``default``, capped at ``maximum``)."""
        start = self._whole("start", 0)
        limit = self._whole("limit", default)
        if limit < 1:
            raise V41Error(ErrorCode.INVALID_ARGUMENTS)
        return start, min(limit, maximum)

    def _whole(self, name: str, default: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        # ASCII digits only ("²".isdigit() is true), and small enough for any database.
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            raise V41Error(ErrorCode.INVALID_ARGUMENTS)
        return int(raw)

    def date_range(self) -> tuple[str, str] | None:
        """``date_range_from``/``date_range_to`` as inclusive timestamps, or None.

        The two come together: one alone is 300004 naming the other. Dates may be ``Y-m-d``
        (the whole day) or ``Y-m-d H:i:s``.
        """
        start, end = self.text("date_range_from"), self.text("date_range_to")
        if start is None and end is None:
            return None
        if start is None:
            raise required_field("date_range_from")
        if end is None:
            raise required_field("date_range_to")
        return _moment(start, "00:00:00"), _moment(end, "23:59:59")


def _moment(text: str, time_of_day: str) -> str:
    day = v.parse_date(text)
    if day is not None:
        return f"{day} {time_of_day}"
    moment = v.parse_datetime(text)
    if moment is None:
        raise V41Error(ErrorCode.INVALID_ARGUMENTS)
    return moment


@dataclass(frozen=True)
class Reply:
    """A module's answer when it is not a plain 200 ``{"Data": ...}``."""

    data: Any
    status: int


#: A module's handler for one method: runs inside the request's database operation.
Handler = Callable[[Tx, Principal, Call], Any]


@dataclass(frozen=True)
class Module:
    """A 4.1 module: its handlers by HTTP method, and how large its requests may be."""

    handlers: dict[str, Handler]
    max_body_bytes: int | None = None
    #: Work that needs no database (reading an uploaded file), done in a worker thread
    #: before the operation so that neither the event loop nor the transaction waits for it.
    #: It must not refuse: it leaves refusals in ``Call.prepared`` for the handler to raise
    #: after authentication.
    prepare: Callable[[Call], Call] | None = None
