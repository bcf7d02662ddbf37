"""The tracking providers' documented APIs for registering a tracker, and for looking one up:

- EasyPost: `POST /v2/trackers` `{"tracker": {"tracking_code", "carrier"}}`, HTTP basic with the
  API key as the user; `GET /v2/trackers?tracking_code=…&carrier=…` lists what exists.
- AfterShip: `POST /tracking/2024-10/trackings` `{"tracking_number", "slug"}` with the
  `as-api-key` header; a tracking that exists already is refused with `meta.code` 4003, and
  `GET /tracking/2024-10/trackings?tracking_numbers=…&slug=…` finds it.
- Shippo: `POST /tracks/` `{"carrier", "tracking_number"}` with `Authorization: ShippoToken …`;
  registering a number twice is the same registration (Shippo's own idempotency), and
  `GET /tracks/<carrier>/<number>` reads it.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

# orderwire's carrier codes as each provider names the carrier: one table for all of them.
CARRIER_SLUGS: dict[str, dict[str, str]] = {
    "UPS": {"aftership": "ups", "easypost": "UPS", "shippo": "ups"},
    "FEDEX": {"aftership": "fedex", "easypost": "FedEx", "shippo": "fedex"},
    "USPS": {"aftership": "usps", "easypost": "USPS", "shippo": "usps"},
    "DHL": {"aftership": "dhl", "easypost": "DHLExpress", "shippo": "dhl_express"},
}
BASE_URLS = {
    "aftership": "https://api.aftership.com",
    "easypost": "https://api.easypost.com",
    "shippo": "https://api.goshippo.com",
}
TIMEOUT_SECONDS = 10.0


class TrackerRefused(Exception):
    """The provider did not register it; `permanent` when trying again cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class TrackerClient(Protocol):
    name: str

    async def find(self, carrier: str, tracking_id: str) -> str | None:
        """The provider's id of the parcel's tracker, if one exists."""

    async def create(self, carrier: str, tracking_id: str) -> str:
        """Register a tracker; its id. TrackerRefused when the provider does not."""

    async def close(self) -> None: ...


def slug(provider: str, carrier: str) -> str:
    """The provider's name for the carrier; a carrier the table lacks goes as its code, lower
    case (the providers' slugs are lower case, EasyPost's names aside)."""
    return CARRIER_SLUGS.get(carrier, {}).get(provider) or carrier.lower()


class _Client:
    name = ""

    def __init__(
        self, base_url: str, headers: dict[str, str], timeout: float, auth: Any = None
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=headers, auth=auth, timeout=timeout
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            return await self._http.request(method, path, **options)
        except httpx.HTTPError as error:  # no answer: it may have been registered; find() asks
            raise TrackerRefused(f"{self.name}: {type(error).__name__}: {error}") from error


def _refusal(name: str, response: httpx.Response) -> TrackerRefused:
    # A request the provider will never take (bad key, bad number) is not tried again; a
    # throttle or its own failure is.
    permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 409, 429)
    return TrackerRefused(
        f"{name} {response.status_code}: {response.text[:300]}", permanent=permanent
    )


class EasyPostClient(_Client):
    name = "easypost"

    def __init__(self, base_url: str, api_key: str, timeout: float) -> None:
        super().__init__(base_url, {}, timeout, auth=httpx.BasicAuth(api_key, ""))

    async def find(self, carrier: str, tracking_id: str) -> str | None:
        params = {"tracking_code": tracking_id, "carrier": slug(self.name, carrier)}
        response = await self._call("GET", "/v2/trackers", params=params)
        if response.status_code != 200:
            raise _refusal(self.name, response)
        trackers = response.json().get("trackers") or []
        return str(trackers[0]["id"]) if trackers else None

    async def create(self, carrier: str, tracking_id: str) -> str:
        body = {"tracker": {"tracking_code": tracking_id, "carrier": slug(self.name, carrier)}}
        response = await self._call("POST", "/v2/trackers", json=body)
        if response.status_code not in (200, 201):
            raise _refusal(self.name, response)
        return str(response.json()["id"])


class AfterShipClient(_Client):
    name = "aftership"
    path = "/tracking/2024-10/trackings"

    def __init__(self, base_url: str, api_key: str, timeout: float) -> None:
        super().__init__(base_url, {"as-api-key": api_key}, timeout)

    async def find(self, carrier: str, tracking_id: str) -> str | None:
        params = {"tracking_numbers": tracking_id, "slug": slug(self.name, carrier)}
        response = await self._call("GET", self.path, params=params)
        if response.status_code != 200:
            raise _refusal(self.name, response)
        trackings = (response.json().get("data") or {}).get("trackings") or []
        return str(trackings[0]["id"]) if trackings else None

    async def create(self, carrier: str, tracking_id: str) -> str:
        body = {"tracking_number": tracking_id, "slug": slug(self.name, carrier)}
        response = await self._call("POST", self.path, json=body)
        if response.status_code in (200, 201):
            return str(response.json()["data"]["id"])
        meta = _json(response).get("meta") or {}
        if meta.get("code") == 4003:  # it exists already: the one there is
            found = await self.find(carrier, tracking_id)
            if found is not None:
                return found
        raise _refusal(self.name, response)


class ShippoClient(_Client):
    name = "shippo"

    def __init__(self, base_url: str, api_key: str, timeout: float) -> None:
        super().__init__(base_url, {"Authorization": f"ShippoToken {api_key}"}, timeout)

    async def find(self, carrier: str, tracking_id: str) -> str | None:
        response = await self._call("GET", f"/tracks/{slug(self.name, carrier)}/{tracking_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _refusal(self.name, response)
        return _shippo_id(response.json(), carrier, tracking_id)

    async def create(self, carrier: str, tracking_id: str) -> str:
        body = {"carrier": slug(self.name, carrier), "tracking_number": tracking_id}
        response = await self._call("POST", "/tracks/", json=body)
        if response.status_code not in (200, 201):
            raise _refusal(self.name, response)
        return _shippo_id(response.json(), carrier, tracking_id)


def _shippo_id(track: Any, carrier: str, tracking_id: str) -> str:
    """Shippo names a track by its carrier and number."""
    return str(track.get("object_id") or f"{slug('shippo', carrier)}/{tracking_id}")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def tracker_client(
    provider: str, api_key: str, base_url: str | None = None, timeout: float = TIMEOUT_SECONDS
) -> TrackerClient:
    """The provider's client, at its documented address unless `base_url` says otherwise."""
    url = base_url or BASE_URLS[provider]
    match provider:
        case "aftership":
            return AfterShipClient(url, api_key, timeout)
        case "easypost":
            return EasyPostClient(url, api_key, timeout)
        case "shippo":
            return ShippoClient(url, api_key, timeout)
    raise ValueError(f"no tracking provider {provider!r}: aftership, easypost or shippo")
