import django_rq
from django.db import transaction

from fulfilment.jobs import print_label
from orders.models import Order


@transaction.atomic
def ship(order_id):
    Order.objects.filter(pk=order_id).update(status="shipped")
    django_rq.enqueue(print_label, order_id)  # expect: TASK001


@transaction.atomic
def ship_later(order_id):
    Order.objects.filter(pk=order_id).update(status="shipped")
    transaction.on_commit(lambda: django_rq.enqueue(print_label, order_id))


def reprint(order_id, runner):
    with transaction.atomic():
        Order.objects.filter(pk=order_id).update(status="reprinted")
    django_rq.get_queue("labels").enqueue(print_label, order_id)
    runner.enqueue(print_label, order_id)
