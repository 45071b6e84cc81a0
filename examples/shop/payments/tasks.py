import logging
from datetime import date, timedelta
from smtplib import SMTPException

from celery import shared_task
from django.core.mail import send_mail
from django.utils import timezone

from .gateway import GatewayUnavailable, get_gateway
from .models import Payment

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(GatewayUnavailable,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def capture_payment_task(payment_id: int) -> None:
    from .services import capture_payment

    capture_payment(payment_id)


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def send_payment_receipt(payment_id: int) -> None:
    payment = Payment.objects.select_related("order__customer").get(pk=payment_id)
    send_mail(
        subject=f"Payment received for order {payment.order.reference}",
        message=f"We received {payment.amount} {payment.currency}. Thank you!",
        from_email=None,
        recipient_list=[payment.order.customer.email],
    )


@shared_task(autoretry_for=(GatewayUnavailable,), retry_backoff=True, max_retries=4)
def reconcile_settlements(day_iso: str | None = None) -> dict:
    """Compare yesterday's captured payments with the gateway's settlement report."""
    day = date.fromisoformat(day_iso) if day_iso else timezone.localdate() - timedelta(days=1)
    settled = get_gateway().list_settlements(day)

    rows = []
    for payment in Payment.objects.filter(status=Payment.Status.CAPTURED, captured_at__date=day):
        settled_amount = settled.pop(payment.gateway_reference, None)
        rows.append(
            {
                "order": payment.order.reference,
                "charge": payment.gateway_reference,
                "captured": str(payment.amount),
                "settled": str(settled_amount) if settled_amount is not None else None,
                "ok": settled_amount == payment.amount,
            }
        )

    mismatches = [row for row in rows if not row["ok"]]
    if mismatches or settled:
        logger.error(
            "Settlement mismatch for %s",
            day,
            extra={"mismatches": mismatches, "unknown_charges": sorted(settled)},
        )
    return {"day": day.isoformat(), "checked": len(rows), "mismatches": len(mismatches)}
