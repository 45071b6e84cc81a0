"""`backend-lens inventory`: the project model as a person would count it, the
same from every root."""

from __future__ import annotations

import json

from backend_lens.cli import main

from .helpers import write_files

DJANGO = {
    "repo/README.md": "x",
    "repo/backend/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings.dev')\n",
    "repo/backend/conf/__init__.py": "",
    "repo/backend/conf/wsgi.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings.base')\n",
    "repo/backend/conf/settings/__init__.py": "",
    "repo/backend/conf/settings/base.py": "SECRET_KEY = 'x'\nDEBUG = False\n",
    "repo/backend/conf/settings/dev.py": "from .base import *\nDEBUG = True\n",
    "repo/backend/conf/settings/ci.py": "from .base import *\nDATABASES = {}\n",
    "repo/backend/core/__init__.py": "",
    "repo/backend/core/models.py": """
        from django.db import models


        class Stamped(models.Model):
            created = models.DateTimeField(auto_now_add=True)

            class Meta:
                abstract = True
    """,
    "repo/backend/shop/__init__.py": "",
    "repo/backend/shop/models.py": """
        from django.db import models
        from core.models import Stamped


        class Product(Stamped):
            name = models.CharField(max_length=80)


        class Order(Stamped):
            product = models.ForeignKey(Product, on_delete=models.PROTECT)
            note = models.TextField()

            class Meta:
                db_table = "orders"
    """,
    "repo/backend/shop/migrations/__init__.py": "",
    "repo/backend/shop/migrations/0001_initial.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            operations = []


        class Historic(models.Model):
            name = models.CharField(max_length=5)
    """,
    "repo/backend/shop/tests/__init__.py": "",
    "repo/backend/shop/tests/test_models.py": """
        from django.db import models


        class FakeForTests(models.Model):
            name = models.CharField(max_length=5)
    """,
}


def inventory(path, capsys) -> dict:
    assert main(["inventory", str(path), "--format", "json", "-q"]) == 0
    return json.loads(capsys.readouterr().out)


def test_django_models_and_settings_from_the_repository_root(tmp_path, capsys):
    write_files(tmp_path, DJANGO)
    inv = inventory(tmp_path / "repo", capsys)
    assert inv["source_roots"] == [{"path": "backend", "how": "holds manage.py"}]
    assert inv["frameworks"] == ["Django"]
    # the abstract base, the migration's class and the test's class are no models
    assert inv["models"] == [
        {
            "name": "Product",
            "orm": "django",
            "path": "backend/shop/models.py",
            "line": 5,
            "table": "shop_product",
            "fields": 2,
        },
        {
            "name": "Order",
            "orm": "django",
            "path": "backend/shop/models.py",
            "line": 9,
            "table": "orders",
            "fields": 3,
        },
    ]
    profiles = {s["path"]: s["profile"] for s in inv["settings"]}
    assert profiles == {
        "backend/conf/settings/base.py": "production",
        "backend/conf/settings/ci.py": "test",
        "backend/conf/settings/dev.py": "development",
    }
    # the same model from the project root, paths relative to it
    inner = inventory(tmp_path / "repo" / "backend", capsys)
    assert [(m["name"], m["path"]) for m in inner["models"]] == [
        ("Product", "shop/models.py"),
        ("Order", "shop/models.py"),
    ]


def test_sqlalchemy_flask_sqlalchemy_and_sqlmodel_models(tmp_path, capsys):
    write_files(
        tmp_path,
        {
            "flaskapp/app/__init__.py": "",
            "flaskapp/app/models.py": """
                from flask_sqlalchemy import SQLAlchemy

                db = SQLAlchemy()


                class UserAccount(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
                    email = db.Column(db.String(80))
                    posts = db.relationship("Post")
            """,
            "api/src/api/__init__.py": "",
            "api/src/api/db.py": """
                from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


                class Base(DeclarativeBase):
                    pass
            """,
            "api/src/api/models.py": """
                from sqlalchemy.orm import Mapped, mapped_column
                from api.db import Base


                class Invoice(Base):
                    __tablename__ = "invoices"
                    id: Mapped[int] = mapped_column(primary_key=True)
            """,
            "tpl/app/__init__.py": "",
            "tpl/app/models.py": """
                from sqlmodel import Field, SQLModel


                class ItemBase(SQLModel):
                    title: str = Field(max_length=255)


                class Item(ItemBase, table=True):
                    id: int = Field(primary_key=True)
            """,
        },
    )
    inv = inventory(tmp_path, capsys)
    assert [(m["name"], m["orm"], m["path"], m["table"]) for m in inv["models"]] == [
        ("Invoice", "sqlalchemy", "api/src/api/models.py", "invoices"),
        ("UserAccount", "flask-sqlalchemy", "flaskapp/app/models.py", "user_account"),
        ("Item", "sqlmodel", "tpl/app/models.py", "item"),
    ]
    assert {"path": "api/src", "how": "a src/ layout"} in inv["source_roots"]


def test_text_format_and_errors(tmp_path, capsys):
    write_files(tmp_path, DJANGO)
    assert main(["inventory", str(tmp_path / "repo"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "Models (2)" in out
    assert "production   backend/conf/settings/base.py  (conf.wsgi selects it)" in out
    assert main(["inventory", str(tmp_path / "nowhere")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["inventory", str(tmp_path / "repo" / "README.md")]) == 2
    assert "inventory needs a folder" in capsys.readouterr().err
