"""Checks before ``serve`` (and other commands) change anything.

A mistake at start-up (the port taken, the database unreachable, unknown or malformed) ends
in one line that says what to do, before any migration, seed or "listening" line.
"""

from __future__ import annotations

import errno
import socket

import click

from opengauge.server.settings import Settings
from opengauge.server.storage import Database, probe


def check_serve(settings: Settings) -> None:
    """Stop with one line unless ``serve`` can listen and open its database."""
    _check_port(settings.host, settings.port)
    check_database(settings.database_url)


def check_database(url: str) -> None:
    """Stop with one line unless the database at ``url`` can be opened (or created)."""
    try:
        probe.check_reachable(url)
    except probe.ProbeError as exc:
        raise click.ClickException(str(exc)) from None


def require_database(url: str) -> None:
    """Stop with one line unless ``url`` holds an OpenGauge database (never creating one)."""
    try:
        missing = probe.sqlite_file_missing(url)
        if missing is not None:
            raise click.ClickException(
                f"no database at {missing}: run this in the folder `opengauge serve` uses,"
                " pass --database, or create one with `opengauge db upgrade`"
            )
        revision = probe.read(Database(url), probe.schema_revision, timeout=10)
    except probe.ProbeError as exc:
        raise click.ClickException(str(exc)) from None
    if revision is None:
        raise click.ClickException(
            f"{probe.where(probe.parse_url(url))} has no OpenGauge schema:"
            " run `opengauge db upgrade` first"
        )


def _check_port(host: str, port: int) -> None:
    """Bind the address the way uvicorn will, then let it go."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise click.ClickException(_bind_problem(host, port, exc)) from None


def _bind_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use: stop the program listening there"
            " or choose another --port"
        )
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port}: choose a port above 1023"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: choose another --host"
    return f"cannot listen on {host}:{port}: {exc.strerror}"
