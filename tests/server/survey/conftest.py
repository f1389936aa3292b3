"""Fixtures of the survey page tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server.survey.support import Survey, make_survey
from tests.support import RunningServer


@pytest.fixture
def survey(server: RunningServer) -> Survey:
    """A survey for a contact with an e-mail address, in a fresh tenant."""
    return make_survey(server)


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    """A client that does not follow redirects (the tests look at them)."""
    with server.client(follow_redirects=False) as client:
        yield client
