import requests
from celery import chain, shared_task
from django.core.mail import send_mail

from orderhub.celery import app
from orders.models import Order

WAREHOUSE = "https://warehouse.example.com"


@shared_task  # expect: TASK005
def push_to_warehouse(order_id):
    order = Order.objects.get(pk=order_id)
    requests.post(f"{WAREHOUSE}/orders", json={"id": order.pk, "total": str(order.total)}, timeout=10)


@shared_task(soft_time_limit=60, time_limit=90)
def notify_carrier(order_id):
    requests.post("https://carrier.example.com/pickups", json={"order": order_id}, timeout=10)


@app.task(bind=True, max_retries=5, soft_time_limit=30)
def sync_stock(self, sku):
    try:
        requests.get(f"{WAREHOUSE}/stock/{sku}", timeout=10)
    except requests.RequestException as exc:
        raise self.retry(exc=exc, countdown=0)  # expect: TASK004


@app.task(bind=True, max_retries=5, soft_time_limit=30)
def sync_prices(self, sku):
    try:
        requests.get(f"{WAREHOUSE}/prices/{sku}", timeout=10)
    except requests.RequestException as exc:
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries)


@shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, soft_time_limit=60)
def refresh_tracking(order_id):
    requests.get(f"{WAREHOUSE}/tracking/{order_id}", timeout=10)


@shared_task(autoretry_for=(ConnectionError,), retry_kwargs={"countdown": 0})  # expect: TASK004
def reserve_stock(order_id):
    Order.objects.filter(pk=order_id).update(status="reserved")


@shared_task(autoretry_for=(ConnectionError,), retry_kwargs={"max_retries": 3})
def release_stock(order_id):
    Order.objects.filter(pk=order_id).update(status="released")


@shared_task
def compute_total(order_id):
    order = Order.objects.get(pk=order_id)
    return sum(line.price * line.quantity for line in order.lines.all())


@shared_task
def pack_order(order_id):
    return compute_total.delay(order_id).get()  # expect: TASK003


@shared_task
def pack_later(order_id):
    return chain(compute_total.si(order_id), push_to_warehouse.si(order_id)).apply_async().id


@shared_task
def render_slip(order_id):
    return f"slip {order_id}"


@shared_task(soft_time_limit=60)
def send_shipping_mail(order_id, address):
    send_mail("Shipped", f"Order {order_id} is on its way", "shop@orderhub.example", [address])
