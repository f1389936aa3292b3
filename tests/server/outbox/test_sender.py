"""The SMTP sender: delivery to a real SMTP server, retries, and the visible failure state."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from opengauge.server.clock import Clock
from opengauge.server.outbox.sender import BATCH, RETRY_DELAYS, OutboxSender, SmtpTarget
from tests.conftest import BACKENDS
from tests.support import (
    RunningServer,
    Tenant,
    create_tenant,
    database_url,
    free_port,
    put_record,
    start_server,
)


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    """A server on a database of its own (this module's ``tenant`` and ``clock`` use it).

    The sender empties the outbox of every system at once, oldest entry first, at most
    ``BATCH`` a round: on the session's shared server it would first send what earlier tests
    queued (and change their rows), so these tests would depend on what ran before them.
    """
    with database_url(request.param, tmp_path) as url, start_server(url) as running:
        yield running


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses everything."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def _sender(server: RunningServer, url: str) -> OutboxSender:
    app = server.app
    return OutboxSender(
        app.state.db,
        app.state.clock,
        SmtpTarget.from_url(url),
        "Feedback <feedback@example.com>",
        0.05,
    )


def _send_due(server: RunningServer, sender: OutboxSender) -> int:
    """One round of the sender, on the server's own event loop (where its writer lives)."""
    loop = server.loop
    return asyncio.run_coroutine_threadsafe(sender.send_due(), loop).result(timeout=60)


def _outbox(tenant: Tenant) -> list[tuple[Any, ...]]:
    return tenant.server.rows(
        "SELECT status, attempts, last_error IS NOT NULL, sent_at IS NOT NULL FROM outbox"
        " WHERE system_id = ?",
        (tenant.system_id,),
    )


def test_queued_invitations_are_delivered(
    server: RunningServer, tenant: Tenant, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    with tenant.client() as http:
        put_record(http, "survey", {"Email": "mail@example.com"})
    assert _send_due(server, _sender(server, url)) == 1
    (message,) = inbox.messages
    assert message["To"] == "mail@example.com"
    (link,) = [
        row[0]
        for row in server.rows("SELECT link FROM outbox WHERE system_id = ?", (tenant.system_id,))
    ]
    assert message["From"] == "Feedback <feedback@example.com>"
    assert message["Subject"] == f"How likely are you to recommend {tenant.name}?"
    body = message.get_payload(decode=True).decode()
    assert link in body
    assert f"{link}/unsubscribe" in body
    assert _outbox(tenant) == [("SENT", 1, False, True)]
    assert server.rows(
        "SELECT status FROM survey_records WHERE system_id = ?", (tenant.system_id,)
    ) == [("SENT",)]
    assert _send_due(server, _sender(server, url)) == 0  # nothing sent twice


def test_failures_are_retried_then_marked_failed(
    server: RunningServer, tenant: Tenant, smtp: tuple[Inbox, str], clock: Clock
) -> None:
    inbox, url = smtp
    with tenant.client() as http:
        put_record(http, "survey", {"Email": "later@example.com"})
    inbox.refuse = True
    sender = _sender(server, url)
    clock.frozen = float(int(time.time()))
    for attempt, delay in enumerate(RETRY_DELAYS, start=1):
        _send_due(server, sender)
        assert _outbox(tenant) == [("QUEUED", attempt, True, False)]
        _send_due(server, sender)  # not due yet: nothing happens
        assert _outbox(tenant)[0][1] == attempt
        clock.advance(delay)
    _send_due(server, sender)
    assert _outbox(tenant) == [("FAILED", len(RETRY_DELAYS) + 1, True, False)]
    (error,) = server.rows(
        "SELECT last_error FROM outbox WHERE system_id = ?", (tenant.system_id,)
    )[0]
    assert "451" in error
    assert server.rows(
        "SELECT status FROM survey_records WHERE system_id = ?", (tenant.system_id,)
    ) == [("QUEUED",)]


def test_an_unreachable_server_is_a_retry_not_a_crash(
    server: RunningServer, tenant: Tenant
) -> None:
    with tenant.client() as http:
        put_record(http, "survey", {"Email": "nowhere@example.com"})
    _send_due(server, _sender(server, f"smtp://127.0.0.1:{free_port()}"))
    assert _outbox(tenant) == [("QUEUED", 1, True, False)]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpTarget("mail.example.com", 25, "none", None, None)),
        (
            "smtp+starttls://u%40x:p%3Aw@mail:2525",
            SmtpTarget("mail", 2525, "starttls", "u@x", "p:w"),
        ),
        ("smtps://mail", SmtpTarget("mail", 465, "ssl", None, None)),
    ],
)
def test_smtp_urls(url: str, expected: SmtpTarget) -> None:
    assert SmtpTarget.from_url(url) == expected


def test_bad_smtp_url() -> None:
    with pytest.raises(ValueError, match="smtp_url must look like"):
        SmtpTarget.from_url("http://mail")


