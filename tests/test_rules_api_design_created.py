"""API Design & Implementation: API003 creation-answered-with-200."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, fix_and_recheck, only, pos_of

FASTAPI = """
from fastapi import APIRouter, Response

from app.db import SessionDep
from app.models import Item, Tag

router = APIRouter(prefix="/items")


@router.post("/")
def create_item(item: dict, session: SessionDep):
    session.add(Item(**item))
    session.commit()
    return item


@router.post("/{item_id}/tags", status_code=201)
def add_tag(item_id: int, tag: str, session: SessionDep):
    session.add(Tag(item_id=item_id, name=tag))
    return {"tag": tag}


@router.post("/{item_id}/archive")
def archive_item(item_id: int, session: SessionDep):
    return {"archived": True}


@router.post("/import")
def import_items(rows: list, response: Response, session: SessionDep):
    session.add_all([Item(**r) for r in rows])
    response.status_code = 202
    return {}


@router.post("/auth/register")
def register_user(payload: dict, session: SessionDep):
    session.add(Item(**payload))
    return {"token": "..."}
"""


def api003(tmp_path, files):
    return only(analyze_files(tmp_path, files), "API003")


def test_api003_creation_route_without_201_beside_one_with_it(tmp_path):
    (f,) = api003(tmp_path, {"app/routes.py": FASTAPI})
    assert f.start == pos_of(FASTAPI, 'router.post("/")')
    assert f.end == (f.start[0], f.start[1] + len('router.post("/")'))
    assert "201 Created" in f.message
    assert f.severity == Severity.INFO


def test_api003_fix_declares_201(tmp_path):
    (f,) = api003(tmp_path, {"app/routes.py": FASTAPI})
    edited, after = fix_and_recheck(tmp_path, f)
    assert '@router.post("/", status_code=201)' in edited["app/routes.py"]
    assert only(after, "API003") == []


def test_api003_a_project_that_answers_200_to_every_creation_is_consistent(tmp_path):
    src = FASTAPI.replace(", status_code=201)", ")")
    assert api003(tmp_path, {"app/routes.py": src}) == []


def test_api003_convention_read_across_files(tmp_path):
    files = {
        "app/routes.py": FASTAPI.replace(", status_code=201)", ")"),
        "app/other.py": """
from fastapi import APIRouter

router = APIRouter()


@router.post("/notes", status_code=201)
def create_note(note: dict):
    return note
""",
    }
    found = api003(tmp_path, files)
    # both creations of routes.py now break the project's convention
    assert sorted(f.start[0] for f in found) == [
        pos_of(FASTAPI, 'router.post("/")')[0],
        pos_of(FASTAPI, 'router.post("/{item_id}/tags"')[0],
    ]


DRF = """
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.serializers import OrderSerializer


class OrderCreateView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save(customer=request.user)
        return Response(serializer.data{status})


urlpatterns = [path("orders/", OrderCreateView.as_view())]
"""


def test_api003_drf_post_that_saves_and_answers_200(tmp_path):
    src = DRF.format(status="")
    (f,) = api003(tmp_path, {"shop/api.py": src})
    assert f.start == pos_of(src, "Response(serializer.data)")
    edited, after = fix_and_recheck(tmp_path, f)
    assert "Response(serializer.data, status=201)" in edited["shop/api.py"]
    assert only(after, "API003") == []


@pytest.mark.parametrize("status", [", status=201", ", status=status.HTTP_201_CREATED"])
def test_api003_drf_status_given(tmp_path, status):
    assert api003(tmp_path, {"shop/api.py": DRF.format(status=status)}) == []


def test_api003_quiet_in_tests(tmp_path):
    assert api003(tmp_path, {"tests/test_routes.py": FASTAPI}) == []
