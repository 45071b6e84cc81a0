"""Thin client for the PayGate REST API."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import requests
from django.conf import settings

from shop.api import DomainError


class GatewayError(DomainError):
    code = "payment_gateway_error"


class GatewayUnavailable(GatewayError):
    status_code = 503
    code = "payment_gateway_unavailable"


def to_minor_units(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class PaymentGateway:
    def __init__(self, base_url: str, api_key: str, timeout: tuple[float, float] = (3.05, 20)):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def _headers(self, idempotency_key: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    @staticmethod
    def _parse(response: requests.Response) -> dict:
        if response.status_code >= 500:
            raise GatewayUnavailable(f"Gateway returned {response.status_code}")
        body = response.json()
        if response.status_code >= 400:
            raise GatewayError(body.get("message", "Payment declined"), gateway_code=body.get("code"))
        return body

    def _post(self, path: str, payload: dict, idempotency_key: str) -> dict:
        try:
            response = requests.post(
                f"{self.base_url}{path}",
                json=payload,
                headers=self._headers(idempotency_key),
                timeout=self.timeout,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise GatewayUnavailable(str(exc)) from exc
        return self._parse(response)

    def authorize(self, *, amount: Decimal, currency: str, reference: str, idempotency_key: str) -> dict:
        payload = {
            "amount": to_minor_units(amount),
            "currency": currency.lower(),
            "reference": reference,
            "capture": False,
        }
        return self._post("/v1/charges", payload, idempotency_key)

    def capture(self, charge_id: str, amount: Decimal) -> dict:
        payload = {"amount": to_minor_units(amount)}
        return self._post(f"/v1/charges/{charge_id}/capture", payload, f"capture-{charge_id}")

    def refund(self, charge_id: str, amount: Decimal, *, idempotency_key: str) -> dict:
        response = requests.post(
            f"{self.base_url}/v1/refunds",
            json={"charge": charge_id, "amount": to_minor_units(amount)},
            headers=self._headers(idempotency_key),
        )
        return self._parse(response)

    def list_settlements(self, day: date) -> dict[str, Decimal]:
        response = requests.get(
            f"{self.base_url}/v1/settlements",
            params={"date": day.isoformat()},
            headers=self._headers(),
            timeout=self.timeout,
        )
        return {item["charge"]: Decimal(item["amount"]) / 100 for item in self._parse(response)["data"]}


@lru_cache(maxsize=1)
def get_gateway() -> PaymentGateway:
    return PaymentGateway(settings.PAYMENT_GATEWAY_URL, settings.PAYMENT_GATEWAY_API_KEY)
