"""Sending ``*.customergauge.com`` requests of requests and httpx to an in-process app.

The patches sit at the transport level (``requests.adapters.HTTPAdapter.send``,
``httpx.HTTPTransport.handle_request``, ``httpx.AsyncHTTPTransport.handle_async_request``),
so sessions and clients made before a mock started are covered too, and everything above the
transport (auth, redirects, hooks, the caller's retries) runs unchanged. Requests to any
other host go to the original methods. The patches are installed while at least one target
is active and removed with the last one; the most recently activated target serves.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import httpx

from opengauge.client._wire import WirePool
from opengauge.testing._asgi import Request, Response

if TYPE_CHECKING:  # requests is optional: imported where it is used
    import requests
    import requests.adapters

DOMAIN = "customergauge.com"


class Target(Protocol):
    """Something that answers requests: the sandbox's app thread."""

    def call(self, request: Request, read_timeout: float | None) -> Response: ...

    async def acall(self, request: Request, read_timeout: float | None) -> Response: ...


def is_intercepted(host: str | None) -> bool:
    """Whether ``host`` is a CustomerGauge host (``*.customergauge.com``, any letter case)."""
    name = (host or "").rstrip(".").lower()
    return name.endswith("." + DOMAIN)


_lock = threading.Lock()
_targets: list[Target] = []
#: (class, attribute) -> what it was before we patched it.
_originals: dict[tuple[type, str], Any] = {}


def activate(target: Target) -> None:
    """Serve CustomerGauge hosts from ``target`` until :func:`deactivate`."""
    with _lock:
        if not _targets:
            _install()
        _targets.append(target)


def deactivate(target: Target) -> None:
    with _lock:
        if target in _targets:
            _targets.remove(target)
        if not _targets:
            for (owner, name), original in _originals.items():
                setattr(owner, name, original)


def _target_for(host: str | None) -> Target | None:
    if not is_intercepted(host):
        return None
    with _lock:
        return _targets[-1] if _targets else None


def _install() -> None:
    _patch(httpx.HTTPTransport, "handle_request", _httpx_handle_request)
    _patch(httpx.AsyncHTTPTransport, "handle_async_request", _httpx_handle_async_request)
    _patch(WirePool, "send", _wire_send)
    try:
        import requests.adapters
    except ImportError:  # requests is optional
        return
    _patch(requests.adapters.HTTPAdapter, "send", _requests_send)


def _patch(owner: type, name: str, replacement: Callable[..., Any]) -> None:
    _originals[owner, name] = owner.__dict__[name]
    setattr(owner, name, replacement)


def _original(owner: type, name: str) -> Any:
    return _originals[owner, name]


# -- the SDK's lean pool (AsyncClient(bulk_connections=N), what `opengauge import` uses) --


async def _wire_send(
    self: WirePool,
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    idempotent: bool = True,
) -> httpx.Response:
    target = _target_for(urlsplit(url).hostname)
    if target is None:
        send = _original(WirePool, "send")
        sent: httpx.Response = await send(self, method, url, headers, body, idempotent=idempotent)
        return sent
    request = httpx.Request(method, url, headers=list(headers), content=body)
    response = await _aserve(target, request, body, self.timeout)
    response.request = request
    return response


# -- httpx ------------------------------------------------------------------------------


def _httpx_request(request: httpx.Request, body: bytes) -> Request:
    return Request(request.method, str(request.url), list(request.headers.raw), body)


def _httpx_timeout(request: httpx.Request) -> float | None:
    timeout: dict[str, float | None] = request.extensions.get("timeout", {})
    return timeout.get("read")


def _httpx_response(response: Response) -> httpx.Response:
    return httpx.Response(
        response.status,
        headers=response.headers,
        content=response.body,
        extensions={"http_version": b"HTTP/1.1", "reason_phrase": _reason(response.status)},
    )


def _httpx_handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    target = _target_for(request.url.host)
    if target is None:
        handle: Callable[[httpx.HTTPTransport, httpx.Request], httpx.Response]
        handle = _original(httpx.HTTPTransport, "handle_request")
        return handle(self, request)
    try:
        answer = target.call(_httpx_request(request, request.read()), _httpx_timeout(request))
    except TimeoutError as exc:
        raise httpx.ReadTimeout(str(exc), request=request) from exc
    return _httpx_response(answer)


async def _httpx_handle_async_request(
    self: httpx.AsyncHTTPTransport, request: httpx.Request
) -> httpx.Response:
    target = _target_for(request.url.host)
    if target is None:
        handle = _original(httpx.AsyncHTTPTransport, "handle_async_request")
        response: httpx.Response = await handle(self, request)
        return response
    return await _aserve(target, request, await request.aread(), _httpx_timeout(request))


async def _aserve(
    target: Target, request: httpx.Request, body: bytes, read_timeout: float | None
) -> httpx.Response:
    """``request`` answered by ``target`` from async code, timeouts as httpx's own."""
    try:
        answer = await target.acall(_httpx_request(request, body), read_timeout)
    except TimeoutError as exc:
        raise httpx.ReadTimeout(str(exc), request=request) from exc
    return _httpx_response(answer)


# -- requests ---------------------------------------------------------------------------


def _requests_send(
    self: requests.adapters.HTTPAdapter,
    request: requests.PreparedRequest,
    *args: Any,
    **kwargs: Any,
) -> requests.Response:
    import requests.adapters

    url = request.url or ""
    target = _target_for(urlsplit(url).hostname)
    if target is None:
        send = _original(requests.adapters.HTTPAdapter, "send")
        response: requests.Response = send(self, request, *args, **kwargs)
        return response
    options = dict(zip(("stream", "timeout"), args, strict=False)) | kwargs
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in _header_items(request)]
    asgi = Request(request.method or "GET", url, headers, _requests_body(request.body))
    try:
        answer = target.call(asgi, _requests_timeout(options.get("timeout")))
    except TimeoutError as exc:
        raise requests.exceptions.ReadTimeout(str(exc), request=request) from exc
    response = self.build_response(request, _urllib3_response(request, answer))
    if not options.get("stream", False):
        _ = response.content  # read now, as the real adapter does
    return response


def _header_items(request: requests.PreparedRequest) -> Iterator[tuple[str, str]]:
    for name, value in request.headers.items():
        yield str(name), value if isinstance(value, str) else value.decode("latin-1")


def _requests_body(body: Any) -> bytes:
    """A prepared request's body (bytes, text, a file or an iterable of chunks) as bytes."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)


def _requests_timeout(timeout: Any) -> float | None:
    """The read timeout of ``timeout=`` (a number, a (connect, read) pair or a urllib3 Timeout)."""
    if isinstance(timeout, tuple):
        timeout = timeout[1]
    read = getattr(timeout, "read_timeout", timeout)
    return float(read) if isinstance(read, int | float) else None


def _urllib3_response(request: requests.PreparedRequest, answer: Response) -> Any:
    """What the real adapter gets from urllib3, so ``build_response`` does the rest."""
    from urllib3 import HTTPHeaderDict, HTTPResponse

    headers = HTTPHeaderDict()
    for name, value in answer.headers:
        headers.add(name.decode("latin-1"), value.decode("latin-1"))
    return HTTPResponse(
        body=io.BytesIO(answer.body),
        headers=headers,
        status=answer.status,
        reason=_reason(answer.status).decode(),
        preload_content=False,
        decode_content=True,
        request_method=request.method,
        request_url=request.url,
    )


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b""
