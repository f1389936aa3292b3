"""A small CustomerGauge integration written the way users write them: requests, real hosts.

It knows nothing about OpenGauge; the tests run it against the sandbox unchanged.
"""

from __future__ import annotations

import requests


class Integration:
    """Pushes CRM data to CustomerGauge and keeps its unsubscribe list in sync."""

    def __init__(
        self, client_id: str, client_secret: str, api_key: str, region: str = "eu"
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.api_key = api_key
        self.region = region
        self.session = requests.Session()
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            response = self.session.post(
                f"https://auth.{self.region}.customergauge.com/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.client_secret),
                timeout=10,
            )
            response.raise_for_status()
            self._token = str(response.json()["access_token"])
        return self._token

    def push_record(self, mapping: str, record: dict[str, str]) -> None:
        response = self.session.put(
            f"https://imports.api.{self.region}.customergauge.com/records/",
            json={"configuration": mapping, "record": record},
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=10,
        )
        response.raise_for_status()

    def personal_link(self, mapping: str, record: dict[str, str]) -> str:
        response = self.session.put(
            f"https://imports.api.{self.region}.customergauge.com/personal-link/",
            json={"configuration": mapping, "record": record},
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["data"]["survey_link"])

    def unsubscribe(self, email: str) -> None:
        response = self.session.post(
            f"https://api.{self.region}.customergauge.com/v4.1/lists/unsubscribe.json",
            data={"email": email},
            headers={"Authorization": f"api_key {self.api_key}"},
            timeout=10,
        )
        response.raise_for_status()
