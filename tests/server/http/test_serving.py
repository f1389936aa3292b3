"""The HTTP layer under the app: header limits and slow or stalled clients (raw sockets)."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opengauge.server import metrics
from opengauge.server.http.serving import HEAD_LIMIT, LINE_LIMIT
from tests.support import ACCOUNT_MAPPING, RunningServer, Tenant, create_tenant, start_server

HEADS_UP = b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def connect(base_url: str) -> socket.socket:
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (10 s at most)."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def read_response(sock: socket.socket) -> bytes:
    """One response with a Content-Length, read whole."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def exchange(base_url: str, request: bytes) -> bytes:
    """Send a whole request with ``Connection: close`` and read the answer."""
    with connect(base_url) as sock:
        sock.sendall(request)
        return read_until_closed(sock)


def test_a_huge_header_is_refused_before_it_is_all_sent(server: RunningServer) -> None:
    # The client means to send a 100 MB header; the 431 must come after the first megabyte.
    with connect(server.base_url) as sock:
        sock.sendall(HEADS_UP + b"X-Huge: ")
        started = time.perf_counter()
        sock.sendall(b"a" * (1024 * 1024))
        answer = read_until_closed(sock)
        elapsed = time.perf_counter() - started
    print(f"431 after {elapsed * 1000:.0f} ms")
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert answer.endswith(b'{"message":"Request header fields too large."}')
    assert b"connection: close\r\n" in answer.lower()
    assert elapsed < 5


