"""Authentication & Authorization Systems: AUTH005 authorization-from-client-data."""

from __future__ import annotations

import textwrap

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    only,
    pos_of,
)

DJANGO = """
from django.http import HttpResponseForbidden, JsonResponse

from shop.models import Order


def orders(request):
    {prelude}
    if {test}:
        {branch}
    return JsonResponse({{"orders": []}})
"""

GRANT = 'return JsonResponse({"orders": list(Order.objects.values())})'


def django(tmp_path, test, branch=GRANT, prelude="pass", path="shop/views.py"):
    src = DJANGO.format(test=test, branch=branch, prelude=prelude)
    return src, only(analyze_files(tmp_path, {path: src}), "AUTH005")


@pytest.mark.parametrize(
    "test",
    [
        'request.GET.get("is_admin")',
        'request.GET.get("is_admin") == "true"',
        'request.POST.get("role") == "admin"',
        'request.POST["role"] in ("admin", "superuser")',
        '"admin" in request.POST.getlist("roles")',
        'request.headers.get("X-Admin")',
        'request.headers.get("X-User-Role", "").lower() == "administrator"',
        'request.META.get("HTTP_X_ADMIN") == "1"',
        'request.COOKIES.get("is_staff") in ("1", "yes")',
        'request.GET.get("isAdmin") is True',
        'request.GET.get("superuser")',
        'strtobool(request.GET.get("admin_mode"))',
        'request.POST.get("role") == Role.ADMIN',
        'request.POST.get("role") == settings.ADMIN_ROLE',
        'request.user.is_staff or request.GET.get("admin") == "1"',
    ],
)
def test_auth005_privilege_claimed_in_the_request(tmp_path, test):
    src, (f,) = django(tmp_path, test)
    assert f.start == pos_of(src, test)
    assert f.end == (f.start[0], f.start[1] + len(test))
    assert "which the client sends" in f.message and "signed-in user" in f.message
    assert f.severity == Severity.ERROR
    assert f.fix is None


@pytest.mark.parametrize(
    "test",
    [
        'not request.GET.get("is_admin")',
        'request.POST.get("role") != "admin"',
        'request.GET.get("staff") == "0"',
        'request.GET.get("admin") not in ("1", "true")',
    ],
)
def test_auth005_refusal_unless_the_client_claims_it(tmp_path, test):
    """`if not claim: refuse`: everything after the `if` is the claim's."""
    src, (f,) = django(tmp_path, test, branch="return HttpResponseForbidden()")
    assert f.start == pos_of(src, test)


@pytest.mark.parametrize(
    ("prelude", "test"),
    [
        ('is_admin = request.GET.get("admin") == "true"', "is_admin"),
        ('flag = request.COOKIES.get("is_admin")', "flag"),
        ("data = request.POST", 'data.get("is_superuser")'),
        ("payload = json.loads(request.body)", 'payload["role"] == "admin"'),
        ("pass", 'admin := request.GET.get("admin")'),
    ],
)
def test_auth005_through_a_name(tmp_path, prelude, test):
    src, (f,) = django(tmp_path, test, prelude=prelude)
    line, col = pos_of(src, f"if {test}:")
    assert f.start == (line, col + len("if "))


