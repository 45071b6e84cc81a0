"""Authentication & Authorization Systems: AUTH001 view-without-permission-classes."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, find_one, only, pos_of, rel

RULE_PAGE_EXAMPLE = """
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.models import Refund
from payments.serializers import RefundSerializer


class PendingRefundsView(APIView):
    def get(self, request):
        refunds = Refund.objects.filter(status="pending")
        return Response(RefundSerializer(refunds, many=True).data)
"""

USE_INSTEAD = """
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.models import Refund
from payments.serializers import RefundSerializer


class PendingRefundsView(APIView):
    permission_classes = [IsAdminUser]

    def get(self, request):
        refunds = Refund.objects.filter(status="pending")
        return Response(RefundSerializer(refunds, many=True).data)
"""


def auth001(tmp_path, files):
    return only(analyze_files(tmp_path, files), "AUTH001")


def test_auth001_rule_page_example(tmp_path):
    f = find_one(analyze_files(tmp_path, {"payments/views.py": RULE_PAGE_EXAMPLE}), "AUTH001")
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, "PendingRefundsView")
    assert f.end == (f.start[0], f.start[1] + len("PendingRefundsView"))
    assert "PendingRefundsView" in f.message and "permission_classes" in f.message
    assert f.severity == Severity.ERROR
    assert f.fix is None


def test_auth001_rule_page_use_instead_is_quiet(tmp_path):
    assert auth001(tmp_path, {"payments/views.py": USE_INSTEAD}) == []


@pytest.mark.parametrize(
    ("imports", "base"),
    [
        ("from rest_framework.views import APIView", "APIView"),
        ("from rest_framework.generics import GenericAPIView", "GenericAPIView"),
        ("from rest_framework import generics", "generics.RetrieveUpdateDestroyAPIView"),
        ("from rest_framework import generics", "generics.CreateAPIView"),
        ("from rest_framework.viewsets import ViewSet", "ViewSet"),
        ("from rest_framework import viewsets", "viewsets.GenericViewSet"),
        ("from rest_framework import viewsets", "viewsets.ModelViewSet"),
        ("from rest_framework.viewsets import ReadOnlyModelViewSet", "ReadOnlyModelViewSet"),
    ],
)
def test_auth001_every_drf_view_base(tmp_path, imports, base):
    src = f"""
{imports}


class Things({base}):
    pagination_class = None
"""
    f = find_one(analyze_files(tmp_path, {"api/views.py": src}), "AUTH001")
    assert f.start == pos_of(src, "Things")


def test_auth001_explicit_allow_any_is_a_conscious_choice(tmp_path):
    src = """
    from rest_framework.permissions import AllowAny
    from rest_framework.views import APIView


    class Health(APIView):
        permission_classes = [AllowAny]
    """
    assert auth001(tmp_path, {"api/views.py": src}) == []


def test_auth001_classes_that_are_not_drf_views_are_quiet(tmp_path):
    src = """
    from django.views import View
    from rest_framework.serializers import Serializer


    class Page(View):
        pass


    class Out(Serializer):
        pass
    """
    assert auth001(tmp_path, {"api/views.py": src}) == []


def test_auth001_permission_classes_inherited_from_a_project_base_in_another_file(tmp_path):
    files = {
        "common/views.py": """
        from rest_framework.permissions import IsAuthenticated
        from rest_framework.views import APIView


        class SecureView(APIView):
            permission_classes = [IsAuthenticated]
        """,
        "shop/views.py": """
        from common.views import SecureView


        class Orders(SecureView):
            def get(self, request):
                return None
        """,
    }
    assert auth001(tmp_path, files) == []


def test_auth001_project_base_without_permissions_flags_base_and_subclass(tmp_path):
    files = {
        "common/views.py": """
        from rest_framework.views import APIView


        class BaseView(APIView):
            pass
        """,
        "shop/views.py": """
        from common.views import BaseView


        class Orders(BaseView):
            pass
        """,
    }
    found = auth001(tmp_path, files)
    assert sorted((rel(tmp_path, f), f.start) for f in found) == [
        ("common/views.py", (4, 6)),
        ("shop/views.py", (4, 6)),
    ]


def test_auth001_get_permissions_override_decides(tmp_path):
    src = """
    from rest_framework.permissions import IsAdminUser
    from rest_framework.views import APIView


    class Orders(APIView):
        def get_permissions(self):
            return [IsAdminUser()]
    """
    assert auth001(tmp_path, {"api/views.py": src}) == []


FUNCTION_VIEWS = """
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated


@api_view(["GET"])
def open_view(request):
    return None


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def closed_view(request):
    return None
"""


def test_auth001_api_view_function_without_permission_classes_decorator(tmp_path):
    f = find_one(analyze_files(tmp_path, {"api/views.py": FUNCTION_VIEWS}), "AUTH001")
    assert f.start == pos_of(FUNCTION_VIEWS, "open_view")
    assert "open_view" in f.message


def test_auth001_api_view_through_module_import(tmp_path):
    src = """
    from rest_framework import decorators


    @decorators.api_view(["GET"])
    def open_view(request):
        return None
    """
    f = find_one(analyze_files(tmp_path, {"api/views.py": src}), "AUTH001")
    assert f.start == pos_of(src, "open_view")


SETTINGS_WITH_PERMISSIONS = """
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
"""


@pytest.mark.parametrize("settings_path", ["config/settings.py", "config/settings/production.py"])
def test_auth001_default_permission_classes_in_settings_silence_classes_and_functions(
    tmp_path, settings_path
):
    files = {
        "payments/views.py": RULE_PAGE_EXAMPLE,
        "api/views.py": FUNCTION_VIEWS,
        settings_path: SETTINGS_WITH_PERMISSIONS,
    }
    assert auth001(tmp_path, files) == []


def test_auth001_settings_without_permission_default_keep_it(tmp_path):
    files = {
        "payments/views.py": RULE_PAGE_EXAMPLE,
        "config/settings.py": """
        REST_FRAMEWORK = {"DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination"}
        """,
    }
    assert len(auth001(tmp_path, files)) == 1


def test_auth001_adding_the_setting_later_clears_it(tmp_path):
    assert len(auth001(tmp_path, {"payments/views.py": RULE_PAGE_EXAMPLE})) == 1
    assert auth001(tmp_path, {"config/settings.py": SETTINGS_WITH_PERMISSIONS}) == []


def test_auth001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(analyze_files(tmp_path, {"api/views.py": FUNCTION_VIEWS}), "AUTH001")
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    assert any(
        ln.rstrip().endswith("# backend-lens: ignore[AUTH001]") and "def open_view(request):" in ln
        for ln in text.splitlines()
    )
