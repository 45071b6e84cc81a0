"""API Design & Implementation: API004 list-route-without-limit."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, only, pos_of

FASTAPI = """
from fastapi import APIRouter
from sqlmodel import select

from app.db import SessionDep
from app.models import Ticket

router = APIRouter()


@router.get("/tickets")
def list_tickets(session: SessionDep):
    {body}
"""


def api004(tmp_path, body, path="app/routes.py", src=FASTAPI):
    text = src.replace("{body}", body)
    return text, only(analyze_files(tmp_path, {path: text}), "API004")


def test_api004_fastapi_route_returns_every_row(tmp_path):
    body = "return session.exec(select(Ticket)).all()"
    src, (f,) = api004(tmp_path, body)
    assert f.start == pos_of(src, "session.exec(")
    assert f.end == (f.start[0], f.start[1] + len("session.exec(select(Ticket)).all()"))
    assert "GET /tickets" in f.message
    assert f.severity == Severity.WARNING


def test_api004_rows_assigned_then_returned(tmp_path):
    body = "tickets = session.exec(select(Ticket)).all()\n    return {'data': tickets}"
    src, found = api004(tmp_path, body)
    assert [f.start for f in found] == [pos_of(src, "session.exec(")]


@pytest.mark.parametrize(
    "body",
    [
        "return session.exec(select(Ticket).offset(0).limit(50)).all()",
        "query = select(Ticket).limit(100)\n    return session.exec(query).all()",
        "return session.exec(select(Ticket)).first()",
        "count = len(session.exec(select(Ticket)).all())\n    return {'count': count}",
    ],
)
def test_api004_bounded_or_not_answered(tmp_path, body):
    assert api004(tmp_path, body)[1] == []


def test_api004_limit_parameter_counts_as_a_bound(tmp_path):
    src = FASTAPI.replace("(session: SessionDep)", "(session: SessionDep, limit: int = 50)")
    body = "rows = session.exec(select(Ticket)).all()\n    return rows[:limit]"
    assert api004(tmp_path, body, src=src)[1] == []


def test_api004_post_route_is_not_a_list(tmp_path):
    src = FASTAPI.replace("@router.get", "@router.post")
    assert api004(tmp_path, "return session.exec(select(Ticket)).all()", src=src)[1] == []


FLASK = """
from flask import Blueprint, jsonify, render_template

from notes.models import Note

bp = Blueprint("notes", __name__)


@bp.route("/api/notes")
def api_notes():
    notes = Note.query.order_by(Note.id.desc()).all()
    return jsonify([n.to_dict() for n in notes])


@bp.route("/notes")
def notes_page():
    notes = Note.query.all()
    return render_template("notes.html", notes=notes)


@bp.route("/api/notes/paged")
def paged_notes():
    return jsonify([n.to_dict() for n in Note.query.paginate(page=1, per_page=20).items])
"""


def test_api004_flask_json_list_but_not_a_page(tmp_path):
    found = only(analyze_files(tmp_path, {"notes/views.py": FLASK}), "API004")
    assert [f.start for f in found] == [pos_of(FLASK, "Note.query.order_by")]


def test_api004_quiet_in_tests(tmp_path):
    assert api004(tmp_path, "return session.exec(select(Ticket)).all()", path="tests/t.py")[1] == []
