import hashlib
import hmac
import json
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.test import override_settings

from orders.models import Order
from payments.models import Payment
from payments.services import capture_payment

pytestmark = pytest.mark.django_db

WEBHOOK_SECRET = "whsec_test"


@pytest.fixture
def authorized_payment(customer, address):
    order = Order.objects.create(customer=customer, shipping_address=address, total=Decimal("25.00"))
    return Payment.objects.create(
        order=order,
        amount=order.total,
        currency="EUR",
        status=Payment.Status.AUTHORIZED,
        gateway_reference="ch_123",
    )


def sign(body: bytes) -> str:
    return hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


@override_settings(PAYMENT_GATEWAY_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_webhook_rejects_a_bad_signature(api_client):
    response = api_client.post(
        "/api/payments/webhook/", data=b"{}", content_type="application/json", HTTP_X_GATEWAY_SIGNATURE="nope"
    )
    assert response.status_code == 403


@override_settings(PAYMENT_GATEWAY_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_webhook_marks_the_order_paid(api_client, authorized_payment):
    body = json.dumps({"id": "evt_1", "type": "charge.succeeded", "data": {"id": "ch_123"}}).encode()
    with patch("payments.services.send_payment_receipt"):
        response = api_client.post(
            "/api/payments/webhook/",
            data=body,
            content_type="application/json",
            HTTP_X_GATEWAY_SIGNATURE=sign(body),
        )

    assert response.status_code == 204
    authorized_payment.refresh_from_db()
    assert authorized_payment.status == Payment.Status.CAPTURED
    assert Order.objects.get(pk=authorized_payment.order_id).status == Order.Status.PAID


def test_capture_payment(authorized_payment):
    with patch("payments.gateway.PaymentGateway.capture", return_value={"id": "ch_123"}):
        payment = capture_payment(authorized_payment.pk)

    assert payment.status == Payment.Status.CAPTURED
    assert payment.captured_at is not None