def test_one_bad_entry_does_not_stop_the_others(
    server: RunningServer, tenant: Tenant, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    with tenant.client() as http:
        put_record(http, "survey", {"Email": "first@example.com"})
        put_record(http, "survey", {"Email": "second@example.com"})
    # An entry whose e-mail can't even be built (a raw line break in the address).
    server.db.run_sync(
        lambda tx: tx.write(
            "UPDATE outbox SET recipient = ? WHERE system_id = ? AND recipient = ?",
            ("first@example.com\r\nBcc: x@example.com", tenant.system_id, "first@example.com"),
        )
    )
    _send_due(server, _sender(server, url))
    rows = dict(
        server.rows("SELECT recipient, status FROM outbox WHERE system_id = ?", (tenant.system_id,))
    )
    assert rows["second@example.com"] == "SENT"
    assert rows["first@example.com\r\nBcc: x@example.com"] == "QUEUED"  # retried later
    assert [m["To"] for m in inbox.messages] == ["second@example.com"]


def test_an_address_unsubscribed_after_queueing_is_not_sent(
    server: RunningServer, tenant: Tenant, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    with tenant.client() as http:
        put_record(http, "survey", {"Email": "changed-mind@example.com"})
    server.db.run_sync(
        lambda tx: tx.write(
            "INSERT INTO unsubscribes (system_id, email, added_by, created_at)"
            " VALUES (?, 'changed-mind@example.com', 'api_key', '2024-01-01 00:00:00')",
            (tenant.system_id,),
        )
    )
    _send_due(server, _sender(server, url))
    ((status, error),) = server.rows(
        "SELECT status, last_error FROM outbox WHERE system_id = ?", (tenant.system_id,)
    )
    assert status == "FAILED"
    assert error == "not sent: the address is on the unsubscribe list"
    assert inbox.messages == []


def test_a_backlog_is_sent_oldest_first_over_several_rounds(
    server: RunningServer, tenant: Tenant, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    other = create_tenant(server, f"other-{uuid.uuid4().hex[:8]}")
    with other.client() as http:
        for number in range(BATCH):
            put_record(http, "survey", {"Email": f"early{number}@example.com"})
    with tenant.client() as http:
        put_record(http, "survey", {"Email": "late@example.com"})
    sender = _sender(server, url)
    assert _send_due(server, sender) == BATCH  # one round: every system's oldest entries
    assert [m["To"] for m in inbox.messages] == [f"early{n}@example.com" for n in range(BATCH)]
    assert _outbox(tenant) == [("QUEUED", 0, False, False)]
    assert _send_due(server, sender) == 1  # the next round: the rest
    assert inbox.messages[-1]["To"] == "late@example.com"
    assert _outbox(tenant) == [("SENT", 1, False, True)]


def test_a_console_invitation_is_mailed_with_its_link_even_to_an_unsubscribed_address(
    server: RunningServer, smtp: tuple[Inbox, str]
) -> None:
    from tests.server.console.support import close_all, console_tenant, signed_in
    from tests.server.survey.support import read_page

    inbox, url = smtp
    tenant = console_tenant(server)
    try:
        client = signed_in(tenant)
        client.post("/console/unsubscribes", {"email": "invited@example.com"})
        form = {"email": "invited@example.com", "name": "Ivy", "role": "viewer"}
        page = read_page(client.post("/console/users", form).text)
        link = page.one("input", id="invitation").attrs["value"]
    finally:
        close_all()
    assert _send_due(server, _sender(server, url)) == 1
    (message,) = inbox.messages
    assert message["To"] == "invited@example.com"
    assert message["Subject"] == (
        f"Ada Admin invited you to the OpenGauge console of {tenant.name}"
    )
    body = message.get_payload(decode=True).decode()
    assert link in body
    assert "unsubscribe" not in body.lower()
    assert server.rows(
        "SELECT kind, survey_record_id, status FROM outbox WHERE system_id = ?",
        (tenant.system_id,),
    ) == [("console", None, "SENT")]


def test_a_follow_up_assignment_is_mailed_and_leaves_its_record_as_it_was(
    server: RunningServer, smtp: tuple[Inbox, str]
) -> None:
    from opengauge.server.storage.repositories import outbox
    from tests.server.console.support import viewer_of
    from tests.server.workflow.support import follow_up_tenant

    inbox, url = smtp
    tenant = follow_up_tenant(server)
    with tenant.client() as http:  # an invitation not sent yet: the record is QUEUED
        put_record(http, "survey", {"Email": "customer@example.com"})
    ((record, invitation),) = server.rows(
        "SELECT survey_record_id, id FROM outbox WHERE system_id = ?", (tenant.system_id,)
    )
    server.db.run_sync(lambda tx: outbox.mark_attempt_failed(tx, invitation, "held back", None))
    queued = server.rows("SELECT status, date_sent FROM survey_records WHERE id = ?", (record,))
    headers = {"Authorization": f"api_key {tenant.name}-api-key"}
    with server.client(headers=headers) as http:
        # Unsubscribing stops survey invitations, not the console's own e-mails.
        http.post("/v4.1/lists/unsubscribe.json", data={"email": viewer_of(tenant)})
        assigned = http.post(
            "/v4.1/workflow.json",
            data={"number_customergauge": str(record), "assigned_to": viewer_of(tenant)},
        )
    assert assigned.status_code == 200
    assert _send_due(server, _sender(server, url)) == 1
    (message,) = inbox.messages
    assert message["To"] == viewer_of(tenant)
    assert message["Subject"] == (
        f"The follow-up of survey record {record} in {tenant.name} is assigned to you"
    )
    body = message.get_payload(decode=True).decode()
    assert f"{server.app.settings.base_url}/console/follow-up/{record}" in body
    assert "unsubscribe" not in body.lower()
    assert server.rows(
        "SELECT kind, status FROM outbox WHERE system_id = ? ORDER BY id", (tenant.system_id,)
    ) == [("survey", "FAILED"), ("follow_up", "SENT")]
    # The follow-up's e-mail names the record; only an invitation makes it SENT.
    assert queued[0][0] == "QUEUED"
    after = server.rows("SELECT status, date_sent FROM survey_records WHERE id = ?", (record,))
    assert after == queued
