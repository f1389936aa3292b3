"""What the bench sends: the seed, and the ``PUT /records/`` body of each mapping.

Every request names a key (an e-mail or an account name) drawn from ``names`` distinct
ones; the warm-up uses its own prefix, so the measured phase does inserts first and
updates after. wrk builds the same bodies as the Python generator, from a Lua template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness import CLIENT_ID, CLIENT_SECRET

#: Keys of the measured phase start with this; the warm-up's with WARMUP_PREFIX.
MEASURE_PREFIX = "Bench"
WARMUP_PREFIX = "Warmup"
#: Accounts a Contact-mapping run spreads its contacts over.
CONTACT_ACCOUNTS = 1000

SEED = f"""\
# Written by the bench for one run.
systems:
  - name: bench
    region: eu
    connected_apps:
      - {{name: Bench, client_id: {CLIENT_ID}, client_secret: {CLIENT_SECRET}}}
    mappings:
      - reference: accounts
        name: Accounts
        data_type: Account
        fields:
          Account Name: account.name
          Account Number: account.number
      - reference: contacts
        name: Contacts
        data_type: Contact
        fields:
          Email: contact.email
          Account Name: account.name
"""


@dataclass(frozen=True)
class Workload:
    """One mapping's ``PUT /records/`` traffic."""

    mapping: str
    #: The table whose rows the keys create (to check no upsert made a duplicate).
    table: str
    #: The body as a printf format: Lua's ``string.format`` and Python's ``%`` agree on it.
    format: str
    #: The format's arguments as a Lua expression of ``prefix``, ``n`` and ``counter``...
    lua_args: str
    #: ...and the same in Python.
    args: Callable[[str, int, int], tuple[object, ...]]

    @property
    def lua_body(self) -> str:
        """A Lua expression building the body (the format has no single quote)."""
        return f"string.format('{self.format}', {self.lua_args})"

    def body(self, prefix: str, n: int, counter: int) -> bytes:
        """The body wrk's script builds for the same key number and counter."""
        return (self.format % self.args(prefix, n, counter)).encode()


ACCOUNT = Workload(
    "Account",
    "accounts",
    '{"configuration":"accounts","record":{"Account Name":"%s %05d","Account Number":"%d"}}',
    "prefix, n, counter",
    lambda prefix, n, counter: (prefix, n, counter),
)
CONTACT = Workload(
    "Contact",
    "contacts",
    '{"configuration":"contacts","record":{"Email":"%s-%05d@example.com",'
    '"Account Name":"%s account %04d"}}',
    f"string.lower(prefix), n, prefix, n % {CONTACT_ACCOUNTS}",
    lambda prefix, n, _: (prefix.lower(), n, prefix, n % CONTACT_ACCOUNTS),
)
WORKLOADS = {"contact": CONTACT, "account": ACCOUNT}
