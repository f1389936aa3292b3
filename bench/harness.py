"""Processes, ports and CPU pinning: starting the servers a bench run measures.

The server goes on CPU 0 and the load (wrk, the CLI, the pager) on CPU 1 when ``taskset``
and two CPUs are there. Every process runs in its own process group and is stopped, group
and all, on the way out. Only loopback addresses are used.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret"  # noqa: S105 - a throwaway secret for a throwaway database
START_TIMEOUT = 60.0
SERVER_CPU = 0
LOAD_CPU = 1


class BenchBroken(RuntimeError):
    """The bench could not produce a valid measurement."""


@dataclass(frozen=True)
class Pinning:
    """``taskset`` prefixes for the server and the load, and a note for the output."""

    server: list[str]
    load: list[str]
    note: str

    @classmethod
    def detect(cls) -> Pinning:
        cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
        if shutil.which("taskset") and {SERVER_CPU, LOAD_CPU} <= cpus:
            return cls(
                ["taskset", "-c", str(SERVER_CPU)],
                ["taskset", "-c", str(LOAD_CPU)],
                f"server on CPU {SERVER_CPU}, load on CPU {LOAD_CPU}",
            )
        return cls([], [], "not pinned (taskset or a second CPU missing)")

    def server_for(self, workers: int) -> list[str]:
        """Several workers get both CPUs: pinned to one they would only take turns."""
        if workers > 1 and self.server:
            return ["taskset", "-c", f"{SERVER_CPU},{LOAD_CPU}"]
        return self.server

    def pin_this_thread(self) -> None:
        """Put the calling thread on the load CPU (a pager thread inside the bench)."""
        if self.load and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {LOAD_CPU})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def opengauge_command() -> list[str]:
    """The ``opengauge`` script of this interpreter's environment."""
    script = Path(sys.executable).with_name("opengauge")
    if script.exists():
        return [str(script)]
    local = ROOT / ".venv" / "bin" / "opengauge"
    return [str(local)] if local.exists() else [sys.executable, "-m", "opengauge"]


def server_env() -> dict[str, str]:
    """The bench's environment without any ``OPENGAUGE_*`` setting of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENGAUGE_")}
    env["OPENGAUGE_LOG_LEVEL"] = "warning"
    # BENCH_SQLITE_SYNCHRONOUS lets an experiment compare durability levels.
    if os.environ.get("BENCH_SQLITE_SYNCHRONOUS"):
        env["OPENGAUGE_SQLITE_SYNCHRONOUS"] = os.environ["BENCH_SQLITE_SYNCHRONOUS"]
    return env


@contextlib.contextmanager
def running(command: list[str], log_path: Path, env: dict[str, str]) -> Iterator[Any]:
    """Run ``command`` in its own process group; stop the whole group on the way out."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)


def tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def log_problems(path: Path) -> list[str]:
    """Lines of a server log that look like errors (the log level is warning)."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    pattern = re.compile(r"\b(ERROR|CRITICAL|WARNING|Traceback)\b|Error:|Exception")
    return [line for line in text.splitlines() if pattern.search(line)]


def wait_until(
    process: subprocess.Popen[bytes], log_path: Path, what: str, probe: Callable[[], Any]
) -> Any:
    """Call ``probe`` until it stops failing to connect; fail if the process dies first."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise BenchBroken(
                f"{what} exited with status {process.returncode} before answering:\n"
                + tail(log_path)
            )
        try:
            return probe()
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise BenchBroken(
                    f"{what} did not answer within {START_TIMEOUT:.0f} s:\n" + tail(log_path)
                ) from None
            time.sleep(0.1)


def get_token(port: int) -> str:
    """A bearer token for the bench's connected app."""
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
    form["client_secret"] = CLIENT_SECRET
    answer = httpx.post(f"http://{HOST}:{port}/oauth2/token", data=form, timeout=5)
    if answer.status_code != 200:
        raise BenchBroken(f"the token request answered {answer.status_code}: {answer.text}")
    token = answer.json().get("access_token")
    if not isinstance(token, str) or not token:
        raise BenchBroken(f"the token answer has no access_token: {answer.text}")
    return token


def probe_ceiling(port: int) -> None:
    answer = httpx.put(f"http://{HOST}:{port}/records/", content=b"{}", timeout=5)
    if answer.status_code != 200:
        raise BenchBroken(f"the ceiling answered {answer.status_code}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its waited-for children (0 without /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Serving:
    """A started ``opengauge serve``: its process, port, log and a bearer token."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    token: str

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def check_alive(self, what: str) -> None:
        if self.process.poll() is not None:
            raise BenchBroken(
                f"{what} exited with status {self.process.returncode} during the load:\n"
                + tail(self.log_path)
            )


@contextlib.contextmanager
def serve(
    database_url: str,
    seed_path: Path,
    log_path: Path,
    pinning: Pinning,
    *,
    workers: int = 1,
    access_log: bool = True,
) -> Iterator[Serving]:
    """``opengauge serve`` with its default settings (access log on, to its log file, as it
    would go to a log collector) on ``database_url``, seeded, started and answering."""
    port = free_port()
    command = [
        *pinning.server_for(workers),
        *opengauge_command(),
        "serve",
        "--seed",
        str(seed_path),
        "--database",
        database_url,
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--access-log" if access_log else "--no-access-log",
    ]
    with running(command, log_path, server_env()) as process:
        token = wait_until(process, log_path, "opengauge serve", lambda: get_token(port))
        yield Serving(process, port, log_path, token)


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its live children (the workers of a multi-worker serve)."""
    total = cpu_seconds(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    with contextlib.suppress(OSError):
        for child in children.read_text(encoding="ascii").split():
            total += process_tree_cpu(int(child))
    return total
