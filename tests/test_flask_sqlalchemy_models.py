"""Flask-SQLAlchemy models declared in the file that binds `db = SQLAlchemy()`
(as CTFd and many Flask apps do): `class Page(db.Model)` is a mapped class."""

from __future__ import annotations

from backend_lens.engine.project import Project
from backend_lens.report.build import build_report, render

from .helpers import only, write_files

MODELS = """
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Page(db.Model):
    __tablename__ = "pages"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(80))
    files = db.relationship("PageFile", backref="page")


class PageFile(db.Model):
    __tablename__ = "page_files"
    id = db.Column(db.Integer, primary_key=True)
    page_id = db.Column(db.Integer, db.ForeignKey("pages.id"))
"""
VIEWS = """
from app.models import Page


def file_ids():
    out = []
    for p in Page.query.all():
        for f in p.files:
            out.append(f.id)
    return out
"""


def test_models_beside_db_are_mapped_classes_and_their_relations_are_checked(tmp_path):
    write_files(tmp_path, {"app/__init__.py": "", "app/models.py": MODELS, "app/views.py": VIEWS})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    (n1,) = only(project.all_findings(), "ORM001")
    assert n1.start[0] == 7 and "p.files" in n1.message
    report = render(build_report(project), "markdown")
    assert "No ORM models" not in report
    assert "2 SQLAlchemy mapped classes" in report


def test_a_plain_class_named_model_elsewhere_is_not_a_mapped_class(tmp_path):
    # `db` here is not SQLAlchemy(): nothing is a model, nothing is flagged
    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models.py": MODELS.replace("db = SQLAlchemy()", "db = object()"),
            "app/views.py": VIEWS,
        },
    )
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    assert only(project.all_findings(), "ORM001") == []


def test_single_table_inheritance_subclasses_are_mapped_onto_their_base_table(tmp_path):
    from backend_lens.inventory import build_inventory

    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models.py": MODELS
            + """

class PageFileKind(PageFile):
    __mapper_args__ = {"polymorphic_identity": "kind"}


class NotMapped:
    __mapper_args__ = {"polymorphic_identity": "x"}
""",
        },
    )
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    inv = build_inventory(project)
    assert [(m.name, m.table) for m in inv.models] == [
        ("Page", "pages"),
        ("PageFile", "page_files"),
        ("PageFileKind", "page_files"),
    ]
