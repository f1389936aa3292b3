"""Console users in a seed file (spec section 10): checked with paths, applied idempotently,
passwords stored as argon2id hashes, and ``active: false`` ending the user's sessions."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from opengauge.server.clock import Clock
from opengauge.server.domain.passwords import verify_password
from opengauge.server.errors import ResourceNotFound
from opengauge.server.seed.schemas import SeedError, validate_seed
from opengauge.server.seed.service import apply_seed
from opengauge.server.storage.repositories.users import User
from opengauge.server.users import service
from tests.support import RunningServer, tenant_seed

PASSWORD = "correct horse battery"


def _user(**fields: Any) -> dict[str, Any]:
    return {"email": "ada@example.com", "name": "Ada", "password": PASSWORD, **fields}


def _rows(server: RunningServer, system_id: int) -> list[tuple[Any, ...]]:
    """(email, name, role, active, password_hash) of the system's users, by e-mail."""
    rows = server.rows(
        "SELECT email, name, role, active, password_hash FROM console_users"
        " WHERE system_id = ? ORDER BY email",
        (system_id,),
    )
    # SQLite gives the flag back as 0 or 1.
    return [(email, name, role, bool(active), hashed) for email, name, role, active, hashed in rows]


def _sessions(server: RunningServer, system_id: int) -> int:
    rows = server.rows(
        "SELECT COUNT(*) FROM console_sessions c JOIN console_users u ON u.id = c.user_id"
        " WHERE u.system_id = ?",
        (system_id,),
    )
    return int(rows[0][0])


def test_users_are_stored_in_lower_case_with_an_argon2id_hash(server: RunningServer) -> None:
    name = f"users-{uuid.uuid4().hex[:8]}"
    seed = tenant_seed(
        name,
        users=[
            _user(email="Ada.Lovelace@Example.COM", role="administrator"),
            _user(email="grace@example.com", name="Grace", password="another password"),
        ],
    )
    (applied,) = apply_seed(server.db, validate_seed(seed))
    ada, grace = _rows(server, applied.id)
    assert ada[:4] == ("ada.lovelace@example.com", "Ada", "administrator", True)
    assert grace[:4] == ("grace@example.com", "Grace", "viewer", True)  # viewer by default
    for row, password in ((ada, PASSWORD), (grace, "another password")):
        assert row[4].startswith("$argon2id$")
        assert password not in row[4]
        assert verify_password(password, row[4])
        assert not verify_password("wrong password", row[4])


def test_applying_users_twice_keeps_one_row_each(server: RunningServer) -> None:
    name = f"users-{uuid.uuid4().hex[:8]}"
    seed = validate_seed(tenant_seed(name, users=[_user(), _user(email="b@example.com")]))
    (first,) = apply_seed(server.db, seed)
    ids = server.rows("SELECT id FROM console_users WHERE system_id = ?", (first.id,))
    (second,) = apply_seed(server.db, seed)
    assert second.id == first.id
    assert server.rows("SELECT id FROM console_users WHERE system_id = ?", (first.id,)) == ids
    rows = _rows(server, first.id)
    assert [row[:4] for row in rows] == [
        ("ada@example.com", "Ada", "viewer", True),
        ("b@example.com", "Ada", "viewer", True),
    ]
    assert all(verify_password(PASSWORD, row[4]) for row in rows)


def test_reapplying_updates_a_user_and_leaves_undeclared_ones(server: RunningServer) -> None:
    name = f"users-{uuid.uuid4().hex[:8]}"
    base = tenant_seed(name, users=[_user(), _user(email="kept@example.com")])
    apply_seed(server.db, validate_seed(base))
    changed = _user(
        email="ADA@example.com", name="Ada L.", role="administrator", password="new one!"
    )
    base["systems"][0]["users"] = [changed]
    (applied,) = apply_seed(server.db, validate_seed(base))
    ada, kept = _rows(server, applied.id)
    assert ada[:4] == ("ada@example.com", "Ada L.", "administrator", True)
    assert verify_password("new one!", ada[4])
    assert not verify_password(PASSWORD, ada[4])
    assert kept[:4] == ("kept@example.com", "Ada", "viewer", True)


