"""The console's refusals: a missing session (to the sign-in page) and refused pages.

``endpoints.ConsoleErrors`` renders them as HTML pages with these titles and texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from opengauge.server.console.pages import PREFIX, Viewer
from opengauge.server.errors import ApiError


class SignInRequired(ApiError):
    """No live session: to the sign-in page, coming back to ``next`` afterwards."""

    status = 303

    def __init__(self, next_path: str = "") -> None:
        super().__init__("Sign in to continue.")
        self.next_path = next_path

    @property
    def headers(self) -> Mapping[str, str]:
        query = f"?next={quote(self.next_path, safe='/')}" if self.next_path else ""
        return {"location": f"{PREFIX}/login{query}"}


class PageRefused(ApiError):
    """A refusal shown as a page: 403 (a viewer's change, an expired form) or 404."""

    def __init__(self, status: int, viewer: Viewer | None = None) -> None:
        super().__init__(ERROR_PAGES[status][0])
        self.status = status
        self.viewer = viewer or Viewer()


#: Title and text of the page of each refusal.
ERROR_PAGES: dict[int, tuple[str, str]] = {
    400: ("Not understood", "Part of the address is not valid: go back and check it."),
    403: ("Not allowed", "You can't change this: ask an Administrator of your system."),
    404: ("Not found", "There is no such page in your system."),
    405: ("Not allowed", "This page can't be used that way."),
    413: ("Too much data", "What you sent is too large."),
    429: ("Too many attempts", "Please wait a little and try again."),
    500: ("Something went wrong", "Please try again in a moment."),
    503: ("Temporarily unavailable", "Please try again in a moment."),
}
EXPIRED_PAGE = ("This form has expired", "Please go back, reload the page and try again.")


class FormExpired(PageRefused):
    """The form's CSRF token is missing or is not the session's."""

    def __init__(self, viewer: Viewer | None = None) -> None:
        super().__init__(403, viewer)
