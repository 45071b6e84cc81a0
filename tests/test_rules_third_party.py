"""Third-Party Security Integration: EXT001 webhook-without-signature-check,
EXT002 signature-compared-with-equals."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    fix_and_recheck,
    only,
    pos_of,
)


def run(tmp_path, files: dict[str, str], code: str):
    return only(analyze_files(tmp_path, files), code)


# --- EXT001 ----------------------------------------------------------------------

DJANGO = """
import json

import stripe
from django.conf import settings
from django.http import HttpResponse


def stripe_webhook(request):
    event = json.loads(request.body)
    return HttpResponse(event["type"])


def stripe_webhook_verified(request):
    event = stripe.Webhook.construct_event(
        request.body, request.headers.get("Stripe-Signature"), settings.STRIPE_SECRET
    )
    return HttpResponse(event["type"])


class ShippingWebhookView:
    def post(self, request):
        return HttpResponse(request.data["id"])
"""


def test_ext001_django_handlers(tmp_path):
    found = run(tmp_path, {"payments/views.py": DJANGO}, "EXT001")
    assert [f.start for f in found] == [
        pos_of(DJANGO, "request.body)"),
        pos_of(DJANGO, "request.data"),
    ]
    first = found[0]
    assert first.end == (first.start[0], first.start[1] + len("request.body"))
    assert "`stripe_webhook`" in first.message and "`request.body`" in first.message
    assert "signature" in first.message
    assert "`ShippingWebhookView.post`" in found[1].message
    assert all(f.severity == Severity.ERROR and f.fix is None for f in found)
    assert_suppress_edit_silences(tmp_path, first)


FLASK = """
from flask import Flask, request

app = Flask(__name__)


@app.route("/hooks/github", methods=["POST"])
def github():
    return request.get_json()


@app.post("/payments/callback")
def payment_done():
    return request.json


@app.route("/webhooks/slack", methods=["POST"])
def slack():
    verifier.is_valid_request(request.get_data(), request.headers)
    return request.get_json()
"""


def test_ext001_flask_routes_by_path(tmp_path):
    found = run(tmp_path, {"shop/app.py": FLASK}, "EXT001")
    assert [f.start for f in found] == [
        pos_of(FLASK, "request.get_json()"),
        pos_of(FLASK, "request.json"),
    ]
    assert "`github`" in found[0].message and "`request.get_json`" in found[0].message


@pytest.mark.parametrize(
    "check",
    [
        "hmac.compare_digest(sig, expected)",
        "verify_signature(request)",
        'request.headers["X-Hub-Signature-256"]',
        'request.META["HTTP_X_GITLAB_TOKEN"]',
        "SignatureVerifier(settings.SLACK_SECRET).is_valid_request(request.body, request.headers)",
        "RequestValidator(settings.TWILIO_TOKEN).validate(url, params, sig)",
        "Webhook(settings.SVIX_SECRET).verify(request.body, request.headers)",
    ],
)
def test_ext001_quiet_when_the_handler_verifies(tmp_path, check):
    src = f"""
    import hmac

    def order_webhook(request):
        {check}
        return request.body
    """
    assert run(tmp_path, {"shop/views.py": src}, "EXT001") == []


def test_ext001_a_verifying_method_or_base_of_the_class_counts(tmp_path):
    src = """
    class SignedWebhookView:
        def dispatch(self, request):
            if not self.check_signature(request):
                return None
            return self.post(request)

        def post(self, request):
            return request.data


    class StripeHookView(VerifiedWebhookMixin):
        def post(self, request):
            return request.data
    """
    assert run(tmp_path, {"shop/views.py": src}, "EXT001") == []


def test_ext001_quiet_when_a_decorator_verifies(tmp_path):
    src = """
    @verify_slack_signature
    def slack_webhook(request):
        return request.body
    """
    assert run(tmp_path, {"shop/views.py": src}, "EXT001") == []


@pytest.mark.parametrize(
    "src",
    [
        # not a webhook
        "def export(request):\n    return request.body\n",
        # a webhook that does not read the payload
        "def ping_webhook(request):\n    return 'pong'\n",
        # an OAuth callback reads the query and form fields, not a raw payload
        "def oauth_callback(request):\n    return request.GET['code'], request.POST.get('state')\n",
        # DRF's trick to cache the body before delegating to a verifying view
        "def webhook(request):\n    request.body\n    return handler(request)\n",
        # a plugin hook, not an HTTP handler
        "def pre_save_hook(instance):\n    return instance.data\n",
    ],
)
def test_ext001_look_alikes_are_quiet(tmp_path, src):
    assert run(tmp_path, {"shop/views.py": src}, "EXT001") == []


def test_ext001_quiet_in_tests_and_commands(tmp_path):
    src = "def stripe_webhook(request):\n    return request.body\n"
    files = {
        "shop/tests/test_hooks.py": src,
        "shop/management/commands/webhook_receiver.py": src,
    }
    assert run(tmp_path, files, "EXT001") == []


# --- EXT002 ----------------------------------------------------------------------

GITHUB = """
import hashlib
from django.conf import settings


