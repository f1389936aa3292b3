"""The ``opengauge`` command, run as a real process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, POSTGRES_URL
from tests.support import free_port, postgres_database

REPO = Path(__file__).resolve().parents[2]
OPENGAUGE = [sys.executable, "-m", "opengauge"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENGAUGE_")}


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*OPENGAUGE, *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120
    )


def test_help_lists_the_commands() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for command in ("serve", "db", "seed"):
        assert command in result.stdout
    serve = _run("serve", "--help").stdout
    for option in (
        "--host",
        "--port",
        "--database",
        "--seed",
        "--demo",
        "--workers",
        "--public-url",
    ):
        assert option in serve


def test_seed_validate_reports_problems_with_paths(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("systems:\n  - name: a\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "systems:\n  - name: a\n    mappings:\n      - {reference: r, name: n,"
        " data_type: Account, fields: {X: contact.email}}\n"
    )
    ok = _run("seed", "validate", str(good))
    refused = _run("seed", "validate", str(bad))
    assert ok.returncode == 0
    assert ok.stdout.strip() == f"{good}: valid (1 system)"
    assert refused.returncode == 1
    assert "systems[0].mappings[0]: data type Account must map account.name" in refused.stderr


def test_db_upgrade_current_seed_apply_and_show(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _run("db", "current", "--database", url).stdout.startswith("empty")
    upgraded = _run("db", "upgrade", "--database", url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database at revision 0001" in upgraded.stdout
    seed = tmp_path / "seed.yaml"
    seed.write_text("systems:\n  - name: cli\n")
    applied = _run("seed", "apply", str(seed), "--database", url)
    assert "system cli: created" in applied.stdout
    assert "generated API key: " in applied.stdout
    shown = _run("db", "show", "accounts", "--database", url)
    assert shown.returncode == 0
    assert shown.stdout.splitlines()[0].split() == [
        "system",
        "id",
        "name",
        "number",
        "manager",
        "region",
        "parent_id",
        "updated_at",
    ]
    assert shown.stdout.strip().endswith("(0 rows)")


def test_bad_setting_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [*OPENGAUGE, "db", "current"],
        env={**_env(), "OPENGAUGE_PORT": "x"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "OPENGAUGE_PORT must be a whole number" in result.stderr


class Served:
    def __init__(self, process: subprocess.Popen[str], port: int, output: list[str]) -> None:
        self.process = process
        self.port = port
        self.output = output


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, cwd: Path = tmp_path) -> Served:
        port = free_port()
        process = subprocess.Popen(
            [*OPENGAUGE, "serve", "--port", str(port), "--no-access-log", *args],
            cwd=cwd,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        started.append(process)
        output: list[str] = []
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Application startup complete" in line or "Uvicorn running" in line:
                break
        _wait_until_up(port)
        return Served(process, port, output)

    yield start
    for process in started:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
        except urllib.error.HTTPError:
            return  # the server answered (404 for /)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port}")


def test_demo_walkthrough_runs_verbatim(serve: Callable[..., Served], tmp_path: Path) -> None:
    # The user runs `make serve` in the checkout, where .venv exists.
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    served: Served = serve("--demo")
    text = "".join(served.output)
    assert "client id demo-client, client secret demo-secret, API key demo-api-key" in text
    # The walkthrough is the indented block after that line; bash reads its "#" lines as
    # comments, so the block runs exactly as printed.
    block = text.split("API key demo-api-key\n", 1)[1].split("OpenGauge listening", 1)[0]
    assert [line.strip()[:4] for line in block.splitlines() if "# " in line] == [
        "# 1.",
        "# 2.",
        "# 3.",
        "# 4.",
    ]
    script = "set -e\n" + textwrap.dedent(block)
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "HTTP/1.1 200 OK" in out
    assert (
        '{"message":"The given data was invalid.","errors":{"Email":'
        '["The Email must be a valid email address."]}}' in out
    )
    assert re.search(r"demo\s+\d+\s+ACME\s+A-1", out), out


def test_serve_fails_cleanly_on_a_bad_seed(tmp_path: Path) -> None:
    seed = tmp_path / "bad.yaml"
    seed.write_text("systems: [{name: x, region: mars}]\n")
    result = _run(
        "serve",
        "--seed",
        str(seed),
        "--database",
        f"sqlite:///{tmp_path / 'x.db'}",
        "--port",
        str(free_port()),
    )
    assert result.returncode == 1
    assert "systems[0].region: Invalid enum value 'mars'" in result.stderr


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_worker_processes_share_one_database(
    serve: Callable[..., Served], tmp_path: Path, backend: str
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "systems:\n  - name: w\n"
        "    connected_apps: [{name: a, client_id: w-c, client_secret: w-s}]\n"
        "    mappings: [{reference: acc, name: A, data_type: Account,"
        " fields: {Name: account.name}}]\n"
    )
    with _database_url(backend, tmp_path) as url:
        served: Served = serve("--workers", "2", "--seed", str(seed), "--database", url)
        base = f"http://127.0.0.1:{served.port}"
        token = _post_json(
            f"{base}/oauth2/token", b"grant_type=client_credentials&client_id=w-c&client_secret=w-s"
        )
        statuses = []
        for i in range(60):
            body = json.dumps({"configuration": "acc", "record": {"Name": f"A{i % 10}"}}).encode()
            request = urllib.request.Request(
                f"{base}/records/",
                data=body,
                method="PUT",
                headers={
                    "Authorization": f"Bearer {token['access_token']}",
                    "Content-Type": "application/json",
                },
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                statuses.append(answer.status)
        assert statuses == [200] * 60
        workers = subprocess.run(
            ["pgrep", "-g", str(served.process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert len(workers) >= 3  # the supervisor and two workers
        shown = _run("db", "show", "accounts", "--database", url)
        assert shown.stdout.strip().endswith("(10 rows)")


def _post_json(url: str, body: bytes) -> dict[str, str]:
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=30) as answer:
        result: dict[str, str] = json.load(answer)
        return result


class _database_url:
    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self.tmp_path = tmp_path
        self._pg: object = None

    def __enter__(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.tmp_path / 'workers.db'}"
        self._pg = postgres_database(POSTGRES_URL)
        return self._pg.__enter__()  # type: ignore[attr-defined, no-any-return]

    def __exit__(self, *exc: object) -> None:
        if self._pg is not None:
            self._pg.__exit__(*exc)  # type: ignore[attr-defined]


def test_readme_walkthrough_is_the_printed_one() -> None:
    from opengauge.cli.serve import walkthrough

    printed = walkthrough("http://localhost:8080").split("API key demo-api-key\n", 1)[1]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Walkthrough", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    assert block.strip() == textwrap.dedent(printed).strip()
