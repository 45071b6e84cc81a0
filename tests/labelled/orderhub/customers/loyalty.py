"""Loyalty points: reads a customer's orders only when asked (a lazy import, no cycle)."""


def points_for(customer):
    from orders.models import Order

    return sum(int(o.total) for o in Order.objects.filter(customer=customer).only("total"))
