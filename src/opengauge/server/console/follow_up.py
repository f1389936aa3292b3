"""The Follow-up screen: the answers waiting for someone to close the loop, and the page of
one record's follow-up with its history.

The list shows the answered detractors (0-6) and passives (7-8), newest answer first,
:data:`~opengauge.server.console.data.PAGE_ROWS` at a time, keyset-paged as the data screens
are: the "Next page" link carries the CG-ID of the last row shown as ``after``, with the
filters (``show``: ``waiting``, ``closed`` or ``all``; ``detractors=1``: scores 0-6 only).
What a page shows is built here as plain values, on the reader's thread, so the templates
``follow_up.html`` and ``follow_up_detail.html`` only lay them out. The changes are the
workflow use case's (``server/workflow/service.py``), which ``POST /v4.1/workflow`` shares.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from opengauge.server.console.data import (
    LONG,
    NOWRAP,
    PAGE_ROWS,
    Cell,
    Row,
    _short,
)
from opengauge.server.console.pages import PREFIX
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import users, workflows
from opengauge.server.storage.repositories.listing import ID_MAX
from opengauge.server.storage.repositories.workflows import (
    CLOSED,
    CLOSED_ONLY,
    EVERY,
    IN_PROGRESS,
    OPEN,
    WAITING,
    FollowUpRow,
)
from opengauge.server.workflow.service import MAX_COMMENT, FollowUpRefused, Refusal

PATH = PREFIX + "/follow-up"
#: The worst score a passive has, and a detractor.
PASSIVE, DETRACTOR = 8, 6
#: Changes shown on a record's page: its newest.
HISTORY_ROWS = 500
#: The statuses the console offers, as stored, with their names (the API may also set an
#: extended status, 0-99, shown as "Status <n>").
STATUS_CHOICES = ((OPEN, "Open"), (IN_PROGRESS, "In progress"), (CLOSED, "Closed"))
#: The status filter's choices: (value of ``show``, label).
SHOW_CHOICES = ((WAITING, "Waiting (not closed)"), (CLOSED_ONLY, "Closed"), (EVERY, "All"))
#: The forms of a record's page, by the last segment of the path they post to.
ACTIONS = ("assign", "status", "comment", "close")
#: What a refused change says on the page: the form field it is about and the message.
_ASSIGNEE = ("assigned_to", "Choose an active user of your system.")
_STATUS = ("status", "Choose a status: Open, In progress or Closed.")
_COMMENT_LENGTH = f"A comment has at most {MAX_COMMENT} characters."
#: The note a page shows after a change (``?done=`` names the form).
DONE = {
    "assign": "The follow-up is assigned.",
    "comment": "Your comment is added.",
    "status": "The status is changed.",
    "close": "The follow-up is closed.",
    "unchanged": "Nothing changed: the follow-up already was that way.",
}


@dataclass(frozen=True)
class Filters:
    show: str
    detractors_only: bool

    @classmethod
    def of(cls, params: Mapping[str, str]) -> Filters:
        """The filters of the query string; anything unknown is the default (waiting, any
        detractor or passive)."""
        show = params.get("show", "")
        known = {value for value, _ in SHOW_CHOICES}
        return cls(show if show in known else WAITING, params.get("detractors") == "1")

    def query(self) -> dict[str, str]:
        """The filters as query parameters (the defaults left out)."""
        query = {} if self.show == WAITING else {"show": self.show}
        return {**query, "detractors": "1"} if self.detractors_only else query


@dataclass(frozen=True)
class Listing:
    """One page of the list, as ``follow_up.html`` shows it."""

    filters: Filters
    columns: tuple[str, ...]
    rows: list[Row]
    empty: str
    next_href: str = ""
    first_href: str = ""
    show_choices: tuple[tuple[str, str], ...] = SHOW_CHOICES


@dataclass(frozen=True)
class Detail:
    """One record's follow-up, as ``follow_up_detail.html`` shows it."""

    record_id: int
    fields: tuple[tuple[str, Cell], ...]
    status: str
    assigned_to: str
    #: The history, oldest first.
    history: list[Row]
    history_note: str
    #: The system's active console users: (e-mail, "Name (e-mail)").
    assignees: list[tuple[str, str]]
    status_choices: tuple[tuple[str, str], ...] = STATUS_CHOICES


def listing(system_id: int, params: Mapping[str, str]) -> Callable[[Tx], Listing]:
    """The operation reading one page of the list for the query parameters ``params``
    (``after``, ``show``, ``detractors``); a cursor that names no answered record of the
    system gives the first page."""
    filters = Filters.of(params)
    after = record_id(params.get("after", ""))
    worst = DETRACTOR if filters.detractors_only else PASSIVE

    def operation(tx: Tx) -> Listing:
        rows = workflows.follow_ups(
            tx, system_id, worst=worst, show=filters.show, after=after, limit=PAGE_ROWS + 1
        )
        return _listing(filters, after, rows)

    return operation


