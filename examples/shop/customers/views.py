from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404
from rest_framework import generics, viewsets
from rest_framework.permissions import IsAuthenticated

from orders.models import Order
from shop.api import ConflictError, StandardResultsPagination

from .models import Address, Customer
from .serializers import AddressSerializer, CustomerSerializer


class CustomerProfileView(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = CustomerSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self):
        return get_object_or_404(Customer.objects.prefetch_related("addresses"), user=self.request.user)

    def perform_destroy(self, instance):
        # Erasure request: customers with orders are anonymised, the rest deleted.
        if Order.objects.filter(customer=instance).count() > 0:
            instance.anonymise()
        else:
            instance.delete()


class AddressViewSet(viewsets.ModelViewSet):
    serializer_class = AddressSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = StandardResultsPagination

    def get_queryset(self):
        return Address.objects.filter(customer__user=self.request.user).order_by("-is_default", "pk")

    @transaction.atomic
    def perform_create(self, serializer):
        customer = get_object_or_404(Customer, user=self.request.user)
        if serializer.validated_data.get("is_default"):
            Address.objects.filter(customer=customer, is_default=True).update(is_default=False)
        serializer.save(customer=customer)

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError as exc:
            raise ConflictError("This address is used by an order and cannot be removed.") from exc
