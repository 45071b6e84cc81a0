"""Who may call the shop's API, and how often (AUTH002, RATE001, RATE002)."""

from django.shortcuts import get_object_or_404
from django.urls import path
from rest_framework import viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from shopfront.billing.models import SavedCard
from shopfront.catalog.models import Product
from shopfront.storefront.models import AuditEntry, Coupon, Order


class Page(PageNumberPagination):
    page_size = 50


class CouponViewSet(viewsets.ModelViewSet):  # expect: AUTH002
    queryset = Coupon.objects.all()
    permission_classes = [AllowAny]
    pagination_class = Page


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Product.objects.all()
    permission_classes = [AllowAny]  # reading the catalogue is public
    pagination_class = Page


class OrderAdminViewSet(viewsets.ModelViewSet):
    queryset = Order.objects.all()
    permission_classes = [IsAdminUser]
    pagination_class = Page


class LoginView(APIView):  # expect: RATE001
    permission_classes = [AllowAny]

    def post(self, request):
        return Response({})


class SignupView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signup"  # the rate is in settings

    def post(self, request):
        return Response({}, status=201)


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password-reset"  # expect: RATE002

    def post(self, request):
        return Response({})


class ProfileView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "profile"  # no ScopedRateThrottle here: DRF never reads it

    def put(self, request):
        return Response({})


class BurstThrottle(UserRateThrottle):
    scope = "burst"


class SustainedThrottle(UserRateThrottle):
    scope = "sustained"  # expect: RATE002


class NightlyThrottle(UserRateThrottle):
    scope = "nightly"
    rate = "10/day"


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def redeem_coupon(request, code):
    Coupon.objects.filter(code=code).update(redeemed=True)  # expect: API002
    return Response({})


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def coupon_detail(request, code):
    AuditEntry.objects.create(action="coupon.view", actor=request.user)  # an audit trail
    return Response({})


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def apply_coupon(request, code):
    Coupon.objects.filter(code=code).update(redeemed=True)
    return Response({})


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def card_detail(request, pk):
    card = get_object_or_404(SavedCard, pk=pk)  # expect: AUTH003
    return Response({"last4": card.last4})


@api_view(["DELETE"])
@permission_classes([IsAuthenticated])
def remove_card(request, pk):
    card = get_object_or_404(SavedCard, pk=pk, owner=request.user)
    card.delete()
    return Response(status=204)


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def product_detail(request, pk):
    product = get_object_or_404(Product, pk=pk)  # products belong to no one
    return Response({"title": product.title})


urlpatterns = [
    path("api/cards/<int:pk>/", card_detail),
    path("api/cards/<int:pk>/remove/", remove_card),
    path("api/products/<int:pk>/", product_detail),
    path("api/coupons/<code>/redeem/", redeem_coupon),
    path("api/coupons/<code>/", coupon_detail),
    path("api/coupons/<code>/apply/", apply_coupon),
    path("api/coupons/", CouponViewSet.as_view({"get": "list", "post": "create"})),
    path("api/catalogue/", CatalogueViewSet.as_view({"get": "list"})),
    path("api/admin/orders/", OrderAdminViewSet.as_view({"get": "list", "post": "create"})),
    path("api/login/", LoginView.as_view()),
    path("api/signup/", SignupView.as_view()),
    path("api/password-reset/", PasswordResetView.as_view()),
    path("api/profile/", ProfileView.as_view()),
]
