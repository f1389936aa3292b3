"""Measure ``PUT /records/`` against a bare ASGI ceiling under the same uvicorn settings.

``make bench`` runs this file. It seeds a fresh SQLite database, starts the real server
(``opengauge serve``) pinned to CPU 0, drives ``PUT /records/`` with 64 keep-alive
connections from ``wrk`` pinned to CPU 1 (or from a Python load generator when ``wrk`` is
missing), does the same against ``bench/ceiling.py``, then once more against a server with
its access log on (written to the server's log file), and prints req/s, p50 and p99 for the
three with the issue's targets. Only loopback addresses are used.

Exit status: 0 when the bench ran (a missed target is printed, not fatal); 1 when the bench
itself broke: a server did not start, an answer was not 2xx, a socket failed, or no account
was stored.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

HOST = "127.0.0.1"
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results" / "latest.json"
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret"  # noqa: S105 - a throwaway secret for a throwaway database
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 2.0
TARGET_RATIO = 0.30
TARGET_P99_MS = 15.0
SERVER_CPU = 0
LOAD_CPU = 1
#: Account names of the measured phase start with this; the warm-up uses its own names, so
#: the measured phase does inserts first and updates after.
MEASURE_PREFIX = "Bench"
WARMUP_PREFIX = "Warmup"

SEED = f"""\
# Written by bench/run.py for one bench run.
systems:
  - name: bench
    region: eu
    connected_apps:
      - {{name: Bench, client_id: {CLIENT_ID}, client_secret: {CLIENT_SECRET}}}
    mappings:
      - reference: accounts
        name: Accounts
        data_type: Account
        fields:
          Account Name: account.name
          Account Number: account.number
"""

# wrk runs this in every thread. Globals are what `thread:get` can read back in `done`.
LUA = """\
-- Written by bench/run.py: PUT /records/ upserts over a fixed set of account names.
names = {names}
prefix = "{prefix}"
counter = 0
statuses = {{}}
samples = {{}}
seen = {{}}
local threads = {{}}

wrk.method = "PUT"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  if args[1] then prefix = args[1] end
  math.randomseed(1000 + (thread_id or 0))
end

function request()
  counter = counter + 1
  local body = string.format(
    '{{"configuration":"accounts","record":{{"Account Name":"%s %05d","Account Number":"%d"}}}}',
    prefix, math.random(names), counter)
  return wrk.format(nil, nil, nil, body)
end

local function flat(text)
  return (tostring(text):gsub("\\r", "\\\\r"):gsub("\\n", "\\\\n"))
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
    if #samples < 5 and not seen[key .. body] then
      seen[key .. body] = true
      local parts = {{}}
      for k, v in pairs(headers) do table.insert(parts, k .. ": " .. v) end
      table.sort(parts)
      table.insert(samples, key .. " | " .. flat(table.concat(parts, "; ")) .. " | " .. flat(body))
    end
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("BENCH-STATUS %s %d\\n", status, count))
    end
    for _, sample in ipairs(thread:get("samples")) do
      io.write("BENCH-SAMPLE " .. sample .. "\\n")
    end
  end
