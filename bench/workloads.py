"""What the bench sends: the seed, and the ``PUT /records/`` body of each mapping.

Every request names a key (an e-mail or an account name) drawn from ``names`` distinct
ones; the warm-up uses its own prefix, so the measured phase does inserts first and
updates after. wrk builds the same bodies as the Python generator, from a Lua template.
"""

from __future__ import annotations

import json
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
    #: A Lua ``string.format`` call building a body from ``prefix``, ``n`` and ``counter``.
    lua_body: str

    def body(self, prefix: str, n: int, counter: int) -> bytes:
        """The body the Lua template builds for the same arguments."""
        if self.mapping == "Account":
            record = {"Account Name": f"{prefix} {n:05d}", "Account Number": str(counter)}
            configuration = "accounts"
        else:
            record = {
                "Email": f"{prefix.lower()}-{n:05d}@example.com",
                "Account Name": f"{prefix} account {n % CONTACT_ACCOUNTS:04d}",
            }
            configuration = "contacts"
        payload = {"configuration": configuration, "record": record}
        return json.dumps(payload, separators=(",", ":")).encode()


ACCOUNT = Workload(
    "Account",
    "accounts",
    'string.format(\'{"configuration":"accounts","record":{"Account Name":"%s %05d",'
    '"Account Number":"%d"}}\', prefix, n, counter)',
)
_CONTACT_FORMAT = (
    '{"configuration":"contacts","record":{"Email":"%s-%05d@example.com",'
    '"Account Name":"%s account %04d"}}'
)
CONTACT = Workload(
    "Contact",
    "contacts",
    f"string.format('{_CONTACT_FORMAT}', string.lower(prefix), n, prefix, n % {CONTACT_ACCOUNTS})",
)
WORKLOADS = {"contact": CONTACT, "account": ACCOUNT}