def test_auth005_flask_fastapi_and_drf(tmp_path):
    files = {
        "svc/flask_admin.py": """
            from flask import Blueprint, abort, jsonify, request

            bp = Blueprint("admin", __name__)


            @bp.get("/notes")
            def notes():
                if request.args.get("admin") == "true":
                    return jsonify(everything=True)
                data = request.get_json(silent=True) or {}
                if data.get("is_staff"):
                    return jsonify(everything=True)
                if request.cookies.get("role") == "admin":
                    return jsonify(everything=True)
                abort(403)
            """,
        "svc/fast.py": """
            from fastapi import APIRouter, Header, Query
            from pydantic import BaseModel

            router = APIRouter()


            class Export(BaseModel):
                is_admin: bool = False


            @router.get("/items")
            def items(is_admin: bool = Query(False), x_role: str | None = Header(None)):
                if is_admin:
                    return {"all": True}
                if x_role == "admin":
                    return {"all": True}
                return {}


            @router.post("/export")
            def export(body: Export):
                if body.is_admin:
                    return {"all": True}
                return {}
            """,
        "svc/drf.py": """
            from rest_framework.permissions import BasePermission
            from rest_framework.response import Response
            from rest_framework.views import APIView


            class HeaderAdmin(BasePermission):
                def has_permission(self, request, view):
                    return request.headers.get("X-Role") == "admin"


            class Report(APIView):
                def get(self, request):
                    if self.request.query_params.get("is_admin"):
                        return Response({"all": True})
                    return Response({})
            """,
    }
    found = only(analyze_files(tmp_path, files), "AUTH005")
    shown = sorted((f.path.rsplit("/", 1)[-1], f.start[0]) for f in found)
    assert shown == [
        ("drf.py", 8),
        ("drf.py", 13),
        ("fast.py", 13),
        ("fast.py", 15),
        ("fast.py", 22),
        ("flask_admin.py", 8),
        ("flask_admin.py", 11),
        ("flask_admin.py", 13),
    ]
    by_file = {f.path.rsplit("/", 1)[-1] + str(f.start[0]): f.message for f in found}
    assert "the query `is_admin`" in by_file["fast.py13"]
    assert "the header `x_role`" in by_file["fast.py15"]
    assert "`body.is_admin`" in by_file["fast.py22"]


@pytest.mark.parametrize(
    ("test", "branch"),
    [
        # the server's own data about the caller
        ("request.user.is_staff", GRANT),
        ('request.session.get("is_admin")', GRANT),
        ('request.data.get("is_staff") != request.user.is_staff', GRANT),
        ('request.POST.get("role") == request.user.role', GRANT),
        # the server checks the user too
        ('request.GET.get("view") == "all" and request.user.is_staff', GRANT),
        ('request.GET.get("is_admin") and request.user.has_perm("shop.view_order")', GRANT),
        ('request.GET.get("admin") == "1" and is_admin()', GRANT),
        # not a claim of a privilege
        ('request.GET.get("admin") == settings.ADMIN_PREVIEW_KEY', GRANT),
        ('request.GET.get("admin") == "s3cret-preview"', GRANT),
        ('request.POST.get("role")', GRANT),
        ('request.POST.get("role") == "member"', GRANT),
        ('request.POST.get("role") not in ("admin", "member")', "return HttpResponseForbidden()"),
        ('request.POST.get("is_staff") is not None', GRANT),
        ('request.GET.get("view") == "admin"', GRANT),
        ('request.GET.get("admin_url")', GRANT),
        # what the claim gets: a refusal, a log line, a narrower list, a stored value
        ('request.POST.get("role") == "admin"', 'return HttpResponseForbidden("no")'),
        ('request.POST.get("is_admin")', 'raise PermissionDenied("no")'),
        ('request.POST.get("is_admin")', 'log.warning("asked for admin")'),
        ('request.GET.get("is_staff") == "true"', "qs = Order.objects.filter(is_staff=True)"),
        ('request.GET.get("role") == "admin"', 'return qs.filter(groups__name="admin")'),
        ('request.POST.get("is_staff")', "request.user.profile.is_staff = True"),
        ('request.POST.get("role") == "admin"', "user.groups.add(admins)"),
        # rows of that kind, not who the caller is
        ('request.GET.get("is_staff")', "rows = StaffShift.objects.filter(day=today)"),
    ],
)
def test_auth005_look_alikes_stay_quiet(tmp_path, test, branch):
    assert django(tmp_path, test, branch=branch)[1] == []


