from django.core.cache import cache
from rest_framework import generics, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api import StandardResultsPagination
from shop.permissions import IsStaffOrReadOnly

from .models import Category, Product
from .serializers import CategorySerializer, ProductSerializer
from .services import CATEGORY_CACHE_TTL, CATEGORY_LIST_CACHE_KEY, get_category_tree


class ProductViewSet(viewsets.ModelViewSet):
    serializer_class = ProductSerializer
    permission_classes = [IsStaffOrReadOnly]
    pagination_class = StandardResultsPagination
    lookup_field = "sku"
    search_fields = ["name", "sku"]
    ordering_fields = ["price", "created_at", "name"]
    ordering = ["name"]

    def get_queryset(self):
        queryset = Product.objects.select_related("category").prefetch_related("tags")
        if not self.request.user.is_staff:
            queryset = queryset.filter(is_active=True)
        category = self.request.query_params.get("category")
        if category:
            queryset = queryset.filter(category__slug=category)
        return queryset

    def perform_destroy(self, instance):
        # Order lines keep pointing at products, so "delete" only hides them.
        instance.is_active = False
        instance.save(update_fields=["is_active", "updated_at"])


class CategoryListView(generics.ListAPIView):
    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    pagination_class = None  # the storefront menu needs every category in one response
    queryset = Category.objects.select_related("parent").order_by("name")

    def list(self, request, *args, **kwargs):
        data = cache.get(CATEGORY_LIST_CACHE_KEY)
        if data is None:
            data = self.get_serializer(self.get_queryset(), many=True).data
            cache.set(CATEGORY_LIST_CACHE_KEY, data, timeout=CATEGORY_CACHE_TTL)
        return Response(data)


class CategoryTreeView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(get_category_tree())
