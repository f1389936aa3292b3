"""Random sequences of hierarchy changes, valid or not, keep one tree rooted at Global.

Each example starts from a fresh tenant (see ``support.tree_tenant``) with records, an app and
campaigns in the tree, runs the steps through the HTTP API next to a small model of the rules,
and checks after every change that the server agrees with the model, and at the end that nothing
points outside the tree.
"""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.v4_1.hierarchy.support import (
    DIVISIONS,
    division_filters,
    import_record,
    tree_tenant,
)
from tests.support import RunningServer, Tenant

GLOBAL = "Global"
NAMES = (GLOBAL, "Netherlands", "Amsterdam", "Rotterdam", "Belgium", "Ghent", "Paris")

_name = st.sampled_from(NAMES)
Step = tuple[str, str, str | None]
STEPS = st.one_of(
    st.tuples(st.just("add"), _name, st.none() | _name),
    st.tuples(st.just("move"), _name, _name),
    st.tuples(st.just("rename"), _name, _name),
    st.tuples(st.just("delete"), _name, _name),
    st.tuples(st.just("both"), _name, _name),
    st.tuples(st.just("record"), _name, st.none()),
)


class Model:
    """The rules of spec section 6 on a name -> parent name dict ("" for Global)."""

    def __init__(self) -> None:
        self.parents = {GLOBAL: ""} | {d["division"]: d["parent"] for d in DIVISIONS}

    def subtree(self, name: str) -> set[str]:
        found = {name}
        while True:
            more = {child for child, parent in self.parents.items() if parent in found}
            if more <= found:
                return found
            found |= more

    def apply(self, kind: str, name: str, other: str | None) -> bool:
        """Whether the step succeeds; the model changes when it does."""
        known, protected = name in self.parents, name == GLOBAL
        if kind == "add":
            parent = other or GLOBAL
            if parent not in self.parents or known:
                return False
            self.parents[name] = parent
            return True
        assert other is not None
        if kind == "both" or not known or protected:
            return False
        if kind == "move":
            if other not in self.parents or other in self.subtree(name):
                return False
            self.parents[name] = other
        elif kind == "rename":
            if other != name and other in self.parents:
                return False
            self.parents = {
                (other if child == name else child): (other if parent == name else parent)
                for child, parent in self.parents.items()
            }
        else:
            children = [child for child, parent in self.parents.items() if parent == name]
            if other not in self.parents or children or other == name:
                return False
            del self.parents[name]
        return True


def _request(http: httpx.Client, kind: str, name: str, other: str | None) -> httpx.Response:
    target = other or ""  # only an add may leave it out: its parent is then Global
    if kind == "add":
        data = {"division": name, "parent": target}
        return http.post("/v4.1/hierarchy.json", data=data)
    if kind == "move":
        data = {"division": name, "parent": target}
    elif kind == "rename":
        data = {"division": name, "division_to_update": target}
    elif kind == "both":
        data = {"division": name, "division_to_update": "X", "parent": target}
    else:
        data = {"division": name, "replacement-division": target}
        return http.request("DELETE", "/v4.1/hierarchy.json", data=data)
    return http.put("/v4.1/hierarchy.json", data=data)


def _check_listing(http: httpx.Client, model: Model) -> None:
    """GET lists exactly the model's tree, in an order that proves it is one."""
    listing = http.get("/v4.1/hierarchy.json").json()["Data"]
    order = [(item["division"], item["parent"]) for item in listing]
    _check_tree(order)
    assert dict(order) == model.parents


def _check_tree(order: list[tuple[str, str]]) -> None:
    """Global first with no parent; every other division after its parent (so no cycles)."""
    assert order[0] == (GLOBAL, "")
    seen: set[str] = set()
    for division, parent in order:
        assert division not in seen
        assert parent == "" if division == GLOBAL else parent in seen
        seen.add(division)


def _check_references(tenant: Tenant, names: set[str]) -> None:
    """Every division row is listed; records, apps and campaigns point at listed divisions."""
    rows = tenant.server.rows
    system = (tenant.system_id,)
    assert {r[0] for r in rows("SELECT name FROM divisions WHERE system_id = ?", system)} == names
    for table in ("survey_records", "connected_apps"):
        dangling = rows(
            f"SELECT COUNT(*) FROM {table} t LEFT JOIN divisions d"  # noqa: S608
            " ON d.id = t.division_id AND d.system_id = t.system_id"
            " WHERE t.system_id = ? AND t.division_id IS NOT NULL AND d.id IS NULL",
            system,
        )
        assert dangling == [(0,)], table
    for filters in division_filters(tenant).values():
        for values in filters:
            assert set(values) <= names


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(STEPS, max_size=10))
def test_random_changes_keep_one_tree(server: RunningServer, steps: list[Step]) -> None:
    tenant = tree_tenant(server)
    model = Model()
    # One client (with a bearer token, which 4.1 accepts too) for imports and hierarchy alike.
    with tenant.client() as http:
        for number, division in enumerate(("Amsterdam", "Belgium")):
            assert import_record(http, division, number).status_code == 200
        for number, (kind, name, other) in enumerate(steps):
            if kind == "record":
                import_record(http, name, number + 100)
                continue
            response = _request(http, kind, name, other)
            expected = model.apply(kind, name, other)
            assert response.status_code == (200 if expected else 400), (kind, name, other)
            # A refusal leaves the model as it was: the next comparison covers it.
            if expected:
                _check_listing(http, model)
        _check_listing(http, model)
    _check_references(tenant, set(model.parents))
