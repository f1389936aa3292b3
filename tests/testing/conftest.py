"""Fixtures of the sandbox tests."""

from __future__ import annotations

import socket
from typing import Any, NoReturn

import pytest


class NetworkBlocked(OSError):
    """A test tried to use the network."""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every attempt to resolve a name or open a connection fail at once."""

    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise NetworkBlocked("network access in a test that must not use it")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
