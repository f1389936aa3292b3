"""The division tree over 4.1: list, add, rename or move, delete (spec section 6).

Every check runs before the first write, so a refused request leaves the tree, the records,
the apps and the campaigns exactly as they were. Only the caller's system is read or changed.
"""

from __future__ import annotations

from opengauge.server.domain.hierarchy import Division, Tree
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import hierarchy
from opengauge.server.storage.repositories.systems import GLOBAL_DIVISION
from opengauge.server.v4_1.call import Call, Principal
from opengauge.server.v4_1.errors import ErrorCode, V41Error

#: The width of ``divisions.name``.
MAX_NAME = 128
UPDATED = "Division has been updated successfully"
DELETED = "Division has been deleted successfully."


def list_divisions(tx: Tx, principal: Principal, call: Call) -> list[dict[str, str]]:
    """``[{id, division, parent}]``: Global first (parent ""), then breadth-first."""
    tree = Tree(hierarchy.divisions(tx, principal.system_id))
    return [
        {"id": str(d.id), "division": d.name, "parent": tree.parent_name(d)}
        for d in tree.breadth_first()
    ]


def add_division(tx: Tx, principal: Principal, call: Call) -> dict[str, str]:
    """A new division under ``parent`` (Global by default); ``{"id": "<id>"}``."""
    name = call.required("division")
    parent_name = call.text("parent") or GLOBAL_DIVISION
    hierarchy.lock(tx, principal.system_id)
    tree = Tree(hierarchy.divisions(tx, principal.system_id))
    parent = _parent(tree, parent_name)
    _check_new_name(tree, name)
    return {"id": str(hierarchy.add(tx, principal.system_id, name, parent.id))}


def update_division(tx: Tx, principal: Principal, call: Call) -> dict[str, str]:
    """Rename (``division_to_update``) or move (``parent``, with its subtree): one of the two."""
    name = call.required("division")
    new_name = call.text("division_to_update")
    parent_name = call.text("parent")
    if new_name is not None and parent_name is not None:
        raise V41Error(ErrorCode.TOO_MANY_PARAMS)  # "only one extra parameter"
    if new_name is None and parent_name is None:
        raise V41Error(ErrorCode.INVALID_ARGUMENTS)
    hierarchy.lock(tx, principal.system_id)
    tree = Tree(hierarchy.divisions(tx, principal.system_id))
    division = _division(tree, name)
    if division.parent_id is None:
        raise V41Error(ErrorCode.GLOBAL_NOT_UPDATABLE)
    if new_name is not None:
        if new_name != division.name:
            _check_new_name(tree, new_name)
            hierarchy.rename(tx, principal.system_id, division.id, division.name, new_name)
    elif parent_name is not None:
        parent = _parent(tree, parent_name)
        if parent.id in tree.subtree(division):
            raise V41Error(ErrorCode.INVALID_ARGUMENTS)
        if parent.id != division.parent_id:
            hierarchy.move(tx, principal.system_id, division.id, parent.id)
    return {"message": UPDATED}


def delete_division(tx: Tx, principal: Principal, call: Call) -> dict[str, str]:
    """Delete a leaf; its records, apps and campaign filters move to ``replacement-division``."""
    name = call.required("division")
    replacement_name = call.required("replacement-division")
    hierarchy.lock(tx, principal.system_id)
    tree = Tree(hierarchy.divisions(tx, principal.system_id))
    division = _division(tree, name)
    if division.parent_id is None:
        raise V41Error(ErrorCode.GLOBAL_NOT_DELETABLE)
    replacement = _division(tree, replacement_name)
    if tree.children(division):
        raise V41Error(ErrorCode.PARENT_NOT_DELETABLE)
    if replacement.id == division.id:
        raise V41Error(ErrorCode.INVALID_ARGUMENTS)
    hierarchy.delete(tx, principal.system_id, division, replacement)
    return {"message": DELETED}


def _division(tree: Tree, name: str) -> Division:
    division = tree.find(name)
    if division is None:
        raise V41Error(ErrorCode.DIVISION_DOES_NOT_EXIST)
    return division


def _parent(tree: Tree, name: str) -> Division:
    parent = tree.find(name)
    if parent is None:
        raise V41Error(ErrorCode.PARENT_DOES_NOT_EXIST)
    return parent


def _check_new_name(tree: Tree, name: str) -> None:
    """A name a division may take: unused in the system and fitting the column."""
    if tree.find(name) is not None or len(name) > MAX_NAME:
        raise V41Error(ErrorCode.INVALID_ARGUMENTS)
