"""``opengauge apps`` and ``opengauge mappings`` on a local database, then used by a server."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from opengauge.cli.main import main
from tests.conftest import BACKENDS
from tests.support import ServerProcesses, database_url

SEED = """\
systems:
  - name: shop
    divisions: [{division: Europe, parent: Global}]
    segments: [Product]
  - name: other
"""


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _run(url: str, *args: str) -> Ran:
    """The command in this process (a fresh interpreter per call would cost a second each);
    the server that uses the result is a real ``opengauge serve`` process."""
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("OPENGAUGE_")}
    result = CliRunner().invoke(main, [*args, "--database", url], env=unset)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def _token(base_url: str, client_id: str, secret: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_apps_and_mappings_made_here_work_on_the_server(
    serve: ServerProcesses, tmp_path: Path, backend: str
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    with database_url(backend, tmp_path) as url:
        assert _run(url, "seed", "apply", str(seed)).returncode == 0

        created = _run(url, "apps", "create", "--system", "shop", "--name", "CRM sync")
        assert created.returncode == 0, created.stderr
        client_id = re.search(r"^client_id: +(\S+)$", created.stdout, re.MULTILINE)
        secret = re.search(r"^client_secret: +(\S+)$", created.stdout, re.MULTILINE)
        assert client_id
        assert secret
        assert "not shown again" in created.stderr

        again = _run(url, "apps", "create", "--system", "other", "--name", "x", "--client-id")
        assert again.returncode == 2  # --client-id needs a value: click's usage error
        taken = [
            "apps",
            "create",
            "--system",
            "other",
            "--name",
            "x",
            "--client-id",
            client_id[1],
        ]
        refused = _run(url, *taken)
        assert refused.returncode == 1
        assert f"a connected app with client id {client_id[1]!r} exists already" in refused.stderr
        unknown = _run(url, "apps", "create", "--system", "nope", "--name", "x")
        assert (unknown.returncode, unknown.stderr.strip()) == (1, "System [nope] not found.")
        wrong_division = [
            *("apps", "create", "--system", "shop", "--name", "x", "--division", "Mars"),
        ]
        assert "Mars" in _run(url, *wrong_division).stderr

        mapping = _run(
            url,
            "mappings",
            "create",
            "--system",
            "shop",
            "--name",
            "Orders",
            "--type",
            "Account",
            "--field",
            "Company=account.name",
            "--field",
            "Shop ID=account.number",
        )
        assert mapping.returncode == 0, mapping.stderr
        reference = re.search(r"^reference: (\S+)$", mapping.stdout, re.MULTILINE)
        assert reference
        bad = _run(
            url,
            "mappings",
            "create",
            "--system",
            "shop",
            "--name",
            "Bad",
            "--type",
            "Account",
            "--field",
            "X=contact.nothing",
        )
        assert bad.returncode == 1
        assert "unknown target field 'contact.nothing' (heading 'X')" in bad.stderr
        assert "body:" not in bad.stderr
        malformed = _run(url, "mappings", "create", "--system", "shop", "--name", "M", "--type",
                         "Account", "--field", "no-equals-sign")  # fmt: skip
        assert malformed.returncode == 2
        assert "--field takes 'Heading=target'" in malformed.stderr

        listed = _run(url, "mappings", "list", "--system", "shop").stdout
        assert re.search(rf"shop +{reference[1]} +Orders +Account +2", listed)
        shown = json.loads(_run(url, "mappings", "show", reference[1], "--system", "shop",
                                "--json").stdout)  # fmt: skip
        assert shown["fields"] == {"Company": "account.name", "Shop ID": "account.number"}
        assert _run(url, "mappings", "show", "nope", "--system", "shop").returncode == 1

        served = serve("--database", url)
        answer = _token(served.base_url, client_id[1], secret[1])
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
        put = httpx.put(
            f"{served.base_url}/records/",
            json={"configuration": reference[1], "record": {"Company": "ACME", "Shop ID": "7"}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert put.status_code == 200, put.text
        assert "ACME" in _run(url, "db", "show", "accounts", "--system", "shop").stdout

        revoked = _run(url, "apps", "revoke", client_id[1])
        assert (revoked.returncode, revoked.stdout.strip()) == (0, f"{client_id[1]}: revoked")
        listed = _run(url, "apps", "list").stdout
        assert re.search(rf"shop +CRM sync +{client_id[1]} +Global +revoked", listed)
        put = httpx.put(
            f"{served.base_url}/records/",
            json={"configuration": reference[1], "record": {"Company": "Globex"}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert put.status_code == 401
        assert _token(served.base_url, client_id[1], secret[1]).status_code != 200
        assert _run(url, "apps", "revoke", "nobody").returncode == 1
