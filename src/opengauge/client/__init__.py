"""The OpenGauge SDK: a typed client for OpenGauge and the CustomerGauge APIs it speaks.

Depends on httpx only and imports nothing else from ``opengauge``::

    from opengauge.client import Client

    with Client(base_url="http://localhost:8080", client_id="...", client_secret="...") as cg:
        cg.records.put("accounts", {"Account Name": "ACME"})

See docs/sdk.md.
"""

from opengauge.client._auth import ApiKey, ClientCredentials
from opengauge.client._client import AsyncClient, Client
from opengauge.client._core import Period
from opengauge.client._errors import (
    AuthenticationError,
    CampaignError,
    ConnectionError,
    DuplicateError,
    NotFoundError,
    OpenGaugeError,
    PayloadTooLargeError,
    RateLimitError,
    ServerError,
    V41Error,
    ValidationError,
    error_from_response,
)
from opengauge.client._paging import AsyncExportIterator, ExportIterator
from opengauge.client._retry import RetryPolicy, set_testing
from opengauge.client._types import (
    AnonymizeCandidate,
    Bounce,
    Division,
    ExportPage,
    ExportRecord,
    PersonalLink,
    RevenueUpload,
    Unsubscribe,
)

__all__ = [
    "AnonymizeCandidate",
    "ApiKey",
    "AsyncClient",
    "AsyncExportIterator",
    "AuthenticationError",
    "Bounce",
    "CampaignError",
    "Client",
    "ClientCredentials",
    "ConnectionError",
    "Division",
    "DuplicateError",
    "ExportIterator",
    "ExportPage",
    "ExportRecord",
    "NotFoundError",
    "OpenGaugeError",
    "PayloadTooLargeError",
    "Period",
    "PersonalLink",
    "RateLimitError",
    "RetryPolicy",
    "RevenueUpload",
    "ServerError",
    "Unsubscribe",
    "V41Error",
    "ValidationError",
    "error_from_response",
    "set_testing",
]
