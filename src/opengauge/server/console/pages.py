"""The console's HTML, from the Jinja2 templates shipped in this package.

Autoescaping is on for every template, so every value from data is escaped; undefined names
fail loudly instead of rendering as nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jinja2

from opengauge.server.storage.repositories.users import User

PREFIX = "/console"

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("opengauge.server.console", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    administrators_only: bool = False


#: The navigation, named as in the CustomerGauge documents.
NAVIGATION = (
    NavItem("Dashboard", "/console/dashboard"),
    NavItem("Inbound Mapping", "/console/mappings"),
    NavItem("Connected Apps", "/console/apps"),
    NavItem("API Key", "/console/api-key"),
    NavItem("Touchpoints", "/console/touchpoints"),
    NavItem("Branding", "/console/branding"),
    NavItem("Segments", "/console/segments"),
    NavItem("Hierarchy", "/console/hierarchy"),
    NavItem("Duplication Rule", "/console/duplication-rule"),
    NavItem("Campaigns", "/console/campaigns"),
    NavItem("Drivers", "/console/drivers"),
    NavItem("Unsubscribes", "/console/unsubscribes"),
    NavItem("Bounces", "/console/bounces"),
    NavItem("Accounts", "/console/accounts"),
    NavItem("Contacts", "/console/contacts"),
    NavItem("Survey Records", "/console/survey-records"),
    NavItem("Follow-up", "/console/follow-up"),
    NavItem("Outbox", "/console/outbox"),
    NavItem("Revenue Uploads", "/console/revenue-uploads"),
    NavItem("Users", "/console/users", administrators_only=True),
)


@dataclass(frozen=True)
class Viewer:
    """Who sees a page: the signed-in user and their form token (None on the sign-in page)."""

    user: User | None = None
    csrf_token: str = ""
    #: The path of the page, to mark its navigation entry as current.
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def navigation(self) -> list[NavItem]:
        if self.user is None:
            return []
        admin = self.user.is_administrator
        return [item for item in NAVIGATION if admin or not item.administrators_only]


def render(template: str, viewer: Viewer, **context: Any) -> str:
    return _ENVIRONMENT.get_template(template).render(viewer=viewer, **context)


def static_file(name: str) -> bytes | None:
    """A file of ``static/`` (the style sheet, the script), or None if there is none."""
    if "/" in name or name.startswith("."):
        return None
    found = resources.files("opengauge.server.console") / "static" / name
    return found.read_bytes() if found.is_file() else None
