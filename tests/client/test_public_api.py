"""The SDK's public surface, pinned: a change here is a change for every user."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import opengauge.client

CLIENT = Path(opengauge.client.__file__).parent


def test_all_is_pinned() -> None:
    assert opengauge.client.__all__ == [
        "AnonymizeCandidate",
        "ApiKey",
        "AsyncClient",
        "AsyncExportIterator",
        "AuthenticationError",
        "Bounce",
        "CampaignError",
        "Client",
        "ClientCredentials",
        "ConnectionError",
        "Division",
        "DuplicateError",
        "ExportIterator",
        "ExportPage",
        "ExportRecord",
        "NotFoundError",
        "OpenGaugeError",
        "PayloadTooLargeError",
        "Period",
        "PersonalLink",
        "RateLimitError",
        "RetryPolicy",
        "RevenueUpload",
        "ServerError",
        "Unsubscribe",
        "V41Error",
        "ValidationError",
        "error_from_response",
        "set_testing",
    ]
    assert all(hasattr(opengauge.client, name) for name in opengauge.client.__all__)


def test_public_names_are_exported_once() -> None:
    # "@py_builtins"/"@pytest_ar": pytest's assertion rewriting marks every module of a
    # distribution with a pytest11 plugin (opengauge.testing) and injects these two.
    public = {name for name in vars(opengauge.client) if not name.startswith(("_", "@"))}
    assert public == set(opengauge.client.__all__)


def test_imports_only_httpx_and_itself() -> None:
    allowed_roots = {"httpx", "opengauge"}
    for path in CLIENT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                root = name.split(".")[0]
                if root == "opengauge":
                    assert name.startswith("opengauge.client"), (path, name)
                elif root not in allowed_roots:
                    assert root in sys.stdlib_module_names, (path, name)
