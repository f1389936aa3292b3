"""``PUT /records/`` throughput: the bare-ASGI ceiling, then mapping x database x workers.

Each configuration runs ``opengauge serve`` with its default settings (access log on) on a
fresh database, drives it with the same load as the ceiling, and checks that the keys sent
became rows and no upsert made a duplicate.

A shared machine's speed drifts by a third over the minutes a table takes, so one ceiling at
the start would make later rows look better or worse than they are. Each row is divided by
its own ceiling instead: the mean of the ceilings measured just before and just after it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from databases import LABELS, fresh
from harness import (
    BENCH_DIR,
    HOST,
    BenchBroken,
    Pinning,
    free_port,
    log_problems,
    opengauge_command,
    probe_ceiling,
    running,
    serve,
    server_env,
    wait_until,
)
from load import Generator, Load, Result
from workloads import ACCOUNT, CONTACT, Workload

#: (database, workers) -> (minimum ratio to the ceiling, maximum p99 in ms or None).
TARGETS: dict[tuple[str, int], tuple[float, float | None]] = {
    ("sqlite", 1): (0.40, 10.0),
    ("postgres", 1): (0.25, None),
    ("postgres", 2): (0.35, None),
}
WORKERS = {"sqlite": (1,), "postgres": (1, 2)}


def probe_lean(port: int) -> None:
    body = CONTACT.body("Probe", 1, 1)
    answer = httpx.put(f"http://{HOST}:{port}/records/", content=body, timeout=5)
    if answer.status_code != 200:
        raise BenchBroken(f"the lean app answered {answer.status_code}")


@dataclass
class Measured:
    """One row of the table."""

    mapping: str
    database: str
    workers: int
    result: Result
    #: The mean of the ceilings measured just before and just after this row, in req/s.
    ceiling_per_s: float
    ratio: float
    min_ratio: float
    max_p99_ms: float | None
    rows: int
    problems: list[str] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        p99_ok = self.max_p99_ms is None or self.result.p99_ms <= self.max_p99_ms
        return self.ratio >= self.min_ratio and p99_ok

    @property
    def target(self) -> str:
        text = f">= {self.min_ratio:.2f}x"
        if self.max_p99_ms is not None:
            text += f", p99 <= {self.max_p99_ms:g} ms"
        return text


@dataclass(frozen=True)
class Lean:
    """The lean bound (``lean.py``): the Contact mapping's SQLite writes and nothing else."""

    result: Result
    #: The mean of the ceilings measured just before and just after it, in req/s.
    ceiling_per_s: float

    @property
    def ratio(self) -> float:
        return self.result.requests_per_s / self.ceiling_per_s if self.ceiling_per_s else 0.0


@dataclass(frozen=True)
class Run:
    """One configuration under load: what the load saw, the rows it left, the log's warnings."""

    name: str
    result: Result
    stored: int
    log_lines: list[str]


@dataclass(frozen=True)
class Plan:
    """What the records part measures, and with what load."""

    connections: int
    duration: float
    warmup: float
    names: int
    workloads: tuple[Workload, ...]
    databases: tuple[str, ...]


