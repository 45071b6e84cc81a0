from rest_framework import serializers

from .models import Category, Product, Tag


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "parent"]


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    tags = serializers.SlugRelatedField(
        slug_field="name", many=True, queryset=Tag.objects.all(), required=False
    )
    in_stock = serializers.BooleanField(read_only=True)

    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "slug",
            "description",
            "category",
            "tags",
            "price",
            "compare_at_price",
            "currency",
            "weight_kg",
            "in_stock",
            "is_active",
        ]
        read_only_fields = ["is_active"]

    def validate(self, attrs):
        price = attrs.get("price", getattr(self.instance, "price", None))
        compare_at = attrs.get("compare_at_price")
        if compare_at is not None and price is not None and compare_at <= price:
            raise serializers.ValidationError({"compare_at_price": "Must be higher than the selling price."})
        return attrs
