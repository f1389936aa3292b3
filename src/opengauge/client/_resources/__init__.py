"""One module per API family; each holds the family's operations (pure) and the sync and
async resource classes that send them."""

from __future__ import annotations

from typing import Protocol, TypeVar

from opengauge.client._core import Operation

T = TypeVar("T")


class Runner(Protocol):
    """What a sync resource needs from its client."""

    def _execute(self, operation: Operation[T]) -> T: ...


class AsyncRunner(Protocol):
    """What an async resource needs from its client."""

    async def _execute(self, operation: Operation[T]) -> T: ...


class Resource:
    """A sync resource: a family's methods on one client."""

    def __init__(self, client: Runner) -> None:
        self._client = client


class AsyncResource:
    """An async resource: a family's methods on one async client."""

    def __init__(self, client: AsyncRunner) -> None:
        self._client = client
