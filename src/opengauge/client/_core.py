"""The part both clients share, with no I/O: where each API family lives, how an operation
becomes an ``httpx.Request``, and how its response becomes a result or an error.

Every endpoint is an :class:`Operation`: a :class:`Call` (method, family, path, parameters,
which credentials) plus a function that parses the response. The resource modules build
operations; :class:`~opengauge.client.Client` and :class:`~opengauge.client.AsyncClient`
only send them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlencode

import httpx

from opengauge.client._errors import OpenGaugeError, decode_body, error_from_response

T = TypeVar("T")

REGIONS = ("eu", "us", "au")
USER_AGENT = "opengauge-python"


class Family(Enum):
    """The host an endpoint lives on at CustomerGauge."""

    AUTH = "auth"
    IMPORTS = "imports"
    API = "api"


#: Which credentials an operation needs: a bearer token, or (4.1) an API key or a token.
AuthKind = Literal["bearer", "v41"]


@dataclass(frozen=True)
class Hosts:
    """The base URL of each family."""

    auth: str
    imports: str
    api: str

    @classmethod
    def for_region(cls, region: str) -> Hosts:
        """The real CustomerGauge hosts of ``region`` (``eu``, ``us`` or ``au``)."""
        if region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(REGIONS)}, not {region!r}")
        return cls(
            auth=f"https://auth.{region}.customergauge.com",
            imports=f"https://imports.api.{region}.customergauge.com",
            api=f"https://api.{region}.customergauge.com",
        )

    @classmethod
    def single(cls, base_url: str) -> Hosts:
        """One server for every family, as OpenGauge serves them."""
        base = base_url.rstrip("/")
        return cls(auth=base, imports=base, api=base)

    def base(self, family: Family) -> str:
        return {Family.AUTH: self.auth, Family.IMPORTS: self.imports, Family.API: self.api}[family]

    @property
    def token_url(self) -> str:
        return f"{self.auth}/oauth2/token"


def hosts_from(region: str | None, base_url: str | None) -> Hosts:
    """The hosts for a client's ``region`` or ``base_url`` (exactly one of the two)."""
    if (region is None) == (base_url is None):
        raise ValueError("pass exactly one of region= and base_url=")
    return Hosts.for_region(region) if region is not None else Hosts.single(str(base_url))


@dataclass(frozen=True)
class Call:
    """One request, before it knows its host."""

    method: str
    family: Family
    path: str
    auth: AuthKind = "bearer"
    #: Query parameters, as (name, value) pairs so PHP brackets can repeat (``with[]``).
    params: tuple[tuple[str, str], ...] = ()
    json: Any = None
    #: A form body (4.1 POST, PUT and DELETE).
    data: Mapping[str, str] | None = None
    #: Multipart files: field -> (filename, content).
    files: Mapping[str, tuple[str, bytes]] | None = None
    #: Safe to send twice (an upsert or a read); decides which failures are retried.
    idempotent: bool = True


@dataclass(frozen=True)
class Operation(Generic[T]):
    """A call and how to read its answer."""

    call: Call
    parse: Callable[[httpx.Response], T]


def build_request(call: Call, hosts: Hosts, headers: Mapping[str, str]) -> httpx.Request:
    """The ``httpx.Request`` for ``call`` on ``hosts``."""
    return httpx.Request(
        call.method,
        hosts.base(call.family) + call.path,
        params=list(call.params),
        json=call.json,
        data=dict(call.data) if call.data is not None else None,
        files={name: (filename, content) for name, (filename, content) in call.files.items()}
        if call.files
        else None,
        headers=headers,
    )


def encode_call(call: Call, hosts: Hosts) -> tuple[str, list[tuple[str, str]], bytes]:
    """URL, headers and body of ``call`` as bytes on the wire (no files): what
    :func:`build_request` sends, for senders that skip ``httpx.Request``."""
    url = hosts.base(call.family) + call.path
    if call.params:
        url += "?" + urlencode(call.params)
    headers = [("Accept", "*/*"), ("User-Agent", USER_AGENT)]
    body = b""
    if call.json is not None:
        # The encoding httpx uses for json=, so both senders put the same bytes on the wire.
        body = json.dumps(
            call.json, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode()
        headers.append(("Content-Type", "application/json"))
    elif call.data is not None:
        body = urlencode(list(call.data.items())).encode()
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    return url, headers, body


# -- reading answers -------------------------------------------------------------------


def check(response: httpx.Response) -> httpx.Response:
    """``response`` if it is a success, else the mapped error is raised."""
    if not response.is_success:
        raise error_from_response(response)
    return response


def json_body(response: httpx.Response) -> Any:
    """The JSON body of a successful response."""
    body = decode_body(check(response))
    if isinstance(body, str):
        raise OpenGaugeError(
            "The server answered with a body that is not JSON.",
            status=response.status_code,
            body=body,
            request=response.request,
        )
    return body


def v41_data(response: httpx.Response) -> Any:
    """The ``Data`` of a successful 4.1 answer."""
    body = json_body(response)
    if not isinstance(body, dict) or "Data" not in body:
        raise OpenGaugeError(
            "The 4.1 answer has no Data envelope.",
            status=response.status_code,
            body=body,
            request=response.request,
        )
    return body["Data"]


def nothing(response: httpx.Response) -> None:
    """For endpoints that answer an empty 200."""
    check(response)


# -- writing parameters -----------------------------------------------------------------


def text(value: str | date | datetime) -> str:
    """A parameter value as the APIs read it: dates ``Y-m-d``, moments ``Y-m-d H:i:s`` (UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return value


def present(**values: str | date | datetime | int | None) -> dict[str, str]:
    """The parameters that were given, as text."""
    return {
        name: str(value) if isinstance(value, int) else text(value)
        for name, value in values.items()
        if value is not None
    }


@dataclass(frozen=True)
class Period:
    """The export's ``period[...]`` filter: which date, and inclusive bounds (either may be open).

    ``field`` is ``date_creation``, ``date_order``, ``date_sent`` or ``date_survey_response``.
    """

    field: str
    start: str | date | datetime | None = None
    end: str | date | datetime | None = None


@dataclass(frozen=True)
class ExportFilters:
    """Everything of an export request except the cursor; kept the same on every page."""

    per_page: int = 1000
    period: Period | None = None
    with_: tuple[str, ...] = ()

    def params(self, cursor: int | None) -> tuple[tuple[str, str], ...]:
        """The query string in PHP's bracket form."""
        pairs = [("per_page", str(self.per_page))]
        if cursor is not None:
            pairs.append(("cursor", str(cursor)))
        pairs.extend(("with[]", name) for name in self.with_)
        if self.period is not None:
            pairs.append(("period[field]", self.period.field))
            if self.period.start is not None:
                pairs.append(("period[start]", text(self.period.start)))
            if self.period.end is not None:
                pairs.append(("period[end]", text(self.period.end)))
        return tuple(pairs)