def test_one_header_line_over_16_kib_is_431(server: RunningServer) -> None:
    line = b"X-Long: " + b"b" * (LINE_LIMIT + 1 - len("X-Long: ")) + b"\r\n"
    answer = exchange(server.base_url, HEADS_UP + line + b"Connection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert answer.endswith(b'{"message":"Request header fields too large."}')


def test_many_lines_over_64_kib_in_all_are_431(server: RunningServer) -> None:
    lines = b"".join(b"X-Many-%03d: %s\r\n" % (i, b"c" * 1000) for i in range(70))
    assert len(lines) > HEAD_LIMIT
    answer = exchange(server.base_url, HEADS_UP + lines + b"Connection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_a_head_sent_in_small_chunks_is_counted_whole(server: RunningServer) -> None:
    # Small chunks skip the per-line count until a head spans two of them: the lines of the
    # first chunk still count towards the head's limit.
    lines = [b"X-Many-%03d: %s\r\n" % (i, b"c" * 1000) for i in range(66)]
    assert len(b"".join(lines)) > HEAD_LIMIT > len(b"".join(lines[7:]))
    with connect(server.base_url) as sock:
        sock.sendall(HEADS_UP + b"".join(lines[:7]))  # under 8 KiB: a small chunk
        for line in lines[7:]:
            time.sleep(0.002)
            try:
                sock.sendall(line)
            except OSError:
                break  # refused and closed already
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_a_head_under_the_limits_sent_in_small_chunks_is_served(server: RunningServer) -> None:
    lines = [b"X-Many-%03d: %s\r\n" % (i, b"c" * 1000) for i in range(40)]
    with connect(server.base_url) as sock:
        sock.sendall(HEADS_UP + lines[0])
        for line in [*lines[1:], b"Connection: close\r\n\r\n"]:
            time.sleep(0.002)
            sock.sendall(line)
        assert read_until_closed(sock).startswith(b"HTTP/1.1 200 ")


def test_a_pipelined_head_after_a_big_body_is_not_counted_with_it(server: RunningServer) -> None:
    # One chunk: a request with a 70 KB body, then the start of the next request's head. The
    # body is not the second head's, so the second request is served.
    body = b"grant_type=client_credentials&pad=" + b"f" * 70_000
    first = (
        b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    with connect(server.base_url) as sock:
        sock.sendall(first + HEADS_UP)
        assert read_response(sock).startswith(b"HTTP/1.1 400 ")
        sock.sendall(b"Connection: close\r\n\r\n")
        assert read_until_closed(sock).startswith(b"HTTP/1.1 200 ")


def test_a_refused_pipelined_head_waits_for_the_answer_before_it(tenant: Tenant) -> None:
    """The first request's write commits: its answer must reach the client before the next
    request's refusal closes the connection."""
    body = json.dumps(
        {
            "configuration": ACCOUNT_MAPPING,
            "record": {"Account Name": "Piped", "Account Number": "P"},
        }
    ).encode()
    first = (
        b"PUT /records/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % (tenant.token().encode(), len(body))
    ) + body
    second = b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000
    with connect(tenant.server.base_url) as sock:
        sock.sendall(first + second + b"\r\n\r\n")
        answers = read_until_closed(sock)
    assert answers.startswith(b"HTTP/1.1 200 "), answers[:200]
    assert b"HTTP/1.1 431 " in answers
    assert tenant.count("accounts") == 1


def test_a_request_line_over_16_kib_is_414(server: RunningServer) -> None:
    path = b"/v7/rest/sync/responses?x=" + b"d" * LINE_LIMIT
    answer = exchange(
        server.base_url, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 414 ")
    assert answer.endswith(b'{"message":"URI too long."}')


def test_big_but_sane_headers_are_served(server: RunningServer) -> None:
    # Seven 8 KiB lines: each under 16 KiB, 56 KiB in all.
    headers = {f"X-Big-{i}": "e" * 8192 for i in range(7)}
    with server.client() as http:
        assert http.get("/.well-known/jwks.json", headers=headers).status_code == 200
        # The same connection serves the next request (the counts start again).
        assert http.get("/.well-known/jwks.json", headers=headers).status_code == 200


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server that gives clients one second for a request's head and one for its body."""
    path: Path = tmp_path_factory.mktemp("impatient") / "db.sqlite"
    with start_server(f"sqlite:///{path}", client_timeout=1) as running:
        yield running


def test_a_half_sent_request_line_is_closed(impatient: RunningServer) -> None:
    with connect(impatient.base_url) as sock:
        sock.sendall(b"GET /v7/rest/sync/resp")
        started = time.perf_counter()
        with httpx.Client(base_url=impatient.base_url, timeout=5) as http:
            # Others are served while the slow client waits.
            assert http.get("/.well-known/jwks.json").status_code == 200
        answer = read_until_closed(sock)
        elapsed = time.perf_counter() - started
    print(f"slow head closed after {elapsed:.2f} s")
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert answer.endswith(b'{"message":"Request timeout."}')
    assert elapsed < 8


def test_a_connection_that_sends_nothing_is_closed(impatient: RunningServer) -> None:
    with connect(impatient.base_url) as sock:
        started = time.perf_counter()
        assert read_until_closed(sock) == b""
        elapsed = time.perf_counter() - started
    print(f"silent connection closed after {elapsed:.2f} s")
    assert elapsed < 8


def test_a_slow_pipelined_head_waits_for_the_answer_before_it(impatient: RunningServer) -> None:
    """The answer to the first request is still being made when the second, pipelined one
    runs out of time: the first is answered, then the second is refused."""
    admin = {"Authorization": f"Bearer {impatient.app.admin_token}"}
    with impatient.client(headers=admin) as http:
        rule = {"path": "/.well-known/jwks.json", "methods": ["GET"], "latency_ms": 2500}
        assert http.post("/_opengauge/faults", json=rule).status_code == 201
    try:
        with connect(impatient.base_url) as sock:
            sock.sendall(HEADS_UP + b"\r\n" + b"GET /.well-known/jwks.json HTTP/1.1\r\n")
            answers = read_until_closed(sock)
    finally:
        with impatient.client(headers=admin) as http:
            http.delete("/_opengauge/faults")
    assert answers.startswith(b"HTTP/1.1 200 "), answers[:200]
    assert b"HTTP/1.1 408 " in answers


def test_a_body_that_stalls_half_way_is_closed(impatient: RunningServer) -> None:
    with connect(impatient.base_url) as sock:
        sock.sendall(
            b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100\r\n\r\ngrant_type=client_cre"
        )
        started = time.perf_counter()
        answer = read_until_closed(sock)
        elapsed = time.perf_counter() - started
    print(f"stalled body closed after {elapsed:.2f} s")
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert elapsed < 8


def _answered(status: str) -> float:
    labels = {"family": "v4_1", "method": "POST", "status": status}
    return metrics.REGISTRY.get_sample_value("opengauge_requests_total", labels) or 0.0


def test_a_stalled_body_is_no_error_in_the_log(
    impatient: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Any client can stall: a traceback for each would let it fill the operator's log."""
    before = _answered("499")
    with connect(impatient.base_url) as sock:
        sock.sendall(
            b"POST /v4.1/lists/unsubscribe.json HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100\r\n\r\ngrant_type=client_cre"
        )
        assert read_until_closed(sock).startswith(b"HTTP/1.1 408 ")
    deadline = time.monotonic() + 10
    # The endpoint ends after the refusal: its request is counted once it has.
    while _answered("499") == before and not _errors(caplog) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _errors(caplog) == []
    assert _answered("499") == before + 1


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


def test_an_import_whose_body_stalls_stores_nothing(impatient: RunningServer) -> None:
    tenant = create_tenant(impatient, "stalled")
    fields = "record[Account Name]=Stalled&record[Account Number]=1&x="
    body = f"configuration={ACCOUNT_MAPPING}&{fields}".encode()
    with connect(impatient.base_url) as sock:
        sock.sendall(
            b"PUT /records/ HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + tenant.token().encode() + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % (len(body) + 500) + body
        )
        assert read_until_closed(sock).startswith(b"HTTP/1.1 408 ")
    with tenant.client() as http:
        # Queued after the stalled request's refusal: once it is answered, that one is done.
        http.put("/records/", json={"configuration": ACCOUNT_MAPPING, "record": {}})
    assert tenant.count("accounts") == 0


def test_a_slow_client_on_a_kept_alive_connection_is_closed(impatient: RunningServer) -> None:
    with connect(impatient.base_url) as sock:
        sock.sendall(HEADS_UP + b"\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /.well-known/jw")
        assert read_until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(
    server: RunningServer,
) -> None:
    """Uvicorn's keep-alive timeout (5 s by default) counts from the last answer."""
    with connect(server.base_url) as sock:
        sock.sendall(HEADS_UP + b"\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
        time.sleep(3)
        sock.sendall(HEADS_UP + b"\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
        answered = time.perf_counter()
        assert read_until_closed(sock) == b""
        idle = time.perf_counter() - answered
    print(f"idle connection closed after {idle:.2f} s")
    assert 4.5 <= idle < 7


def test_blank_lines_do_not_keep_an_idle_connection_open(server: RunningServer) -> None:
    """A CRLF between requests is allowed, but it starts no request: sent every second, it
    kept an answered connection open for good."""
    with connect(server.base_url) as sock:
        sock.sendall(HEADS_UP + b"\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
        answered = time.perf_counter()
        sock.settimeout(1)
        closed = False
        while not closed and time.perf_counter() - answered < 9:
            try:
                sock.sendall(b"\r\n")
                closed = sock.recv(1) == b""
            except TimeoutError:
                continue
            except OSError:
                closed = True
        idle = time.perf_counter() - answered
    assert closed
    assert 4.5 <= idle < 7


def test_a_connection_answered_before_its_body_ended_is_closed_once_idle(
    server: RunningServer,
) -> None:
    """Refused at once (no token), then the body arrives: the connection then idles and is
    closed by the keep-alive timeout, as any other (it had no timer left at all)."""
    body = b"x" * 100
    with connect(server.base_url) as sock:
        sock.sendall(
            b"PUT /records/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        )
        assert read_response(sock).startswith(b"HTTP/1.1 401 ")
        sock.sendall(body)
        ended = time.perf_counter()
        assert read_until_closed(sock) == b""
        idle = time.perf_counter() - ended
    assert idle < 7


def test_a_body_cut_off_by_the_client_writes_nothing(tenant: Tenant) -> None:
    # A form body cut after its first fields is still a valid form: it must not be stored.
    fields = "record[Account Name]=Cut Short&record[Account Number]=1&x="
    body = f"configuration={ACCOUNT_MAPPING}&{fields}".encode()
    with connect(tenant.server.base_url) as sock:
        sock.sendall(
            b"PUT /records/ HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + tenant.token().encode() + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % (len(body) + 500) + body
        )
    # The server has either seen the close or never will: a later request on a new
    # connection is handled after the cut one (one event loop, in order of arrival).
    with tenant.client() as http:
        http.put("/records/", json={"configuration": ACCOUNT_MAPPING, "record": {}})
    rows = tenant.server.rows(
        "SELECT name FROM accounts WHERE system_id = ? AND name = ?",
        (tenant.system_id, "Cut Short"),
    )
    assert rows == []
