"""Endpoints that talk to the warehouse and report what went wrong."""

import logging
import traceback

import requests
from django.db import DatabaseError, IntegrityError
from django.http import HttpResponseServerError, JsonResponse
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

logger = logging.getLogger(__name__)
WAREHOUSE_URL = "https://warehouse.internal/api/reserve"


def reserve_stock(request, sku):
    try:
        requests.post(WAREHOUSE_URL, json={"sku": sku}, timeout=5)  # expect: INT005
    except requests.RequestException as exc:
        return JsonResponse({"error": str(exc)}, status=502)  # expect: APISEC006
    return JsonResponse({"reserved": sku})


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def rename_wishlist(request, pk):
    try:
        request.user.wishlists.filter(pk=pk).update(name=request.data["name"])
    except IntegrityError as exc:
        message = f"could not rename: {exc}"
        return Response({"detail": message}, status=409)  # expect: APISEC006
    return Response(status=204)


def export_orders(request):
    try:
        rows = list(request.user.orders.values_list("number", "total"))
    except Exception:
        return HttpResponseServerError(traceback.format_exc())  # expect: APISEC006
    return JsonResponse({"rows": rows})


def cancel_reservation(request, sku):
    try:
        requests.delete(f"{WAREHOUSE_URL}/{sku}", timeout=5)  # expect: INT005
    except requests.RequestException as exc:
        logger.warning("warehouse refused to cancel %s: %s", sku, exc)
        return JsonResponse({"error": "The warehouse is unavailable, try again later."}, status=502)
    return JsonResponse({"cancelled": sku})


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def set_quantity(request, pk):
    try:
        quantity = int(request.data["quantity"])
    except (KeyError, ValueError) as exc:
        return Response({"detail": str(exc)}, status=400)
    try:
        request.user.cart_items.filter(pk=pk).update(quantity=quantity)
    except DatabaseError as exc:
        logger.exception("cart update failed")
        if "deadlock" in str(exc):
            return Response({"detail": "Busy, try again."}, status=503)
        raise ValidationError("The cart could not be updated.") from exc
    return Response(status=204)
