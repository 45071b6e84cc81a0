"""API Design & Implementation: API001 list-endpoint-without-pagination."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, find_one, only, pos_of, rel

RULE_PAGE_EXAMPLE = """
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated

from shop.models import Order
from shop.serializers import OrderSerializer


class OrderHistoryView(ListAPIView):
    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Order.objects.filter(customer=self.request.user).order_by("-created_at")
"""

USE_INSTEAD = """
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated

from shop.models import Order
from shop.serializers import OrderSerializer


class OrderCursorPagination(CursorPagination):
    page_size = 50
    ordering = "-created_at"


class OrderHistoryView(ListAPIView):
    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = OrderCursorPagination

    def get_queryset(self):
        return Order.objects.filter(customer=self.request.user)
"""


def api001(tmp_path, files):
    return only(analyze_files(tmp_path, files), "API001")


def test_api001_rule_page_example(tmp_path):
    f = find_one(analyze_files(tmp_path, {"shop/views.py": RULE_PAGE_EXAMPLE}), "API001")
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, "OrderHistoryView")
    assert f.end == (f.start[0], f.start[1] + len("OrderHistoryView"))
    assert "OrderHistoryView" in f.message and "pagination_class" in f.message
    assert "DEFAULT_PAGINATION_CLASS" in f.message
    assert f.severity == Severity.WARNING
    assert f.fix is None


def test_api001_rule_page_use_instead_is_quiet(tmp_path):
    assert api001(tmp_path, {"shop/views.py": USE_INSTEAD}) == []


@pytest.mark.parametrize(
    ("imports", "base"),
    [
        ("from rest_framework.generics import ListAPIView", "ListAPIView"),
        ("from rest_framework import generics", "generics.ListCreateAPIView"),
        ("from rest_framework.viewsets import ModelViewSet", "ModelViewSet"),
        ("from rest_framework import viewsets", "viewsets.ReadOnlyModelViewSet"),
        (
            "from rest_framework.mixins import ListModelMixin\nfrom rest_framework.viewsets import GenericViewSet",
            "ListModelMixin, GenericViewSet",
        ),
    ],
)
def test_api001_every_list_base(tmp_path, imports, base):
    src = f"""
{imports}


class Things({base}):
    permission_classes = []
"""
    f = find_one(analyze_files(tmp_path, {"api/views.py": src}), "API001")
    assert f.start == pos_of(src, "Things")


@pytest.mark.parametrize(
    ("imports", "base"),
    [
        ("from rest_framework.generics import RetrieveAPIView", "RetrieveAPIView"),
        ("from rest_framework.generics import CreateAPIView", "CreateAPIView"),
        ("from rest_framework.views import APIView", "APIView"),
        ("from myapp.generics import ListAPIView", "ListAPIView"),  # not DRF's
        ("", "object"),
    ],
)
def test_api001_views_that_do_not_list_are_quiet(tmp_path, imports, base):
    src = f"""
{imports}


class Things({base}):
    pass
"""
    assert api001(tmp_path, {"api/views.py": src}) == []


def test_api001_explicit_pagination_class_none_is_a_conscious_choice(tmp_path):
    src = """
    from rest_framework.generics import ListAPIView


    class AllCountries(ListAPIView):
        pagination_class = None
    """
    assert api001(tmp_path, {"api/views.py": src}) == []


SETTINGS_WITH_PAGINATION = """
REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
"""


@pytest.mark.parametrize("settings_path", ["config/settings.py", "config/settings/base.py"])
def test_api001_default_pagination_class_in_settings_silences(tmp_path, settings_path):
    files = {"shop/views.py": RULE_PAGE_EXAMPLE, settings_path: SETTINGS_WITH_PAGINATION}
    assert api001(tmp_path, files) == []


def test_api001_default_pagination_class_set_by_item_assignment(tmp_path):
    files = {
        "shop/views.py": RULE_PAGE_EXAMPLE,
        "config/settings.py": """
        REST_FRAMEWORK = {}
        REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] = "rest_framework.pagination.LimitOffsetPagination"
        """,
    }
    assert api001(tmp_path, files) == []


def test_api001_settings_without_pagination_keep_it(tmp_path):
    files = {
        "shop/views.py": RULE_PAGE_EXAMPLE,
        "config/settings.py": """
        REST_FRAMEWORK = {
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        }
        """,
    }
    assert len(api001(tmp_path, files)) == 1


def test_api001_project_base_class_in_another_file(tmp_path):
    files = {
        "common/views.py": """
        from rest_framework.generics import ListAPIView
        from rest_framework.pagination import CursorPagination


        class PagedList(ListAPIView):
            pagination_class = CursorPagination


        class PlainList(ListAPIView):
            pass
        """,
        "shop/views.py": """
        from common.views import PagedList, PlainList


        class Orders(PagedList):
            pass


        class Refunds(PlainList):
            pass
        """,
    }
    found = api001(tmp_path, files)
    # PlainList itself, and Refunds which derives from it; Orders inherits a pagination_class
    assert sorted((rel(tmp_path, f), f.message.split("`")[1]) for f in found) == [
        ("common/views.py", "PlainList"),
        ("shop/views.py", "Refunds"),
    ]


def test_api001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(analyze_files(tmp_path, {"shop/views.py": RULE_PAGE_EXAMPLE}), "API001")
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    assert any(
        ln.rstrip().endswith("# backend-lens: ignore[API001]")
        and "class OrderHistoryView(ListAPIView):" in ln
        for ln in text.splitlines()
    )
