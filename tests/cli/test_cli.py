"""The ``opengauge`` command, run as a real process."""

from __future__ import annotations

import csv
import json
import re
import shlex
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest

from opengauge.cli.serve import worker_environment
from opengauge.server.settings import Settings
from opengauge.server.storage import migrate
from tests.conftest import BACKENDS
from tests.support import OPENGAUGE, Served, ServerProcesses, clean_env, database_url, free_port

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*OPENGAUGE, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=120
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
    assert f"database at revision {migrate.head_revision()}" in upgraded.stdout
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
        env={**clean_env(), "OPENGAUGE_PORT": "x"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "OPENGAUGE_PORT must be a whole number" in result.stderr


def test_demo_walkthrough_runs_verbatim(serve: ServerProcesses, tmp_path: Path) -> None:
    # The user runs `make serve` in the checkout, where .venv exists.
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    served: Served = serve("--demo")
    text = "".join(served.output)
    assert "client id demo-client, client secret demo-secret, API key demo-api-key" in text
    console = f"Console: http://localhost:{served.port}/console/"
    assert f"{console} (sign in as demo@example.com, password demo-password)" in text
    # The walkthrough is the indented block after that line; bash reads its "#" lines as
    # comments, so the block runs exactly as printed.
    block = text.split("API key demo-api-key\n", 1)[1].split("OpenGauge listening", 1)[0]
    assert [line.strip()[:4] for line in block.splitlines() if "# " in line] == [
        "# 1.",
        "# 2.",
        "# 3.",
        "# 4.",
        "# 5.",
        "# 6.",
    ]
    script = "set -e\n" + textwrap.dedent(block)
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=clean_env(),
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
    link = re.search(r'"survey_link":"(http://localhost:\d+/r/[\w-]{16})"', out)
    assert link, out
    with httpx.Client() as http:
        page = http.get(link.group(1).replace("localhost", "127.0.0.1"))
    assert page.status_code == 200
    # The demo tenant's display name (demo.yaml), not its system name.
    assert "How likely are you to recommend Demo Company to a friend or colleague?" in page.text


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
    serve: ServerProcesses, tmp_path: Path, backend: str
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "systems:\n  - name: w\n"
        "    connected_apps: [{name: a, client_id: w-c, client_secret: w-s}]\n"
        "    mappings: [{reference: acc, name: A, data_type: Account,"
        " fields: {Name: account.name}}]\n"
    )
    with database_url(backend, tmp_path) as url:
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
        # One admin token for every worker: each request may land on either process.
        printed = re.search(r"control plane admin token: (\S+)", "".join(served.output))
        assert printed
        admin = {"Authorization": f"Bearer {printed[1]}"}
        answers = [httpx.get(f"{base}/_opengauge/systems", headers=admin) for _ in range(20)]
        assert [a.status_code for a in answers] == [200] * 20


def test_worker_environment_rebuilds_every_setting() -> None:
    settings = Settings(
        port=9000,
        workers=3,
        admin_token="t",
        journal_size=7,
        strict_mapping=True,
        demo=True,
        seed="s.yaml",
        outbox_poll_seconds=0.5,
    )
    rebuilt = Settings.from_env(worker_environment(settings))
    assert rebuilt == settings.replace(workers=1, public_url="http://localhost:9000")


def _post_json(url: str, body: bytes) -> dict[str, str]:
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=30) as answer:
        result: dict[str, str] = json.load(answer)
        return result


def test_readme_sdk_snippet_runs_against_the_demo(serve: ServerProcesses, tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("## The Python SDK", 1)[1].split("```python\n", 1)[1].split("```")[0]
    served = serve("--demo")
    script = snippet.replace("http://localhost:8080", served.base_url)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['Global', 'Europe', 'Netherlands']"


def test_readme_cli_snippet_runs_against_the_demo(serve: ServerProcesses, tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("## Bulk import and export", 1)[1].split("```sh\n", 1)[1]
    snippet = snippet.split("```")[0]
    assert snippet in (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    served = serve("--demo")
    script = snippet.replace("http://localhost:8080", served.base_url).replace(
        ".venv/bin/opengauge", shlex.join(OPENGAUGE)
    )
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "2 imported, 0 refused" in result.stdout
    assert "1 imported, 0 refused" in result.stdout
    with (tmp_path / "people.links.csv").open(encoding="utf-8", newline="") as handle:
        (link,) = list(csv.DictReader(handle))
    assert link["Email"] == "ann@example.com"
    assert link["survey_link"].startswith(f"http://localhost:{served.port}/r/")
    pending = [
        json.loads(line)
        for line in (tmp_path / "pending.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    # The demo's sample invitations nobody answered come first, then Ann's, the newest.
    assert pending[-1]["email"] == "ann@example.com"
    assert {record["number_order"][:7] for record in pending[:-1]} == {"SAMPLE-"}


def test_seed_validate_and_apply_agree_on_escaped_surrogates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    paired = tmp_path / "paired.json"
    paired.write_text(json.dumps({"systems": [{"name": "smile", "touchpoints": ["😀"]}]}))
    lone = tmp_path / "lone.yaml"
    lone.write_text('systems: [{name: "lone \\ud83d"}]\n')
    assert _run("seed", "validate", str(paired)).returncode == 0
    applied = _run("seed", "apply", str(paired), "--database", url)
    assert applied.returncode == 0, applied.stderr
    assert "system smile: created" in applied.stdout
    refused = _run("seed", "validate", str(lone))
    assert refused.returncode == 1
    assert "systems[0].name: a lone UTF-16 surrogate (\\ud83d) is not a character" in refused.stderr
    assert _run("seed", "apply", str(lone), "--database", url).returncode == 1