def test_the_same_email_in_two_systems_is_two_users(server: RunningServer) -> None:
    names = [f"users-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    systems = [tenant_seed(n, users=[_user()])["systems"][0] for n in names]
    first, second = apply_seed(server.db, validate_seed({"systems": systems}))
    assert [row[0] for row in _rows(server, first.id)] == ["ada@example.com"]
    assert [row[0] for row in _rows(server, second.id)] == ["ada@example.com"]


def test_active_false_disables_the_user_and_ends_their_sessions(server: RunningServer) -> None:
    name = f"users-{uuid.uuid4().hex[:8]}"
    seed = tenant_seed(name, users=[_user()])
    (applied,) = apply_seed(server.db, validate_seed(seed))
    found: list[User] = server.db.run_sync(service.list_users(name))
    for _ in range(2):
        server.db.run_sync(service.start_session(found[0], Clock())[1])
    assert _sessions(server, applied.id) == 2

    seed["systems"][0]["users"] = [_user(active=False)]
    apply_seed(server.db, validate_seed(seed))
    assert _rows(server, applied.id)[0][3] is False
    assert _sessions(server, applied.id) == 0
    with pytest.raises(ResourceNotFound, match="disabled"):  # no session for a disabled user
        server.db.run_sync(service.start_session(found[0], Clock())[1])

    seed["systems"][0]["users"] = [_user()]
    apply_seed(server.db, validate_seed(seed))
    assert _rows(server, applied.id)[0][3] is True


@pytest.mark.parametrize(
    ("users", "problems"),
    [
        (
            [_user(email="not-an-address")],
            ["systems[0].users[0].email: not an e-mail address"],
        ),
        (
            [_user(email=" ada@example.com")],
            ["systems[0].users[0].email: not an e-mail address"],
        ),
        (
            [_user(email="ada@example.com\n")],
            ["systems[0].users[0].email: not an e-mail address"],
        ),
        (
            [_user(email="a" * 250 + "@example.com")],
            ["systems[0].users[0].email: not an e-mail address"],
        ),
        (
            [_user(), _user(email="b@example.com"), _user(email="ADA@Example.com")],
            ["systems[0].users[2].email: 'ADA@Example.com' is already used by systems[0].users[0]"],
        ),
        (
            [_user(password="short"), _user(email="b@example.com", password="x" * 257)],
            [
                "systems[0].users[0].password: The password must be at least 8 characters.",
                "systems[0].users[1].password: The password may not be greater than 256"
                " characters.",
            ],
        ),
        ([_user(password="1234567")], ["systems[0].users[0].password: The password must be at"]),
        ([_user(name="")], ["systems[0].users[0].name: must not be empty"]),
        ([_user(name="n" * 129)], ["systems[0].users[0].name: at most 128 characters"]),
        (
            [_user(name="Ada\r\nBcc: x@example.com")],
            ["systems[0].users[0].name: no line breaks or control characters"],
        ),
        ([_user(role="owner")], ["systems[0].users[0].role: Invalid enum value 'owner'"]),
        (
            [{"email": "ada@example.com", "name": "Ada"}],
            ["systems[0].users[0]: Object missing required field `password`"],
        ),
        (
            [_user(colour="red")],
            ["systems[0].users[0]: Object contains unknown field `colour`"],
        ),
    ],
)
def test_user_problems_name_the_offending_path(
    users: list[dict[str, Any]], problems: list[str]
) -> None:
    with pytest.raises(SeedError) as raised:
        validate_seed({"systems": [{"name": "acme", "users": users}]}, "seed.yaml")
    assert len(raised.value.problems) == len(problems), raised.value.problems
    for found, expected in zip(raised.value.problems, problems, strict=True):
        assert found.startswith(expected), raised.value.problems


def test_a_numeric_password_is_read_as_text() -> None:
    seed = validate_seed({"systems": [{"name": "a", "users": [_user(password=12345678)]}]})
    assert seed.systems[0].users[0].password == "12345678"


def test_the_demo_user_is_an_administrator() -> None:
    from opengauge.cli.main import demo_seed_path
    from opengauge.server.seed.schemas import load_seed

    (user,) = load_seed(demo_seed_path()).systems[0].users
    assert (user.email, user.role, user.active) == ("demo@example.com", "administrator", True)
    assert user.password == "demo-password"
