"""Changing a survey record's follow-up: its status, its assignee, a comment.

``POST /v4.1/workflow`` and the console's Follow-up screen both go through :func:`apply`,
inside their request's database operation, so a rule holds in one place. :func:`check` reads
a change without the database (a caller refuses with it before its operation); :func:`apply`
checks it again, then what needs the database, before it writes anything: a refused change
leaves the follow-up, its history and the outbox as they were.

What a change does:

- fields equal to the follow-up's current state are dropped from it, so sending the same
  change twice records it once (a comment is never dropped); a change left with nothing is
  answered as done and records nothing;
- otherwise the new state is stored and the change kept in the history, with who made it
  (``by``: a connected app's name, ``api_key``, or a console user's e-mail) and when;
- a new assignee gets an e-mail (outbox kind ``follow_up``) linking to the record's page in
  the console, unless they made the change themselves.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace

from opengauge.server.errors import ApiError
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import outbox, systems, users, workflows
from opengauge.server.storage.repositories.listing import ID_MAX
from opengauge.server.storage.repositories.workflows import CLOSED, IN_PROGRESS, OPEN

#: The statuses a change may name, and what each is stored as. The extended set, the
#: integers 0-99, is stored as the integer's digits (``"07"`` as ``"7"``).
STATUSES = {
    "OPEN": OPEN,
    "IN-PROGRESS": IN_PROGRESS,
    "PROGRESS": IN_PROGRESS,
    "CLOSED": CLOSED,
    "CLOSE": CLOSED,
}
#: The most characters a comment may have.
MAX_COMMENT = 4000
#: The console's page of a record's follow-up, under the public base URL (the e-mail's link).
PAGE_PATH = "/console/follow-up/"


class Refusal(enum.Enum):
    """Why a change is refused; each surface words it its own way."""

    RECORD_NOT_FOUND = "The system has no such survey record."
    UNKNOWN_STATUS = "The status is none of OPEN, IN-PROGRESS, PROGRESS, CLOSED, CLOSE, 0-99."
    UNKNOWN_ASSIGNEE = "The assignee is no active console user of the system."
    NOTHING_GIVEN = "The change sets no status, assignee or comment."
    COMMENT_TOO_LONG = f"A comment has at most {MAX_COMMENT} characters."


class FollowUpRefused(ApiError):
    """A refused change (404 for an unknown record, else 400); ``reason`` says why."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.status = 404 if reason is Refusal.RECORD_NOT_FOUND else 400


@dataclass(frozen=True)
class Change:
    """What a change sets; None leaves a field as it is."""

    status: str | None = None
    #: A console user's e-mail, any case.
    assigned_to: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Outcome:
    """The follow-up after a change, and what the change did."""

    status: str
    assigned_to: str | None
    #: The history entry the change made; None when it changed nothing.
    event: workflows.Event | None
    #: Who was e-mailed about the assignment, if anyone.
    mailed: str | None


def stored_status(text: str) -> str:
    """The status ``text`` names, as stored (any case: ``close`` is ``CLOSED``)."""
    named = STATUSES.get(text.strip().upper())
    if named is not None:
        return named
    digits = text.strip()
    if digits.isascii() and digits.isdigit() and len(digits) <= 2:
        return str(int(digits))
    raise FollowUpRefused(Refusal.UNKNOWN_STATUS)


def check(change: Change) -> Change:
    """The change as it will be applied (status as stored, e-mail lower case, text trimmed,
    empty text as absent); refused when it can't be, whatever the database holds."""
    status = _text(change.status)
    assignee = _text(change.assigned_to)
    comment = _text(change.comment)
    checked = Change(
        stored_status(status) if status is not None else None,
        assignee.lower() if assignee is not None else None,
        comment,
    )
    if checked == Change():
        raise FollowUpRefused(Refusal.NOTHING_GIVEN)
    if comment is not None and len(comment) > MAX_COMMENT:
        raise FollowUpRefused(Refusal.COMMENT_TOO_LONG)
    return checked


def apply(
    tx: Tx, system_id: int, record_id: int, change: Change, by: str, now: str, base_url: str
) -> Outcome:
    """Apply ``change`` to the follow-up of the system's survey record ``record_id``.

    Refused (:class:`FollowUpRefused`) when :func:`check` refuses it, when the system has no
    such record, or when the assignee is not an active console user of the system.
    """
    change = check(change)
    current = workflows.state(tx, system_id, record_id) if 0 < record_id <= ID_MAX else None
    if current is None:
        raise FollowUpRefused(Refusal.RECORD_NOT_FOUND)
    if change.assigned_to is not None:
        user = users.find(tx, system_id, change.assigned_to)
        if user is None or not user.active:
            raise FollowUpRefused(Refusal.UNKNOWN_ASSIGNEE)
    # What the change really changes.
    change = replace(
        change,
        status=None if change.status == current.status else change.status,
        assigned_to=None if change.assigned_to == current.assigned_to else change.assigned_to,
    )
    if change == Change():
        return Outcome(current.status, current.assigned_to, None, None)
    status = change.status or current.status
    assigned_to = change.assigned_to or current.assigned_to
    workflows.save(tx, system_id, record_id, status, assigned_to, now, exists=current.exists)
    event_id = workflows.add_event(
        tx, system_id, record_id, now, by, change.status, change.assigned_to, change.comment
    )
    event = workflows.Event(event_id, now, by, change.status, change.assigned_to, change.comment)
    mailed = None
    if change.assigned_to is not None and change.assigned_to != by.lower():
        mailed = change.assigned_to
        system = systems.system_name(tx, system_id)
        subject = f"The follow-up of survey record {record_id} in {system} is assigned to you"
        link = f"{base_url.rstrip('/')}{PAGE_PATH}{record_id}"
        outbox.enqueue_follow_up(tx, system_id, record_id, mailed, subject, link, now)
    return Outcome(status, assigned_to, event, mailed)


def operation(
    system_id: int, record_id: int, change: Change, by: str, now: str, base_url: str
) -> Callable[[Tx], Outcome]:
    """:func:`apply` as an operation of its own (the console's forms)."""
    return lambda tx: apply(tx, system_id, record_id, change, by, now, base_url)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    # A browser sends a textarea's line breaks as CRLF: stored as plain newlines.
    return value.replace("\r\n", "\n").strip() or None
