"""SQLModel: a class declared with `table=True` is a table; one without it is a
schema (a Pydantic model), not a model."""

from __future__ import annotations

from backend_lens.engine.project import Project
from backend_lens.report.build import build_report, render

from .helpers import write_files

MODELS = """
import uuid

from sqlmodel import Field, SQLModel


class UserBase(SQLModel):
    email: str = Field(unique=True, index=True, max_length=255)
    full_name: str | None = Field(default=None, max_length=255)


class UserCreate(UserBase):
    password: str


class User(UserBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    hashed_password: str
"""


def report_of(tmp_path) -> str:
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    return render(build_report(project), "markdown")


def test_a_table_is_a_model_and_a_schema_is_not(tmp_path):
    write_files(tmp_path, {"app/__init__.py": "", "app/models.py": MODELS})
    report = report_of(tmp_path)
    assert "1 ORM model in 1 file (SQLModel 1)" in report
    rows = [line for line in report.splitlines() if "| SQLModel |" in line]
    assert [r.split("|")[1].strip() for r in rows] == ["User"]  # not UserBase, not UserCreate
    # the unique, indexed email is declared on the base class the table inherits
    assert "1 column declared with index=True or unique=True" in report


def test_without_table_true_nothing_is_a_model(tmp_path):
    write_files(
        tmp_path,
        {"app/__init__.py": "", "app/models.py": MODELS.replace(", table=True", "")},
    )
    report = report_of(tmp_path)
    assert "| SQLModel |" not in report
    assert "No ORM model was recognised (Django, SQLAlchemy declarative, Flask-SQLAlchemy" in report