@dataclass(frozen=True)
class RecordsBench:
    """The records part of one bench run: where it runs and with what."""

    generator: Generator
    plan: Plan
    pinning: Pinning
    workdir: Path
    seed_path: Path

    def ceiling(self) -> tuple[Result, list[str]]:
        """The bare ASGI app under the server's uvicorn options: the run's ceiling."""
        port = free_port()
        ceiling_app = str(BENCH_DIR / "ceiling.py")
        command = [*self.pinning.server, sys.executable, ceiling_app, "--port", str(port)]
        log_path = self.workdir / "ceiling.log"
        name = "ceiling (bare ASGI)"
        with running(command, log_path, server_env()) as process:
            wait_until(process, log_path, "the ceiling app", lambda: probe_ceiling(port))
            result = self.generator.run(self._load(ACCOUNT), port, "-", name, process.pid)
            if process.poll() is not None:
                raise BenchBroken(f"the ceiling app exited with status {process.returncode}")
        return result, log_problems(log_path)

    def table(self, ceiling: Result, each: Callable[[Measured], None]) -> list[Measured]:
        """Every mapping x database x workers configuration of the plan, in table order, each
        between two ceilings (``ceiling`` is the first); ``each`` hears of every row as soon as
        it is measured. A row also carries what its later ceiling's run found wrong."""
        rows: list[Measured] = []
        before = ceiling
        for workload in self.plan.workloads:
            for kind in self.plan.databases:
                for workers in WORKERS[kind]:
                    run = self._run(workload, kind, workers)
                    after, log = self.ceiling()
                    mean = (before.requests_per_s + after.requests_per_s) / 2
                    row = self._row(run, workload, kind, workers, mean)
                    row.problems += after.problems()
                    row.log_lines += [f"ceiling log: {line}" for line in log]
                    rows.append(row)
                    each(row)
                    before = after
        return rows

    def lean(self, before: Result) -> tuple[Lean, Result, list[str]]:
        """The lean bound on a fresh SQLite database that OpenGauge migrated and seeded,
        between ``before`` and a ceiling measured after it: the bound, that ceiling (for the
        next row), and what either run found wrong."""
        with fresh("sqlite", self.workdir) as database:
            path = database.url.removeprefix("sqlite:///")
            apply = [*opengauge_command(), "seed", "apply", str(self.seed_path)]
            subprocess.run(
                [*apply, "--database", database.url],
                env=server_env(),
                cwd=BENCH_DIR.parent,
                capture_output=True,
                check=True,
                timeout=60,
            )
            port = free_port()
            lean_app = str(BENCH_DIR / "lean.py")
            command = [*self.pinning.server, sys.executable, lean_app]
            command += ["--port", str(port), "--database", path]
            log_path = self.workdir / "lean.log"
            with running(command, log_path, server_env()) as process:
                wait_until(process, log_path, "the lean app", lambda: probe_lean(port))
                load = self._load(CONTACT)
                result = self.generator.run(load, port, "-", "lean bound", process.pid)
                if process.poll() is not None:
                    raise BenchBroken(f"the lean app exited with status {process.returncode}")
        after, log = self.ceiling()
        mean = (before.requests_per_s + after.requests_per_s) / 2
        problems = result.problems() + after.problems() + [f"ceiling log: {x}" for x in log]
        problems += [f"lean log: {line}" for line in log_problems(log_path)]
        return Lean(result, mean), after, problems

    def _run(self, workload: Workload, kind: str, workers: int) -> Run:
        label = f"{workload.mapping.lower()}-{kind}-{workers}w"
        name = f"{workload.mapping} / {LABELS[kind]} / {workers}w"
        log_path = self.workdir / f"server-{label}.log"
        with fresh(kind, self.workdir) as database:
            with serve(
                database.url, self.seed_path, log_path, self.pinning, workers=workers
            ) as server:
                load = self._load(workload)
                result = self.generator.run(
                    load, server.port, server.token, name, server.process.pid
                )
                server.check_alive(f"opengauge serve ({name})")
            stored = database.count(workload.table)
        log_lines = [f"server log ({label}): {line}" for line in log_problems(log_path)]
        return Run(name, result, stored, log_lines)

    def _row(
        self, run: Run, workload: Workload, kind: str, workers: int, ceiling: float
    ) -> Measured:
        min_ratio, max_p99 = TARGETS[(kind, workers)]
        ratio = run.result.requests_per_s / ceiling if ceiling else 0.0
        row = Measured(
            workload.mapping,
            LABELS[kind],
            workers,
            run.result,
            ceiling,
            ratio,
            min_ratio,
            max_p99,
            run.stored,
        )
        row.problems = run.result.problems()
        if run.stored == 0:
            row.problems.append(f"{run.name}: the {workload.table} table is empty after the run")
        if run.stored > 2 * self.plan.names:
            row.problems.append(
                f"{run.name}: {run.stored} {workload.table} rows for at most "
                f"{2 * self.plan.names} distinct keys: upserts created duplicates"
            )
        row.log_lines = list(run.log_lines)
        return row

    def _load(self, workload: Workload) -> Load:
        plan = self.plan
        return Load(
            workload,
            plan.connections,
            plan.duration,
            plan.warmup,
            plan.names,
            self.pinning.load,
            self.workdir,
        )
