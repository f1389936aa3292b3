"""Sending queued invitations over SMTP, with retries and a visible failure state.

Each server process runs one sender when ``smtp_url`` is set. A sender claims due entries in
the database (so two processes never send the same one), sends them from a thread, and
records the outcome: ``SENT``, or another attempt later (after 30 s, 2 min, 10 min, 30 min),
or ``FAILED`` with the last error once the attempts run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from opengauge.server.clock import Clock
from opengauge.server.storage import Database, Tx
from opengauge.server.storage.repositories import lists, outbox
from opengauge.server.storage.repositories.outbox import OutboxEntry

log = logging.getLogger("opengauge.outbox")

#: Seconds to wait before attempt 2, 3, 4 and 5; after the fifth failure the entry FAILS.
RETRY_DELAYS = (30, 120, 600, 1800)
#: How long a claimed entry stays ours before another sender may take it over.
LEASE_SECONDS = 300
BATCH = 20
TIMESTAMP = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: str  # "none", "starttls" or "ssl"
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        """``smtp://user:pass@host:25``, ``smtp+starttls://host:587`` or ``smtps://host:465``."""
        parts = urlsplit(url)
        schemes = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("ssl", 465)}
        if parts.scheme not in schemes or not parts.hostname:
            raise ValueError(
                "smtp_url must look like smtp://host:25, smtp+starttls://host:587 or "
                "smtps://host:465 (user:password@ optional)"
            )
        tls, default_port = schemes[parts.scheme]
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def compose(entry: OutboxEntry, sender: str) -> EmailMessage:
    """The e-mail of an outbox entry: a survey invitation, a console set-password link, or
    a follow-up assigned to a console user."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = entry.recipient
    message["Subject"] = " ".join(entry.subject.split())  # no line breaks in a header
    message["Message-ID"] = make_msgid(domain="opengauge.invalid")
    if entry.kind == outbox.CONSOLE:
        message.set_content(
            "Hello,\n\n"
            f"{entry.subject}. Set your password with this link (it works once, for 7 days):"
            f"\n\n    {entry.link}\n\n"
            "If you did not expect this e-mail, you can ignore it.\n"
        )
        return message
    if entry.kind == outbox.FOLLOW_UP:
        message.set_content(
            "Hello,\n\n"
            f"{entry.subject}. Read the answer and its history, and work on it, in the"
            f" OpenGauge console:\n\n    {entry.link}\n\n"
            "You get this e-mail because you are a user of the OpenGauge console.\n"
        )
        return message
    message.set_content(
        "Hello,\n\n"
        f"{entry.subject} It takes one click:\n\n"
        f"    {entry.link}\n\n"
        "Thank you for your feedback.\n\n"
        f"Don't want these e-mails? Unsubscribe: {entry.link}/unsubscribe\n"
    )
    return message


def deliver(target: SmtpTarget, message: EmailMessage, timeout: float = 30) -> None:
    """Send one message; raises on any SMTP or network failure."""
    client: smtplib.SMTP
    if target.tls == "ssl":
        client = smtplib.SMTP_SSL(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        if target.tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)


class OutboxSender:
    """Empties the outbox of one server process's database."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        target: SmtpTarget,
        sender: str,
        poll_seconds: float,
    ) -> None:
        self._db = db
        self._clock = clock
        self._target = target
        self._sender = sender
        self._poll = poll_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="opengauge-mailer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.send_due()
            except Exception:  # keep the sender alive; the entries stay queued
                log.exception("outbox round failed")
            await asyncio.sleep(self._poll)

    async def send_due(self) -> int:
        """Send everything that is due now; returns how many were sent.

        Entries are claimed one at a time, so a claim (a lease of ``LEASE_SECONDS``) never
        has to outlive more than one send (at most the SMTP timeout): another process can't
        take an entry over while we are still sending it.
        """
        sent = 0
        for _ in range(BATCH):
            claimed = await self._db.run(_claim_one(self._clock.timestamp()))
            if not claimed:
                break
            (entry,) = claimed
            if await self._send_one(entry):
                sent += 1
        return sent

    async def _send_one(self, entry: OutboxEntry) -> bool:
        suppressed = await self._db.run(_suppressed(entry))
        if suppressed:
            # Unsubscribed or bounced after the invitation was queued: don't send it.
            await self._db.run(_failed(entry.id, suppressed, None))
            return False
        try:
            message = compose(entry, self._sender)
            await asyncio.to_thread(deliver, self._target, message)
        except Exception as exc:  # any failure of one entry is that entry's, retried
            attempts = entry.attempts + 1
            retry_at = (
                _later(self._clock.timestamp(), RETRY_DELAYS[attempts - 1])
                if attempts <= len(RETRY_DELAYS)
                else None
            )
            log.warning(
                "invitation %s to %s failed (attempt %s): %s",
                entry.id,
                entry.recipient,
                attempts,
                exc,
            )
            await self._db.run(_failed(entry.id, f"{type(exc).__name__}: {exc}", retry_at))
            return False
        await self._db.run(_sent(entry.id, self._clock.timestamp()))
        return True


def _claim_one(now: str) -> Callable[[Tx], list[OutboxEntry]]:
    def operation(tx: Tx) -> list[OutboxEntry]:
        return outbox.claim_due(tx, now, _later(now, LEASE_SECONDS), 1)

    return operation


def _suppressed(entry: OutboxEntry) -> Callable[[Tx], str | None]:
    def operation(tx: Tx) -> str | None:
        # Unsubscribing stops survey invitations; a console user still gets their
        # set-password links and follow-up assignments.
        if entry.kind == outbox.SURVEY and lists.is_unsubscribed(
            tx, entry.system_id, entry.recipient
        ):
            return "not sent: the address is on the unsubscribe list"
        if lists.is_bounced(tx, entry.system_id, entry.recipient):
            return "not sent: the address is on the bounce list"
        return None

    return operation


def _sent(entry_id: int, at: str) -> Callable[[Tx], None]:
    def operation(tx: Tx) -> None:
        outbox.mark_sent(tx, entry_id, at)

    return operation


def _failed(entry_id: int, error: str, retry_at: str | None) -> Callable[[Tx], None]:
    def operation(tx: Tx) -> None:
        outbox.mark_attempt_failed(tx, entry_id, error, retry_at)

    return operation


def _later(now: str, seconds: int) -> str:
    moment = datetime.strptime(now, TIMESTAMP) + timedelta(seconds=seconds)
    return moment.strftime(TIMESTAMP)
