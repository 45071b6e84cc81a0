"""Third parties: carts stored client side, image proxy, payment and carrier webhooks."""

import base64
import hashlib
import hmac
import json
import pickle
import ssl
import urllib.request
from urllib.parse import urlparse

import requests
import stripe
import yaml
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Order

ERP_API_KEY = "erp_live_7Hq2LmZ9xW4vB8nK3pR6tY1c"  # vuln: CWE-798
ERP_TOKEN_HEADER = "X-Erp-Token"  # safe: CWE-798
IMAGE_HOSTS = {"cdn.example.com", "images.example-supplier.com"}


def restore_cart(request):
    blob = request.COOKIES.get("cart", "")
    items = pickle.loads(base64.b64decode(blob))  # vuln: CWE-502
    cached = cache.get(f"cart-template:{request.user.pk}")
    template = pickle.loads(cached) if cached else []  # safe: CWE-502
    prefs = yaml.load(request.body, Loader=yaml.Loader)  # vuln: CWE-502
    defaults = yaml.load(request.body, Loader=yaml.SafeLoader)  # safe: CWE-502
    extra = json.loads(request.body)  # safe: CWE-502
    return JsonResponse({"items": items, "template": template, "prefs": prefs, "d": defaults, "e": extra})


def fetch_image(request):
    url = request.GET.get("src", "")
    if request.GET.get("direct"):
        proxied = requests.get(url, timeout=5)  # vuln: CWE-918
        return HttpResponse(proxied.content, content_type="image/png")
    if urlparse(url).hostname not in IMAGE_HOSTS:
        return HttpResponseBadRequest("host not allowed")
    checked = requests.get(url, timeout=5)  # safe: CWE-918
    return HttpResponse(checked.content, content_type="image/png")


def sync_stock(feed_url):
    with urllib.request.urlopen(feed_url, timeout=10) as resp:  # vuln: CWE-918
        return json.load(resp)


def erp_feed(request):
    stock = sync_stock(request.POST["feed"])
    rates = requests.get(f"{settings.PAYMENT_API_URL}/rates", params={"currency": request.GET.get("cur")}, timeout=5)  # safe: CWE-918
    tenant = request.headers.get("X-Tenant", "main")
    erp = requests.get(f"https://{tenant}.erp.example.net/api/stock", timeout=5, verify=False)  # vuln: CWE-918, CWE-295
    pinned = requests.get("https://erp.example.net/api/stock", timeout=5, verify=settings.ERP_CA_BUNDLE)  # safe: CWE-295
    legacy = urllib.request.urlopen("https://legacy-erp.example.net/ping", context=ssl._create_unverified_context())  # vuln: CWE-295
    session = requests.Session()
    session.auth = ("shop-sync", "Xk8#mP2$vL9qWz")  # vuln: CWE-798
    return JsonResponse({"stock": stock, "rates": rates.json(), "erp": erp.json(), "pinned": pinned.ok, "legacy": legacy.status})


def erp_status(request):
    host, port = request.GET["host"], request.GET.get("port", "443")
    probe = requests.get(f"https://{host}:{port}/status", timeout=3)  # vuln: CWE-918
    warehouse = int(request.GET.get("warehouse", "1"))
    stock = requests.get(f"https://erp.example.net/api/warehouses/{warehouse}/stock", timeout=3)  # safe: CWE-918
    return JsonResponse({"probe": probe.status_code, "stock": stock.json()})


@csrf_exempt  # safe: CWE-352
@require_POST
def stripe_webhook(request):  # safe: CWE-345
    payload = request.body
    signature = request.META.get("HTTP_STRIPE_SIGNATURE", "")
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.error.SignatureVerificationError):
        return HttpResponseBadRequest()
    if event["type"] == "checkout.session.completed":
        Order.objects.filter(pk=event["data"]["object"]["metadata"]["order"]).update(status="paid")
    return HttpResponse(status=204)


@csrf_exempt  # safe: CWE-352
@require_POST
def carrier_webhook(request):
    event = json.loads(request.body)  # vuln: CWE-345
    Order.objects.filter(tracking_code=event["tracking"]).update(status=event["status"])
    return HttpResponse(status=204)


@csrf_exempt  # safe: CWE-352
@require_POST
def deploy_hook(request):  # safe: CWE-345
    expected = "sha256=" + hmac.new(settings.DEPLOY_HOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    if request.headers.get("X-Hub-Signature-256", "") == expected:  # vuln: CWE-208
        return HttpResponse("deploying")
    return HttpResponse(status=403)
