"""The division tree: listing order, subtrees, and division names inside campaign filters.

A system's divisions form one tree rooted at Global (the only division without a parent).
These rules work on the rows as loaded and never touch the database.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The campaign filter field whose values are division names.
DIVISION_FIELD = "survey.division"


@dataclass(frozen=True)
class Division:
    id: int
    name: str
    parent_id: int | None


class Tree:
    """A system's divisions, looked up by name and walked from the root."""

    def __init__(self, divisions: Iterable[Division]) -> None:
        self._by_id = {d.id: d for d in divisions}
        self._by_name = {d.name: d for d in self._by_id.values()}
        self._children: dict[int | None, list[Division]] = {}
        for division in sorted(self._by_id.values(), key=lambda d: d.id):
            parent = division.parent_id if division.parent_id in self._by_id else None
            self._children.setdefault(parent, []).append(division)

    def find(self, name: str) -> Division | None:
        """The division called ``name`` (names are unique within a system, case-sensitive)."""
        return self._by_name.get(name)

    def parent_name(self, division: Division) -> str:
        """The parent's name, or "" for the root."""
        parent = self._by_id.get(division.parent_id) if division.parent_id is not None else None
        return "" if parent is None else parent.name

    def roots(self) -> list[Division]:
        """Global (and any division whose parent is missing), by id."""
        return list(self._children.get(None, ()))

    def children(self, division: Division) -> list[Division]:
        """Direct children, by id."""
        return list(self._children.get(division.id, ()))

    def breadth_first(self) -> list[Division]:
        """Every division: the root first, then level by level, siblings by id."""
        ordered: list[Division] = []
        queue = deque(self._children.get(None, ()))
        while queue:
            division = queue.popleft()
            ordered.append(division)
            queue.extend(self._children.get(division.id, ()))
        return ordered

    def subtree(self, division: Division) -> set[int]:
        """The ids of ``division`` and all its descendants."""
        ids = set()
        stack = [division]
        while stack:
            current = stack.pop()
            ids.add(current.id)
            stack.extend(self._children.get(current.id, ()))
        return ids


def rename_in_filters(
    filters: Sequence[Mapping[str, Any]], old: str, new: str
) -> list[dict[str, Any]] | None:
    """Campaign filters with division ``old`` called ``new``; None when nothing refers to it.

    Only ``survey.division`` filters hold division names. A value list that already names
    ``new`` keeps it once.
    """
    changed = False
    result: list[dict[str, Any]] = []
    for item in filters:
        values = item.get("values")
        if item.get("field") != DIVISION_FIELD or not isinstance(values, list) or old not in values:
            result.append(dict(item))
            continue
        changed = True
        renamed: list[Any] = []
        for value in values:
            value = new if value == old else value
            if value not in renamed:
                renamed.append(value)
        result.append({**item, "values": renamed})
    return result if changed else None
