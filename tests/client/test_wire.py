"""The SDK's lean HTTP/1.1 pool (``AsyncClient(bulk_connections=N)``) against scripted peers.

Each peer is a real asyncio server on a loopback port that answers with exactly the bytes a
test gives it, so the edge cases a real server shows only now and then (a keep-alive
connection closed while idle, chunked answers, ``Connection: close``, HTTP/1.0, silence) are
hit on every run. The pool's happy path against the real OpenGauge server is covered by
``test_end_to_end.py`` and the CLI tests.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from opengauge.client import AsyncClient, ConnectionError, ValidationError
from opengauge.client._wire import WirePool


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    connection: int


#: What a peer does with one request: the bytes to answer, then "keep", "close" or, with
#: no bytes, "drop" (close without answering) or "hang" (never answer).
Script = Callable[[Seen], tuple[bytes, str]]


@dataclass
class Peer:
    url: str
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0
    #: Set when a request held back ("hang") sees the client close its connection.
    abandoned: asyncio.Event = field(default_factory=asyncio.Event)
    #: Set when a request is held back.
    holding: asyncio.Event = field(default_factory=asyncio.Event)


def answer(status: int, body: object, *extra: str, reason: str = "OK") -> bytes:
    content = json.dumps(body).encode()
    head = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json", *extra]
    head.append(f"Content-Length: {len(content)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + content


TOKEN = answer(200, {"access_token": "t1", "token_type": "Bearer", "expires_in": 3600})


@asynccontextmanager
async def peer(script: Script) -> AsyncIterator[Peer]:
    state = Peer("")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        number = state.connections
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ")
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                seen = Seen(method, path, headers, body, number)
                state.seen.append(seen)
                data, then = script(seen)
                if then == "hang":
                    state.holding.set()
                    await reader.read()  # until the client gives up and closes
                    state.abandoned.set()
                    return
                writer.write(data)
                await writer.drain()
                if then in ("close", "drop"):
                    return
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    state.url = f"http://127.0.0.1:{port}"
    async with server:
        yield state
        server.close()


def lean(url: str, **options: object) -> AsyncClient:
    return AsyncClient(
        base_url=url,
        client_id="id",
        client_secret="secret",
        bulk_connections=2,
        **options,  # type: ignore[arg-type]
    )


def token_or(script: Script) -> Script:
    def run(seen: Seen) -> tuple[bytes, str]:
        if seen.path == "/oauth2/token":
            return TOKEN, "keep"
        return script(seen)

    return run


def test_bytes_on_the_wire_and_keep_alive_reuse() -> None:
    async def main() -> None:
        async with peer(token_or(lambda _: (answer(200, {}), "keep"))) as p:
            async with lean(p.url) as client:
                for n in range(3):
                    await client.records.put("ref", {"Name": f"é{n}"})
            puts = [s for s in p.seen if s.method == "PUT"]
            assert [s.path for s in puts] == ["/records/"] * 3
            assert json.loads(puts[0].body) == {"configuration": "ref", "record": {"Name": "é0"}}
            assert puts[0].headers["authorization"] == "Bearer t1"
            assert puts[0].headers["content-type"] == "application/json"
            assert puts[0].headers["host"] == p.url.removeprefix("http://")
            assert len({s.connection for s in puts}) == 1  # one connection, kept alive

    asyncio.run(main())


def test_an_idle_connection_closed_by_the_server_is_replaced_without_an_error() -> None:
    state: Peer

    def script(seen: Seen) -> tuple[bytes, str]:
        # The second request arrives on a connection the server is closing: no answer.
        if seen.connection == 2 and len([s for s in state.seen if s.method == "PUT"]) == 2:
            return b"", "drop"
        return answer(200, {}), "keep"

    async def main() -> None:
        nonlocal state
        async with peer(token_or(script)) as p:
            state = p
            async with lean(p.url, max_retries=0) as client:
                await client.records.put("ref", {"n": 1})
                await client.records.put("ref", {"n": 2})  # reused, dropped, sent again
            puts = [s for s in p.seen if s.method == "PUT"]
            assert [json.loads(s.body)["record"] for s in puts] == [{"n": 1}, {"n": 2}, {"n": 2}]
            assert puts[2].connection != puts[1].connection

    state = Peer("")
    asyncio.run(main())


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 422 Unprocessable Content\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\n"
        b"1c\r\n"
        b'{"message":"bad","errors":{"\r\n'
        b"18;ext=1\r\n"
        b'E":["The E is wrong."]}}\r\n'
        b"0\r\nTrailer: x\r\n\r\n",
        b"HTTP/1.0 422 Unprocessable Content\r\nContent-Type: application/json\r\n\r\n"
        b'{"message":"bad","errors":{"E":["The E is wrong."]}}',
    ],
    ids=["chunked-with-trailer", "http-1.0-until-close"],
)
def test_answers_without_a_content_length(raw: bytes) -> None:
    async def main() -> None:
        async with peer(token_or(lambda _: (raw, "close"))) as p, lean(p.url) as client:
            with pytest.raises(ValidationError) as refused:
                await client.records.put("ref", {"E": "x"})
            assert refused.value.errors == {"E": ["The E is wrong."]}
            assert refused.value.request is not None
            assert refused.value.request.method == "PUT"
            assert str(refused.value.request.url) == f"{p.url}/records/"

    asyncio.run(main())


def test_connection_close_is_honoured() -> None:
    async def main() -> None:
        closing = answer(200, {}, "Connection: close")
        async with peer(token_or(lambda _: (closing, "close"))) as p:
            async with lean(p.url) as client:
                await client.records.put("ref", {})
                await client.records.put("ref", {})
            puts = [s for s in p.seen if s.method == "PUT"]
            assert puts[0].connection != puts[1].connection

    asyncio.run(main())


def test_a_401_fetches_one_new_token_and_sends_again() -> None:
    tokens = iter(["t1", "t2"])

    def script(seen: Seen) -> tuple[bytes, str]:
        if seen.path == "/oauth2/token":
            return answer(200, {"access_token": next(tokens), "expires_in": 3600}), "keep"
        if seen.headers["authorization"] == "Bearer t1":
            return answer(401, {"message": "Unauthenticated."}, reason="Unauthorized"), "keep"
        return answer(200, {}), "keep"

    async def main() -> None:
        async with peer(script) as p:
            async with lean(p.url) as client:
                await client.records.put("ref", {})
            assert [(s.path, s.headers.get("authorization")) for s in p.seen] == [
                ("/oauth2/token", None),
                ("/records/", "Bearer t1"),
                ("/oauth2/token", None),
                ("/records/", "Bearer t2"),
            ]

    asyncio.run(main())


@pytest.mark.parametrize("then", ["drop", "hang"])
def test_no_answer_is_a_connection_error_after_the_retries(then: str) -> None:
    async def main() -> None:
        async with peer(token_or(lambda _: (b"", then))) as p:
            async with lean(p.url, max_retries=1, timeout=0.3) as client:
                with pytest.raises(ConnectionError):
                    await client.records.put("ref", {})
            assert len([s for s in p.seen if s.method == "PUT"]) == 2  # sent, retried once

    asyncio.run(main())


def _self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context for ``localhost`` and a client context that trusts only it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


def test_https_with_the_host_name_checked(tmp_path: Path) -> None:
    server_context, client_context = _self_signed(tmp_path)

    async def main() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            writer.write(answer(201, {"reference": "C-1"}))
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_context)
        port = server.sockets[0].getsockname()[1]
        async with server:
            pool = WirePool(max_connections=1, timeout=5, ssl_context=client_context)
            response = await pool.send("PUT", f"https://localhost:{port}/contracts", [], b"{}")
            assert (response.status_code, response.json()) == (201, {"reference": "C-1"})
            await pool.aclose()
            # The same certificate under another name is refused: the host name is checked.
            other = WirePool(max_connections=1, timeout=5, ssl_context=client_context)
            with pytest.raises(httpx.ConnectError):
                await other.send("PUT", f"https://127.0.0.1:{port}/contracts", [], b"{}")
            await other.aclose()

    asyncio.run(main())


def test_bulk_connections_and_a_transport_do_not_mix() -> None:
    with pytest.raises(ValueError, match="pass one or the other"):
        AsyncClient(
            base_url="http://x",
            client_id="i",
            client_secret="s",
            bulk_connections=4,
            transport=httpx.MockTransport(lambda _: httpx.Response(200)),
        )


def test_a_cancelled_request_closes_its_connection() -> None:
    async def main() -> None:
        async with peer(token_or(lambda _: (b"", "hang"))) as p, lean(p.url) as client:
            task = asyncio.create_task(client.records.put("ref", {}))
            await asyncio.wait_for(p.holding.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # Closed, not left open (or worse, kept for the next call with an answer due).
            await asyncio.wait_for(p.abandoned.wait(), 5)

    asyncio.run(main())


def test_an_answer_without_a_length_is_read_to_the_close_and_not_reused() -> None:
    unframed = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}"

    async def main() -> None:
        async with peer(token_or(lambda _: (unframed, "close"))) as p:
            async with lean(p.url) as client:
                await client.records.put("ref", {"n": 1})
                await client.records.put("ref", {"n": 2})
            puts = [s for s in p.seen if s.method == "PUT"]
            assert len(puts) == 2
            assert puts[0].connection != puts[1].connection

    asyncio.run(main())


def test_interim_answers_are_skipped() -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n"

    def script(seen: Seen) -> tuple[bytes, str]:
        n = json.loads(seen.body)["record"]["n"]
        return early + answer(422, {"message": "m", "errors": {"n": [str(n)]}}), "keep"

    async def main() -> None:
        async with peer(token_or(script)) as p, lean(p.url) as client:
            for n in (1, 2):  # each call gets its own final answer, not the one before
                with pytest.raises(ValidationError) as refused:
                    await client.records.put("ref", {"n": n})
                assert refused.value.errors == {"n": [str(n)]}

    asyncio.run(main())


def test_a_request_that_is_not_idempotent_is_never_sent_twice() -> None:
    def script(seen: Seen) -> tuple[bytes, str]:
        if seen.path == "/personal-link/" and seen.connection == 2:
            return b"", "drop"  # read it, then close without answering
        return answer(200, {}), "keep"

    async def main() -> None:
        async with peer(token_or(script)) as p, lean(p.url) as client:
            await client.records.put("ref", {})  # opens connection 2 (1 fetched the token)
            with pytest.raises(ConnectionError):
                await client.personal_links.create("ref", {"Email": "a@example.com"})
            links = [s for s in p.seen if s.path == "/personal-link/"]
            assert len(links) == 1

    asyncio.run(main())


def test_an_answer_is_read_and_closed_as_httpx_would_leave_it() -> None:
    async def main() -> None:
        pool = WirePool(max_connections=1, timeout=5)
        body = {"message": "Record processed successfully", "city": "Zürich"}
        async with peer(lambda _: (answer(200, body), "keep")) as p:
            response = await pool.send("PUT", f"{p.url}/records/", [], b"{}")
            await pool.aclose()
        expected = httpx.Response(200, content=json.dumps(body).encode())
        assert (response.content, response.text) == (expected.content, expected.text)
        assert response.json() == body
        assert response.is_closed
        assert response.is_stream_consumed
        assert response.num_bytes_downloaded == 0 == expected.num_bytes_downloaded
        assert response.headers["content-type"] == "application/json"

    asyncio.run(main())


def test_an_encoded_answer_is_decoded() -> None:
    async def main() -> None:
        content = gzip.compress(b'{"reference":"C-1"}')
        raw = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: %d\r\n\r\n" % len(content) + content
        )
        pool = WirePool(max_connections=1, timeout=5)
        async with peer(lambda _: (raw, "keep")) as p:
            response = await pool.send("PUT", f"{p.url}/contracts", [], b"{}")
            await pool.aclose()
        assert response.json() == {"reference": "C-1"}

    asyncio.run(main())
