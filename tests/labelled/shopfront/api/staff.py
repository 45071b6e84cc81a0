"""Staff tools of the shop's API: who counts as staff is decided from the
signed-in user, except where a view trusts what the client sends (AUTH005)."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponseForbidden, JsonResponse
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shopfront.billing.models import Invoice, Refund
from shopfront.core.models import Account


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def invoice_totals(request):
    if request.query_params.get("is_admin") == "true":  # expect: AUTH005
        return Response({"total": sum(i.total for i in Invoice.objects.iterator())})
    mine = Invoice.objects.filter(account__email=request.user.email)
    return Response({"total": sum(i.total for i in mine.iterator())})


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def approve_refund(request, pk):
    if request.data.get("role") != "admin":  # expect: AUTH005
        return Response({"error": "staff only"}, status=403)
    Refund.objects.filter(pk=pk).update(amount=0)
    return Response(status=204)


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def close_account(request, pk):
    staff = request.headers.get("X-Staff") == "1"
    if staff:  # expect: AUTH005
        Account.objects.filter(pk=pk).update(is_active=False)
    return Response(status=204)


def export_accounts(request):
    if request.COOKIES.get("is_admin"):  # expect: AUTH005
        return JsonResponse({"emails": list(Account.objects.values_list("email", flat=True))})
    return HttpResponseForbidden()


class HeaderRolePermission(BasePermission):
    """A permission class that believes a header the client can set."""

    def has_permission(self, request, view):
        return request.headers.get("X-Role") in ("admin", "superuser")  # expect: AUTH005


# look-alikes: the privilege comes from the server, or the value is not a claim


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def invoice_totals_for_staff(request):
    if request.user.is_staff:  # who the user is, kept on the server
        return Response({"total": sum(i.total for i in Invoice.objects.iterator())})
    return Response({"total": 0})


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def invoice_totals_on_request(request):
    # the client asks for the staff view; the server decides whether it gets it
    if request.query_params.get("view") == "all" and request.user.is_staff:
        return Response({"total": sum(i.total for i in Invoice.objects.iterator())})
    if request.query_params.get("is_admin") and request.user.has_perm("billing.view_invoice"):
        return Response({"total": sum(i.total for i in Invoice.objects.iterator())})
    return Response({"total": 0})


@api_view(["GET"])
@permission_classes([IsAdminUser])
def accounts_by_status(request):
    accounts = Account.objects.all()
    if request.query_params.get("is_staff") == "true":  # a list filter of an admin view
        accounts = accounts.filter(country="GB")
    return Response({"emails": [a.email for a in accounts[:100]]})


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def sign_up_as(request):
    if request.data.get("role") == "admin":  # asking for a role is refused
        return Response({"error": "choose a customer role"}, status=400)
    if request.data.get("role") not in ("admin", "customer"):  # a choice among roles
        return Response({"error": "unknown role"}, status=400)
    return Response(status=201)


def session_export(request):
    if request.session.get("is_admin"):  # the server-side session, set by the server
        return JsonResponse({"emails": list(Account.objects.values_list("email", flat=True))})
    return HttpResponseForbidden()


@staff_member_required
def bulk_deactivate(request):
    if request.POST.get("is_staff") == "on":  # only staff get here: the flag picks rows
        Account.objects.filter(referral_code=request.POST["code"]).update(is_active=False)
    return JsonResponse({})


class StaffToolsView(APIView):
    permission_classes = [IsAdminUser]

    def post(self, request):
        if request.data.get("admin") == "true":  # the class admits only admins
            Account.objects.filter(is_active=False).delete()
        return Response(status=204)


@api_view(["PATCH"])
@permission_classes([IsAuthenticated])
def compare_with_profile(request):
    if request.data.get("is_staff") != request.user.is_staff:  # compared with the server's
        return Response({"error": "cannot change your own staff flag"}, status=400)
    return Response(status=204)
