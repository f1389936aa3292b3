"""A system whose answers give hand-computed NPS figures, made through real requests.

Divisions: Global > Europe > Netherlands, and Global > Americas. Accounts: Acme (MRR 1,000
over 2026), Bolt (MRR 3,000 over 2026) and Cora (no revenue). Answers in the first half of
2026, each imported as an External Response:

| account | score | touchpoint | division    | Product | answered   | comment |
|---------|-------|------------|-------------|---------|------------|---------|
| Acme    | 10    | Support    | Netherlands | Alpha   | 2026-01-10 | yes     |
| Acme    | 9     | Support    | Europe      | Alpha   | 2026-02-10 |         |
| Acme    | 3     | Onboarding | Netherlands | Alpha   | 2026-03-10 | yes     |
| Bolt    | 6     | Support    | Americas    | Beta    | 2026-04-10 | yes     |
| Bolt    | 7     | Onboarding | Americas    | Beta    | 2026-05-10 |         |
| Cora    | 10    | Onboarding | (none)      | Beta    | 2026-06-10 |         |
| Cora    | 0     | Support    | Europe      | Beta    | 2025-06-10 |         |

So for 2026-01-01..2026-06-30: 6 responses, promoters 3, passives 1, detractors 2, NPS 16.7;
Acme 33.3, Bolt -50.0, Cora 100.0; revenue-weighted (6,000 x 33.3 + 18,000 x -50) / 24,000
= -29.2 (Cora has no revenue); Support 33.3, Onboarding 0.0; Netherlands 0.0, Europe 33.3,
Americas -50.0, Global 16.7 (Cora's answer without a division is Global's own). The 2025
answer is outside the period.
"""

from __future__ import annotations

import uuid
from typing import Any

from opengauge.server.seed.schemas import validate_seed
from opengauge.server.seed.service import apply_seed
from tests.server.console.support import console_users
from tests.support import RunningServer, Tenant, put_record, tenant_seed

PERIOD = {"from": "2026-01-01", "to": "2026-06-30"}
ANSWERS = [
    ("Acme", 10, "Support", "Netherlands", "Alpha", "2026-01-10 09:00:00", "Great support"),
    ("Acme", 9, "Support", "Europe", "Alpha", "2026-02-10 09:00:00", None),
    ("Acme", 3, "Onboarding", "Netherlands", "Alpha", "2026-03-10 09:00:00", "Slow start"),
    ("Bolt", 6, "Support", "Americas", "Beta", "2026-04-10 09:00:00", "Too expensive"),
    ("Bolt", 7, "Onboarding", "Americas", "Beta", "2026-05-10 09:00:00", None),
    ("Cora", 10, "Onboarding", None, "Beta", "2026-06-10 09:00:00", None),
    ("Cora", 0, "Support", "Europe", "Beta", "2025-06-10 09:00:00", None),
]
SCORES_MAPPING = {
    "reference": "scores",
    "name": "Scores",
    "data_type": "External Response",
    "fields": {
        "Email": "contact.email",
        "Account Name": "account.name",
        "NPS": "survey.nps",
        "Comment": "survey.comment",
        "Responded": "survey.date_response",
        "Touchpoint": "survey.touchpoint",
        "Division": "survey.division",
        "Product": "survey.segment.Product",
    },
}


def scored_tenant(server: RunningServer, **extra: Any) -> Tenant:
    """A fresh system with the answers above, an Administrator and a Viewer."""
    name = f"r-{uuid.uuid4().hex[:10]}"
    seed = tenant_seed(
        name,
        divisions=[
            {"division": "Europe", "parent": "Global"},
            {"division": "Netherlands", "parent": "Europe"},
            {"division": "Americas", "parent": "Global"},
        ],
        users=console_users(name),
        **extra,
    )
    seed["systems"][0]["mappings"].append(SCORES_MAPPING)
    (applied,) = apply_seed(server.db, validate_seed(seed))
    tenant = Tenant(server, name, applied.id, f"{name}-client", f"{name}-secret", "eu")
    with tenant.client() as http:
        for n, (account, nps, touchpoint, division, product, answered, comment) in enumerate(
            ANSWERS
        ):
            record = {
                "Email": f"person{n}@{account.lower()}.example.com",
                "Account Name": account,
                "NPS": nps,
                "Responded": answered,
                "Touchpoint": touchpoint,
                "Product": product,
            }
            if division:
                record["Division"] = division
            if comment:
                record["Comment"] = comment
            response = put_record(http, "scores", record)
            assert response.status_code == 200, response.text
        for account, monthly in (("Acme", 1000), ("Bolt", 3000)):
            revenue = {
                "Account Name": account,
                "Amount": monthly,
                "Start": "2026-01-01",
                "End": "2026-12-31",
                "Type": "MRR",
            }
            response = put_record(http, "revenue", revenue)
            assert response.status_code == 200, response.text
    return tenant
