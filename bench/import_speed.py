"""``opengauge import records``: a CSV through the CLI, against a naive sequential loop.

``opengauge serve`` runs on a fresh SQLite database (access log off, as the figure has
always been measured) on the server CPU; the CLI imports ``rows`` rows at its default
concurrency from the load CPU, and every row must be stored. Then the SDK's sync client
puts ``naive`` more rows one at a time (what a first integration script does), for scale.
"""

from __future__ import annotations

import csv
import resource
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from databases import BenchDatabase, fresh
from harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    BenchBroken,
    Pinning,
    opengauge_command,
    process_tree_cpu,
    serve,
    server_env,
)

from opengauge.client import Client, OpenGaugeError

TARGET_ROWS_PER_S = 10_000


@dataclass
class Imported:
    """What the import part measured."""

    rows: int
    seconds: float
    stored: int
    naive_rows: int
    naive_seconds: float
    naive_stored: int
    concurrency: str
    #: CPU time per imported row of the CLI process and of the server: on a shared machine
    #: steadier than rows/s, and the larger one says which side limits the import.
    cli_cpu_us_per_row: float = 0.0
    server_cpu_us_per_row: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def naive_per_s(self) -> float:
        return self.naive_rows / self.naive_seconds if self.naive_seconds else 0.0


def _write_rows(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Account Name", "Account Number"])
        writer.writerows([f"Import {n:06d}", str(n)] for n in range(rows))


def measure(
    pinning: Pinning,
    workdir: Path,
    seed_path: Path,
    *,
    rows: int,
    naive: int,
    concurrency: int | None,
) -> Imported:
    """Import ``rows`` rows with the CLI, then ``naive`` rows one by one with the SDK."""
    source = workdir / "rows.csv"
    _write_rows(source, rows)
    log_path = workdir / "server-import.log"
    with fresh("sqlite", workdir) as database:
        with serve(database.url, seed_path, log_path, pinning, access_log=False) as server:
            command = [
                *pinning.load,
                *opengauge_command(),
                "import",
                "records",
                str(source),
                "--configuration",
                "accounts",
                "--base-url",
                server.base_url,
            ]
            if concurrency is not None:
                command += ["--concurrency", str(concurrency)]
            env = server_env() | {
                "OPENGAUGE_CLIENT_ID": CLIENT_ID,
                "OPENGAUGE_CLIENT_SECRET": CLIENT_SECRET,
            }
            started = time.perf_counter()
            children_before = _children_cpu()
            server_before = process_tree_cpu(server.process.pid)
            result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - started
            cli_cpu = _children_cpu() - children_before
            server_cpu = process_tree_cpu(server.process.pid) - server_before
            if result.returncode != 0:
                raise BenchBroken(f"the import failed:\n{result.stdout}\n{result.stderr}")
            stored = _count(database, "Import %")
            naive_seconds = _naive(server.base_url, naive)
            server.check_alive("opengauge serve (import)")
        naive_stored = _count(database, "Naive %")
    imported = Imported(
        rows,
        seconds,
        stored,
        naive,
        naive_seconds,
        naive_stored,
        str(concurrency) if concurrency is not None else "default",
        cli_cpu / rows * 1e6 if rows else 0.0,
        server_cpu / rows * 1e6 if rows else 0.0,
    )
    if stored != rows:
        imported.problems.append(f"import: {rows - stored:,} of {rows:,} rows missing")
    if naive_stored != naive:
        imported.problems.append(f"import: the naive loop stored {naive_stored:,} of {naive:,}")
    return imported


def _children_cpu() -> float:
    """User and system CPU seconds of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _naive(base_url: str, rows: int) -> float:
    started = time.perf_counter()
    try:
        with Client(base_url=base_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as sdk:
            for n in range(rows):
                record = {"Account Name": f"Naive {n:06d}", "Account Number": str(n)}
                sdk.records.put("accounts", record)
    except OpenGaugeError as exc:
        raise BenchBroken(f"the naive loop failed: {exc}") from exc
    return time.perf_counter() - started


def _count(database: BenchDatabase, pattern: str) -> int:
    return int(database.scalar("SELECT COUNT(*) FROM accounts WHERE name LIKE ?", (pattern,)))
