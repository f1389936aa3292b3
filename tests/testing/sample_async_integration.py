"""The sample integration again, with ``httpx.AsyncClient``."""

from __future__ import annotations

import httpx


class AsyncIntegration:
    def __init__(
        self, client_id: str, client_secret: str, api_key: str, region: str = "eu"
    ) -> None:
        self.credentials = (client_id, client_secret)
        self.api_key = api_key
        self.region = region
        self.http = httpx.AsyncClient(timeout=10)
        self._token: str | None = None

    async def aclose(self) -> None:
        await self.http.aclose()

    async def token(self) -> str:
        if self._token is None:
            response = await self.http.post(
                f"https://auth.{self.region}.customergauge.com/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=self.credentials,
            )
            response.raise_for_status()
            self._token = str(response.json()["access_token"])
        return self._token

    async def push_record(self, mapping: str, record: dict[str, str]) -> None:
        response = await self.http.put(
            f"https://imports.api.{self.region}.customergauge.com/records/",
            json={"configuration": mapping, "record": record},
            headers={"Authorization": f"Bearer {await self.token()}"},
        )
        response.raise_for_status()

    async def personal_link(self, mapping: str, record: dict[str, str]) -> str:
        response = await self.http.put(
            f"https://imports.api.{self.region}.customergauge.com/personal-link/",
            json={"configuration": mapping, "record": record},
            headers={"Authorization": f"Bearer {await self.token()}"},
        )
        response.raise_for_status()
        return str(response.json()["data"]["survey_link"])

    async def unsubscribe(self, email: str) -> None:
        response = await self.http.post(
            f"https://api.{self.region}.customergauge.com/v4.1/lists/unsubscribe.json",
            data={"email": email},
            headers={"Authorization": f"api_key {self.api_key}"},
        )
        response.raise_for_status()
