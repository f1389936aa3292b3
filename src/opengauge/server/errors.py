"""Every error the server puts on the wire, in one place.

Each class knows its HTTP status and its body. Handlers raise them; the dispatcher renders
them in the format of the route's family (``http/rendering.py``). Messages are the CustomerGauge
strings, character for character (see ``../shared/spec/README.md`` section 3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

GIVEN_DATA_INVALID = "The given data was invalid."
#: Laravel's throttle text (also what fault rules answer with a 429).
TOO_MANY_ATTEMPTS = "Too Many Attempts."


class ApiError(Exception):
    """An error with a fixed wire form: a status and a JSON body."""

    status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"message": self.message}

    @property
    def headers(self) -> Mapping[str, str]:
        return {}


class Unauthenticated(ApiError):
    status = 401

    def __init__(self) -> None:
        super().__init__("Unauthenticated.")


class Forbidden(ApiError):
    """403: OpenGauge's own operator surface (``/metrics``) refused this caller."""

    status = 403

    def __init__(self) -> None:
        super().__init__("Forbidden.")


class MappingNotFound(ApiError):
    status = 404

    def __init__(self, reference: str) -> None:
        super().__init__(f"The inbound mapping [{reference}] was not found.")


class NotFound(ApiError):
    status = 404

    def __init__(self) -> None:
        super().__init__("Not found.")


class MethodNotAllowed(ApiError):
    status = 405

    def __init__(self, allowed: Sequence[str]) -> None:
        super().__init__("Method not allowed.")
        self.allowed = tuple(allowed)

    @property
    def headers(self) -> Mapping[str, str]:
        return {"allow": ", ".join(self.allowed)}


class MalformedJson(ApiError):
    status = 400

    def __init__(self) -> None:
        super().__init__("Malformed JSON body.")


class PayloadTooLarge(ApiError):
    status = 413

    def __init__(self) -> None:
        super().__init__("Payload too large.")


class MultipartTooLarge(PayloadTooLarge):
    """A multipart body with too many parts, or a text part too large: refused unread.

    Each family renders it as its own 413, except the token endpoint (Cognito's
    ``invalid_request``).
    """


class RequestTimeout(ApiError):
    """The client did not send its request's head or body in time (``client_timeout``)."""

    status = 408

    def __init__(self) -> None:
        super().__init__("Request timeout.")


class UriTooLong(ApiError):
    status = 414

    def __init__(self) -> None:
        super().__init__("URI too long.")


class HeadersTooLarge(ApiError):
    """A header line over 16 KiB, or a request head over 64 KiB in all."""

    status = 431

    def __init__(self) -> None:
        super().__init__("Request header fields too large.")


class ClientDisconnected(ApiError):
    """The client closed the connection before its body was complete. Nobody reads the
    answer; the status (nginx's 499) is for the journal and the access log."""

    status = 499

    def __init__(self) -> None:
        super().__init__("Client closed the request.")


class ValidationFailed(ApiError):
    """422 with Laravel's ``errors`` object.

    ``summary="fixed"`` gives the Laravel 8 summary used by records, accounts, contracts and
    activities; ``summary="first"`` gives Laravel 9's "<first message> (and N more errors)".
    """

    status = 422

    def __init__(
        self,
        errors: Mapping[str, Sequence[str]],
        summary: str = "fixed",
        *,
        ignored: Sequence[str] = (),
    ) -> None:
        self.errors = {key: list(messages) for key, messages in errors.items()}
        #: Record keys the mapping ignored (reported in a header and the journal).
        self.ignored = list(ignored)
        fixed = summary == "fixed"
        super().__init__(GIVEN_DATA_INVALID if fixed else _first_message_summary(self.errors))

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "errors": self.errors}


def _first_message_summary(errors: Mapping[str, Sequence[str]]) -> str:
    messages = [message for group in errors.values() for message in group]
    if not messages:
        return GIVEN_DATA_INVALID
    more = len(messages) - 1
    if more == 0:
        return messages[0]
    return f"{messages[0]} (and {more} more error{'' if more == 1 else 's'})"


class DomainRefusal(ApiError):
    """400 ``{"message": ...}``: the data is valid but the request can't be done
    (personal-link campaigns and duplicates)."""

    status = 400


class UserNotFound(ApiError):
    """404 of the user manager API (``PATCH /v5/user-manager/users/disable``), in Laravel's
    words for a model lookup that found nothing."""

    status = 404

    def __init__(self) -> None:
        super().__init__(r"No query results for model [Library\Eloquent\Master\User].")


class ResourceNotFound(ApiError):
    """404 for OpenGauge's own surface, naming what is missing."""

    status = 404


class Conflict(ApiError):
    """409: the thing to create exists already, or is still in use."""

    status = 409


class BadRequest(ApiError):
    status = 400


class OAuthError(ApiError):
    """Cognito-style token endpoint errors: HTTP 400 ``{"error": "<code>"}``."""

    status = 400

    def body(self) -> dict[str, Any]:
        return {"error": self.message}


class TooManyRequests(ApiError):
    """429 with ``Retry-After``: an abuse limit refused the request (``http/ratelimit.py``)."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(TOO_MANY_ATTEMPTS)
        self.retry_after = retry_after

    @property
    def headers(self) -> Mapping[str, str]:
        return {"retry-after": str(self.retry_after)}


class OAuthTooManyRequests(TooManyRequests):
    """The token endpoint's 429, in its Cognito shape: ``{"error": "too_many_requests"}``."""

    def body(self) -> dict[str, Any]:
        return {"error": "too_many_requests"}


class InternalError(ApiError):
    """Something on our side failed; the client may retry."""

    status = 500

    def __init__(self) -> None:
        super().__init__("Server Error")


class ServiceUnavailable(ApiError):
    status = 503

    def __init__(self) -> None:
        super().__init__("Service Unavailable")

    @property
    def headers(self) -> Mapping[str, str]:
        return {"retry-after": "1"}


class InjectedFault(ApiError):
    """The answer a fault rule (``faults.py``) gives instead of the endpoint's.

    Every family renders it as ``{"message": ...}`` except 4.1, whose envelope carries the
    status as its code (``docs/compatibility.md``).
    """

    def __init__(self, status: int, message: str, retry_after: int | None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def headers(self) -> Mapping[str, str]:
        return {} if self.retry_after is None else {"retry-after": str(self.retry_after)}
