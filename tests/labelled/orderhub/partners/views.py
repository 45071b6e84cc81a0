"""Views that talk to the carriers and the warehouse on behalf of an order."""

import boto3
import httpx
import redis
import requests
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST

from orders.models import Order

CARRIER_SESSION = requests.Session()
LABELS = boto3.client("s3")
WAREHOUSE_URL = settings.WAREHOUSE_URL


@login_required
@require_GET
def tracking(request, order_id):
    session = requests.Session()  # expect: INT004
    response = session.get(
        f"https://api.carrier.example.com/track/{order_id}",
        timeout=5,
    )
    response.raise_for_status()
    return JsonResponse({"status": response.json()["status"]})


@login_required
@require_GET
def tracking_shared(request, order_id):
    response = CARRIER_SESSION.get(
        f"https://api.carrier.example.com/track/{order_id}",
        timeout=5,
    )
    response.raise_for_status()
    return JsonResponse({"status": response.json()["status"]})


@login_required
@require_GET
def shipping_label(request, order_id):
    s3 = boto3.client("s3")  # expect: INT004
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "labels", "Key": f"{order_id}.pdf"}
    )
    return JsonResponse({"url": url})


@login_required
@require_GET
def shipping_label_shared(request, order_id):
    url = LABELS.generate_presigned_url(
        "get_object", Params={"Bucket": "labels", "Key": f"{order_id}.pdf"}
    )
    return JsonResponse({"url": url})


@login_required
@require_GET
def stock(request, sku):
    with httpx.Client(timeout=5) as client:  # expect: INT004
        response = client.get(
            "http://warehouse:8080/stock/" + sku,  # expect: INT005
        )
    response.raise_for_status()
    return JsonResponse(response.json())


@login_required
@require_GET
def stock_configured(request, sku):
    response = CARRIER_SESSION.get(f"{WAREHOUSE_URL}/stock/{sku}", timeout=5)
    response.raise_for_status()
    return JsonResponse(response.json())


@login_required
@require_GET
def seen(request, order_id):
    cache = redis.Redis(host=settings.REDIS_HOST)  # expect: INT004
    count = cache.incr(f"seen:{order_id}")
    return JsonResponse({"seen": count})


@login_required
@require_GET
def order_summary(request, order_id):
    order = Order.objects.filter(pk=order_id, customer__user=request.user).first()
    if order is None:
        return JsonResponse({"detail": "not found"}, status=404)
    return JsonResponse({"status": order.status})


@login_required
@require_GET
async def order_status(request, order_id):
    order = Order.objects.get(pk=order_id, customer__user=request.user)  # expect: PERF001
    return JsonResponse({"status": order.status})


@login_required
@require_GET
async def order_status_async(request, order_id):
    order = await Order.objects.aget(pk=order_id, customer__user=request.user)
    return JsonResponse({"status": order.status})


@login_required
@require_GET
async def open_orders(request):
    pending = Order.objects.filter(customer__user=request.user, status="new")
    numbers = [order.pk for order in pending]  # expect: PERF001
    shipped = await sync_to_async(list)(
        Order.objects.filter(customer__user=request.user, status="shipped")
    )
    return JsonResponse({"new": numbers, "shipped": [order.pk for order in shipped]})


@login_required
@require_POST
def upload_manifest(request, order_id):
    manifest = request.FILES["manifest"]
    LABELS.put_object(
        Bucket="manifests",
        Key=f"{order_id}.csv",
        Body=manifest.read(),  # expect: PERF002
    )
    return JsonResponse({"stored": manifest.name})


@login_required
@require_POST
def upload_manifest_streamed(request, order_id):
    manifest = request.FILES["manifest"]
    LABELS.upload_fileobj(manifest, "manifests", f"{order_id}.csv")
    return JsonResponse({"stored": manifest.name})


@login_required
@require_POST
def upload_manifest_checked(request, order_id):
    manifest = request.FILES["manifest"]
    if manifest.size > 5 * 1024 * 1024:
        return JsonResponse({"detail": "manifest too large"}, status=413)
    header = manifest.read().splitlines()[0]
    return JsonResponse({"columns": header.decode().split(",")})


def carrier_client():
    """A factory: the caller decides how long the session lives."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {settings.CARRIER_TOKEN}"
    return session
