"""Printing a bench run: the table, the figures with their targets, and the JSON summary."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from console import TARGET_MS as CONSOLE_TARGET_MS
from console import ConsoleTimes
from dashboard import TARGET_MS as DASHBOARD_TARGET_MS
from dashboard import DashboardTimes
from import_speed import TARGET_ROWS_PER_S, Imported
from load import Result
from paging import TARGET_EXPORT_PER_S, TARGET_P99_FACTOR, Reads
from records import Lean, Measured
from sandbox import TARGET_MS, Startup


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def header(generator: str, pinning: str, connections: int, duration: float, warmup: float) -> None:
    print()
    print(
        f"OpenGauge bench: {connections} connections, {duration:g} s (after {warmup:g} s "
        f"warm-up), generator: {generator}, {pinning}"
    )


def ceiling(result: Result) -> None:
    print()
    print(
        f"ceiling (bare ASGI, same uvicorn options): {result.requests_per_s:,.0f} req/s, "
        f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms; measured again after every "
        "row, which is divided by the mean of the ceilings before and after it"
    )


def lean(found: Lean) -> None:
    r = found.result
    print(
        f"lean bound (lean.py: the Contact mapping's SQLite writes in a group commit, no auth,"
        f" mapping, validation, journal, log or metrics): {r.requests_per_s:,.0f} req/s ="
        f" {found.ratio:.2f}x its ceiling of {found.ceiling_per_s:,.0f}, p99"
        f" {r.p99_ms:.2f} ms, CPU {r.cpu_us_per_request:.1f} us/req"
    )


def table_header() -> None:
    """PUT /records/ with serve's defaults (access log on): a line per configuration follows."""
    print()
    print("PUT /records/, `opengauge serve` defaults (access log on):")
    print(
        f"{'mapping':9}{'database':12}{'workers':>8}{'req/s':>10}{'ceiling':>10}{'x ceil':>8}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'CPU us/req':>12}  {'target':28}verdict"
    )


def table_row(row: Measured) -> None:
    r = row.result
    print(
        f"{row.mapping:9}{row.database:12}{row.workers:>8}{r.requests_per_s:>10,.0f}"
        f"{row.ceiling_per_s:>10,.0f}{row.ratio:>8.2f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
        f"{r.cpu_us_per_request:>12.1f}  "
        f"{row.target:28}{verdict(row.passed)}"
    )


def reads(found: Reads) -> None:
    export_ok = found.export.records_per_s >= TARGET_EXPORT_PER_S
    factor_ok = found.factor <= TARGET_P99_FACTOR
    print()
    print(
        f"responses export ({found.database}, {found.records:,} records, "
        f"per_page={found.per_page}): {found.export.records_per_s:,.0f} records/s "
        f"({found.export.pages} pages in {found.export.seconds:.2f} s)   "
        f"target >= {TARGET_EXPORT_PER_S:,}   {verdict(export_ok)}"
    )
    print(
        f"PUT /records/ p99 beside the export: {found.beside.p99_ms:.2f} ms vs "
        f"{found.alone_p99_ms:.2f} ms alone = {found.factor:.2f}x   "
        f"target <= {TARGET_P99_FACTOR:g}x   {verdict(factor_ok)}"
    )
    print(
        f"  (alone before and after: p99 {found.alone.p99_ms:.2f} and "
        f"{found.alone_after.p99_ms:.2f} ms, req/s {found.alone.requests_per_s:,.0f} and "
        f"{found.alone_after.requests_per_s:,.0f}; beside: req/s "
        f"{found.beside.requests_per_s:,.0f}, the pager read {found.beside_paged.pages:,} "
        f"pages, {found.beside_paged.records_per_s:,.0f} records/s)"
    )


