"""Test your CustomerGauge integration against OpenGauge, in-process.

While a sandbox is active, every request that ``requests`` or ``httpx`` (sync or async)
sends to ``*.customergauge.com`` (``auth.``, ``imports.api.``, ``api.``, ``survey.`` of any
region, any letter case) is answered by the OpenGauge app in this process, from a fresh
database: no socket, no server to run, no change to the code under test. Other hosts are
not touched.

- ``mock_customergauge(seed=..., strict=...)``: a context manager, decorator or start/stop.
- The pytest fixture ``customergauge`` (this package registers itself as a pytest plugin),
  configured with ``@pytest.mark.customergauge(seed=..., strict=..., scope=...)``.
- ``ThreadedServer``: the real server on a loopback port, for clients that are not Python.

See docs/testing.md.
"""

from opengauge.server.seed.schemas import SeedError
from opengauge.testing._mock import CustomerGaugeMock, mock_customergauge
from opengauge.testing._sandbox import Credentials, Sandbox, System, Urls
from opengauge.testing._seed import default_seed
from opengauge.testing._server import ThreadedServer

#: The credentials of the default seed's system (well known on purpose: a test fixture).
DEFAULT_CREDENTIALS = Credentials(
    client_id="sandbox-client",
    client_secret="sandbox-secret",  # noqa: S106
    api_key="sandbox-api-key",
    region="eu",
)

__all__ = [
    "DEFAULT_CREDENTIALS",
    "Credentials",
    "CustomerGaugeMock",
    "Sandbox",
    "SeedError",
    "System",
    "ThreadedServer",
    "Urls",
    "default_seed",
    "mock_customergauge",
]
