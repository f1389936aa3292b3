"""How long a fresh ``mock_customergauge()`` sandbox takes to start and stop.

Run as a script (``python bench/sandbox.py``) in a process of its own, it prints one JSON
object: the import of ``opengauge.testing``, the first sandbox (which builds the migrated,
seeded template every later one copies) and the median and 90th percentile of ``count``
fresh sandboxes after it, each started and closed, and of ``count`` more that also get a
token (what a test's first call does). The bench runs it on the load CPU.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

TARGET_MS = 20.0


@dataclass(frozen=True)
class Startup:
    """The sandbox figures, in milliseconds."""

    import_ms: float
    first_ms: float
    median_ms: float
    p90_ms: float
    #: Median of a sandbox started, asked for one token, and closed.
    with_token_ms: float
    count: int


def measure(load_pin: list[str], count: int) -> Startup:
    """Run this file in a fresh interpreter (pinned like the load) and read its figures."""
    command = [*load_pin, sys.executable, __file__, "--count", str(count)]
    answer = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if answer.returncode != 0:
        from harness import BenchBroken

        raise BenchBroken(f"the sandbox measurement failed:\n{answer.stdout}\n{answer.stderr}")
    figures: dict[str, Any] = json.loads(answer.stdout.strip().splitlines()[-1])
    return Startup(**figures)


def _timed_sandbox(http: Any = None) -> float:
    """One sandbox started and closed (asked for a token through ``http`` when given)."""
    from opengauge.testing import mock_customergauge

    started = time.perf_counter()
    with mock_customergauge() as sandbox:
        if http is not None:
            form = {"grant_type": "client_credentials", "client_id": sandbox.client_id}
            form["client_secret"] = sandbox.client_secret
            http.post(f"{sandbox.urls.auth}/oauth2/token", data=form).raise_for_status()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    started = time.perf_counter()
    import opengauge.testing  # noqa: F401 - what a test suite pays once

    import_ms = (time.perf_counter() - started) * 1000
    first_ms = _timed_sandbox()
    times = sorted(_timed_sandbox() for _ in range(args.count))
    import httpx  # after the measured import: opengauge.testing imports it too

    # One client for all: making an httpx client (its TLS context) costs more than a sandbox.
    with httpx.Client() as http:
        with_token = [_timed_sandbox(http) for _ in range(args.count)]
    figures = Startup(
        import_ms=import_ms,
        first_ms=first_ms,
        median_ms=statistics.median(times),
        p90_ms=times[int(0.9 * (len(times) - 1))],
        with_token_ms=statistics.median(with_token),
        count=args.count,
    )
    print(json.dumps(figures.__dict__))


if __name__ == "__main__":
    main()
