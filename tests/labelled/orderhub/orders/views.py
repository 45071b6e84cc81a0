from decimal import Decimal

from django.db import transaction
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer
from orders.models import Order, OrderLine
from orders.services import place_order


def checkout(request):  # expect: DOM001
    data = request.POST
    customer = Customer.objects.filter(user=request.user).first()
    if customer is None:
        raise Http404("no customer for this user")
    skus = data.getlist("sku")
    if not skus:
        return HttpResponseBadRequest("no items")
    if len(skus) > 50:
        return HttpResponseBadRequest("too many items")
    with transaction.atomic():
        order = Order.objects.create(customer=customer, status="new")
        total = Decimal("0")
        for sku in skus:
            price = Decimal(data.get(f"price-{sku}", "0"))
            if price <= 0:
                raise Http404(f"unknown sku {sku}")
            order.lines.create(sku=sku, quantity=1, price=price)
            total += price
        if total > 1000:
            order.status = "review"
        elif data.get("express"):
            order.status = "express"
        order.total = total
        order.save(update_fields=["status", "total"])
        customer.add_points(int(total))
    return JsonResponse(
        {
            "id": order.pk,
            "status": order.status,
            "total": str(order.total),
            "lines": len(skus),
        },
        status=201,
    )


def express_checkout(request):
    # the same operation, through the service: the handler only speaks HTTP
    skus = request.POST.getlist("sku")
    if not skus:
        return HttpResponseBadRequest("no items")
    order = place_order(request.user, skus, express=True)
    return JsonResponse({"id": order.pk, "status": order.status}, status=201)


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["sku", "quantity", "price"]


class RefundView(APIView):
    def post(self, request, pk):  # expect: DOM001
        order = Order.objects.filter(pk=pk, customer__user=request.user).first()
        if order is None:
            raise Http404("no such order")
        if order.status == "refunded":
            return Response({"detail": "already refunded"}, status=409)
        if order.status not in ("paid", "shipped"):
            return Response({"detail": "not refundable"}, status=409)
        reason = request.data.get("reason", "")
        if not reason:
            return Response({"detail": "a reason is needed"}, status=400)
        amount = order.total
        if order.status == "shipped":
            amount = order.total - Decimal("4.90")
        with transaction.atomic():
            order.status = "refunded"
            order.save(update_fields=["status"])
            OrderLine.objects.filter(order=order).delete()
            customer = order.customer
            customer.loyalty_points = max(0, customer.loyalty_points - int(amount))
            customer.save(update_fields=["loyalty_points"])
        return Response(
            {
                "id": order.pk,
                "status": order.status,
                "refunded": str(amount),
                "reason": reason,
            },
            status=200,
        )

    def _audit(self, order, reason):
        # a helper of the view: long and writing, but not the handler itself
        if not reason:
            return None
        if order.status != "refunded":
            return None
        if order.total <= 0:
            return None
        if len(reason) > 500:
            reason = reason[:500]
        if reason.startswith(" "):
            reason = reason.strip()
        if reason.endswith("."):
            reason = reason[:-1]
        order.note = reason
        order.save(update_fields=["note"])
        OrderLine.objects.filter(order=order, quantity=0).delete()
        return order


class OrderLineList(generics.ListAPIView):
    serializer_class = OrderLineSerializer

    def get_queryset(self):
        return OrderLine.objects.filter(order__customer__user=self.request.user).order_by("pk")


def cancel(request, pk):
    # several decisions, one write: a small handler, not a business operation
    order = Order.objects.filter(pk=pk, customer__user=request.user).first()
    if order is None:
        raise Http404("no such order")
    if order.status == "cancelled":
        return JsonResponse({"status": "cancelled"})
    if order.status in ("shipped", "refunded"):
        return HttpResponseBadRequest("too late")
    if request.POST.get("confirm") != "yes":
        return HttpResponseBadRequest("confirm first")
    if not order.lines.exists():
        order.delete()
        return JsonResponse({"status": "deleted"})
    order.status = "cancelled"
    return JsonResponse({"status": order.status})
