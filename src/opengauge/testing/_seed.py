"""What a sandbox starts with: the default tenant, and reading the ``seed=`` argument."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opengauge.server.seed.schemas import Seed, load_seed, validate_seed

#: What ``seed=`` accepts: nothing (the default tenant), a seed dict, a YAML/JSON file, a Seed.
SeedSource = Seed | dict[str, Any] | str | Path | None

#: The default tenant's inbound mappings: name -> reference.
RECORDS_MAPPING = "5d1bd3a4-6b0e-4c56-9a43-2f1c2e1b7a01"
PERSONAL_LINKS_MAPPING = "5d1bd3a4-6b0e-4c56-9a43-2f1c2e1b7a02"
ACCOUNTS_MAPPING = "5d1bd3a4-6b0e-4c56-9a43-2f1c2e1b7a03"
RESPONSES_MAPPING = "5d1bd3a4-6b0e-4c56-9a43-2f1c2e1b7a04"

_PERSON_FIELDS = {
    "Email": "contact.email",
    "Phone": "contact.phone",
    "First Name": "contact.first_name",
    "Last Name": "contact.last_name",
    "Account Name": "account.name",
    "Touchpoint": "survey.touchpoint",
    "Order Number": "survey.number_order",
    "Product": "survey.segment.Product",
}


def default_seed(region: str = "eu", name: str = "sandbox") -> dict[str, Any]:
    """The tenant a sandbox gets when no seed is given, as a seed dict.

    One system ``name`` in ``region`` with the API key ``<name>-api-key``, a connected app
    ``<name>-client`` / ``<name>-secret``, the mappings "Records" (Multi-Object: a
    ``PUT /records/`` creates a survey record and queues an invitation), "Personal links"
    (Multi-Object), "Accounts" and "External responses", a personal-link campaign that takes
    every record, and no duplication rule. Change the dict to build your own seed from it.
    """
    return {
        "systems": [
            {
                "name": name,
                "region": region,
                "api_key": f"{name}-api-key",
                "touchpoints": ["Support", "Onboarding", "Purchase"],
                "segments": ["Product"],
                "connected_apps": [
                    {
                        "name": "Sandbox app",
                        "client_id": f"{name}-client",
                        "client_secret": f"{name}-secret",
                    }
                ],
                "mappings": [
                    {
                        "reference": RECORDS_MAPPING,
                        "name": "Records",
                        "data_type": "Multi-Object",
                        "fields": dict(_PERSON_FIELDS),
                    },
                    {
                        "reference": PERSONAL_LINKS_MAPPING,
                        "name": "Personal links",
                        "data_type": "Multi-Object",
                        "fields": dict(_PERSON_FIELDS),
                    },
                    {
                        "reference": ACCOUNTS_MAPPING,
                        "name": "Accounts",
                        "data_type": "Account",
                        "fields": {
                            "Account Name": "account.name",
                            "Account Number": "account.number",
                            "Account Manager": "account.manager",
                            "Parent Account": "account.parent",
                        },
                    },
                    {
                        "reference": RESPONSES_MAPPING,
                        "name": "External responses",
                        "data_type": "External Response",
                        "fields": {
                            "Email": "contact.email",
                            "Phone": "contact.phone",
                            "Account Name": "account.name",
                            "Score": "survey.nps",
                            "Comment": "survey.comment",
                        },
                    },
                ],
                "campaigns": [{"name": "Personal links", "active": True, "filters": []}],
            }
        ]
    }


def read_seed(source: SeedSource) -> Seed:
    """The validated seed for a ``seed=`` argument (raises ``SeedError`` naming each problem)."""
    if source is None:
        return validate_seed(default_seed(), "default seed")
    if isinstance(source, Seed):
        return source
    if isinstance(source, dict):
        return validate_seed(source, "seed")
    return load_seed(source)
