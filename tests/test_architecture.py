"""Layer rules from docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "opengauge"
SERVER = SRC / "server"

#: Packages of server/ that are layers under the families, not API families.
LAYERS = frozenset({"http", "domain", "storage"})
#: What every family may import from another: the bearer check and the caller's claims.
SHARED = ("opengauge.server.auth.service", "opengauge.server.auth.tokens")
#: (family, family it may import), each for the reason docs/architecture.md gives.
ALLOWED = frozenset(
    {
        ("control", "seed"),  # control is the seed family's endpoint layer
        ("rest", "anonymization"),  # the GDPR use case the v6 endpoint serves
        ("v4_1", "anonymization"),  # ... and the 4.1 anonymize module
    }
)
#: SQL statements as they start in a string literal.
SQL_TEXT = re.compile(r"\b(SELECT .* FROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE)\b")


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports; ``from a import b`` counts as ``a`` and ``a.b``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _families() -> list[str]:
    return sorted(
        path.name
        for path in SERVER.iterdir()
        if (path / "__init__.py").is_file() and path.name not in LAYERS
    )


def _family_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if parts[:2] == ["opengauge", "server"] and len(parts) > 2 else None


def _modules(folder: str) -> list[Path]:
    return sorted((SRC / folder).rglob("*.py"))


def test_only_storage_talks_sql() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "storage" not in path.relative_to(SRC).parts
        and any(
            name.split(".")[0] in {"sqlalchemy", "sqlite3", "psycopg", "alembic"}
            for name in _imports(path)
        )
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        # domain/ is pure: no web framework, no storage, no HTTP plumbing.
        (
            "server/domain",
            (
                "starlette",
                "uvicorn",
                "sqlalchemy",
                "opengauge.server.storage",
                "opengauge.server.http",
            ),
        ),
        # storage/ never reaches up into HTTP code or the API families.
        (
            "server/storage",
            (
                "starlette",
                "opengauge.server.http",
                *(f"opengauge.server.{family}" for family in _families()),
            ),
        ),
    ],
)
def test_lower_layers_do_not_import_upper_ones(folder: str, forbidden: tuple[str, ...]) -> None:
    for path in _modules(folder):
        bad = [n for n in _imports(path) if n.startswith(forbidden)]
        assert bad == [], f"{path.name} imports {bad}"


def test_the_families_are_every_package_but_the_layers() -> None:
    assert {
        "anonymization",
        "auth",
        "control",
        "imports",
        "operations",
        "outbox",
        "rest",
        "seed",
        "survey",
        "v4_1",
    } <= set(_families())


@pytest.mark.parametrize("family", _families())
def test_a_family_imports_no_other_but_the_documented_exceptions(family: str) -> None:
    for path in _modules(f"server/{family}"):
        crossing = sorted(
            name
            for name in _imports(path)
            if _family_of(name) not in {None, family, *LAYERS}
            and (family, _family_of(name)) not in ALLOWED
            and not name.startswith(SHARED)
            and (SERVER / str(_family_of(name))).is_dir()
        )
        assert crossing == [], f"{path.relative_to(SRC)} imports {crossing}"


def test_sql_text_is_written_only_in_storage() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path in SRC.rglob("*.py")
        if "storage" not in path.relative_to(SRC).parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and SQL_TEXT.search(node.value)
    ]
    assert offenders == []


def test_the_sdk_imports_nothing_but_httpx_and_itself() -> None:
    for path in _modules("client"):
        outside = [
            n
            for n in _imports(path)
            if n.startswith("opengauge") and not n.startswith("opengauge.client")
        ]
        assert outside == [], f"{path.name} imports {outside}"
