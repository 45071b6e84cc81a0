"""Account pages of the storefront, and the endpoints other services call."""

import hashlib
import hmac
import os

from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

WEBHOOK_KEY = os.environ.get("CARRIER_WEBHOOK_KEY", "").encode()


@csrf_exempt  # expect: APISEC004
@login_required
def change_email(request):
    if request.method == "POST":
        request.user.email = request.POST["email"]
        request.user.save()
    return JsonResponse({"email": request.user.email})


@csrf_exempt  # expect: APISEC004
def sign_in(request):
    user = authenticate(request, username=request.POST["username"], password=request.POST["pw"])  # expect: AUD001
    if user is not None:
        login(request, user)
    return redirect("/")


@method_decorator(csrf_exempt, name="dispatch")  # expect: APISEC004
class DeleteAddressView(View):
    def post(self, request, pk):
        request.user.addresses.filter(pk=pk).delete()
        return redirect("addresses")


@csrf_exempt
def carrier_webhook(request):
    sent = request.headers.get("X-Carrier-Signature", "")
    wanted = hmac.new(WEBHOOK_KEY, request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(sent, wanted):
        return HttpResponse(status=403)
    request.session["last_delivery"] = request.POST.get("shipment")
    return HttpResponse()


@csrf_exempt
def stock_feed(request):
    if request.method == "POST":
        request.FILES["feed"].read()  # expect: PERF002
    return HttpResponse()


@csrf_exempt
def order_search(request):
    orders = request.user.orders.filter(number__startswith=request.GET.get("q", ""))
    return render(request, "orders.html", {"orders": orders})


@csrf_exempt
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def rate_product(request):
    request.user.ratings.create(stars=request.data["stars"])
    return Response(status=201)


@login_required
def close_account(request):
    if request.method == "POST":
        request.user.delete()
    return redirect("/")