end
"""


class BenchBroken(RuntimeError):
    """The bench could not produce a valid measurement."""


@dataclass
class Result:
    """One measured load run."""

    name: str
    generator: str
    requests: int = 0
    seconds: float = 0.0
    requests_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    non_2xx: int = 0
    #: The server process's CPU time (all threads) per measured request: steadier than req/s
    #: on a machine that other work shares.
    cpu_us_per_request: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    socket_errors: dict[str, int] = field(default_factory=dict)

    def problems(self) -> list[str]:
        found = []
        if self.non_2xx or self.statuses:
            count = max(self.non_2xx, sum(self.statuses.values()))
            found.append(f"{self.name}: {count} non-2xx answer(s) {self.statuses or ''}".rstrip())
            found.extend(f"{self.name}:   sample: {s}" for s in self.samples)
        errors = {k: v for k, v in self.socket_errors.items() if v}
        if errors:
            found.append(f"{self.name}: socket errors {errors}")
        if self.requests == 0:
            found.append(f"{self.name}: no request completed")
        return found


@dataclass(frozen=True)
class Load:
    """What to send: the same for the ceiling and the server."""

    connections: int
    duration: float
    warmup: float
    names: int
    token: str
    pin: list[str]
    workdir: Path
    #: The server process, whose CPU time is measured.
    pid: int


# ---------------------------------------------------------------------------------------
# processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def pin_prefixes() -> tuple[list[str], list[str], str]:
    """``taskset`` prefixes for the server and the load generator, and a note for the output."""
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    if shutil.which("taskset") and {SERVER_CPU, LOAD_CPU} <= cpus:
        return (
            ["taskset", "-c", str(SERVER_CPU)],
            ["taskset", "-c", str(LOAD_CPU)],
            f"server on CPU {SERVER_CPU}, load on CPU {LOAD_CPU}",
        )
    return [], [], "not pinned (taskset or a second CPU missing)"


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


def wait_until(
    process: subprocess.Popen[bytes], log_path: Path, what: str, probe: Callable[[], Any]
) -> Any:
    """Call ``probe`` until it stops raising ``OSError``; fail if the process dies first."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise BenchBroken(
                f"{what} exited with status {process.returncode} before answering:\n"
                + tail(log_path)
            )
        try:
            return probe()
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", errors="replace")
            raise BenchBroken(f"{what} answered {exc.code} while starting: {body}") from None
        except OSError:
            if time.monotonic() > deadline:
                raise BenchBroken(
                    f"{what} did not answer within {START_TIMEOUT:.0f} s:\n" + tail(log_path)
                ) from None
            time.sleep(0.1)


def get_token(port: int) -> str:
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
    ).encode()
    request = urllib.request.Request(f"http://{HOST}:{port}/oauth2/token", data=form)
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback only
        token = json.load(answer)["access_token"]
    if not isinstance(token, str) or not token:
        raise BenchBroken(f"the token answer has no access_token: {token!r}")
    return token


def probe_ceiling(port: int) -> None:
    request = urllib.request.Request(f"http://{HOST}:{port}/records/", data=b"{}", method="PUT")
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback only
        if answer.status != 200:
            raise BenchBroken(f"the ceiling answered {answer.status}")


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENGAUGE_")}
    env["OPENGAUGE_LOG_LEVEL"] = "warning"
    # BENCH_SQLITE_SYNCHRONOUS lets an experiment compare durability levels.
    if os.environ.get("BENCH_SQLITE_SYNCHRONOUS"):
        env["OPENGAUGE_SQLITE_SYNCHRONOUS"] = os.environ["BENCH_SQLITE_SYNCHRONOUS"]
    return env


def opengauge_command() -> list[str]:
    script = Path(sys.executable).with_name("opengauge")
    if script.exists():
        return [str(script)]
    local = ROOT / ".venv" / "bin" / "opengauge"
    return [str(local)] if local.exists() else [sys.executable, "-m", "opengauge"]


