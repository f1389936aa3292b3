"""``make bench``: OpenGauge against a bare-ASGI ceiling measured in the same run.

Parts (``--only`` picks some, comma-separated; all by default):

- ``records``: the ceiling, the lean bound (the Contact mapping's SQLite writes and nothing
  else, ``lean.py``), then ``PUT /records/`` for mapping x database x workers with ``serve``'s
  defaults (``records.py``);
- ``export``: the responses export rate, and ``PUT /records/`` p99 while a client pages
  through the export, against its p99 alone (``paging.py``);
- ``import``: ``opengauge import records`` rows/s (``import_speed.py``);
- ``sandbox``: a fresh ``mock_customergauge()`` sandbox's start-up (``sandbox.py``);
- ``console``: the slowest console page with 100,000 survey records, on SQLite and
  PostgreSQL (``console.py``);
- ``dashboard``: the NPS dashboard's server time with 1,000,000 survey records and 50,000
  accounts, each view and the 4.1 NPS report, on SQLite and PostgreSQL (``dashboard.py``).

The server runs on CPU 0 and the load on CPU 1 (``harness.py``); wrk drives the load when
installed, else a Python generator (``load.py``). Only loopback addresses are used.

Exit status: 0 when the bench ran (a missed target is printed, not fatal); 1 when the bench
itself broke: a server did not start, an answer was not 2xx, a socket failed, rows are
missing or duplicated.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parent))

import console
import dashboard
import import_speed
import paging
import records
import report
import sandbox
from databases import KINDS, postgres_admin_url
from harness import ROOT, BenchBroken, Pinning
from load import Generator, Load
from workloads import SEED, WORKLOADS

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
PARTS = ("records", "export", "import", "sandbox", "console", "dashboard")


def _names(text: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    chosen = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in chosen if name not in allowed]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"{what}: choose from {', '.join(allowed)}")
    return chosen


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"parts [{','.join(PARTS)}]")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds [10]")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds [2]")
    parser.add_argument("--connections", type=int, default=64, help="open connections [64]")
    parser.add_argument("--names", type=int, default=10_000, help="distinct keys [10000]")
    parser.add_argument(
        "--mappings", default="contact,account", help="records: mappings [contact,account]"
    )
    parser.add_argument(
        "--databases", default="sqlite,postgres", help="records: databases [sqlite,postgres]"
    )
    parser.add_argument(
        "--export-database", choices=KINDS, default="sqlite", help="export: database [sqlite]"
    )
    parser.add_argument(
        "--export-records", type=int, default=50_000, help="export: records [50000]"
    )
    parser.add_argument("--per-page", type=int, default=1000, help="export: per_page [1000]")
    parser.add_argument("--rows", type=int, default=100_000, help="import: CSV rows [100000]")
    parser.add_argument("--naive", type=int, default=2_000, help="import: naive rows [2000]")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="import: --concurrency [the CLI's]"
    )
    parser.add_argument("--sandboxes", type=int, default=50, help="sandbox: count [50]")
    parser.add_argument(
        "--console-records", type=int, default=100_000, help="console: survey records [100000]"
    )
    parser.add_argument(
        "--console-databases",
        default="sqlite,postgres",
        help="console: databases [sqlite,postgres]",
    )
    parser.add_argument(
        "--dashboard-records",
        type=int,
        default=dashboard.RECORDS,
        help=f"dashboard: survey records [{dashboard.RECORDS}]",
    )
    parser.add_argument(
        "--dashboard-databases",
        default="sqlite,postgres",
        help="dashboard: databases [sqlite,postgres]",
    )
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk when installed, else Python [auto]",
    )
    parser.add_argument("--json", action="store_true", help=f"also write {RESULTS}")
    args = parser.parse_args(argv)
    try:
        args.parts = _names(args.only, PARTS, "--only")
        args.mapping_names = _names(args.mappings, tuple(WORKLOADS), "--mappings")
        args.database_names = _names(args.databases, KINDS, "--databases")
        args.console_names = _names(args.console_databases, KINDS, "--console-databases")
        args.dashboard_names = _names(args.dashboard_databases, KINDS, "--dashboard-databases")
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    if args.duration < 1 or args.warmup < 0 or args.connections < 1 or args.names < 1:
        parser.error("need --duration >= 1, --warmup >= 0, --connections >= 1, --names >= 1")
    return args


def _terminate(signum: int, _: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop servers


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    pinning = Pinning.detect()
    problems: list[str] = []
    log_lines: list[str] = []
    ceiling = reads = imported = startup = None
    pages: list[console.ConsoleTimes] = []
    views: list[dashboard.DashboardTimes] = []
    lean: records.Lean | None = None
    rows: list[records.Measured] = []
    try:
        generator = Generator(args.generator)
        report.header(generator.name, pinning.note, args.connections, args.duration, args.warmup)
        if "postgres" in args.database_names and "records" in args.parts:
            print(f"PostgreSQL: {postgres_admin_url()} (a fresh database per configuration)")
        with tempfile.TemporaryDirectory(prefix="opengauge-bench-") as tmp:
            workdir = Path(tmp)
            seed_path = workdir / "seed.yaml"
            seed_path.write_text(SEED, encoding="utf-8")
            plan = records.Plan(
                args.connections,
                args.duration,
                args.warmup,
                args.names,
                tuple(WORKLOADS[name] for name in args.mapping_names),
                args.database_names,
            )
            if "records" in args.parts:
                bench = records.RecordsBench(generator, plan, pinning, workdir, seed_path)
                ceiling, ceiling_log = bench.ceiling()
                problems += ceiling.problems()
                log_lines += [f"ceiling log: {line}" for line in ceiling_log]
                report.ceiling(ceiling)
                lean, before, lean_problems = bench.lean(ceiling)
                problems += lean_problems
                report.lean(lean)
                report.table_header()
                rows = bench.table(before, report.table_row)
                for row in rows:
                    problems += row.problems
                    log_lines += row.log_lines
            if "export" in args.parts:
                load = Load(
                    WORKLOADS["contact"],
                    args.connections,
                    args.duration,
                    args.warmup,
                    args.names,
                    pinning.load,
                    workdir,
                )
                reads = paging.measure(
                    generator,
                    load,
                    pinning,
                    workdir,
                    seed_path,
                    kind=args.export_database,
                    records=args.export_records,
                    per_page=args.per_page,
                )
                problems += reads.problems
                log_lines += reads.log_lines
                report.reads(reads)
            if "import" in args.parts:
                imported = import_speed.measure(
                    pinning,
                    workdir,
                    seed_path,
                    rows=args.rows,
                    naive=args.naive,
                    concurrency=args.concurrency,
                )
                problems += imported.problems
                report.imported(imported)
            if "sandbox" in args.parts:
                startup = sandbox.measure(pinning.load, args.sandboxes)
                report.sandbox(startup)
            if "console" in args.parts:
                for kind in args.console_names:
                    found = console.measure(
                        pinning, workdir, kind=kind, records=args.console_records
                    )
                    problems += found.problems
                    log_lines += found.log_lines
                    pages.append(found)
                    report.console(found)
            if "dashboard" in args.parts:
                for kind in args.dashboard_names:
                    measured = dashboard.measure(
                        pinning, workdir, kind=kind, records=args.dashboard_records
                    )
                    problems += measured.problems
                    log_lines += measured.log_lines
                    views.append(measured)
                    report.dashboard(measured)
    except BenchBroken as exc:
        print(f"\n*** BENCH BROKEN: {exc}", file=sys.stderr)
        return 1
    if args.json:
        summary = report.summary(ceiling, lean, rows, reads, imported, startup, pages, views)
        summary |= {"pinning": pinning.note, "problems": problems, "server_log": log_lines}
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        print(f"\nresults written to {RESULTS.relative_to(ROOT)}")
    if log_lines:
        print(f"\nserver logs had {len(log_lines)} warning/error line(s); the first ones:")
        for line in log_lines[:20]:
            print(f"  {line}")
    if problems:
        print("\n*** BENCH BROKEN:", file=sys.stderr)
        for line in problems:
            print(f"***   {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
