"""The pytest plugin: the ``customergauge`` and ``customergauge_server`` fixtures.

Registered through the ``pytest11`` entry point, so installing ``opengauge`` is enough. It
does nothing in a test that does not ask for a fixture: no autouse fixture, no patching, and
the server is only imported when a fixture is first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from opengauge.testing import Sandbox, ThreadedServer
    from opengauge.testing._seed import SeedSource

MARKER = "customergauge"
SCOPES = ("function", "class", "module", "package", "session")

#: Sandboxes kept beyond one test: (owning node id, seed, strict, rate limits) -> sandbox.
_KEPT = pytest.StashKey[dict[tuple[str, bytes, bool, bool], "Sandbox"]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(seed=None, strict=False, scope='function', rate_limits=False): the sandbox "
        "the customergauge fixture gives this test; with scope='module' (or class, package, "
        "session) the tests of that scope share one sandbox and its data; rate_limits=True "
        "turns the server's abuse limits on.",
    )


@dataclass(frozen=True)
class _Options:
    seed: SeedSource
    strict: bool
    scope: str
    rate_limits: bool


def _options(request: pytest.FixtureRequest) -> _Options:
    marker = request.node.get_closest_marker(MARKER)
    args: tuple[Any, ...] = marker.args if marker else ()
    kwargs: dict[str, Any] = dict(marker.kwargs) if marker else {}
    if args:
        kwargs.setdefault("seed", args[0])
    unknown = set(kwargs) - {"seed", "strict", "scope", "rate_limits"}
    if unknown:
        raise TypeError(f"@pytest.mark.{MARKER} got unknown arguments {sorted(unknown)}")
    scope = kwargs.get("scope", "function")
    if scope not in SCOPES:
        raise ValueError(f"@pytest.mark.{MARKER}: scope must be one of {SCOPES}, not {scope!r}")
    return _Options(
        kwargs.get("seed"),
        bool(kwargs.get("strict", False)),
        scope,
        bool(kwargs.get("rate_limits", False)),
    )


@pytest.fixture
def customergauge(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A CustomerGauge sandbox: ``*.customergauge.com`` requests of requests/httpx go to it.

    Fresh data for every test unless ``@pytest.mark.customergauge(scope=...)`` says to share.
    """
    from opengauge.testing import Sandbox

    options = _options(request)
    if options.scope == "function":
        with Sandbox(
            options.seed, strict=options.strict, rate_limits=options.rate_limits
        ) as sandbox:
            sandbox.activate()
            yield sandbox
        return
    sandbox = _kept(request, options)
    sandbox.activate()
    try:
        yield sandbox
    finally:
        sandbox.deactivate()


def _kept(request: pytest.FixtureRequest, options: _Options) -> Sandbox:
    """The sandbox shared by the tests of ``options.scope``; closed when that scope ends."""
    import msgspec

    from opengauge.testing import Sandbox
    from opengauge.testing._seed import read_seed

    owner = _owner(request, options.scope)
    seed = read_seed(options.seed)
    key = (owner.nodeid, msgspec.json.encode(seed), options.strict, options.rate_limits)
    kept = request.config.stash.setdefault(_KEPT, {})
    sandbox = kept.get(key)
    if sandbox is None:
        sandbox = kept[key] = Sandbox(seed, strict=options.strict, rate_limits=options.rate_limits)
        owner.addfinalizer(lambda: kept.pop(key).close())
    return sandbox


def _owner(request: pytest.FixtureRequest, scope: str) -> pytest.Item | pytest.Collector:
    kinds: dict[str, type[pytest.Collector]] = {
        "class": pytest.Class,
        "module": pytest.Module,
        "package": pytest.Package,
    }
    node: pytest.Item | pytest.Collector | None = None
    if scope in kinds:
        node = request.node.getparent(kinds[scope])
    if node is None and scope in ("class", "package"):  # no class, or a rootless module
        node = request.node.getparent(pytest.Module)
    return node or request.session


@pytest.fixture
def customergauge_server(request: pytest.FixtureRequest) -> Iterator[ThreadedServer]:
    """OpenGauge on a loopback port (``.url``) for clients that are not Python.

    Takes ``seed``, ``strict`` and ``rate_limits`` from ``@pytest.mark.customergauge``; fresh
    for every test.
    """
    from opengauge.testing import ThreadedServer

    options = _options(request)
    with ThreadedServer(
        options.seed, strict=options.strict, rate_limits=options.rate_limits
    ) as server:
        yield server
