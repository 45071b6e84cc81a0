"""Sign-in, registration, profile and address changes, API tokens."""

import hashlib
import random
import secrets
import string

from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.crypto import get_random_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .forms import AddressForm, ProfileForm
from .models import Address, Customer

ADDRESS_FIELDS = ("line1", "city", "postcode")
BANNERS = ["spring-sale", "free-shipping", "new-arrivals"]


def _new_api_token():
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(40))  # vuln: CWE-330


def login_view(request):
    if request.method != "POST":
        banner = random.choice(BANNERS)  # safe: CWE-330
        return render(request, "login.html", {"banner": banner})
    user = authenticate(request, username=request.POST["username"], password=request.POST["password"])
    if user is None:
        return render(request, "login.html", {"error": True}, status=401)
    login(request, user)
    response = redirect("account")
    token = _new_api_token()
    response.set_cookie("remember_token", token, max_age=30 * 86400)  # vuln: CWE-614, CWE-1004
    response.set_cookie("theme", request.POST.get("theme", "light"), max_age=365 * 86400)  # safe: CWE-614
    session_hint = secrets.token_urlsafe(32)  # safe: CWE-330
    response.set_cookie("device_id", session_hint, secure=True, httponly=True, samesite="Lax")  # safe: CWE-614, CWE-1004
    customer = Customer.objects.get(user=user)
    customer.api_token_hash = hashlib.sha256(token.encode()).hexdigest()  # safe: CWE-328
    customer.save(update_fields=["api_token_hash"])
    return response


@require_POST
def register(request):
    raw_password = request.POST["password"]
    customer = Customer.objects.create(**request.POST.dict())  # vuln: CWE-915
    customer.password_digest = hashlib.md5(raw_password.encode()).hexdigest()  # vuln: CWE-328
    customer.save()
    pin = random.randint(100000, 999999)  # vuln: CWE-330
    invite = get_random_string(24)  # safe: CWE-330
    avatar = "https://www.gravatar.com/avatar/" + hashlib.md5(customer.email.lower().encode()).hexdigest()  # safe: CWE-328
    hashed = make_password(raw_password)  # safe: CWE-328
    return JsonResponse({"pin_sent": bool(pin), "invite": invite, "avatar": avatar, "ok": bool(hashed)})


@login_required
@require_POST
def update_profile(request):
    customer = request.user.customer
    form = ProfileForm(request.POST, instance=customer)
    if form.is_valid():
        form.save()
    for key, value in request.POST.items():
        setattr(customer, key, value)  # vuln: CWE-915
    for field in ("display_name", "phone"):
        setattr(customer, field, request.POST.get(field, ""))  # safe: CWE-915
    customer.save()
    return JsonResponse({"ok": True})


@csrf_exempt  # vuln: CWE-352
@login_required
@require_POST
def update_shipping_address(request):
    customer = request.user.customer
    form = AddressForm(request.POST)
    if form.is_valid():
        Address.objects.create(customer=customer, **form.cleaned_data)  # safe: CWE-915
    Address.objects.create(customer=customer, **{k: request.POST[k] for k in ADDRESS_FIELDS})  # safe: CWE-915
    Address.objects.filter(customer=customer).update(**request.POST.dict())  # vuln: CWE-915
    return JsonResponse({"ok": True})


@csrf_exempt  # safe: CWE-352
@require_GET
def product_feed(request):
    return HttpResponse("<rss/>", content_type="application/rss+xml")
