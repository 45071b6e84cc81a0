"""API Design & Implementation: API002 get-handler-changes-data."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, only, pos_of

DRF_FUNCTION = """
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from shop.models import Order


@api_view([{method!r}])
def cancel_order(request, pk):
    Order.objects.filter(pk=pk, customer=request.user).update(status="cancelled")
    return Response({{"status": "cancelled"}})


urlpatterns = [path("orders/<int:pk>/cancel/", cancel_order)]
"""


def api002(tmp_path, files):
    return only(analyze_files(tmp_path, files), "API002")


def test_api002_queryset_update_in_a_get_view(tmp_path):
    src = DRF_FUNCTION.format(method="GET")
    (f,) = api002(tmp_path, {"shop/api.py": src})
    assert f.start == pos_of(src, "Order.objects.filter(pk=pk")
    assert f.end[0] == f.start[0]
    assert "filter.update()" in f.message and "GET /orders/<int:pk>/cancel/" in f.message
    assert "`cancel_order`" in f.message
    assert f.severity == Severity.WARNING


def test_api002_same_write_under_post_is_quiet(tmp_path):
    assert api002(tmp_path, {"shop/api.py": DRF_FUNCTION.format(method="POST")}) == []


FASTAPI = """
from fastapi import APIRouter, Depends

from app.db import get_session
from app.models import Item, PageView

router = APIRouter()


@router.get("/items/{item_id}/archive")
def archive_item(item_id: int, session=Depends(get_session)):
    item = session.get(Item, item_id)
    item.archived = True
    session.add(item)
    session.commit()
    return item


@router.get("/items/{item_id}")
def read_item(item_id: int, session=Depends(get_session)):
    session.add(PageView(item_id=item_id))  # bookkeeping
    session.commit()
    return session.get(Item, item_id)


@router.get("/verify-email/{token}")
def verify_email(token: str, session=Depends(get_session)):
    session.add(Item(token=token))
    session.commit()
    return {}


@router.post("/items/{item_id}/archive")
def archive_item_post(item_id: int, session=Depends(get_session)):
    session.commit()
    return {}
"""


def test_api002_sqlalchemy_session_write_in_a_fastapi_get(tmp_path):
    found = api002(tmp_path, {"app/routes.py": FASTAPI})
    assert [f.start for f in found] == [pos_of(FASTAPI, "session.add(item)")]
    assert "and 1 more write(s) in `archive_item`" in found[0].message


FLASK = """
from flask import Blueprint

from reports.tasks import build_report

bp = Blueprint("reports", __name__)


@bp.route("/reports/<int:report_id>/rebuild")
def rebuild(report_id):
    build_report.delay(report_id)
    return "queued"


@bp.route("/reports/<int:report_id>/rebuild", methods=["POST"])
def rebuild_post(report_id):
    build_report.delay(report_id)
    return "queued"


@bp.route("/reports/<int:report_id>/chart.png")
def chart(report_id):
    image = render(report_id)
    image.save(buffer, format="PNG")
    return buffer.getvalue()
"""


def test_api002_task_queued_from_a_flask_route_that_defaults_to_get(tmp_path):
    found = api002(tmp_path, {"reports/views.py": FLASK})
    assert [f.start for f in found] == [pos_of(FLASK, "build_report.delay(report_id)")]


VIEWSET = """
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from shop.models import Notification


class NotificationViewSet(viewsets.ModelViewSet):
    queryset = Notification.objects.all()

    def list(self, request):
        for note in self.get_queryset():
            note.read = True
            note.save()
        return Response([])

    def create(self, request):
        note = Notification(user=request.user)
        note.save()
        return Response({}, status=201)


router = DefaultRouter()
router.register("notifications", NotificationViewSet)
urlpatterns = router.urls
"""


def test_api002_list_action_of_a_viewset(tmp_path):
    found = api002(tmp_path, {"shop/api.py": VIEWSET})
    assert [f.start for f in found] == [pos_of(VIEWSET, "note.save()")]
    assert "`list`" in found[0].message


@pytest.mark.parametrize(
    "path",
    ["tests/test_views.py", "shop/unrouted.py"],
)
def test_api002_quiet_outside_routed_handlers(tmp_path, path):
    src = DRF_FUNCTION.format(method="GET")
    if path == "shop/unrouted.py":  # a helper no route reaches
        src = src.split("urlpatterns")[0].replace("@api_view(['GET'])\n", "")
    assert api002(tmp_path, {path: src}) == []


def test_api002_django_view_for_any_method_is_not_judged(tmp_path):
    src = """
from django.http import JsonResponse
from django.urls import path

from shop.models import Order


def cancel_order(request, pk):
    Order.objects.filter(pk=pk).update(status="cancelled")
    return JsonResponse({})


urlpatterns = [path("orders/<int:pk>/cancel/", cancel_order)]
"""
    assert api002(tmp_path, {"shop/views.py": src}) == []


def test_api002_write_in_a_nested_function_is_not_the_handlers(tmp_path):
    src = DRF_FUNCTION.format(method="GET").replace(
        '    Order.objects.filter(pk=pk, customer=request.user).update(status="cancelled")\n',
        "    def later():\n        Order.objects.filter(pk=pk).delete()\n\n",
    )
    assert api002(tmp_path, {"shop/api.py": src}) == []
