"""``opengauge users create|list|disable`` on a local database, then used by a server."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from opengauge.cli.main import main
from opengauge.server.clock import Clock
from opengauge.server.domain.passwords import verify_password
from opengauge.server.storage import Database
from opengauge.server.storage.repositories.users import User
from opengauge.server.users import service
from tests.conftest import BACKENDS
from tests.support import OPENGAUGE, ServerProcesses, access_token, clean_env, database_url

SEED = """\
systems:
  - name: shop
    connected_apps:
      - {name: sso, client_id: shop-sso, client_secret: shop-sso-secret}
  - name: other
"""
PASSWORD = "correct horse battery"


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _run(url: str, *args: str, input: str | None = None) -> Ran:
    """The command in this process, as tests/cli/test_admin.py runs it; ``input`` is what
    the user types (or pipes)."""
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("OPENGAUGE_")}
    result = CliRunner().invoke(main, [*args, "--database", url], input=input, env=unset)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def _create(url: str, email: str, *options: str, password: str = PASSWORD) -> Ran:
    args = ("users", "create", "--system", "shop", "--email", email, "--name", "Ada Lovelace")
    return _run(url, *args, *options, "--password-stdin", input=f"{password}\n")


def _stored(url: str, system: str = "shop") -> list[User]:
    return Database(url).run_sync(service.list_users(system))


def _sessions(url: str, user: User) -> int:
    rows = Database(url).run_sync(
        lambda tx: tx.all("SELECT COUNT(*) FROM console_sessions WHERE user_id = ?", (user.id,))
    )
    return int(rows[0][0])


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the systems ``shop`` (with an app) and ``other``."""
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    with database_url(request.param, tmp_path) as made:
        assert _run(made, "seed", "apply", str(seed)).returncode == 0
        yield made


def test_create_list_and_disable(url: str) -> None:
    created = _create(url, "Ada@Example.com", "--role", "administrator")
    assert (created.returncode, created.stderr) == (0, "")
    assert (
        created.stdout.strip() == "user 'ada@example.com' (administrator) created in system 'shop'"
    )
    assert PASSWORD not in created.stdout

    typed = _run(
        url,
        *("users", "create", "--system", "shop", "--email", "grace@example.com"),
        *("--name", "Grace Hopper"),
        input=f"{PASSWORD} 2\n{PASSWORD} 2\n",
    )
    assert typed.returncode == 0, typed.stderr
    assert "Password:" in typed.stdout
    assert "Repeat for confirmation:" in typed.stdout
    assert PASSWORD not in typed.stdout  # hidden as it is typed

    ada, grace = _stored(url)
    assert (ada.email, ada.name, ada.role, ada.active) == (
        "ada@example.com",
        "Ada Lovelace",
        "administrator",
        True,
    )
    assert (grace.email, grace.role) == ("grace@example.com", "viewer")  # viewer by default
    assert ada.password_hash.startswith("$argon2id$")
    assert verify_password(PASSWORD, ada.password_hash)
    assert verify_password(f"{PASSWORD} 2", grace.password_hash)
    assert _stored(url, "other") == []

    listed = _run(url, "users", "list", "--system", "shop")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert re.fullmatch(r"email +name +role +active", lines[0])
    assert re.fullmatch(r"ada@example\.com +Ada Lovelace +administrator +yes", lines[1])
    assert re.fullmatch(r"grace@example\.com +Grace Hopper +viewer +yes", lines[2])
    assert lines[3] == "(2 rows)"

    for _ in range(2):
        Database(url).run_sync(service.start_session(ada, Clock())[1])
    Database(url).run_sync(service.start_session(grace, Clock())[1])
    disabled = _run(url, "users", "disable", " ADA@example.com ", "--system", "shop")
    assert (disabled.returncode, disabled.stdout.strip()) == (
        0,
        "ada@example.com: disabled, signed out of the console",
    )
    ada, grace = _stored(url)
    assert (ada.active, grace.active) == (False, True)
    assert (_sessions(url, ada), _sessions(url, grace)) == (0, 1)

    as_json = json.loads(_run(url, "users", "list", "--system", "shop", "--json").stdout)
    assert as_json == [
        {
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "role": "administrator",
            "active": False,
        },
        {"email": "grace@example.com", "name": "Grace Hopper", "role": "viewer", "active": True},
    ]
    assert json.loads(_run(url, "users", "list", "--system", "other", "--json").stdout) == []
    assert _run(url, "users", "list", "--system", "other").stdout.strip().endswith("(0 rows)")


