"""``mock_customergauge``: a sandbox as a context manager, a decorator, or start/stop."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, overload

from opengauge.testing._sandbox import Sandbox
from opengauge.testing._seed import SeedSource

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


class CustomerGaugeMock:
    """Serves ``*.customergauge.com`` from a fresh sandbox while active.

    Each ``with`` block, each call of a decorated function and each ``start()`` gets a new
    sandbox with a fresh database, so nothing leaks from one test into the next.
    """

    def __init__(
        self, seed: SeedSource = None, *, strict: bool = False, rate_limits: bool = False
    ) -> None:
        self._seed = seed
        self._strict = strict
        self._rate_limits = rate_limits
        self._active: list[Sandbox] = []

    @property
    def sandbox(self) -> Sandbox:
        """The sandbox of the innermost active block or call."""
        if not self._active:
            raise RuntimeError("mock_customergauge is not active")
        return self._active[-1]

    def start(self) -> Sandbox:
        """Make a sandbox and route requests to it; ``stop()`` undoes both."""
        sandbox = Sandbox(self._seed, strict=self._strict, rate_limits=self._rate_limits)
        sandbox.activate()
        self._active.append(sandbox)
        return sandbox

    def stop(self) -> None:
        """Undo the latest ``start()``: requests go back to the network, the data is gone."""
        self._active.pop().close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @overload
    def __call__(self, target: C) -> C: ...

    @overload
    def __call__(self, target: F) -> F: ...

    def __call__(self, target: Any) -> Any:
        """Decorate a function (sync or async) or every ``test*`` method of a class."""
        if isinstance(target, type):
            for name, member in list(vars(target).items()):
                if name.startswith("test") and callable(member):
                    setattr(target, name, self(member))
            return target
        if inspect.iscoroutinefunction(target):

            @functools.wraps(target)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await target(*args, **kwargs)

            return run_async

        @functools.wraps(target)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return target(*args, **kwargs)

        return run


def mock_customergauge(
    seed: SeedSource = None, *, strict: bool = False, rate_limits: bool = False
) -> CustomerGaugeMock:
    """Route every ``requests``/``httpx`` call to ``*.customergauge.com`` into OpenGauge.

    ``seed`` is a seed dict, the path of a YAML/JSON seed file, or None for
    :func:`default_seed`. ``strict=True`` refuses imports whose records carry keys the
    mapping ignores (422) instead of dropping them silently as CustomerGauge does.
    ``rate_limits=True`` turns on the server's abuse limits (off in a sandbox): ten failed
    logins a minute per client id or address, ten submissions a minute per survey link.

    Use it as ``with mock_customergauge() as cg:``, as a decorator (sync or async test
    functions, or a test class), or with ``start()``/``stop()``.
    """
    return CustomerGaugeMock(seed, strict=strict, rate_limits=rate_limits)
