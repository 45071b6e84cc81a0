from rest_framework import serializers

from .models import Account, Invoice, Order, Product


class AccountSerializer(serializers.ModelSerializer):
    """Used by AccountViewSet for create and update."""

    class Meta:
        model = Account
        fields = "__all__"  # vuln: CWE-915


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "title", "price"]  # safe: CWE-915


class InvoiceSerializer(serializers.ModelSerializer):
    """Read-only: InvoiceViewSet is a ReadOnlyModelViewSet."""

    class Meta:
        model = Invoice
        fields = "__all__"  # safe: CWE-915


class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ("id", "region", "total")  # safe: CWE-915
        read_only_fields = ("total",)


class OrderFilterSerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=500, default=50)
    status = serializers.ChoiceField(choices=["open", "paid", "void"], default="open")
    region = serializers.CharField(max_length=40, required=False)


class AccountCreateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ("username", "email")  # safe: CWE-915