def test_disabling_an_unknown_user_or_system_exits_1(url: str) -> None:
    assert _create(url, "ada@example.com").returncode == 0
    nobody = _run(url, "users", "disable", "nobody@example.com", "--system", "shop")
    assert (nobody.returncode, nobody.stderr.strip()) == (
        1,
        "no user with e-mail 'nobody@example.com' in system 'shop'",
    )
    elsewhere = _run(url, "users", "disable", "ada@example.com", "--system", "other")
    assert elsewhere.returncode == 1
    assert "no user with e-mail 'ada@example.com' in system 'other'" in elsewhere.stderr
    unknown = _run(url, "users", "disable", "ada@example.com", "--system", "nope")
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "System [nope] not found.")
    listed = _run(url, "users", "list", "--system", "nope")
    assert (listed.returncode, listed.stderr.strip()) == (1, "System [nope] not found.")
    assert [u.active for u in _stored(url)] == [True]


STDIN = {"--password-stdin": ""}


@pytest.mark.parametrize(
    ("options", "typed", "message"),
    [
        # Refused before the password is asked for: nothing is typed.
        ({"--email": "not-an-address"}, None, "email: Enter an e-mail address."),
        ({"--name": "   "}, None, "name: Enter a name."),
        ({"--name": "n" * 129}, None, "name: At most 128 characters, on one line."),
        ({"--name": "Ada\nBcc: x@example.com"}, None, "name: At most 128 characters, on one line."),
        ({"--role": "owner"}, None, "role: The role is one of administrator, viewer."),
        ({"--system": "nope"}, None, "System [nope] not found."),
        ({"--email": "TAKEN@example.com"}, None, "a user with e-mail 'taken@example.com' exists"),
        (STDIN, "short\n", "password: The password must be at least 8 characters."),
        (STDIN, "", "password: The password must be at least 8 characters."),
        (STDIN, "x" * 257, "password: The password may not be greater than 256 characters."),
        ({}, "short\nshort\n", "password: The password must be at least 8 characters."),
        # Two different entries, then nothing more to read: click asks again, then gives up.
        ({}, f"{PASSWORD}\n{PASSWORD}!\n", "Aborted!"),
    ],
)
def test_invalid_users_exit_1_and_store_nothing(
    url: str, options: dict[str, str], typed: str | None, message: str
) -> None:
    assert _create(url, "taken@example.com").returncode == 0
    given = {"--system": "shop", "--email": "ada@example.com", "--name": "Ada", **options}
    command = [part for option, value in given.items() for part in (option, value) if part]
    refused = _run(url, "users", "create", *command, input=typed)
    assert refused.returncode == 1
    assert message in refused.stderr
    assert [u.email for u in _stored(url)] == ["taken@example.com"]


def test_two_different_entries_ask_for_the_password_again(url: str) -> None:
    args = ("users", "create", "--system", "shop", "--email", "ada@example.com", "--name", "Ada")
    typed = f"{PASSWORD}\n{PASSWORD}!\n{PASSWORD}!\n{PASSWORD}!\n"
    created = _run(url, *args, input=typed)
    assert created.returncode == 0, created.stderr
    assert created.stdout.count("Password:") == 2
    assert "Error: The two entered values do not match." in created.stdout
    (user,) = _stored(url)
    assert verify_password(f"{PASSWORD}!", user.password_hash)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_user_made_here_is_disabled_by_the_server(
    serve: ServerProcesses, tmp_path: Path, backend: str
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    with database_url(backend, tmp_path) as url:
        assert _run(url, "seed", "apply", str(seed)).returncode == 0
        # A real process, the password piped in as a script would.
        created = subprocess.run(
            [*OPENGAUGE, "users", "create", "--system", "shop", "--email", "sso@example.com",
             "--name", "SSO user", "--password-stdin", "--database", url],
            input=f"{PASSWORD}\r\n",
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=120,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        (user,) = _stored(url)
        assert verify_password(PASSWORD, user.password_hash)  # the line ending is not in it

        served = serve("--database", url)
        token = access_token(served.base_url, "shop-sso", "shop-sso-secret")
        answer = httpx.patch(
            f"{served.base_url}/v5/user-manager/users/disable",
            json={"email": "SSO@example.com"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (answer.status_code, answer.content) == (204, b"")
        listed = _run(url, "users", "list", "--system", "shop").stdout
        assert re.search(r"^sso@example\.com +SSO user +viewer +no$", listed, re.MULTILINE)