def log_problems(path: Path) -> list[str]:
    """Lines of a server log that look like errors (the log level is warning)."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    pattern = re.compile(r"\b(ERROR|CRITICAL|WARNING|Traceback)\b|Error:|Exception")
    return [line for line in text.splitlines() if pattern.search(line)]


# ---------------------------------------------------------------------------------------
# load generators


def record_body(prefix: str, index: int, number: int) -> bytes:
    record = {"Account Name": f"{prefix} {index:05d}", "Account Number": str(number)}
    return json.dumps(
        {"configuration": "accounts", "record": record}, separators=(",", ":")
    ).encode()


def wrk_version(wrk: str) -> str:
    answer = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10, check=False)
    first = (answer.stdout or answer.stderr).splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(output: str, name: str, generator: str) -> Result:
    result = Result(name=name, generator=generator)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output, re.M)
    p50 = re.search(r"^\s+50(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    p99 = re.search(r"^\s+99(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    if not (rate and total and p50 and p99):
        raise BenchBroken(f"cannot read the wrk output for {name}:\n{output}")
    result.requests_per_s = float(rate.group(1))
    result.requests = int(total.group(1))
    result.seconds = _ms(total.group(2), total.group(3)) / 1000
    result.p50_ms = _ms(*p50.groups())
    result.p99_ms = _ms(*p99.groups())
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    kinds = ("connect", "read", "write", "timeout")
    result.socket_errors = {
        kind: int(errors.group(i + 1)) if errors else 0 for i, kind in enumerate(kinds)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result.non_2xx = int(non_2xx.group(1)) if non_2xx else 0
    for status, count in re.findall(r"^BENCH-STATUS (\S+) (\d+)$", output, re.M):
        result.statuses[status] = result.statuses.get(status, 0) + int(count)
    result.samples = re.findall(r"^BENCH-SAMPLE (.*)$", output, re.M)
    result.non_2xx = max(result.non_2xx, sum(result.statuses.values()))
    return result


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, all its threads (0 where /proc is missing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_request(cpu: float, requests: int) -> float:
    return cpu / requests * 1e6 if requests else 0.0


def run_wrk(wrk: str, load: Load, port: int, name: str, generator: str) -> Result:
    script = load.workdir / "put_records.lua"
    script.write_text(
        LUA.format(names=load.names, prefix=MEASURE_PREFIX, token=load.token), encoding="utf-8"
    )
    url = f"http://{HOST}:{port}/records/"

    def once(seconds: float, prefix: str) -> str:
        command = [
            *load.pin,
            wrk,
            "-t1",
            f"-c{load.connections}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={REQUEST_TIMEOUT:.0f}s",
            "--latency",
            "-s",
            str(script),
            url,
            "--",
            prefix,
        ]
        answer = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 30, check=False
        )
        if answer.returncode != 0 or answer.stderr.strip():
            raise BenchBroken(
                f"wrk failed for {name} (exit {answer.returncode}):\n"
                f"{answer.stdout}\n{answer.stderr}"
            )
        return answer.stdout

    if load.warmup > 0:
        warm = parse_wrk(once(load.warmup, WARMUP_PREFIX), name + " (warm-up)", generator)
        if warm.problems():
            return warm
    before = cpu_seconds(load.pid)
    result = parse_wrk(once(load.duration, MEASURE_PREFIX), name, generator)
    result.cpu_us_per_request = per_request(cpu_seconds(load.pid) - before, result.requests)
    return result


class _Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.samples: list[str] = []
        self.seen: set[tuple[int, bytes]] = set()
        self.errors: dict[str, int] = {"connect": 0, "read": 0, "write": 0, "timeout": 0}


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append((await reader.readexactly(size + 2))[:-2])
        body = b"".join(chunks)
    else:
        body = b""
    return status, headers, body


async def _connection(
    port: int, load: Load, prefix: str, seed: int, deadline: float, stats: _Stats
) -> None:
    rng = random.Random(seed)
    head = (
        f"PUT /records/ HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"Authorization: Bearer {load.token}\r\nContent-Type: application/json\r\n"
    ).encode()
    number = 0
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    try:
        while time.perf_counter() < deadline:
            if writer is None or reader is None:
                try:
                    reader, writer = await asyncio.open_connection(HOST, port)
                except OSError:
                    stats.errors["connect"] += 1
                    await asyncio.sleep(0.01)
                    continue
            number += 1
            body = record_body(prefix, rng.randint(1, load.names), number)
            start = time.perf_counter()
            try:
                writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
                status, headers, answer = await asyncio.wait_for(
                    _read_response(reader), REQUEST_TIMEOUT
                )
            except TimeoutError:
                stats.errors["timeout"] += 1
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                stats.errors["read"] += 1
            else:
                stats.latencies.append(time.perf_counter() - start)
                if not 200 <= status <= 299:
                    key = str(status)
                    stats.statuses[key] = stats.statuses.get(key, 0) + 1
                    if len(stats.samples) < 5 and (status, answer) not in stats.seen:
                        stats.seen.add((status, answer))
                        listed = "; ".join(f"{k}: {v}" for k, v in sorted(headers.items()))
                        text = answer.decode("utf-8", errors="replace")
                        stats.samples.append(f"{status} | {listed} | {text!r}")
                if headers.get("connection", "").lower() != "close":
                    continue
            writer.close()
            writer = reader = None
    finally:
        if writer is not None:
            writer.close()


async def _python_load(port: int, load: Load, prefix: str, seconds: float) -> tuple[_Stats, float]:
    stats = _Stats()
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(
        *(_connection(port, load, prefix, i, deadline, stats) for i in range(load.connections))
    )
    return stats, time.perf_counter() - start


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def run_python(load: Load, port: int, name: str, generator: str) -> Result:
    previous = os.sched_getaffinity(0) if load.pin and hasattr(os, "sched_getaffinity") else None
    if previous is not None:
        os.sched_setaffinity(0, {LOAD_CPU})
    try:
        runner = _event_loop_runner()
        if load.warmup > 0:
            runner(_python_load(port, load, WARMUP_PREFIX, load.warmup))
        before = cpu_seconds(load.pid)
        stats, elapsed = runner(_python_load(port, load, MEASURE_PREFIX, load.duration))
        cpu = cpu_seconds(load.pid) - before
    finally:
        if previous is not None:
            os.sched_setaffinity(0, previous)
    latencies = sorted(stats.latencies)
    return Result(
        name=name,
        generator=generator,
        requests=len(latencies),
        seconds=elapsed,
        requests_per_s=len(latencies) / elapsed if elapsed else 0.0,
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        non_2xx=sum(stats.statuses.values()),
        cpu_us_per_request=per_request(cpu, len(latencies)),
        statuses=stats.statuses,
        samples=stats.samples,
        socket_errors=stats.errors,
    )


def _event_loop_runner() -> Callable[[Any], Any]:
    try:
        import uvloop

        return lambda coroutine: uvloop.run(coroutine)
    except ImportError:
        return asyncio.run


# ---------------------------------------------------------------------------------------
# the run


def measure(
    name: str,
    command: list[str],
    log_path: Path,
    env: dict[str, str],
    ready: Callable[[], Any],
    drive: Callable[[int], Result],
    what: str,
) -> tuple[Result, list[str]]:
    with running(command, log_path, env) as process:
        wait_until(process, log_path, what, ready)
        result = drive(process.pid)
        if process.poll() is not None:
            raise BenchBroken(
                f"{what} exited with status {process.returncode} during the load:\n"
                + tail(log_path)
            )
    return result, log_problems(log_path)


def count_accounts(db_path: Path) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        total = conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
        measured = conn.execute(
            "SELECT COUNT(*) FROM accounts WHERE name LIKE ?", (MEASURE_PREFIX + " %",)
        ).fetchone()[0]
    return int(total), int(measured)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(
    args: argparse.Namespace,
    generator: str,
    pinning: str,
    ceiling: Result,
    records: Result,
    accounts: tuple[int, int] | None,
    logged: Result,
) -> dict[str, Any]:
    ratio = records.requests_per_s / ceiling.requests_per_s if ceiling.requests_per_s else 0.0
    kept = logged.requests_per_s / records.requests_per_s if records.requests_per_s else 0.0
    ratio_ok = ratio >= TARGET_RATIO
    p99_ok = records.p99_ms < TARGET_P99_MS
    print()
    print(
        f"OpenGauge bench: {args.connections} connections, {args.duration:g} s "
        f"(after {args.warmup:g} s warm-up), generator: {generator}, {pinning}"
    )
    print()
    print(f"{'':28}{'req/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'requests':>11}{'CPU us/req':>12}")
    for result in (ceiling, records, logged):
        print(
            f"{result.name:28}{result.requests_per_s:12.1f}{result.p50_ms:10.2f}"
            f"{result.p99_ms:10.2f}{result.requests:11d}{result.cpu_us_per_request:12.1f}"
        )
    print()
    print(
        f"ratio records/ceiling   {ratio:.3f}   target >= {TARGET_RATIO:.2f}   {verdict(ratio_ok)}"
    )
    print(
        f"p99 PUT /records/       {records.p99_ms:.2f} ms   target < {TARGET_P99_MS:g} ms "
        f"at {args.connections} connections   {verdict(p99_ok)}"
    )
    extra_cpu = logged.cpu_us_per_request - records.cpu_us_per_request
    print(
        f"access log on/off       {kept:.3f}   (req/s with the access log / without; "
        f"{extra_cpu:+.1f} us server CPU per request)"
    )
    if accounts is not None:
        print(
            f"accounts rows           {accounts[0]} "
            f"({accounts[1]} from the measured phase, {args.names} names per phase)"
        )
    return {
        "generator": generator,
        "pinning": pinning,
        "connections": args.connections,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "names": args.names,
        "ceiling": asdict(ceiling),
        "records": asdict(records),
        "records_access_log": asdict(logged),
        "ratio": ratio,
        "access_log_kept": kept,
        "targets": {
            "ratio_min": TARGET_RATIO,
            "ratio_pass": ratio_ok,
            "p99_max_ms": TARGET_P99_MS,
            "p99_pass": p99_ok,
        },
        "accounts": None if accounts is None else {"total": accounts[0], "measured": accounts[1]},
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark PUT /records/ against a bare ASGI app.")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds [10]")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds [2]")
    parser.add_argument("--connections", type=int, default=64, help="open connections [64]")
    parser.add_argument("--names", type=int, default=1000, help="account names per phase [1000]")
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk when installed, else Python [auto]",
    )
    parser.add_argument("--json", action="store_true", help=f"also write {RESULTS}")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.warmup < 0 or args.connections < 1 or args.names < 1:
        parser.error("need --duration >= 1, --warmup >= 0, --connections >= 1, --names >= 1")
    return args


def _terminate(signum: int, _: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop servers


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    server_pin, load_pin, pinning = pin_prefixes()
    wrk = shutil.which("wrk") if args.generator in ("auto", "wrk") else None
    if args.generator == "wrk" and wrk is None:
        print("bench: --generator wrk but wrk is not installed (apt-get install wrk)")
        return 1
    if wrk:
        generator = wrk_version(wrk)
    else:
        why = "wrk not found" if args.generator == "auto" else "--generator python"
        generator = f"python asyncio ({why}; it saturates its CPU near the ceiling)"
    env = server_env()
    problems: list[str] = []
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="opengauge-bench-") as tmp:
        workdir = Path(tmp)
        seed_path = workdir / "seed.yaml"
        seed_path.write_text(SEED, encoding="utf-8")

        def drive(port: int, name: str, token: str, pid: int) -> Result:
            load = Load(
                args.connections,
                args.duration,
                args.warmup,
                args.names,
                token,
                load_pin,
                workdir,
                pid,
            )
            if wrk:
                return run_wrk(wrk, load, port, name, generator)
            return run_python(load, port, name, generator)

        def serve_records(
            name: str, label: str, access_log: bool
        ) -> tuple[Result, tuple[int, int]]:
            """``PUT /records/`` against ``opengauge serve`` on a fresh database; the access
            log (when on) goes to the server's log file, as it would to a log collector."""
            port = free_port()
            db_path = workdir / f"{label}.db"
            token_box: list[str] = []

            def ready() -> None:
                token_box.append(get_token(port))

            result, logged = measure(
                name,
                [
                    *server_pin,
                    *opengauge_command(),
                    "serve",
                    "--seed",
                    str(seed_path),
                    "--database",
                    f"sqlite:///{db_path}",
                    "--host",
                    HOST,
                    "--port",
                    str(port),
                    "--access-log" if access_log else "--no-access-log",
                ],
                workdir / f"server-{label}.log",
                env,
                ready,
                lambda pid: drive(port, name, token_box[-1], pid),
                "opengauge serve",
            )
            warnings.extend(f"server log ({label}): {line}" for line in logged)
            return result, count_accounts(db_path)

        try:
            port = free_port()
            ceiling, logged = measure(
                "ceiling (bare ASGI)",
                [*server_pin, sys.executable, str(BENCH_DIR / "ceiling.py"), "--port", str(port)],
                workdir / "ceiling.log",
                env,
                lambda: probe_ceiling(port),
                lambda pid: drive(port, "ceiling (bare ASGI)", "-", pid),
                "the ceiling app",
            )
            warnings += [f"ceiling log: {line}" for line in logged]

            records, accounts = serve_records("PUT /records/", "quiet", access_log=False)
            logged_records, logged_accounts = serve_records(
                "PUT /records/ (access log)", "logged", access_log=True
            )
        except BenchBroken as exc:
            print(f"\n*** BENCH BROKEN: {exc}", file=sys.stderr)
            return 1

    problems += ceiling.problems() + records.problems() + logged_records.problems()
    for run, (total, _) in ((records, accounts), (logged_records, logged_accounts)):
        if total == 0:
            problems.append(f"{run.name}: the accounts table is empty after the run")
        if total > 2 * args.names:
            problems.append(
                f"{run.name}: {total} accounts for at most {2 * args.names} distinct names: "
                "upserts created duplicates"
            )
    summary = report(args, generator, pinning, ceiling, records, accounts, logged_records)
    summary["problems"] = problems
    summary["server_log"] = warnings
    if args.json:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {RESULTS.relative_to(ROOT)}")
    if warnings:
        print(f"\nserver logs had {len(warnings)} warning/error line(s); the first ones:")
        for line in warnings[:20]:
            print(f"  {line}")
    if problems:
        print("\n*** BENCH BROKEN:", file=sys.stderr)
        for line in problems:
            print(f"***   {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
