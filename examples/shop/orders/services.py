"""Order lifecycle: placing, cancelling and auditing orders."""

import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F

from catalog.models import Product
from customers.models import Address, Customer
from shop.api import ConflictError, DomainError

from .models import Order, OrderEvent, OrderItem
from .tasks import reserve_inventory, send_order_cancelled_email, send_order_confirmation

logger = logging.getLogger(__name__)

CANCELLABLE_STATUSES = {Order.Status.PENDING_PAYMENT, Order.Status.PAID}


class InvalidAddress(DomainError):
    code = "invalid_address"


class OutOfStock(ConflictError):
    code = "out_of_stock"


class OrderNotCancellable(ConflictError):
    code = "order_not_cancellable"


def record_event(order: Order, action: str, *, actor=None, **payload) -> OrderEvent:
    return OrderEvent.objects.create(order=order, action=action, actor=actor, payload=payload)


def place_order(*, customer: Customer, address_id: int, lines: list[dict], actor=None) -> Order:
    if not Address.objects.filter(pk=address_id, customer=customer).exists():
        raise InvalidAddress("Unknown shipping address.")

    quantities = {line["product_id"]: line["quantity"] for line in lines}

    with transaction.atomic():
        # Lock in primary-key order so two concurrent checkouts cannot deadlock.
        products = {
            product.pk: product
            for product in Product.objects.select_for_update()
            .filter(pk__in=quantities, is_active=True)
            .order_by("pk")
        }
        for product_id, quantity in quantities.items():
            product = products.get(product_id)
            if product is None or product.stock_quantity < quantity:
                raise OutOfStock("Not enough stock.", product_id=product_id)

        order = Order.objects.create(
            customer=customer, shipping_address_id=address_id, currency=settings.SHOP_CURRENCY
        )
        items = [
            OrderItem(order=order, product=products[pid], quantity=qty, unit_price=products[pid].price)
            for pid, qty in quantities.items()
        ]
        OrderItem.objects.bulk_create(items)
        for pid, qty in quantities.items():
            Product.objects.filter(pk=pid).update(stock_quantity=F("stock_quantity") - qty)

        order.total = sum((item.line_total for item in items), Decimal("0.00"))
        order.save(update_fields=["total", "updated_at"])
        record_event(order, OrderEvent.Action.CREATED, actor=actor, lines=len(items))

        transaction.on_commit(lambda: send_order_confirmation.delay(order.pk))
        transaction.on_commit(lambda: reserve_inventory.delay(order.pk))

    logger.info("Order placed", extra={"order": order.reference, "customer": customer.pk})
    return order


@transaction.atomic
def cancel_order(order_id: int, *, actor=None, reason: str = "") -> Order:
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status not in CANCELLABLE_STATUSES:
        raise OrderNotCancellable(f"Orders that are {order.status} cannot be cancelled.")

    for item in order.items.all():
        Product.objects.filter(pk=item.product_id).update(stock_quantity=F("stock_quantity") + item.quantity)

    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    record_event(order, OrderEvent.Action.CANCELLED, actor=actor, reason=reason)
    send_order_cancelled_email.delay(order.pk)
    return order
