"""The load generators: wrk (with a Lua script) or a lean Python one, and their results.

wrk is preferred: one C thread saturates the server from one CPU. Without it, a Python
generator on asyncio streams drives the same bodies over keep-alive connections. It is
hand-written on purpose: httpx spends about 0.3 ms of CPU per request (see
``opengauge/client/_wire.py``), so it would measure itself, not the server; even the lean
generator saturates its CPU near the ceiling, which the output says.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import HOST, LOAD_CPU, BenchBroken, process_tree_cpu
from workloads import MEASURE_PREFIX, WARMUP_PREFIX, Workload

REQUEST_TIMEOUT = 2.0

# wrk runs this in every thread. Globals are what `thread:get` can read back in `done`.
LUA = """\
-- Written by the bench: PUT /records/ upserts over a fixed set of keys.
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
  local n = math.random(names)
  return wrk.format(nil, nil, nil, {body})
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
    #: The server's CPU time (all threads and workers) per measured request: steadier than
    #: req/s on a machine that other work shares.
    cpu_us_per_request: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    socket_errors: dict[str, int] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """What makes this run no measurement: errors on the wire, or nothing done."""
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
    """What to send and for how long: the same for the ceiling and the server."""

    workload: Workload
    connections: int
    duration: float
    warmup: float
    names: int
    pin: list[str]
    workdir: Path


class Generator:
    """Drives one load run against a port; wrk when installed, else Python."""

    def __init__(self, choice: str) -> None:
        self.wrk = shutil.which("wrk") if choice in ("auto", "wrk") else None
        if choice == "wrk" and self.wrk is None:
            raise BenchBroken("--generator wrk but wrk is not installed (apt-get install wrk)")
        if self.wrk:
            self.name = _wrk_version(self.wrk)
        else:
            why = "wrk not found" if choice == "auto" else "--generator python"
            self.name = f"python asyncio ({why}; it saturates its CPU near the ceiling)"

    def run(self, load: Load, port: int, token: str, name: str, server_pid: int) -> Result:
        """A warm-up, then the measured run; the server's CPU time is taken around it."""
        if self.wrk:
            return _run_wrk(self.wrk, load, port, token, name, self.name, server_pid)
        return _run_python(load, port, token, name, self.name, server_pid)


def _wrk_version(wrk: str) -> str:
    answer = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10, check=False)
    first = (answer.stdout or answer.stderr).splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


def _per_request(cpu: float, requests: int) -> float:
    return cpu / requests * 1e6 if requests else 0.0


# -- wrk --------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(output: str, name: str, generator: str) -> Result:
    """wrk's ``--latency`` summary and the Lua script's status lines, as a Result."""
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


def _run_wrk(
    wrk: str, load: Load, port: int, token: str, name: str, generator: str, server_pid: int
) -> Result:
    script = load.workdir / f"put_records_{load.workload.mapping.lower()}.lua"
    script.write_text(
        LUA.format(
            names=load.names, prefix=MEASURE_PREFIX, token=token, body=load.workload.lua_body
        ),
        encoding="utf-8",
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
    before = process_tree_cpu(server_pid)
    result = parse_wrk(once(load.duration, MEASURE_PREFIX), name, generator)
    used = process_tree_cpu(server_pid) - before
    result.cpu_us_per_request = _per_request(used, result.requests)
    return result


# -- the Python generator ---------------------------------------------------------------


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
    port: int, load: Load, token: str, prefix: str, seed: int, deadline: float, stats: _Stats
) -> None:
    rng = random.Random(seed)
    head = (
        f"PUT /records/ HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
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
            body = load.workload.body(prefix, rng.randint(1, load.names), number)
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


async def _python_load(
    port: int, load: Load, token: str, prefix: str, seconds: float
) -> tuple[_Stats, float]:
    stats = _Stats()
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(
        *(
            _connection(port, load, token, prefix, i, deadline, stats)
            for i in range(load.connections)
        )
    )
    return stats, time.perf_counter() - start


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _run_python(
    load: Load, port: int, token: str, name: str, generator: str, server_pid: int
) -> Result:
    previous = os.sched_getaffinity(0) if load.pin and hasattr(os, "sched_getaffinity") else None
    if previous is not None:
        os.sched_setaffinity(0, {LOAD_CPU})
    try:
        runner = _event_loop_runner()
        if load.warmup > 0:
            runner(_python_load(port, load, token, WARMUP_PREFIX, load.warmup))
        before = process_tree_cpu(server_pid)
        stats, elapsed = runner(_python_load(port, load, token, MEASURE_PREFIX, load.duration))
        cpu = process_tree_cpu(server_pid) - before
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
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        non_2xx=sum(stats.statuses.values()),
        cpu_us_per_request=_per_request(cpu, len(latencies)),
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
