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
#: What every family may import from another: the authentication steps.
SHARED = ("opengauge.server.auth.service",)
#: (family, family it may import), each for the reason docs/architecture.md gives.
ALLOWED = frozenset(
    {
        ("control", "seed"),  # control is the seed family's endpoint layer
        ("rest", "anonymization"),  # the GDPR use case the v6 endpoint serves
        ("v4_1", "anonymization"),  # ... and the 4.1 anonymize module
        ("console", "control"),  # the console changes configuration through its use cases
        ("console", "seed"),  # ... which take the seed file's entries
        ("console", "users"),  # the console signs users in through the users use cases
        ("console", "v4_1"),  # ... and edits the division tree and drivers with the 4.1 rules
        ("console", "reporting"),  # the dashboard's figures ...
        ("v4_1", "reporting"),  # ... are the 4.1 NPS report's
        ("console", "workflow"),  # the Follow-up screen changes a follow-up ...
        ("v4_1", "workflow"),  # ... as POST /v4.1/workflow does
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


# -- one request contract (issue 11): http/ at the bottom, no package cycles, one skeleton --

SERVER = SRC / "server"
#: The API families: each serves its routes from ``endpoints.py`` (``ROUTES``) and keeps its
#: use cases in ``service.py``.
HTTP_FAMILIES = (
    "auth",
    "console",
    "control",
    "imports",
    "operations",
    "rest",
    "survey",
    "users",
    "v4_1",
)
#: Packages that serve no routes: plumbing, pure rules, storage, and use cases shared by
#: families (seed by the control plane, anonymization by rest and v4_1, outbox by the app).
OTHER_PACKAGES = (
    "anonymization",
    "domain",
    "http",
    "outbox",
    "reporting",
    "seed",
    "storage",
    "workflow",
)
#: What ``http/`` may import from the server: the wire errors, the settings, the log format.
HTTP_MAY_IMPORT = {"errors", "settings", "logs"}


def _part_of(module: str) -> str | None:
    """The ``opengauge.server`` child a module belongs to (a package or a top-level module)."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["opengauge", "server"] else None


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in SERVER.rglob("*.py"):
        own = path.relative_to(SERVER).parts[0].removesuffix(".py")
        targets = {_part_of(name) for name in _imports(path)} - {None, own}
        graph.setdefault(own, set()).update(t for t in targets if t is not None)
    return graph


def test_http_imports_nothing_above_it() -> None:
    for path in _modules("server/http"):
        above = {_part_of(name) for name in _imports(path)} - {None, "http", *HTTP_MAY_IMPORT}
        assert above == set(), f"http/{path.name} imports {sorted(a for a in above if a)}"


def test_no_import_cycles_among_server_packages() -> None:
    graph = _package_graph()
    cycles: list[list[str]] = []

    def walk(node: str, trail: list[str]) -> None:
        for target in sorted(graph.get(node, ())):
            if target in trail:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in done:
                walk(target, [*trail, target])
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            walk(start, [start])
    assert cycles == []


def test_every_package_is_a_family_or_named_as_something_else() -> None:
    packages = {p.parent.name for p in SERVER.glob("*/__init__.py")}
    assert packages == {*HTTP_FAMILIES, *OTHER_PACKAGES}


@pytest.mark.parametrize("family", HTTP_FAMILIES)
def test_every_family_has_the_skeleton(family: str) -> None:
    folder = SERVER / family
    assert (folder / "endpoints.py").is_file()
    # A suite of modules (4.1) keeps one sub-package per module, each with its service.
    modules = [p.parent for p in folder.glob("*/__init__.py")]
    assert all((module / "service.py").is_file() for module in modules)
    assert (folder / "service.py").is_file() or modules
    tree = ast.parse((folder / "endpoints.py").read_text(encoding="utf-8"))
    declared = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    assert {"FAMILY", "ROUTES"} <= declared


def test_a_file_name_means_one_layer_everywhere() -> None:
    """``endpoints.py`` only at a family's root; only endpoint layers touch the framework."""
    endpoints = {p.parent.name for p in SERVER.rglob("endpoints.py")}
    assert endpoints == set(HTTP_FAMILIES)
    for family in (*HTTP_FAMILIES, *OTHER_PACKAGES):
        if family == "http":
            continue
        for path in _modules(f"server/{family}"):
            if path.name != "endpoints.py":
                framework = [n for n in _imports(path) if n.startswith(("starlette", "uvicorn"))]
                framework += [n for n in _imports(path) if n == "opengauge.server.http.routing"]
                assert framework == [], f"{path.relative_to(SERVER)} imports {framework}"


def test_the_app_routes_every_family() -> None:
    tree = ast.parse((SERVER / "app.py").read_text(encoding="utf-8"))
    routed = {
        (node.module or "").removeprefix("opengauge.server.")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and any(alias.name == "endpoints" for alias in node.names)
    }
    assert routed == set(HTTP_FAMILIES)
