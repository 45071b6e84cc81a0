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


def test_db_made_by_a_subclass_of_sqlalchemy_in_another_module_declares_models(tmp_path):
    # redash: `class RedashSQLAlchemy(SQLAlchemy)` and `db = RedashSQLAlchemy()` in
    # models/base.py, the models in models/__init__.py
    base = (
        "from flask_sqlalchemy import SQLAlchemy\n\n\n"
        "class AppSQLAlchemy(SQLAlchemy):\n    pass\n\n\n"
        "db = AppSQLAlchemy()\n"
    )
    models = "from .base import db\n" + MODELS.split("db = SQLAlchemy()\n", 1)[1]
    files = {"app/__init__.py": "", "app/views.py": VIEWS}
    write_files(tmp_path, {**files, "app/models/__init__.py": models, "app/models/base.py": base})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    assert [f.start[0] for f in only(project.all_findings(), "ORM001")] == [7]
    assert "2 SQLAlchemy mapped classes" in render(build_report(project), "markdown")


def test_a_subclass_of_something_else_does_not_make_db(tmp_path):
    base = "class AppStore(dict):\n    pass\n\n\ndb = AppStore()\n"
    models = "from .base import db\n" + MODELS.split("db = SQLAlchemy()\n", 1)[1]
    files = {"app/__init__.py": "", "app/views.py": VIEWS}
    write_files(tmp_path, {**files, "app/models/__init__.py": models, "app/models/base.py": base})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    assert only(project.all_findings(), "ORM001") == []


def test_a_flask_sqlalchemy_database_setting_is_enough_to_judge_the_database(tmp_path):
    app = (
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n"
        "@app.get('/')\ndef home():\n    return 'ok'\n"
    )
    config = "import os\n\nSQLALCHEMY_DATABASE_URI = os.environ['DATABASE_URL']\n"
    write_files(tmp_path / "a", {"app/__init__.py": app, "app/config.py": config})
    write_files(tmp_path / "b", {"app/__init__.py": app, "app/config.py": "DEBUG = False\n"})
    judged, unjudged = (
        Project(tmp_path / "a", use_jedi=False),
        Project(tmp_path / "b", use_jedi=False),
    )
    judged.scan()
    unjudged.scan()
    assert build_report(judged).scores["database"].value == 10.0
    assert build_report(unjudged).scores["database"].value is None
