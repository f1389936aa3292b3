"""Running it in production: start-up mistakes, backups, workers' metrics, the systemd unit."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import BACKENDS, POSTGRES_URL
from tests.support import OPENGAUGE, ServerProcesses, clean_env, database_url, free_port

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*OPENGAUGE, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=120
    )


def _one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a failed command printed (and nothing else)."""
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, lines
    return lines[0]


def test_a_port_in_use_stops_serve_before_the_database_is_touched(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = _run(
            "serve", "--port", str(port), "--database", f"sqlite:///{tmp_path / 'x.db'}", "--demo"
        )
    line = _one_line_failure(result)
    assert line == (
        f"Error: port {port} on 127.0.0.1 is already in use: stop the program listening there"
        " or choose another --port"
    )
    assert list(tmp_path.iterdir()) == []  # not migrated, not seeded, not even created


def test_a_bad_seed_stops_serve_before_the_database_is_touched(tmp_path: Path) -> None:
    seed = tmp_path / "bad.yaml"
    seed.write_text('systems: [{name: x, touchpoints: ["a\\u0000b"]}]\n', encoding="utf-8")
    result = _run("serve", "--database", f"sqlite:///{tmp_path / 'x.db'}", "--seed", str(seed))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "systems[0].touchpoints[0]" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]  # no database made


def _postgres(user: str = "", database: str = "") -> str:
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    url = url.set(username=user or url.username, database=database or url.database)
    return url.render_as_string(hide_password=False)


_PG_CASES = [
    pytest.param(
        lambda: _postgres(database="opengauge_no_such_db"),
        "the database does not exist; create it with `createdb opengauge_no_such_db`",
        id="unknown-database",
    ),
    pytest.param(
        lambda: _postgres(user="opengauge_no_such_role"),
        "the role 'opengauge_no_such_role' does not exist; create it or fix the URL",
        id="unknown-role",
    ),
]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            lambda: f"postgresql://someone:s3cret@127.0.0.1:{free_port()}/db",
            "(Connection refused); is PostgreSQL running there?",
            id="unreachable",
        ),
        pytest.param(
            lambda: "postgresql://someone:s3cret@db.internal:port/db",
            "the database URL is malformed (invalid literal for int() with base 10: 'port'):"
            " postgresql://someone:***@db.internal:port/db",
            id="malformed",
        ),
        pytest.param(
            lambda: "sqlite:///no/such/folder/x.db",
            "the folder no/such/folder of the SQLite database does not exist",
            id="sqlite-folder",
        ),
        *(_PG_CASES if POSTGRES_URL else []),
    ],
)
def test_database_mistakes_stop_serve_with_one_line(
    tmp_path: Path, url: object, expected: str
) -> None:
    assert callable(url)
    result = _run("serve", "--port", str(free_port()), "--database", url(), cwd=tmp_path)
    line = _one_line_failure(result)
    assert line.startswith("Error: ")
    assert line.endswith(expected)
    assert "s3cret" not in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [("db", "upgrade"), ("seed", "apply", "{seed}")])
def test_database_commands_stop_with_one_line_too(tmp_path: Path, command: tuple[str, ...]) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("systems:\n  - name: s\n")
    url = f"postgresql://someone@127.0.0.1:{free_port()}/db"
    args = [part.format(seed=seed) for part in command]
    line = _one_line_failure(_run(*args, "--database", url))
    assert line == (
        f"Error: cannot connect to PostgreSQL someone@{url.split('@')[1]} (Connection refused);"
        " is PostgreSQL running there?"
    )


def test_a_file_that_is_not_a_database_stops_serve_and_stays_as_it_was(tmp_path: Path) -> None:
    stray = tmp_path / "notes.db"
    stray.write_text("my notes, not a database\n" * 100)
    before = stray.read_bytes()
    result = _run("serve", "--port", str(free_port()), "--database", f"sqlite:///{stray}")
    line = _one_line_failure(result)
    assert line == f"Error: cannot read the SQLite file {stray}: file is not a database"
    assert stray.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_db_show_without_a_database_says_so_and_creates_nothing(tmp_path: Path) -> None:
    result = _run("db", "show", "accounts", cwd=tmp_path)
    line = _one_line_failure(result)
    assert result.returncode == 1
    assert line == (
        "Error: no database at opengauge.db: run this in the folder `opengauge serve` uses,"
        " pass --database, or create one with `opengauge db upgrade`"
    )
    assert list(tmp_path.iterdir()) == []


