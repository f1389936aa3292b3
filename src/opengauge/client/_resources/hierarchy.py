"""The 4.1 ``hierarchy`` module: the system's division tree, rooted at Global."""

from __future__ import annotations

from typing import Any

import httpx

from opengauge.client._core import Call, Family, Operation, present, v41_data
from opengauge.client._resources import AsyncResource, Resource
from opengauge.client._types import Division

PATH = "/v4.1/hierarchy.json"


def _change(method: str, form: dict[str, str]) -> Call:
    # A repeated rename or move changes nothing; a repeated add or delete is refused.
    return Call(method, Family.API, PATH, auth="v41", data=form, idempotent=method == "PUT")


def list_divisions() -> Operation[list[Division]]:
    return Operation(Call("GET", Family.API, PATH, auth="v41"), _divisions)


def add_division(division: str, parent: str | None) -> Operation[int]:
    call = _change("POST", present(division=division, parent=parent))
    return Operation(call, lambda response: int(v41_data(response)["id"]))


def rename_division(division: str, new_name: str) -> Operation[None]:
    call = _change("PUT", {"division": division, "division_to_update": new_name})
    return Operation(call, _done)


def move_division(division: str, parent: str) -> Operation[None]:
    return Operation(_change("PUT", {"division": division, "parent": parent}), _done)


def delete_division(division: str, replacement: str) -> Operation[None]:
    call = _change("DELETE", {"division": division, "replacement-division": replacement})
    return Operation(call, _done)


def _divisions(response: httpx.Response) -> list[Division]:
    items: list[dict[str, Any]] = v41_data(response)
    return [Division(int(i["id"]), str(i["division"]), str(i["parent"]) or None) for i in items]


def _done(response: httpx.Response) -> None:
    v41_data(response)


class Hierarchy(Resource):
    """List, add, rename, move and delete divisions."""

    def list(self) -> list[Division]:
        """Every division: Global first, then breadth-first."""
        return self._client._execute(list_divisions())

    def add(self, division: str, *, parent: str | None = None) -> int:
        """A new division under ``parent`` (Global by default); returns its id."""
        return self._client._execute(add_division(division, parent))

    def rename(self, division: str, new_name: str) -> None:
        """Rename a division (campaign filters naming it follow)."""
        self._client._execute(rename_division(division, new_name))

    def move(self, division: str, parent: str) -> None:
        """Move a division, with its subtree, under ``parent``."""
        self._client._execute(move_division(division, parent))

    def delete(self, division: str, replacement: str) -> None:
        """Delete a leaf division; its records and apps move to ``replacement``."""
        self._client._execute(delete_division(division, replacement))


class AsyncHierarchy(AsyncResource):
    """List, add, rename, move and delete divisions."""

    async def list(self) -> list[Division]:
        """Every division: Global first, then breadth-first."""
        return await self._client._execute(list_divisions())

    async def add(self, division: str, *, parent: str | None = None) -> int:
        """A new division under ``parent`` (Global by default); returns its id."""
        return await self._client._execute(add_division(division, parent))

    async def rename(self, division: str, new_name: str) -> None:
        """Rename a division (campaign filters naming it follow)."""
        await self._client._execute(rename_division(division, new_name))

    async def move(self, division: str, parent: str) -> None:
        """Move a division, with its subtree, under ``parent``."""
        await self._client._execute(move_division(division, parent))

    async def delete(self, division: str, replacement: str) -> None:
        """Delete a leaf division; its records and apps move to ``replacement``."""
        await self._client._execute(delete_division(division, replacement))
