"""One typed settings object, read once.

Every value can come from a command-line option or from an ``OPENGAUGE_<NAME>`` environment
variable (for example ``OPENGAUGE_DATABASE_URL``). Nothing else in the project reads the
environment. A bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import limits

REGIONS = ("eu", "us", "au")
ENV_PREFIX = "OPENGAUGE_"
LOG_FORMATS = ("text", "json")


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything the server can be configured with."""

    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = "sqlite:///opengauge.db"
    #: Base of the links the server hands out; defaults to http://<host>:<port>.
    public_url: str = ""
    default_region: str = "eu"
    token_ttl: int = 3600
    max_body_bytes: int = 1024 * 1024
    workers: int = 1
    seed: str = ""
    demo: bool = False
    log_level: str = "info"
    #: SQLite durability. NORMAL (WAL): a commit survives the process crashing; FULL also
    #: fsyncs the write-ahead log on every group commit, so it survives power loss.
    sqlite_synchronous: str = "NORMAL"
    #: Where invitation e-mails go: smtp://[user:pass@]host[:25], smtp+starttls://...:587 or
    #: smtps://...:465. Empty: invitations stay in the outbox (visible, never sent).
    smtp_url: str = ""
    #: The From header of invitations.
    mail_from: str = "OpenGauge <surveys@localhost>"
    #: How often each server process looks for invitations to send.
    outbox_poll_seconds: float = 5.0
    #: Bearer token of the control plane (``/_opengauge/``); empty: a random one is made at
    #: start (``serve`` prints it once; it is never logged).
    admin_token: str = ""
    #: How many requests the journal keeps per system (in memory, per server process).
    journal_size: int = 100
    #: Refuse imports whose record has keys the mapping ignores (422) instead of dropping
    #: them; a request can override it with ``X-OpenGauge-Strict: 1`` or ``0``.
    strict_mapping: bool = False
    # -- abuse limits (http/ratelimit.py); an empty limit turns that limit off --
    #: Where the counts live: empty keeps them in each process's memory; ``redis://host:6379/0``
    #: (or ``rediss://``, ``redis+unix://``) shares them between every worker and host.
    rate_limit_url: str = ""
    #: Prefix of the keys in Redis, so several deployments can share one Redis.
    rate_limit_prefix: str = "opengauge"
    #: Failed authentications allowed per client id and per client address (``limits``
    #: notation: ``10/minute``, ``50 per hour``, ``5 per 30 seconds``).
    auth_failure_limit: str = "10/minute"
    #: Survey page submissions allowed per survey link code.
    survey_submit_limit: str = "10/minute"
    # -- the console
    #: Seconds a console session lives without a request; then its user signs in again.
    console_idle_timeout: float = 1800.0
    # -- operations
    #: Serve the sandbox's control plane under ``/_opengauge/``; off, its paths answer 404
    #: (recommended in production).
    control_plane: bool = True
    # -- the HTTP layer and logs
    #: Seconds a client has to send a whole request, head and body, from its first byte (the
    #: first request: from the connection opening); then 408 and closed (slowloris, stalls).
    client_timeout: float = 30.0
    #: One line per request (method, route, status, duration, system, caller; never values).
    access_log: bool = True
    #: ``text``, or ``json`` (one object a line, for log pipelines); for every log line.
    log_format: str = "text"
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.default_region not in REGIONS:
            raise SettingsError(
                f"default_region must be one of {', '.join(REGIONS)}, not {self.default_region!r}"
            )
        if not 1 <= self.port <= 65535:
            raise SettingsError(f"port must be between 1 and 65535, not {self.port}")
        if self.token_ttl < 1:
            raise SettingsError("token_ttl must be a positive number of seconds")
        if self.max_body_bytes < 1024:
            raise SettingsError("max_body_bytes must be at least 1024")
        if self.workers < 1:
            raise SettingsError("workers must be at least 1")
        if self.sqlite_synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise SettingsError("sqlite_synchronous must be OFF, NORMAL, FULL or EXTRA")
        if self.smtp_url and not self.smtp_url.startswith(
            ("smtp://", "smtp+starttls://", "smtps://")
        ):
            raise SettingsError("smtp_url must start with smtp://, smtp+starttls:// or smtps://")
        if not 1 <= self.journal_size <= 100_000:
            raise SettingsError("journal_size must be between 1 and 100000")
        if self.outbox_poll_seconds <= 0:
            raise SettingsError("outbox_poll_seconds must be positive")
        if not 0 < self.client_timeout <= 3600:
            raise SettingsError("client_timeout must be more than 0 and at most 3600 seconds")
        if self.log_format not in LOG_FORMATS:
            raise SettingsError(f"log_format must be text or json, not {self.log_format!r}")
        if not self.database_url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise SettingsError(
                "database_url must start with sqlite:// or postgresql://, "
                f"not {self.database_url.split(':', 1)[0]!r}"
            )

        self._check_rate_limits()

    def _check_rate_limits(self) -> None:
        if self.rate_limit_url and not self.rate_limit_url.startswith(RATE_LIMIT_SCHEMES):
            raise SettingsError(
                "rate_limit_url must be empty (memory) or start with redis://, rediss:// or "
                f"redis+unix://, not {self.rate_limit_url.split(':', 1)[0]!r}"
            )
        for name in ("auth_failure_limit", "survey_submit_limit"):
            value = getattr(self, name)
            if value and parse_rate_limit(value) is None:
                raise SettingsError(
                    f"{name} must be one limit such as 10/minute or '5 per 30 seconds' "
                    f"(at least 1), or empty for none; not {value!r}"
                )

    @property
    def base_url(self) -> str:
        """The public base URL without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "::", "127.0.0.1") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``OPENGAUGE_*`` variables, then apply explicit overrides (None is ignored)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


RATE_LIMIT_SCHEMES = ("redis://", "rediss://", "redis+unix://")


def parse_rate_limit(text: str) -> limits.RateLimitItem | None:
    """One ``limits`` item such as ``10/minute``; None if ``text`` is not exactly one limit
    of at least 1 (``limits.parse`` would silently keep the first of ``1/second;5/hour``)."""
    try:
        items = limits.parse_many(text)
    except ValueError:
        return None
    if len(items) != 1 or items[0].amount < 1:
        return None
    return items[0]


def _parse(name: str, kind: object, raw: str) -> Any:
    variable = ENV_PREFIX + name.upper()
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{variable} must be a whole number, not {raw!r}") from None
    if kind in (float, "float"):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{variable} must be a number, not {raw!r}") from None
    if kind in (bool, "bool"):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{variable} must be true or false, not {raw!r}")
    return raw
