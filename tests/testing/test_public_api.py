"""The public surface of opengauge.testing, pinned."""

from __future__ import annotations

import inspect

import opengauge.testing
from opengauge.testing import Sandbox, ThreadedServer

EXPORTED = {
    "DEFAULT_CREDENTIALS",
    "Credentials",
    "CustomerGaugeMock",
    "Sandbox",
    "SeedError",
    "System",
    "ThreadedServer",
    "Urls",
    "default_seed",
    "mock_customergauge",
}

#: What a sandbox and a ThreadedServer both offer a test.
SHARED = {
    "accounts",
    "add_fault",
    "admin_token",
    "api_key",
    "app",
    "apply_seed",
    "bounces",
    "client_id",
    "client_secret",
    "clock",
    "close",
    "contacts",
    "control",
    "credentials",
    "journal",
    "mappings",
    "outbox",
    "region",
    "reset",
    "survey_records",
    "system",
    "systems",
    "unsubscribes",
    "urls",
}


def test_exported_names() -> None:
    assert set(opengauge.testing.__all__) == EXPORTED
    # pytest rewrites the asserts of plugin distributions and adds its own "@" names; the
    # plugin module itself is a submodule, not an export.
    public = {
        name
        for name, value in vars(opengauge.testing).items()
        if not name.startswith(("_", "@")) and not inspect.ismodule(value)
    }
    assert public == EXPORTED


def test_mock_customergauge_signature() -> None:
    signature = inspect.signature(opengauge.testing.mock_customergauge)
    assert list(signature.parameters) == ["seed", "strict", "rate_limits"]
    for name in ("strict", "rate_limits"):
        assert signature.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY


def test_sandbox_and_server_share_one_surface() -> None:
    with Sandbox() as sandbox:
        assert {n for n in dir(sandbox) if not n.startswith("_")} >= SHARED
        assert {"activate", "deactivate"} <= set(dir(sandbox))
    with ThreadedServer() as server:
        assert SHARED | {"url", "host", "port"} <= {n for n in dir(server) if not n.startswith("_")}
