"""The index keeps the project's endpoints per change of what they are read from;
an edit that only moves lines moves the endpoints' lines without linking the
project again, and gives what a fresh computation gives."""

from __future__ import annotations

from pathlib import Path

from backend_lens.engine.project import Project
from backend_lens.inventory import endpoints as collector

from tests.helpers import write_files

ROUTES = """
from fastapi import APIRouter, Depends

from app.deps import current_user

router = APIRouter(prefix="/items")


@router.get("/")
def list_items(user=Depends(current_user)):
    return []


@router.post("/")
def create_item(item: dict):
    return item
"""


def fresh(project: Project) -> dict:
    by_file: dict = {}
    for ep in collector.endpoints_of_index(project.index):
        by_file.setdefault(ep.path, []).append(ep)
    return by_file


def test_moved_lines_move_the_endpoints_without_a_new_link(tmp_path: Path, monkeypatch):
    write_files(tmp_path, {"app/routes.py": ROUTES})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    before = project.index.endpoints()
    assert [e.line for e in before["app/routes.py"]] == [9, 14]

    calls = []
    real = collector.endpoints_of_index
    monkeypatch.setattr(collector, "endpoints_of_index", lambda i: calls.append(1) or real(i))
    path = str(tmp_path / "app/routes.py")
    moved = "# a comment\n\n" + ROUTES
    project.analyze_open(path, moved, 2, "k")
    after = project.index.endpoints()
    assert calls == []  # moved, not linked again
    assert [e.line for e in after["app/routes.py"]] == [12, 17]
    assert after == fresh(project)

    # a route changed: linked again
    calls.clear()
    changed = moved.replace('@router.post("/")', '@router.put("/")')
    project.analyze_open(path, changed, 3, "k")
    assert [e.methods for e in project.index.endpoints()["app/routes.py"]] == [("GET",), ("PUT",)]
    assert calls == [1]
    assert project.index.endpoints() == fresh(project)
