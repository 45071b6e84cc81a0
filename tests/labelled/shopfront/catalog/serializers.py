from rest_framework import serializers

from shopfront.catalog.models import Product


class ProductFeedSerializer(serializers.ModelSerializer):
    category = serializers.StringRelatedField()

    class Meta:
        model = Product
        fields = ["sku", "title", "category"]


class ProductRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["sku", "category"]
