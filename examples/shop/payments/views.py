import hashlib
import hmac
import json

from django.conf import settings
from rest_framework import generics, status
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Payment
from .serializers import PaymentSerializer, RefundCreateSerializer, RefundSerializer
from .services import handle_webhook_event, refund_payment


class PaymentListView(generics.ListAPIView):
    """Back-office list of payments, newest first. ?status=captured to filter."""

    serializer_class = PaymentSerializer
    permission_classes = [IsAdminUser]

    def get_queryset(self):
        queryset = Payment.objects.select_related("order").order_by("-created_at")
        payment_status = self.request.query_params.get("status")
        if payment_status:
            queryset = queryset.filter(status=payment_status)
        return queryset


class RefundCreateView(generics.CreateAPIView):
    serializer_class = RefundCreateSerializer
    permission_classes = [IsAdminUser]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refund = refund_payment(
            payment_id=kwargs["payment_id"],
            amount=serializer.validated_data["amount"],
            reason=serializer.validated_data["reason"],
            actor=request.user,
        )
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


class PaymentWebhookView(APIView):
    """Called by the gateway. Authenticated by an HMAC signature, not by a user session."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_scope = "webhooks"

    def post(self, request):
        secret = settings.PAYMENT_GATEWAY_WEBHOOK_SECRET.encode()
        expected = hmac.new(secret, request.body, hashlib.sha256).hexdigest()
        signature = request.headers.get("X-Gateway-Signature", "")
        if not secret or not hmac.compare_digest(signature, expected):
            raise PermissionDenied("Invalid webhook signature.")
        try:
            event = json.loads(request.body)
        except ValueError as exc:
            raise ParseError("Body is not valid JSON.") from exc
        handle_webhook_event(event)
        return Response(status=status.HTTP_204_NO_CONTENT)
