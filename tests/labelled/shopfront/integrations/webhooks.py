"""Incoming webhooks from payment and code-hosting providers (EXT001, EXT002)."""

import hashlib
import hmac
import json
import logging

import stripe
from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse

logger = logging.getLogger(__name__)


def stripe_webhook(request):
    event = json.loads(request.body)  # expect: EXT001
    logger.info("stripe event %s", event["type"])
    return HttpResponse(status=200)


def stripe_webhook_verified(request):
    event = stripe.Webhook.construct_event(
        request.body, request.headers.get("Stripe-Signature", ""), settings.STRIPE_WEBHOOK_SECRET
    )
    logger.info("stripe event %s", event["type"])
    return HttpResponse(status=200)


def github_hook(request):
    secret = settings.GITHUB_WEBHOOK_SECRET.encode()
    expected = "sha256=" + hmac.new(secret, request.body, hashlib.sha256).hexdigest()
    signature = request.headers["X-Hub-Signature-256"]
    if signature != expected:  # expect: EXT002
        return HttpResponseForbidden()
    return JsonResponse(json.loads(request.body))


def github_hook_constant_time(request):
    secret = settings.GITHUB_WEBHOOK_SECRET.encode()
    expected = "sha256=" + hmac.new(secret, request.body, hashlib.sha256).hexdigest()
    signature = request.headers["X-Hub-Signature-256"]
    if not hmac.compare_digest(signature, expected):
        return HttpResponseForbidden()
    return JsonResponse(json.loads(request.body))


def gitlab_hook(request):
    if request.headers.get("X-Gitlab-Token") == settings.GITLAB_WEBHOOK_TOKEN:  # expect: EXT002
        return JsonResponse(json.loads(request.body))
    return HttpResponseForbidden()


def carrier_callback(request):
    update = request.data  # expect: EXT001
    return JsonResponse({"received": update["id"]})


def oauth_callback(request):
    code = request.GET["code"]  # a sign-in callback: the provider's code, checked on exchange
    return JsonResponse({"code": code})


class ShippingWebhookView:
    def post(self, request):
        return JsonResponse(request.data)  # expect: EXT001


class SignedHookView:
    def dispatch(self, request):
        if not self.verify_signature(request):
            return HttpResponseForbidden()
        return self.post(request)

    def post(self, request):
        return JsonResponse(request.data)

    def verify_signature(self, request):
        digest = hmac.new(settings.HOOK_SECRET.encode(), request.body, hashlib.sha256)
        return hmac.compare_digest(digest.hexdigest(), request.headers.get("X-Signature", ""))


def order_export(request):
    rows = json.loads(request.body)  # not a webhook
    return JsonResponse({"n": len(rows)})


def cached_page(request, body):
    if request.headers.get("If-None-Match") == hashlib.md5(body).hexdigest():  # an ETag
        return HttpResponse(status=304)
    signature = request.headers.get("X-Signature", "")
    if len(signature) != 64 or signature == "":
        return HttpResponseForbidden()
    checksum = hashlib.sha256(body).hexdigest()
    if checksum == request.GET.get("checksum"):  # an integrity check, not a secret
        return HttpResponse(body)  # expect: VAL004
    return HttpResponse(status=400)
