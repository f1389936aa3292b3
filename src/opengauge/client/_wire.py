"""A lean HTTP/1.1 client on asyncio streams, for bulk work.

``httpx.AsyncClient`` spends about a third of a millisecond of CPU on every request (request
and URL models, the auth and redirect machinery, the connection pool's bookkeeping). For one
call that is nothing; for a 100,000-row import it is the bottleneck, far ahead of the server.
:class:`WirePool` sends the SDK's own calls (known methods, JSON or form bodies, no
redirects, no cookies) as plain bytes over keep-alive connections and reads the answer back
into an ``httpx.Response``, so everything after it (error mapping, retries, parsing) is the
code every other request goes through.

Scope, on purpose: ``http`` and ``https`` origins, ``Content-Length`` or chunked answers,
``Connection: close`` honoured. Anything else the SDK sends (multipart uploads, the token
request) goes through httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import urlsplit

import httpx

#: Longest status line plus headers accepted from a server.
MAX_HEAD = 64 * 1024

_Origin = tuple[str, str, int]
#: Status, headers, body, and whether a ``Content-Encoding`` still has to be undone.
_Answer = tuple[int, list[tuple[bytes, bytes]], bytes, bool]
_Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class WirePool:
    """Up to ``max_connections`` keep-alive connections per origin, shared by many tasks.

    Use from one event loop; close with :meth:`aclose`.
    """

    def __init__(
        self, *, max_connections: int, timeout: float, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.max_connections = max_connections
        self.timeout = timeout
        self._idle: dict[_Origin, deque[_Stream]] = {}
        self._slots: dict[_Origin, asyncio.Semaphore] = {}
        #: Default: the system's trusted certificates, host names checked.
        self._ssl = ssl_context
        self._origins: dict[str, tuple[_Origin, str, str]] = {}

    async def send(
        self,
        method: str,
        url: str,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        *,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send one request and read its whole answer.

        Failures raise the ``httpx`` transport errors the retry logic already knows:
        ``ConnectError``/``ConnectTimeout`` (nothing was sent), ``ReadError``/``WriteError``/
        ``ReadTimeout``/``RemoteProtocolError`` (it may have been). A keep-alive connection
        found closed when reused is replaced silently only for an ``idempotent`` request: a
        server may have read the request before closing.
        """
        origin, host_header, target = self._split(url)
        head = [f"{method} {target} HTTP/1.1", f"Host: {host_header}"]
        head.extend(f"{name}: {value}" for name, value in headers)
        head.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        slots = self._slots.get(origin)
        if slots is None:
            slots = self._slots[origin] = asyncio.Semaphore(self.max_connections)
        async with slots:
            answer = await self._exchange(origin, data, method, idempotent)
        status, raw_headers, content, encoded = answer
        sent = (method, url, headers, body)
        if encoded:  # gzip and the like: httpx's decoders undo it, as for any other call
            response = _WireResponse(status, headers=raw_headers, content=content)
            response.sent = sent
            return response
        return _WireResponse.read_from(status, raw_headers, content, sent)

    async def aclose(self) -> None:
        """Close every idle connection."""
        idle, self._idle = self._idle, {}
        for streams in idle.values():
            for _, writer in streams:
                writer.close()
        for streams in idle.values():
            for _, writer in streams:
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

    # -- one exchange ----------------------------------------------------------------------

    def _split(self, url: str) -> tuple[_Origin, str, str]:
        """(origin, Host header, request target) of ``url``; cached per scheme+authority."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        known = self._origins.get(key)
        if known is None:
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise httpx.UnsupportedProtocol(f"cannot send to {url!r}")
            port = parts.port or (443 if parts.scheme == "https" else 80)
            known = self._origins[key] = ((parts.scheme, parts.hostname, port), parts.netloc, "")
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        return known[0], known[1], target

    async def _exchange(
        self, origin: _Origin, data: bytes, method: str, idempotent: bool
    ) -> _Answer:
        idle = self._idle.setdefault(origin, deque())
        while idle:
            stream = idle.pop()
            reader, writer = stream
            if reader.at_eof() or writer.is_closing():
                writer.close()
                continue
            try:
                return await self._on(stream, origin, data, method, reused=True)
            except _Stale as exc:
                if not idempotent:
                    raise httpx.RemoteProtocolError("the server closed the connection") from exc
                continue  # the server had closed it while idle: send on another
        stream = await self._connect(origin)
        try:
            return await self._on(stream, origin, data, method, reused=False)
        except _Stale as exc:  # a fresh connection closed at once
            raise httpx.RemoteProtocolError("the server closed the connection") from exc

    async def _connect(self, origin: _Origin) -> _Stream:
        scheme, host, port = origin
        context = self._ssl_context() if scheme == "https" else None
        try:
            async with asyncio.timeout(self.timeout):
                return await asyncio.open_connection(
                    host, port, ssl=context, server_hostname=host if context else None
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    async def _on(
        self, stream: _Stream, origin: _Origin, data: bytes, method: str, *, reused: bool
    ) -> _Answer:
        reader, writer = stream
        try:
            async with asyncio.timeout(self.timeout):
                writer.write(data)
                await writer.drain()
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as exc:
                    if reused and not exc.partial:
                        raise _Stale from exc
                    raise httpx.RemoteProtocolError("the server closed the connection") from exc
                answer = _parse_head(head)
                while 100 <= answer.status < 200:  # interim answers (103 Early Hints...): skip
                    if answer.status == 101:
                        raise httpx.RemoteProtocolError("the server switched protocols")
                    answer = _parse_head(await reader.readuntil(b"\r\n\r\n"))
                status, headers = answer.status, answer.headers
                if method == "HEAD" or status in (204, 304):
                    content, keep = b"", answer.keep
                elif answer.chunked:
                    content, keep = await _read_chunked(reader), answer.keep
                elif answer.length is not None:
                    content, keep = await reader.readexactly(answer.length), answer.keep
                else:  # no length: the body runs until the server closes the connection
                    content, keep = await reader.read(), False
        except _Stale:
            writer.close()
            raise
        except TimeoutError as exc:
            writer.close()
            raise httpx.ReadTimeout("the server did not answer in time") from exc
        except asyncio.LimitOverrunError as exc:
            writer.close()
            raise httpx.RemoteProtocolError("the answer's headers are too long") from exc
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            writer.close()
            raise httpx.ReadError(f"the connection broke: {exc}") from exc
        except httpx.TransportError:
            writer.close()
            raise
        except OSError as exc:
            writer.close()
            raise httpx.ReadError(f"the connection broke: {exc}") from exc
        except BaseException:  # cancelled mid-exchange: the connection's state is unknown
            writer.close()
            raise
        if keep:
            self._idle.setdefault(origin, deque()).append(stream)
        else:
            writer.close()
        return status, headers, content, answer.encoded


_Sent = tuple[str, str, Sequence[tuple[str, str]], bytes]


class _WireResponse(httpx.Response):
    """A response whose ``request`` is built only when asked for (errors ask; successes,
    nearly every response of an import, do not, and building it costs more than the rest)."""

    sent: _Sent

    @classmethod
    def read_from(
        cls, status: int, headers: list[tuple[bytes, bytes]], content: bytes, sent: _Sent
    ) -> _WireResponse:
        """A read, closed response holding ``content`` as it came off the wire.

        ``Response(content=...)`` would run the body through httpx's decoders and chunker
        (about 15 µs, most of the cost of building one): the pool has the whole body
        already, and without a ``Content-Encoding`` there is nothing to decode.
        """
        response = cls(status, headers=headers, stream=httpx.ByteStream(content))
        response._content = content  # what ``read()`` would leave behind
        response.is_stream_consumed = True
        response.is_closed = True
        response.sent = sent
        return response

    @property
    def request(self) -> httpx.Request:
        if self._request is None:
            method, url, headers, body = self.sent
            self._request = httpx.Request(method, url, headers=list(headers), content=body)
        return self._request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value


class _Stale(Exception):
    """A reused keep-alive connection turned out closed before any answer byte."""


class _Head(NamedTuple):
    """A status line and headers, with what they say about the body and the connection."""

    status: int
    headers: list[tuple[bytes, bytes]]
    #: The connection may be reused (HTTP/1.1 without ``Connection: close``, or keep-alive).
    keep: bool
    #: ``Content-Length``, when given.
    length: int | None
    chunked: bool
    #: A ``Content-Encoding`` header was given (the body must be decoded).
    encoded: bool


def _parse_head(head: bytes) -> _Head:
    if len(head) > MAX_HEAD:
        raise httpx.RemoteProtocolError("the answer's headers are too long")
    lines = head[:-4].split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    try:
        status = int(rest[:3])
    except ValueError:
        raise httpx.RemoteProtocolError(f"not an HTTP status line: {lines[0]!r}") from None
    if not version.startswith(b"HTTP/1."):
        raise httpx.RemoteProtocolError(f"not an HTTP/1 answer: {lines[0]!r}")
    headers: list[tuple[bytes, bytes]] = []
    keep = version == b"HTTP/1.1"
    length: int | None = None
    chunked = False
    encoded = False
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon:
            raise httpx.RemoteProtocolError(f"malformed header line: {line!r}")
        name, value = name.strip(), value.strip()
        lowered = name.lower()
        if lowered == b"connection":
            tokens = value.lower()
            keep = b"close" not in tokens and (keep or b"keep-alive" in tokens)
        elif lowered == b"content-length":
            try:
                length = int(value)
            except ValueError:
                raise httpx.RemoteProtocolError(f"bad Content-Length {value!r}") from None
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif lowered == b"content-encoding":
            encoded = True
        headers.append((name, value))
    return _Head(status, headers, keep, length, chunked, encoded)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise httpx.RemoteProtocolError(f"bad chunk size {size_line!r}") from None
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