def imported(found: Imported) -> None:
    ok = found.rows_per_s >= TARGET_ROWS_PER_S
    print()
    print(
        f"opengauge import records ({found.rows:,} rows, concurrency {found.concurrency}, "
        f"SQLite, access log off): {found.rows_per_s:,.0f} rows/s ({found.seconds:.1f} s)   "
        f"target >= {TARGET_ROWS_PER_S:,}   {verdict(ok)}"
    )
    print(
        f"  CPU per row: CLI {found.cli_cpu_us_per_row:.0f} us, server "
        f"{found.server_cpu_us_per_row:.0f} us (each side alone would allow "
        f"{_capacity(found.cli_cpu_us_per_row)} and {_capacity(found.server_cpu_us_per_row)} "
        "rows/s)"
    )
    if found.naive_rows:
        print(
            f"  naive sequential SDK loop: {found.naive_per_s:,.0f} rows/s "
            f"(the CLI runs at {found.rows_per_s / found.naive_per_s:.1f}x this rate)"
        )


def _capacity(us_per_row: float) -> str:
    return f"{1e6 / us_per_row:,.0f}" if us_per_row else "?"


def sandbox(found: Startup) -> None:
    ok = found.median_ms <= TARGET_MS
    print()
    print(
        f"mock_customergauge() sandbox start+stop: median {found.median_ms:.1f} ms, "
        f"p90 {found.p90_ms:.1f} ms of {found.count}   target <= {TARGET_MS:g} ms   "
        f"{verdict(ok)}"
    )
    print(
        f"  (with a first token request: median {found.with_token_ms:.1f} ms; once per "
        f"process: import {found.import_ms:.0f} ms, the first sandbox with its template "
        f"{found.first_ms:.0f} ms)"
    )


def console(found: ConsoleTimes) -> None:
    slowest = found.slowest
    print()
    print(
        f"console pages on {found.kind} with {found.records:,} survey records: slowest "
        f"{slowest.path} median {slowest.median:.1f} ms (worst {slowest.worst:.1f} ms) of "
        f"{len(found.pages)} pages   target <= {CONSOLE_TARGET_MS:g} ms   {verdict(found.ok)}"
    )
    for page in sorted(found.pages, key=lambda p: -p.median)[:5]:
        print(f"  {page.path:<48} median {page.median:6.1f} ms   worst {page.worst:6.1f} ms")


def dashboard(found: DashboardTimes) -> None:
    print()
    default = found.default
    print(
        f"dashboard on {found.kind} with {found.records:,} survey records, {found.accounts:,}"
        " accounts "
        f"(loaded in {found.load_seconds:.0f} s): {default.label} median "
        f"{default.median:.1f} ms (worst {default.worst:.1f} ms)   target <= "
        f"{DASHBOARD_TARGET_MS:g} ms   {verdict(found.ok)}"
    )
    for view in found.views:
        print(f"  {view.label:<32} median {view.median:6.1f} ms   worst {view.worst:6.1f} ms")


def summary(
    ceiling_result: Result | None,
    found_lean: Lean | None,
    rows: list[Measured],
    found_reads: Reads | None,
    found_import: Imported | None,
    found_sandbox: Startup | None,
    found_console: list[ConsoleTimes] | None = None,
    found_dashboard: list[DashboardTimes] | None = None,
) -> dict[str, Any]:
    """Everything measured, for ``--json``."""
    return {
        "ceiling": asdict(ceiling_result) if ceiling_result else None,
        "lean": {**asdict(found_lean), "ratio": found_lean.ratio} if found_lean else None,
        "records": [{**asdict(row), "target": row.target, "pass": row.passed} for row in rows],
        "paging": (
            {
                **asdict(found_reads),
                "p99_factor": found_reads.factor,
                "alone_p99_ms": found_reads.alone_p99_ms,
                "export_records_per_s": found_reads.export.records_per_s,
            }
            if found_reads
            else None
        ),
        "import": (
            {**asdict(found_import), "rows_per_s": found_import.rows_per_s}
            if found_import
            else None
        ),
        "sandbox": asdict(found_sandbox) if found_sandbox else None,
        "console": [
            {**asdict(found), "slowest": found.slowest.path, "pass": found.ok}
            for found in found_console or []
        ],
        "dashboard": [
            {**asdict(found), "default_median_ms": found.default.median, "pass": found.ok}
            for found in found_dashboard or []
        ],
    }
