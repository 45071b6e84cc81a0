"""API Design & Implementation: API005 route-without-response-model."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, only, pos_of

ROUTES = """
from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.db import SessionDep
from app.models import User, UserPublic

router = APIRouter()


@router.get("/users/{user_id}")
def read_user(user_id: int, session: SessionDep):
    return session.get(User, user_id)


@router.get("/users/{user_id}/public", response_model=UserPublic)
def read_public(user_id: int, session: SessionDep):
    return session.get(User, user_id)


@router.get("/users/me")
def read_me(session: SessionDep) -> UserPublic:
    return session.get(User, 1)


@router.get("/users/{user_id}/avatar", response_class=FileResponse)
def avatar(user_id: int):
    return f"/avatars/{user_id}.png"


@router.delete("/users/{user_id}", status_code=204)
def delete_user(user_id: int, session: SessionDep):
    session.delete(session.get(User, user_id))


@router.get("/internal/ping", include_in_schema=False)
def ping():
    return "pong"
"""


def test_api005_only_the_route_that_says_nothing(tmp_path):
    found = only(analyze_files(tmp_path, {"app/routes.py": ROUTES}), "API005")
    assert [f.start for f in found] == [pos_of(ROUTES, 'router.get("/users/{user_id}")')]
    (f,) = found
    assert f.end == (f.start[0], f.start[1] + len('router.get("/users/{user_id}")'))
    assert "response_model=" in f.message and f.severity == Severity.INFO


@pytest.mark.parametrize("path", ["tests/test_routes.py", "app/not_routed.py"])
def test_api005_quiet_outside_routed_fastapi_handlers(tmp_path, path):
    src = (
        ROUTES
        if path.startswith("tests")
        else ROUTES.replace("APIRouter()", "Thing()").replace(
            "from fastapi import APIRouter", "from elsewhere import Thing"
        )
    )
    assert only(analyze_files(tmp_path, {path: src}), "API005") == []


def test_api005_a_project_that_declares_no_model_is_consistent(tmp_path):
    src = ROUTES.replace(", response_model=UserPublic)", ")")
    assert only(analyze_files(tmp_path, {"app/routes.py": src}), "API005") == []
