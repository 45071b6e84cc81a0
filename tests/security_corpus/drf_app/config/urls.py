from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api import views

router = DefaultRouter()
router.register("accounts", views.AccountViewSet)
router.register("products", views.ProductViewSet)
router.register("invoices", views.InvoiceViewSet)

urlpatterns = [
    path("api/", include(router.urls)),
    path("api/search/", views.ProductSearchView.as_view()),
    path("api/reports/orders/", views.OrderReportView.as_view()),
    path("api/orders/import/", views.OrderImportView.as_view()),
    path("api/clips/", views.ClipView.as_view()),
    path("api/discounts/rules/", views.DiscountRuleView.as_view()),
    path("api/invoices/import/", views.InvoiceXmlImportView.as_view()),
    path("oauth/callback/", views.OAuthCallbackView.as_view()),
]