def detail(system_id: int, cg_id: str) -> Callable[[Tx], Detail | None]:
    """The operation reading the page of the record ``cg_id`` (any record of the system,
    answered or not); None when the system has no such record."""
    found = record_id(cg_id)

    def operation(tx: Tx) -> Detail | None:
        if found is None:
            return None
        row = workflows.follow_up(tx, system_id, found)
        if row is None:
            return None
        events = workflows.history(tx, system_id, found, HISTORY_ROWS + 1)
        active = [user for user in users.of_system(tx, system_id) if user.active]
        return _detail(row, events, [(u.email, f"{u.name} ({u.email})") for u in active])

    return operation


def record_id(text: str) -> int | None:
    """A CG-ID from a URL: digits only, within the ids' range; None otherwise."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(ID_MAX))):
        return None
    value = int(text)
    return value if 0 < value <= ID_MAX else None


def problems(refused: FollowUpRefused, action: str) -> dict[str, list[str]]:
    """A refused change's message, by the field of the form ``action`` it is about."""
    comment_field = "close-comment" if action == "close" else "comment"
    if refused.reason is Refusal.UNKNOWN_ASSIGNEE:
        field, message = _ASSIGNEE
    elif refused.reason is Refusal.UNKNOWN_STATUS:
        field, message = _STATUS
    elif refused.reason is Refusal.COMMENT_TOO_LONG:
        field, message = comment_field, _COMMENT_LENGTH
    elif action == "assign":
        field, message = _ASSIGNEE  # nothing chosen
    elif action == "status":
        field, message = _STATUS
    else:
        field, message = comment_field, "Write a comment."
    return {field: [message]}


def status_label(status: str | None) -> str:
    """A stored status as shown: Open, In progress, Closed, or "Status <n>"."""
    if status is None:
        return "Open"
    named = dict(STATUS_CHOICES).get(status)
    return named or f"Status {status}"


# -- building the pages ---------------------------------------------------------------


def _listing(filters: Filters, after: int | None, rows: list[FollowUpRow]) -> Listing:
    shown = rows[:PAGE_ROWS]
    next_href = ""
    if len(rows) > PAGE_ROWS:
        next_href = _href({**filters.query(), "after": str(shown[-1].id)})
    if after is not None:
        empty = "No more rows."
    elif filters.show == CLOSED_ONLY:
        empty = "No closed follow-ups yet."
    elif filters.show == WAITING:
        empty = "Nothing is waiting: every detractor and passive is followed up."
    else:
        empty = "No detractors or passives yet."
    return Listing(
        filters=filters,
        columns=(
            "CG-ID",
            "Score",
            "Comment",
            "Contact",
            "Account",
            "Touchpoint",
            "Status",
            "Assigned to",
            "Answered",
        ),
        rows=[Row(_cells(row)) for row in shown],
        empty=empty,
        next_href=next_href,
        first_href=_href(filters.query()) if after is not None else "",
    )


def _cells(row: FollowUpRow) -> tuple[Cell, ...]:
    return (
        Cell(str(row.id), f"{PATH}/{row.id}", kind=NOWRAP),
        Cell("" if row.nps is None else str(row.nps), kind=NOWRAP),
        _short(row.comment),
        Cell(row.email or row.phone or ""),
        _account(row),
        Cell(row.touchpoint or ""),
        Cell(status_label(row.status), kind=NOWRAP),
        Cell(row.assigned_to or ""),
        Cell(_text(row.date_response), kind=NOWRAP),
    )


def _detail(
    row: FollowUpRow, events: list[workflows.Event], assignees: list[tuple[str, str]]
) -> Detail:
    name = " ".join(part for part in (row.first_name, row.last_name) if part)
    fields = (
        ("CG-ID", Cell(str(row.id))),
        ("Score", Cell("" if row.nps is None else str(row.nps))),
        ("Comment", Cell(row.comment or "", kind=LONG)),
        ("Contact", Cell(row.email or row.phone or "")),
        ("Name", Cell(name)),
        ("Account", _account(row)),
        ("Touchpoint", Cell(row.touchpoint or "")),
        ("Division", Cell(row.division or "")),
        ("Answered (UTC)", Cell(_text(row.date_response) or "Not answered")),
        ("Status", Cell(status_label(row.status))),
        ("Assigned to", Cell(row.assigned_to or "Nobody")),
    )
    shown = events[-HISTORY_ROWS:]
    return Detail(
        record_id=row.id,
        fields=fields,
        status=row.status or OPEN,
        assigned_to=row.assigned_to or "",
        history=[
            Row(
                (
                    Cell(event.at, kind=NOWRAP),
                    Cell(event.by),
                    Cell("" if event.status is None else status_label(event.status)),
                    Cell(event.assigned_to or ""),
                    Cell(event.comment or "", kind=LONG),
                )
            )
            for event in shown
        ],
        history_note=(
            f"Only the newest {HISTORY_ROWS} changes are shown."
            if len(events) > HISTORY_ROWS
            else ""
        ),
        assignees=assignees,
    )


def _account(row: FollowUpRow) -> Cell:
    if row.account_id is None:
        return Cell()
    return Cell(row.account_name or "", f"{PREFIX}/accounts/{row.account_id}")


def _href(params: Mapping[str, str]) -> str:
    query = urlencode(params)
    return PATH + (f"?{query}" if query else "")


def _text(value: Any) -> str:
    return "" if value is None else str(value)