GUARDED = """
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import JsonResponse
from django.views import View
from fastapi import APIRouter, Depends, Query
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

router = APIRouter()


@staff_member_required
def a(request):
    if request.GET.get("is_admin"):
        return JsonResponse({"all": True})


@api_view(["GET"])
@permission_classes([IsAdminUser])
def b(request):
    if request.GET.get("is_admin"):
        return Response({"all": True})


class C(APIView):
    permission_classes = [IsAdminUser]

    def get(self, request):
        if request.GET.get("is_admin"):
            return Response({"all": True})


class V(ViewSet):
    permission_classes = [IsAdminUser]

    @action(detail=False)
    def export(self, request):
        if request.GET.get("is_admin"):
            return Response({"all": True})


class D(PermissionRequiredMixin, View):
    permission_required = "shop.view_order"

    def get(self, request):
        if request.GET.get("is_admin"):
            return JsonResponse({"all": True})


@router.get("/e", dependencies=[Depends(get_current_active_superuser)])
def e(is_admin: bool = Query(False)):
    if is_admin:
        return {"all": True}


def f(request):
    if not request.user.is_superuser:
        return JsonResponse({}, status=403)
    if request.POST.get("role") == "admin":
        return JsonResponse({"all": True})


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def g(request):
    if request.GET.get("is_admin"):  # only signed in: not enough
        return Response({"all": True})
"""


def test_auth005_quiet_where_the_server_requires_a_privileged_user(tmp_path):
    found = only(analyze_files(tmp_path, {"shop/views.py": GUARDED}), "AUTH005")
    assert [f.start[0] for f in found] == [pos_of(GUARDED, "only signed in")[0]]


@pytest.mark.parametrize(
    ("permission", "dependency", "expected"),
    [
        ("IsAdminUser", "get_current_active_superuser", 0),
        ("IsAuthenticated", "get_current_user", 2),
    ],
)
def test_auth005_guard_found_by_the_endpoint_inventory(tmp_path, permission, dependency, expected):
    """A project base class in another module, a router's dependencies: the handler's
    guard as the endpoint inventory finds it."""
    files = {
        "shop/base.py": f"""
            from rest_framework.permissions import {permission}
            from rest_framework.views import APIView


            class InternalView(APIView):
                permission_classes = [{permission}]
            """,
        "shop/views.py": """
            from rest_framework.response import Response

            from shop.base import InternalView


            class Export(InternalView):
                def get(self, request):
                    if request.GET.get("is_admin"):
                        return Response({"all": True})
                    return Response({})
            """,
        "shop/urls.py": """
            from django.urls import path

            from shop.views import Export

            urlpatterns = [path("export/", Export.as_view())]
            """,
        "svc/main.py": f"""
            from fastapi import APIRouter, Depends, FastAPI, Query

            from svc.deps import {dependency}

            router = APIRouter(dependencies=[Depends({dependency})])


            @router.get("/items")
            def items(is_admin: bool = Query(False)):
                if is_admin:
                    return {{"all": True}}
                return {{}}


            app = FastAPI()
            app.include_router(router)
            """,
        "svc/deps.py": f"""
            def {dependency}():
                return None
            """,
    }
    assert len(only(analyze_files(tmp_path, files), "AUTH005")) == expected


def test_auth005_mass_assignment_is_left_to_val010(tmp_path):
    src = textwrap.dedent(
        """
        from shop.models import Member


        def sign_up(request):
            member = Member.objects.create(**request.POST.dict())
            if request.POST.get("is_staff"):
                member.is_staff = True
                member.save()
            return member
        """
    )
    found = analyze_files(tmp_path, {"shop/views.py": src})
    assert only(found, "AUTH005") == []
    assert [f.start[0] for f in only(found, "VAL010")] == [pos_of(src, "**request")[0]]


@pytest.mark.parametrize(
    "path", ["tests/test_views.py", "shop/tests/test_admin.py", "shop/management/commands/x.py"]
)
def test_auth005_quiet_in_tests_and_scripts(tmp_path, path):
    assert django(tmp_path, 'request.GET.get("is_admin")', path=path)[1] == []


def test_auth005_suppression(tmp_path):
    _, (f,) = django(tmp_path, 'request.headers.get("X-Admin")')
    assert_suppress_edit_silences(tmp_path, f)
