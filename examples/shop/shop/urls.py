from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from catalog.views import CategoryListView, CategoryTreeView, ProductViewSet
from customers.views import AddressViewSet, CustomerProfileView
from orders.views import OrderExportView, OrderViewSet, order_audit_log, sales_summary
from payments.views import PaymentListView, PaymentWebhookView, RefundCreateView
from shop.api import healthz

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
router.register("orders", OrderViewSet, basename="order")
router.register("addresses", AddressViewSet, basename="address")

api_patterns = [
    path("", include(router.urls)),
    path("categories/", CategoryListView.as_view(), name="category-list"),
    path("categories/tree/", CategoryTreeView.as_view(), name="category-tree"),
    path("me/", CustomerProfileView.as_view(), name="customer-profile"),
    path("orders/<str:reference>/audit-log/", order_audit_log, name="order-audit-log"),
    path("reports/orders.csv", OrderExportView.as_view(), name="order-export"),
    path("reports/sales/", sales_summary, name="sales-summary"),
    path("payments/", PaymentListView.as_view(), name="payment-list"),
    path("payments/webhook/", PaymentWebhookView.as_view(), name="payment-webhook"),
    path("payments/<int:payment_id>/refunds/", RefundCreateView.as_view(), name="payment-refund"),
    path("auth/token/", TokenObtainPairView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("healthz", healthz, name="healthz"),
]
