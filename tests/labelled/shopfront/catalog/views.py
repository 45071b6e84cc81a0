import asyncio
import time

import httpx
from rest_framework import generics, permissions
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination

from shopfront.catalog.models import Category, Product
from shopfront.catalog.serializers import ProductFeedSerializer, ProductRefSerializer


class ProductList(generics.ListAPIView):  # expect: API001
    permission_classes = [permissions.AllowAny]
    queryset = Product.objects.select_related("category")


class CategoryList(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    pagination_class = PageNumberPagination
    queryset = Category.objects.all()


class ProductDetail(generics.RetrieveUpdateAPIView):  # expect: AUTH001
    queryset = Product.objects.all()


@api_view(["POST"])
def publish(request, pk):  # expect: AUTH001
    Product.objects.filter(pk=pk).update(is_published=True)


@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def colours(request):
    return sorted(set(Product.objects.filter(colour__isnull=False).values_list("colour", flat=True)))  # expect: DBP001


async def warm_cache(request):
    time.sleep(0.5)  # expect: PERF001
    await asyncio.sleep(0.5)
    async with httpx.AsyncClient(timeout=5) as client:
        await client.get("https://cdn.example/warm")

    def later():
        time.sleep(1)

    return later


def red_products():
    return [p for p in Product.objects.all() if p.colour == "red"]  # expect: ORM005


def red_products_fast():
    return list(Product.objects.filter(colour="red"))  # expect: DBP001


def product_of_the_day():
    return Product.objects.order_by("?").first()  # expect: DBP002


def search(q):
    return Product.objects.filter(title__icontains=q)[:20]  # expect: DBP003


class ProductFeed(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    pagination_class = PageNumberPagination
    queryset = Product.objects.filter(is_published=True)  # expect: ORM006
    serializer_class = ProductFeedSerializer


class ProductRefs(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    pagination_class = PageNumberPagination
    queryset = Product.objects.filter(is_published=True)
    serializer_class = ProductRefSerializer
