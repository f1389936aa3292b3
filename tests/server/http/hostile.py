"""Hostile request bodies, and how long other clients wait while the server refuses them."""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.support import RunningServer

MEBIBYTE = 1024 * 1024
TINY_PART = b'--BB\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n'
MULTIPART_BB = {"Content-Type": "multipart/form-data; boundary=BB"}


def tiny_parts(size: int) -> bytes:
    """A multipart body (boundary ``BB``) of at most ``size`` bytes, all of one-byte parts."""
    closing = b"--BB--\r\n"
    return TINY_PART * ((size - len(closing)) // len(TINY_PART)) + closing


#: A cheap endpoint that touches no database: its latency is the event loop's.
JWKS = "/.well-known/jwks.json"
#: How long a cheap request may take while a hostile one is in flight (a loaded 2-core
#: machine answers in milliseconds; a stalled event loop took 8 s and more).
BOUND_SECONDS = 1.5


@dataclass
class Probe:
    """Latencies of the cheap requests a second client made."""

    seconds: list[float] = field(default_factory=list)

    @property
    def worst(self) -> float:
        return max(self.seconds)


@contextlib.contextmanager
def probing(server: RunningServer) -> Iterator[Probe]:
    """Call ``GET /.well-known/jwks.json`` over and over from a second client during the block.

    The block starts once the first answer is in, and ends with the probe's request in flight
    answered, so a request stuck behind the block's one is counted.
    """
    probe = Probe()
    started = threading.Event()
    stop = threading.Event()

    def run() -> None:
        with server.client() as http:
            while not stop.is_set():
                begun = time.perf_counter()
                assert http.get(JWKS).status_code == 200
                probe.seconds.append(time.perf_counter() - begun)
                started.set()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        prober = pool.submit(run)
        try:
            assert started.wait(30), "the probe got no answer"
            yield probe
        finally:
            stop.set()
            prober.result(timeout=120)