def test_db_show_on_an_empty_postgres_database_says_so(tmp_path: Path) -> None:
    if not POSTGRES_URL:
        pytest.skip("needs OPENGAUGE_TEST_POSTGRES_URL")
    with database_url("postgres", tmp_path) as url:
        line = _one_line_failure(_run("db", "show", "accounts", "--database", url))
    assert line.endswith("has no OpenGauge schema: run `opengauge db upgrade` first")


def test_db_backup_copies_a_live_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    seed = tmp_path / "seed.yaml"
    seed.write_text("systems:\n  - name: kept\n")
    assert _run("seed", "apply", str(seed), "--database", url).returncode == 0
    assert _run("bounces", "add", "a@example.com", "--system", "kept", "--database", url).stdout
    copy = tmp_path / "copy.db"
    result = _run("db", "backup", str(copy), "--database", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"backed up to {copy}"
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT name FROM systems").fetchall() == [("kept",)]
        assert conn.execute("SELECT COUNT(*) FROM bounces").fetchone() == (1,)
    # The copy is a working database for every command.
    assert _run("db", "current", "--database", f"sqlite:///{copy}").returncode == 0
    again = _run("db", "backup", str(copy), "--database", url)
    assert _one_line_failure(again) == f"Error: {copy} exists already; choose a new file name"


def test_db_backup_leaves_files_beside_its_target_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    assert _run("db", "upgrade", "--database", url).returncode == 0
    neighbour = tmp_path / "copy.db.partial"
    neighbour.write_bytes(b"someone else's file")
    result = _run("db", "backup", str(tmp_path / "copy.db"), "--database", url)
    assert result.returncode == 0, result.stderr
    assert neighbour.read_bytes() == b"someone else's file"
    assert (tmp_path / "copy.db").is_file()
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == ["copy.db.partial"]


def test_db_backup_of_postgres_prints_the_pg_dump_line_without_the_password(
    tmp_path: Path,
) -> None:
    result = _run(
        "db", "backup", "b.dump", "--database", "postgresql://og:s3cret@db.internal:6543/prod"
    )
    assert result.returncode == 1
    assert result.stdout.strip() == (
        "pg_dump --format=custom --file=b.dump --host=db.internal --port=6543 --username=og"
        " --dbname=prod"
    )
    assert "s3cret" not in result.stdout + result.stderr
    assert "nothing was written" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_pg_dump_line_keeps_the_url_parameters(tmp_path: Path) -> None:
    url = "postgresql://og:s3cret@db.internal/prod?sslmode=require&options=-csearch_path%3Dog"
    result = _run("db", "backup", "b.dump", "--database", url)
    assert result.returncode == 1
    assert result.stdout.strip() == (
        "pg_dump --format=custom --file=b.dump --host=db.internal --username=og"
        " '--dbname=postgresql:///prod?options=-csearch_path%3Dog&sslmode=require'"
    )
    assert "s3cret" not in result.stdout + result.stderr


def test_no_control_plane_turns_the_sandbox_off(serve: ServerProcesses, tmp_path: Path) -> None:
    served = serve("--no-control-plane", "--database", f"sqlite:///{tmp_path / 'p.db'}")
    answer = httpx.get(f"{served.base_url}/_opengauge/systems", headers={"Authorization": "x"})
    assert answer.status_code == 404
    assert answer.json() == {"message": "Not found."}


def _requests_counted(base_url: str) -> float:
    text = httpx.get(f"{base_url}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "opengauge_requests_total"
        and sample.labels == {"family": "other", "method": "GET", "status": "404"}
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_metrics_add_up_every_worker(serve: ServerProcesses, tmp_path: Path, backend: str) -> None:
    with database_url(backend, tmp_path) as url:
        served = serve("--workers", "2", "--database", url)
        workers = subprocess.run(
            ["pgrep", "-g", str(served.process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        folders = {_metrics_folder(pid) for pid in workers} - {None}
        assert len(folders) == 1  # the supervisor and both workers share one folder
        before = _requests_counted(served.base_url)
        # New connections each time, so the supervisor's socket spreads them over both.
        for _ in range(40):
            assert httpx.get(f"{served.base_url}/nowhere").status_code == 404
        after = _requests_counted(served.base_url)
        assert after - before == 40
        serve.stop_all()
    (folder,) = folders
    assert folder is not None
    assert not Path(folder).exists()  # removed when the server stopped


def _metrics_folder(pid: str) -> str | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in environ:
        if item.startswith(b"PROMETHEUS_MULTIPROC_DIR="):
            return item.split(b"=", 1)[1].decode()
    return None


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = tmp_path / "opengauge.service"
    text = (REPO / "deploy" / "opengauge.service").read_text()
    # verify checks that ExecStart exists; the unit names the usual install location.
    unit.write_text(text.replace("/opt/opengauge/venv/bin/opengauge", shutil.which("true") or ""))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
