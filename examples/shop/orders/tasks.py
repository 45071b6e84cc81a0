import logging
from datetime import timedelta
from smtplib import SMTPException

import requests
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Order, OrderEvent

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, retry_jitter=True, max_retries=5
)
def send_order_confirmation(order_id: int) -> None:
    order = Order.objects.select_related("customer").prefetch_related("items__product").get(pk=order_id)
    lines = "\n".join(f"{item.quantity} x {item.product.name}" for item in order.items.all())
    send_mail(
        subject=f"Your order {order.reference}",
        message=f"Thanks for your order!\n\n{lines}\n\nTotal: {order.total} {order.currency}",
        from_email=None,
        recipient_list=[order.customer.email],
    )


@shared_task(
    autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, retry_jitter=True, max_retries=5
)
def send_order_cancelled_email(order_id: int) -> None:
    order = Order.objects.select_related("customer").get(pk=order_id)
    send_mail(
        subject=f"Order {order.reference} cancelled",
        message="Your order has been cancelled. Any payment will be refunded within 5 working days.",
        from_email=None,
        recipient_list=[order.customer.email],
    )


@shared_task(
    autoretry_for=(requests.ConnectionError, requests.Timeout),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def reserve_inventory(order_id: int) -> None:
    order = Order.objects.prefetch_related("items__product").get(pk=order_id)
    payload = {
        "order_reference": order.reference,
        "warehouse_code": settings.DEFAULT_WAREHOUSE,
        "lines": [{"sku": item.product.sku, "quantity": item.quantity} for item in order.items.all()],
    }
    response = requests.post(
        f"{settings.INVENTORY_SERVICE_URL}/reservations",
        json=payload,
        headers={"X-Service-Token": settings.INVENTORY_SERVICE_TOKEN},
        timeout=5,
    )
    if response.status_code == 409:
        OrderEvent.objects.create(
            order=order, action=OrderEvent.Action.NOTE, payload={"shortage": response.json()}
        )
        return
    response.raise_for_status()


@shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=3)
def sync_tracking_status(order_id: int) -> None:
    order = Order.objects.get(pk=order_id)
    if not order.tracking_number:
        return
    response = requests.get(
        f"{settings.CARRIER_API_URL}/v1/shipments/{order.tracking_number}",
        headers={"Authorization": f"Token {settings.CARRIER_API_TOKEN}"},
    )
    response.raise_for_status()
    if response.json().get("status") == "delivered" and order.status == Order.Status.SHIPPED:
        Order.objects.filter(pk=order.pk).update(status=Order.Status.DELIVERED)
        OrderEvent.objects.create(order=order, action=OrderEvent.Action.DELIVERED)


@shared_task
def expire_stale_orders() -> int:
    """Cancel orders whose payment never arrived (runs every 5 minutes from beat)."""
    from .services import OrderNotCancellable, cancel_order

    cutoff = timezone.now() - timedelta(minutes=settings.ORDER_PAYMENT_WINDOW_MINUTES)
    stale_ids = list(
        Order.objects.filter(status=Order.Status.PENDING_PAYMENT, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )
    for order_id in stale_ids:
        try:
            cancel_order(order_id, reason="payment window expired")
        except OrderNotCancellable:
            continue
    logger.info("Expired %d unpaid orders", len(stale_ids))
    return len(stale_ids)
