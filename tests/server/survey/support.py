"""Helpers of the survey page tests: survey records made in the database, reading pages.

The page tests insert a contact and a survey record with a link code themselves, which lets
them make records in any state (answered, without a form token, phone only); the browser
test goes through ``PUT /personal-link/`` like a client would.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx

from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import branding
from tests.support import RunningServer, Tenant, create_tenant

CREATED = "2024-05-01 09:30:00"
_ANSWER_COLUMNS = ("nps", "comment", "date_response", "status", "form_token")


@dataclass(frozen=True)
class Survey:
    """A survey record reachable at ``/r/<code>``."""

    server: RunningServer
    tenant: Tenant
    record_id: int
    contact_id: int
    code: str

    @property
    def path(self) -> str:
        return f"/r/{self.code}"

    def row(self) -> dict[str, Any]:
        """The record's answer columns as stored."""
        (row,) = self.server.rows(
            f"SELECT {', '.join(_ANSWER_COLUMNS)} FROM survey_records WHERE id = ?",  # noqa: S608
            (self.record_id,),
        )
        return dict(zip(_ANSWER_COLUMNS, row, strict=True))

    def chosen_drivers(self) -> list[str]:
        """The reason codes of the drivers stored for the record, sorted."""
        rows = self.server.rows(
            "SELECT d.reason_code FROM record_drivers x JOIN drivers d ON d.id = x.driver_id"
            " WHERE x.survey_record_id = ? ORDER BY d.reason_code",
            (self.record_id,),
        )
        return [str(code) for (code,) in rows]

    def answer(self, http: httpx.Client, score: int, **headers: str) -> httpx.Response:
        """Post a score with the record's form token (the answer must be taken: 303)."""
        form = {"form_token": self.row()["form_token"], "score": str(score)}
        response = http.post(self.path, data=form, headers=headers)
        assert response.status_code == 303, response.text
        return response

    def unsubscribes(self) -> list[tuple[Any, ...]]:
        return self.server.rows(
            "SELECT email, added_by FROM unsubscribes WHERE system_id = ?",
            (self.tenant.system_id,),
        )


@dataclass(frozen=True)
class DriverRow:
    reason_code: str
    good_bad: str
    label: str
    level: int = 1
    category_main: str = ""
    position: int = 0


def add_drivers(server: RunningServer, tenant: Tenant, rows: list[DriverRow]) -> None:
    """Store drivers for the tenant, straight in the database (as the 4.1 API would)."""

    def insert(tx: Tx) -> None:
        for row in rows:
            tx.write(
                "INSERT INTO drivers (system_id, reason_code, position, good_bad, category_main,"
                " level, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    tenant.system_id,
                    row.reason_code,
                    row.position,
                    row.good_bad,
                    row.category_main,
                    row.level,
                    row.label,
                    CREATED,
                ),
            )

    server.db.run_sync(insert)


def set_branding(server: RunningServer, tenant: Tenant, **values: str | None) -> None:
    """Set ``display_name``, ``brand_colour`` or ``privacy_url`` straight in the database."""
    server.db.run_sync(lambda tx: branding.update(tx, tenant.system_id, values))


def make_survey(
    server: RunningServer,
    *,
    tenant: Tenant | None = None,
    email: str | None = "Ann.Smith@Example.com",
    phone: str | None = None,
    form_token: str | None = "token-" + "x" * 20,
    first_name: str | None = None,
    language: str | None = None,
    touchpoint: str | None = None,
) -> Survey:
    """A contact and a ``SENT`` personal-link survey record for it, with a fresh link code
    (``touchpoint``: the name of one of the tenant's touchpoints)."""
    tenant = tenant or create_tenant(server, f"t-{uuid.uuid4().hex[:10]}")
    code = secrets.token_urlsafe(12)
    key = f"email:{email.lower()}" if email else f"phone:{phone}"

    def insert(tx: Tx) -> tuple[int, int]:
        contact = tx.write_returning(
            "INSERT INTO contacts (system_id, key, email, phone, first_name, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (tenant.system_id, key, email, phone, first_name, CREATED, CREATED),
        )
        assert contact is not None
        touchpoint_id = None
        if touchpoint is not None:
            touchpoint_id = tx.scalar(
                "SELECT id FROM touchpoints WHERE system_id = ? AND name = ?",
                (tenant.system_id, touchpoint),
            )
            assert touchpoint_id is not None, touchpoint
        record = tx.write_returning(
            "INSERT INTO survey_records (system_id, contact_id, delivery_vector, status,"
            " segments, link_code, form_token, date_creation, language, touchpoint_id)"
            " VALUES (?, ?, 'Personal Link', 'SENT', '{}', ?, ?, ?, ?, ?) RETURNING id",
            (tenant.system_id, contact[0], code, form_token, CREATED, language, touchpoint_id),
        )
        assert record is not None
        return int(record[0]), int(contact[0])

    record_id, contact_id = server.db.run_sync(insert)
    return Survey(server, tenant, record_id, contact_id, code)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Page:
    """The elements of an HTML page, with the text inside each (for assertions)."""

    elements: list[Element] = field(default_factory=list)

    def all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k) == v for k, v in attrs.items())
        ]

    def one(self, tag: str, **attrs: str) -> Element:
        (element,) = self.all(tag, **attrs)
        return element

    def form_token(self) -> str:
        return self.one("input", name="form_token").attrs["value"]


class _Reader(HTMLParser):
    _VOID = frozenset({"input", "meta", "link", "br", "img", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.page.elements.append(element)
        if tag not in self._VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data


def read_page(html: str) -> Page:
    """Parse ``html`` into a :class:`Page`."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def text_of(html: str) -> str:
    """The page's visible text, whitespace collapsed."""
    body = read_page(html).one("body").text
    return " ".join(body.split())
