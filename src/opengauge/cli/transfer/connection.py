"""What every transfer command shares: the connection options, the SDK client, the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import click

from opengauge.client import AsyncClient

T = TypeVar("T")

ENV_ID = "OPENGAUGE_CLIENT_ID"
ENV_SECRET = "OPENGAUGE_CLIENT_SECRET"  # noqa: S105 - a variable name


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on uvloop when it is installed (it comes with the server's extras and
    takes a good share of the per-request cost off an import), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def connection_options(function: Any) -> Any:
    """``--base-url``/``--region``, the credentials and ``--max-retries``."""
    options = [
        click.option("--base-url", metavar="URL", help="An OpenGauge server (every API family)."),
        click.option(
            "--region",
            type=click.Choice(["eu", "us", "au"]),
            help="The real CustomerGauge hosts of this region (instead of --base-url).",
        ),
        click.option("--client-id", envvar=ENV_ID, help=f"[env {ENV_ID}]"),
        click.option("--client-secret", envvar=ENV_SECRET, help=f"[env {ENV_SECRET}]"),
        click.option(
            "--max-retries", type=int, default=2, show_default=True, help="Retries per request."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def make_client(
    base_url: str | None,
    region: str | None,
    client_id: str | None,
    client_secret: str | None,
    max_retries: int,
    bulk_connections: int | None = None,
) -> AsyncClient:
    """The SDK client the connection options describe."""
    if (base_url is None) == (region is None):
        raise click.UsageError("give --base-url or --region (one of them)")
    if not client_id or not client_secret:
        raise click.UsageError(
            f"credentials missing: --client-id/--client-secret or {ENV_ID}/{ENV_SECRET}"
        )
    return AsyncClient(
        base_url=base_url,
        region=region,
        client_id=client_id,
        client_secret=client_secret,
        max_retries=max_retries,
        # The SDK's lean HTTP/1.1 connections: httpx's own cost per request (~0.3 ms of
        # CPU) would otherwise cap an import far below what the server takes.
        bulk_connections=bulk_connections,
    )
