"""Bulk import: 100,000 rows through ``opengauge import records`` versus a naive loop.

Starts ``opengauge serve`` on a fresh SQLite database (the seed of ``bench/run.py``) pinned
to CPU 0, imports ``--rows`` rows with the CLI pinned to CPU 1 and checks that every one is
stored, then imports ``--naive`` more rows with a sequential ``requests`` loop (one request
at a time, one keep-alive session: what a first integration script does) for comparison.
Prints rows/s for both. Exit status 1 when the bench broke or rows are missing.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    CLIENT_ID,
    CLIENT_SECRET,
    HOST,
    SEED,
    BenchBroken,
    free_port,
    get_token,
    opengauge_command,
    pin_prefixes,
    running,
    server_env,
    wait_until,
)

TARGET_ROWS_PER_S = 5_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    server_pin, load_pin, pinning = pin_prefixes()
    with tempfile.TemporaryDirectory(prefix="opengauge-import-bench-") as tmp:
        work = Path(tmp)
        db_path = work / "bench.db"
        (work / "seed.yaml").write_text(SEED, encoding="utf-8")
        source = work / "rows.csv"
        with source.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Account Name", "Account Number"])
            writer.writerows([f"Import {n:06d}", str(n)] for n in range(args.rows))
        port = free_port()
        base_url = f"http://{HOST}:{port}"
        command = [
            *server_pin,
            *opengauge_command(),
            "serve",
            "--seed",
            str(work / "seed.yaml"),
            "--database",
            f"sqlite:///{db_path}",
            "--host",
            HOST,
            "--port",
            str(port),
            "--no-access-log",
        ]
        env = server_env()
        try:
            with running(command, work / "server.log", env) as process:
                token = wait_until(
                    process, work / "server.log", "opengauge serve", lambda: get_token(port)
                )
                cli_env = env | {
                    "OPENGAUGE_CLIENT_ID": CLIENT_ID,
                    "OPENGAUGE_CLIENT_SECRET": CLIENT_SECRET,
                }
                started = time.perf_counter()
                result = subprocess.run(
                    [
                        *load_pin,
                        *opengauge_command(),
                        "import",
                        "records",
                        str(source),
                        "--configuration",
                        "accounts",
                        "--base-url",
                        base_url,
                        "--concurrency",
                        str(args.concurrency),
                    ],
                    env=cli_env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                cli_seconds = time.perf_counter() - started
                if result.returncode != 0:
                    raise BenchBroken(f"the import failed:\n{result.stdout}\n{result.stderr}")
                stored = _count(db_path, "Import %")

                started = time.perf_counter()
                with requests.Session() as http:
                    http.headers["Authorization"] = f"Bearer {token}"
                    for n in range(args.naive):
                        record = {"Account Name": f"Naive {n:06d}", "Account Number": str(n)}
                        answer = http.put(
                            f"{base_url}/records/",
                            json={"configuration": "accounts", "record": record},
                            timeout=10,
                        )
                        answer.raise_for_status()
                naive_seconds = time.perf_counter() - started
                naive_stored = _count(db_path, "Naive %")
        except (BenchBroken, requests.RequestException) as exc:
            print(f"*** BENCH BROKEN: {exc}", file=sys.stderr)
            return 1
    cli_rate = args.rows / cli_seconds
    naive_rate = args.naive / naive_seconds
    verdict = "PASS" if cli_rate >= TARGET_ROWS_PER_S else "MISS"
    print(f"bulk import ({pinning}; concurrency {args.concurrency})")
    print(f"opengauge import records: {args.rows:,} rows in {cli_seconds:.1f} s")
    print(f"  {cli_rate:,.0f} rows/s (target {TARGET_ROWS_PER_S:,}: {verdict}), {stored:,} stored")
    print(f"naive sequential requests loop: {args.naive:,} rows in {naive_seconds:.1f} s")
    print(f"  {naive_rate:,.0f} rows/s (the CLI runs at {cli_rate / naive_rate:.1f}x this rate)")
    if naive_stored != args.naive:
        print(f"*** the naive loop stored {naive_stored:,} of {args.naive:,}", file=sys.stderr)
        return 1
    if stored != args.rows:
        print(f"*** {args.rows - stored:,} rows missing", file=sys.stderr)
        return 1
    return 0


def _count(db_path: Path, pattern: str) -> int:
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        return int(
            conn.execute("SELECT COUNT(*) FROM accounts WHERE name LIKE ?", (pattern,)).fetchone()[
                0
            ]
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
