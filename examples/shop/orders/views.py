import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer
from shop.api import StandardResultsPagination
from shop.permissions import IsOrderOwnerOrStaff

from .models import Order
from .reports import revenue_by_day, top_products
from .serializers import (
    OrderCreateSerializer,
    OrderEventSerializer,
    OrderSerializer,
    ReportRangeSerializer,
)
from .services import cancel_order, place_order


class OrderViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated, IsOrderOwnerOrStaff]
    pagination_class = StandardResultsPagination
    throttle_scope = "orders"
    lookup_field = "reference"

    def get_queryset(self):
        queryset = Order.objects.select_related("customer", "shipping_address").prefetch_related(
            "items__product"
        )
        if self.request.user.is_staff:
            return queryset
        return queryset.filter(customer__user=self.request.user)

    def get_serializer_class(self):
        return OrderCreateSerializer if self.action == "create" else OrderSerializer

    def create(self, request, *args, **kwargs):
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = get_object_or_404(Customer, user=request.user)
        order = place_order(
            customer=customer,
            address_id=serializer.validated_data["address_id"],
            lines=serializer.validated_data["lines"],
            actor=request.user,
        )
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def cancel(self, request, reference=None):
        order = self.get_object()
        cancel_order(order.pk, actor=request.user, reason=request.data.get("reason", ""))
        return Response(OrderSerializer(self.get_object()).data)


class OrderExportView(APIView):
    """CSV export for the finance team's monthly close."""

    permission_classes = [IsAdminUser]

    def get(self, request):
        params = ReportRangeSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        start, end = params.validated_data["start"], params.validated_data["end"]

        orders = Order.objects.filter(created_at__gte=start, created_at__lt=end).order_by("created_at")

        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="orders-{start}-{end}.csv"'
        writer = csv.writer(response)
        writer.writerow(["reference", "created_at", "status", "customer_email", "total", "currency"])
        for order in orders:
            writer.writerow(
                [
                    order.reference,
                    order.created_at.isoformat(),
                    order.status,
                    order.customer.email,
                    order.total,
                    order.currency,
                ]
            )
        return response


@api_view(["GET"])
def sales_summary(request):
    params = ReportRangeSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    start, end = params.validated_data["start"], params.validated_data["end"]
    return Response(
        {
            "orders": Order.objects.filter(created_at__gte=start, created_at__lt=end).count(),
            "by_day": revenue_by_day(start, end, status=request.query_params.get("status")),
            "top_products": top_products(start, end),
        }
    )


@api_view(["GET"])
@permission_classes([IsAdminUser])
def order_audit_log(request, reference):
    order = get_object_or_404(Order, reference=reference)
    events = order.events.select_related("actor")
    return Response(OrderEventSerializer(events, many=True).data)
