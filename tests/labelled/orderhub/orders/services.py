from decimal import Decimal

from django.db import transaction

from customers.models import Customer
from orders.models import Order


class OrderRefused(Exception):
    pass


def place_order(user, skus, express=False):
    # the business operation lives here: many decisions and writes are expected
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise OrderRefused("no customer")
    if len(skus) > 50:
        raise OrderRefused("too many items")
    with transaction.atomic():
        order = Order.objects.create(customer=customer, status="express" if express else "new")
        total = Decimal("0")
        for sku in skus:
            order.lines.create(sku=sku, quantity=1, price=Decimal("1"))
            total += Decimal("1")
        order.total = total
        order.save(update_fields=["total"])
    return order
