"""Payment lifecycle: authorize at checkout, capture on dispatch, refunds and gateway webhooks."""

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from orders.models import Order, OrderEvent
from shop.api import ConflictError

from .gateway import GatewayError, get_gateway
from .models import Payment, Refund
from .tasks import send_payment_receipt

logger = logging.getLogger(__name__)


class PaymentStateError(ConflictError):
    code = "invalid_payment_state"


def authorize_payment(order: Order) -> Payment:
    payment = Payment.objects.create(order=order, amount=order.total, currency=order.currency)
    try:
        charge = get_gateway().authorize(
            amount=payment.amount,
            currency=payment.currency,
            reference=order.reference,
            idempotency_key=f"authorize-{payment.pk}",
        )
    except GatewayError as exc:
        payment.status = Payment.Status.FAILED
        payment.failure_reason = exc.message[:255]
        payment.save(update_fields=["status", "failure_reason", "updated_at"])
        raise
    payment.gateway_reference = charge["id"]
    payment.status = Payment.Status.AUTHORIZED
    payment.save(update_fields=["gateway_reference", "status", "updated_at"])
    return payment


def capture_payment(payment_id: int) -> Payment:
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status == Payment.Status.CAPTURED:
        return payment
    if payment.status != Payment.Status.AUTHORIZED:
        raise PaymentStateError(f"Cannot capture a {payment.status} payment.")

    get_gateway().capture(payment.gateway_reference, payment.amount)
    payment.status = Payment.Status.CAPTURED
    payment.captured_at = timezone.now()
    payment.save(update_fields=["status", "captured_at", "updated_at"])
    Order.objects.filter(pk=payment.order_id).update(status=Order.Status.PAID)
    OrderEvent.objects.create(
        order_id=payment.order_id, action=OrderEvent.Action.PAID, payload={"payment": payment.pk}
    )
    return payment


def refund_payment(*, payment_id: int, amount: Decimal, reason: str, actor) -> Refund:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != Payment.Status.CAPTURED:
            raise PaymentStateError("Only captured payments can be refunded.")
        refunded = payment.refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
        if amount > payment.amount - refunded:
            raise PaymentStateError("Refund exceeds the remaining captured amount.")
        refund = Refund.objects.create(payment=payment, amount=amount, reason=reason, created_by=actor)

    # Outside the transaction: never hold a row lock while waiting on the network.
    result = get_gateway().refund(payment.gateway_reference, amount, idempotency_key=f"refund-{refund.pk}")
    refund.gateway_reference = result["id"]
    refund.save(update_fields=["gateway_reference"])
    if refunded + amount == payment.amount:
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.REFUNDED)
    OrderEvent.objects.create(
        order_id=payment.order_id,
        action=OrderEvent.Action.REFUNDED,
        actor=actor,
        payload={"refund": refund.pk, "amount": str(amount)},
    )
    return refund


def handle_webhook_event(event: dict) -> None:
    event_type = event.get("type", "")
    data = event.get("data") or {}
    if not event_type.startswith("charge."):
        logger.debug("Ignoring gateway event %s", event_type)
        return

    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(gateway_reference=data.get("id", "")).first()
        if payment is None:
            logger.warning("Webhook for unknown charge %s", data.get("id"))
            return

        if event_type == "charge.succeeded" and payment.status != Payment.Status.CAPTURED:
            payment.status = Payment.Status.CAPTURED
            payment.captured_at = timezone.now()
            payment.gateway_fee = data.get("fee")
            payment.save(update_fields=["status", "captured_at", "gateway_fee", "updated_at"])
            Order.objects.filter(pk=payment.order_id).update(status=Order.Status.PAID)
            OrderEvent.objects.create(
                order_id=payment.order_id, action=OrderEvent.Action.PAID, payload={"event": event.get("id")}
            )
            send_payment_receipt.delay(payment.pk)
        elif event_type == "charge.failed":
            payment.status = Payment.Status.FAILED
            payment.failure_reason = str(data.get("failure_message", ""))[:255]
            payment.save(update_fields=["status", "failure_reason", "updated_at"])