def github_hook(request):
    expected = "sha256=" + hmac.new(settings.SECRET, request.body, hashlib.sha256).hexdigest()
    signature = request.headers["X-Hub-Signature-256"]
    if signature != expected:
        return None
    return request.body


def gitlab_hook(request):
    if request.headers.get("X-Gitlab-Token") == settings.GITLAB_TOKEN:
        return request.body
"""


def test_ext002_signatures_and_tokens(tmp_path):
    found = run(tmp_path, {"hooks/views.py": GITHUB}, "EXT002")
    assert [f.start for f in found] == [
        pos_of(GITHUB, "signature != expected"),
        pos_of(GITHUB, 'request.headers.get("X-Gitlab-Token") =='),
    ]
    assert found[0].end == (found[0].start[0], found[0].start[1] + len("signature != expected"))
    assert "`!=`" in found[0].message and "hmac.compare_digest" in found[0].message
    assert found[0].severity == Severity.WARNING
    assert found[1].fix is None  # `.get()` may give None: compare_digest would raise


def test_ext002_fix_uses_compare_digest_and_imports_hmac(tmp_path):
    found = run(tmp_path, {"hooks/views.py": GITHUB}, "EXT002")
    edited, after = fix_and_recheck(tmp_path, found[0])
    text = edited["hooks/views.py"]
    assert "if not hmac.compare_digest(signature, expected):" in text
    assert text.splitlines()[:3] == [
        "import hashlib",
        "import hmac",
        "from django.conf import settings",
    ]
    assert len(only(after, "EXT002")) == 1


def test_ext002_fix_keeps_an_existing_import(tmp_path):
    src = """
    import hashlib
    import hmac


    def check(body, secret, sent_signature):
        return hmac.new(secret, body, hashlib.sha256).hexdigest() == sent_signature
    """
    (f,) = run(tmp_path, {"hooks/check.py": src}, "EXT002")
    edited, after = fix_and_recheck(tmp_path, f)
    text = edited["hooks/check.py"]
    assert text.count("import hmac") == 1
    assert (
        "return hmac.compare_digest(hmac.new(secret, body, hashlib.sha256).hexdigest(), sent_signature)"
        in text
    )
    assert only(after, "EXT002") == []


@pytest.mark.parametrize(
    "cond",
    [
        'signature == ""',
        "signature is None",
        "len(signature) == 64",
        "digest == None",
        # an ETag: a hash, but no secret
        'request.headers.get("If-None-Match") == hashlib.md5(body).hexdigest()',
        # a checksum against a value from the query
        'hashlib.sha256(body).hexdigest() == request.GET.get("checksum")',
        # neither side is a digest or a header
        "token == user.reset_token",
        'event["type"] == "ping"',
        "hmac.compare_digest(signature, expected)",
    ],
)
def test_ext002_look_alikes_are_quiet(tmp_path, cond):
    src = f"""
    import hashlib
    import hmac

    def check(request, body, user, event, signature, digest, expected):
        return {cond}
    """
    assert run(tmp_path, {"hooks/check.py": src}, "EXT002") == []


def test_ext002_quiet_in_tests(tmp_path):
    src = """
    import hashlib
    import hmac

    def test_signature(client):
        assert hmac.new(b"k", b"x", hashlib.sha256).hexdigest() == client.signature
    """
    assert run(tmp_path, {"tests/test_hooks.py": src}, "EXT002") == []


@pytest.mark.parametrize(
    "src",
    [
        # configuring an outgoing webhook, not receiving one
        "def webhook_form(request):\n    return request.POST['url']\n",
        "def add_webhook(request):\n    return request.data['url']\n",
        "class WebhookViewSet:\n    def create(self, request):\n        return request.data\n",
        # Twilio-style form fields under a webhook name: only `ipn` handlers read forms
        "def sms_webhook(request):\n    return request.POST['Body']\n",
    ],
)
def test_ext001_webhook_management_views_are_quiet(tmp_path, src):
    assert run(tmp_path, {"shop/views.py": src}, "EXT001") == []


def test_ext001_ipn_handlers_read_form_fields(tmp_path):
    src = "def paypal_ipn(request):\n    return request.POST['txn_id']\n"
    (f,) = run(tmp_path, {"shop/views.py": src}, "EXT001")
    assert "`request.POST`" in f.message


def test_ext002_module_level_comparisons_are_a_script(tmp_path):
    src = """
    import hashlib

    typed = input()
    if hashlib.sha1(typed.encode()).hexdigest() == last_token:
        print("ok")
    """
    assert run(tmp_path, {"shop/otp.py": src}, "EXT002") == []
