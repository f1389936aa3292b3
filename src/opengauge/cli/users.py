"""``opengauge users ...``: the console users of a local database.

These go through the users use cases (``server/users/service.py``) that the console, the seed
file and ``PATCH /v5/user-manager/users/disable`` use, so a user made or disabled here is the
same as one made or disabled there. A password is checked and hashed (argon2id) here, before
the database operation runs.
"""

from __future__ import annotations

import json
import sys

import click

from opengauge.cli.common import database_option, print_table, run_operation

_system_option = click.option("--system", required=True, help="The system (by name).")


@click.group()
def users() -> None:
    """Console users: the people who sign in to /console/."""


def _read_password(from_stdin: bool) -> str:
    """The password from one line of stdin, or asked twice without echoing it."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users.command(name="create")
@_system_option
@click.option("--email", required=True, help="What they sign in with (unique in the system).")
@click.option("--name", required=True, help="Their name, as the console shows it.")
@click.option(
    "--role",
    default="viewer",
    show_default=True,
    metavar="administrator|viewer",
    help="An administrator also manages the system's configuration and users.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin instead of asking for it.",
)
@database_option
def create_user(
    system: str,
    email: str,
    name: str,
    role: str,
    password_stdin: bool,
    database_url: str | None,
) -> None:
    """Create a console user with a password (asked twice, not shown)."""
    from opengauge.server.clock import Clock
    from opengauge.server.domain.passwords import hash_password, password_problem
    from opengauge.server.users import service
    from opengauge.server.users.schemas import user_problems

    email = email.strip()
    problems = user_problems(email, name, role)
    for field, message in problems.items():
        click.echo(f"{field}: {message}", err=True)
    if problems:
        sys.exit(1)
    # Before the password is asked for: an unknown system or a taken e-mail ends here.
    existing = run_operation(database_url, service.list_users(system))
    if any(user.email == email.lower() for user in existing):
        click.echo(f"a user with e-mail {email.lower()!r} exists already in {system!r}", err=True)
        sys.exit(1)
    password = _read_password(password_stdin)
    problem = password_problem(password)
    if problem is not None:
        click.echo(f"password: {problem}", err=True)
        sys.exit(1)
    operation = service.create_user(
        system, email, name, role, hash_password(password), Clock().timestamp()
    )
    user = run_operation(database_url, operation)
    click.echo(f"user {user.email!r} ({user.role}) created in system {system!r}")


@users.command(name="list")
@_system_option
@click.option(
    "--json", "as_json", is_flag=True, help="As JSON: a list of {email, name, role, active}."
)
@database_option
def list_users(system: str, as_json: bool, database_url: str | None) -> None:
    """The console users of a system, by e-mail."""
    from opengauge.server.users import service

    found = run_operation(database_url, service.list_users(system))
    if as_json:
        shown = [
            {"email": u.email, "name": u.name, "role": u.role, "active": u.active} for u in found
        ]
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    rows = [[u.email, u.name, u.role, "yes" if u.active else "no"] for u in found]
    print_table(["email", "name", "role", "active"], rows)


@users.command(name="disable")
@click.argument("email")
@_system_option
@database_option
def disable_user(email: str, system: str, database_url: str | None) -> None:
    """Disable the user with e-mail EMAIL: they can no longer sign in, and every console
    session of theirs ends at once."""
    from opengauge.server.errors import UserNotFound
    from opengauge.server.storage import Tx
    from opengauge.server.users import service

    email = email.strip()
    disable = service.disable_user_of(system, email)

    def operation(tx: Tx) -> bool:
        try:
            disable(tx)
        except UserNotFound:  # the API's wording names a PHP class; say it plainly
            return False
        return True

    if not run_operation(database_url, operation):
        click.echo(f"no user with e-mail {email.lower()!r} in system {system!r}", err=True)
        sys.exit(1)
    click.echo(f"{email.lower()}: disabled, signed out of the console")
