"""The report states only what the inventory supports: its counts are the
inventory's, it never says "no models" beside models, and a score with nothing
to judge says so instead of 10."""

from __future__ import annotations

import json
import re

import pytest
from backend_lens.cli import main

from .helpers import write_files
from .test_inventory import DJANGO

FLASK = {
    "CTF/app/__init__.py": """
        from flask import Flask
        from .views import bp


        def create_app():
            app = Flask(__name__)
            app.register_blueprint(bp, url_prefix="/api")
            return app
    """,
    "CTF/app/models.py": """
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()


        class Team(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String(80))


        class Member(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            team_id = db.Column(db.Integer, db.ForeignKey("team.id"))
    """,
    "CTF/app/decorators.py": """
        import functools

        from flask import abort, session


        def members_only(f):
            @functools.wraps(f)
            def wrapper(*args, **kwargs):
                if not session.get("id"):
                    abort(403)
                return f(*args, **kwargs)

            return wrapper
    """,
    "CTF/app/views.py": """
        from flask import Blueprint, jsonify

        from .decorators import members_only
        from .models import Team

        bp = Blueprint("teams", __name__)


        @bp.route("/teams")
        def teams():
            return jsonify([t.name for t in Team.query.all()])


        @bp.route("/teams/mine", methods=["GET", "POST"])
        @members_only
        def mine():
            return jsonify({})
    """,
    "CTF/app/errors.py": """
        from flask import Flask

        app = Flask(__name__)


        @app.errorhandler(404)
        def missing(e):
            return "missing", 404
    """,
}
FASTAPI = {
    "svc/backend/app/__init__.py": "",
    "svc/backend/app/main.py": """
        from fastapi import FastAPI
        from app.api.items import router

        app = FastAPI()
        app.include_router(router, prefix="/api/v1")
    """,
    "svc/backend/app/api/__init__.py": "",
    "svc/backend/app/api/items.py": """
        from fastapi import APIRouter, Depends

        from app.deps import get_current_user

        router = APIRouter(prefix="/items")


        @router.get("/")
        def list_items(user=Depends(get_current_user)):
            return []


        @router.get("/public")
        def public_items():
            return []
    """,
    "svc/backend/app/deps.py": """
        from fastapi.security import OAuth2PasswordBearer

        oauth2 = OAuth2PasswordBearer(tokenUrl="token")


        def get_current_user(token: str = Depends(oauth2)):
            return token
    """,
    "svc/backend/app/models.py": """
        from sqlmodel import Field, SQLModel


        class Item(SQLModel, table=True):
            id: int = Field(primary_key=True)
            title: str
    """,
}
LIBRARY = {
    "lib/src/tinylib/__init__.py": "",
    "lib/src/tinylib/core.py": "def add(a, b):\n    return a + b\n",
}


def run(path, capsys, *args) -> str:
    assert main([*args, str(path), "-q"]) in (0, 1)
    return capsys.readouterr().out


def claims(root, capsys) -> tuple[dict, str]:
    inv = json.loads(run(root, capsys, "inventory", "--format", "json"))
    report = run(root, capsys, "report")
    return inv, report


def rows(report: str) -> list[list[str]]:
    """The cells of every Markdown table row of the report."""
    return [
        [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", ln)[1:-1]]
        for ln in report.splitlines()
        if ln.startswith("| ") and not ln.startswith("| ---")
    ]


def check_agrees(inv: dict, report: str) -> None:
    eps, models, tasks = inv["endpoints"], inv["models"], inv["tasks"]
    summary = re.search(
        r"Recognised: (\d+) endpoints?, (\d+) models?, (\d+) background tasks?", report
    )
    assert summary is not None
    assert [int(x) for x in summary.groups()] == [len(eps), len(models), len(tasks)]
    if models:
        assert "No ORM model was recognised" not in report
        orms = {"Django", "SQLAlchemy", "Flask-SQLAlchemy", "SQLModel"}
        assert len([r for r in rows(report) if len(r) > 2 and r[1] in orms]) == len(models)
        assert "Database Performance Score**: not enough evidence" not in report
    if eps:
        assert f"{len(eps)} endpoint{'s' if len(eps) != 1 else ''} in " in report
        required = sum(1 for e in eps if e["auth"] == "required")
        assert re.search(rf"\b{required} of {len(eps)} endpoints? requires? authentication", report)
        throttled = sum(1 for e in eps if e["throttled"] is True)
        assert re.search(rf"\b{throttled} of {len(eps)} endpoints? (is|are) rate limited", report)
        assert re.search(r"API Design Score\*\*: \d", report)
        # the endpoint table: one row per endpoint, as the inventory has it
        table = [r for r in rows(report) if len(r) == 6 and re.search(r"\.py:\d+\)$", r[2])]
        assert sorted((r[0], r[1], r[2].split(" (")[0]) for r in table) == sorted(
            (",".join(e["methods"]) or "any", e["route"] or "?", e["handler"]) for e in eps
        )
    else:
        assert "API Design Score**: not enough evidence" in report
        assert "No HTTP endpoint was recognised" in report


@pytest.mark.parametrize("files", [DJANGO, FLASK, FASTAPI], ids=["django", "flask", "fastapi"])
def test_report_claims_match_the_inventory(tmp_path, capsys, files):
    write_files(tmp_path, files)
    root = tmp_path / next(iter(files)).split("/")[0]
    inv, report = claims(root, capsys)
    check_agrees(inv, report)


def test_flask_project_report_sees_its_models_auth_and_error_handlers(tmp_path, capsys):
    write_files(tmp_path, FLASK)
    inv, report = claims(tmp_path / "CTF", capsys)
    assert [(m["name"], m["orm"]) for m in inv["models"]] == [
        ("Team", "flask-sqlalchemy"),
        ("Member", "flask-sqlalchemy"),
    ]
    assert sorted(e["route"] for e in inv["endpoints"]) == ["/api/teams", "/api/teams/mine"]
    assert "1 error handler registered" in report
    # Flask advice, not Django's
    assert "django_assert_num_queries" not in report


def test_fastapi_sqlmodel_project(tmp_path, capsys):
    write_files(tmp_path, FASTAPI)
    inv, report = claims(tmp_path / "svc", capsys)
    assert [(m["name"], m["orm"]) for m in inv["models"]] == [("Item", "sqlmodel")]
    assert sorted((e["route"], e["auth"]) for e in inv["endpoints"]) == [
        ("/api/v1/items/", "required"),
        ("/api/v1/items/public", "none"),
    ]
    check_agrees(inv, report)


def test_nothing_recognised_gives_no_scores_of_ten(tmp_path, capsys):
    write_files(tmp_path, LIBRARY)
    inv, report = claims(tmp_path / "lib", capsys)
    assert inv["endpoints"] == inv["models"] == inv["tasks"] == []
    for name in ("API Design", "Database Performance", "Service Architecture"):
        assert f"**{name} Score**: not enough evidence" in report
    assert "10/10" not in report


def test_test_settings_findings_are_not_scored(tmp_path, capsys):
    write_files(
        tmp_path,
        {
            "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n",
            "shop/__init__.py": "",
            "shop/settings.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nDEBUG = False\n",
            "shop/tests/__init__.py": "",
            # SEC001 is quiet in test settings: a rule that still reads them
            "shop/tests/settings.py": "import requests\nDEBUG = True\nSITE = requests.get('https://cfg.example.com')\n",
        },
    )
    check = run(tmp_path, capsys, "check")
    assert "INT001" in check  # still available
    report = run(tmp_path, capsys, "report")

    def recommended(text: str) -> str:
        return text.split("## Implementation Recommendations")[1].split(
            "## Implementation Planning"
        )[0]

    assert "INT001" not in recommended(report)
    assert "1 finding in test settings: INT001 ×1 (`shop/tests/settings.py:3`)" in report
    # the switch brings it back
    assert main(["report", str(tmp_path), "-q", "--include-tests"]) == 0
    assert "(INT001, warning, 1 place" in recommended(capsys.readouterr().out)
    # and so does the setting
    (tmp_path / "pyproject.toml").write_text("[tool.backend-lens]\ninclude-tests = true\n")
    report = run(tmp_path, capsys, "report")
    assert "(INT001, warning, 1 place" in recommended(report)


def test_file_kinds(tmp_path):
    from backend_lens.engine.project import Project
    from backend_lens.facts.kinds import file_kind

    write_files(
        tmp_path,
        {
            "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n",
            "shop/__init__.py": "",
            "shop/settings.py": "DEBUG = False\n",
            "shop/views.py": "x = 1\n",
            "shop/tests/test_views.py": "x = 1\n",
            "shop/settings_ci.py": "DEBUG = False\n",
            "shop/migrations/0001_initial.py": "x = 1\n",
            "shop/migrations/0002_price.py": "x = 1\n",
            "alembic/versions/a1_first.py": "revision = 'a1'\ndown_revision = None\n",
            "alembic/versions/b2_second.py": "revision = 'b2'\ndown_revision = 'a1'\n",
            "shop/management/commands/rebuild.py": "x = 1\n",
            "scripts/load.py": "x = 1\n",
            "shop/fixtures/make.py": "x = 1\n",
            "populate.py": "def main():\n    pass\n\n\nif __name__ == '__main__':\n    main()\n",
            "serve.py": "from shop import views\n\nif __name__ == '__main__':\n    views.run()\n",
            "helpers.py": "if __name__ == '__main__':\n    pass\n",
            "uses_helpers.py": "import helpers\n",
        },
    )
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    kinds = {
        project.rel(p): file_kind(r.facts, project.rel(p), project.index)
        for p, r in project.results.items()
    }
    assert kinds == {
        "manage.py": "source",
        "shop/__init__.py": "source",
        "shop/settings.py": "source",
        "shop/views.py": "source",
        "shop/tests/test_views.py": "test",
        "shop/settings_ci.py": "test-settings",
        "shop/migrations/0001_initial.py": "applied-migration",
        "shop/migrations/0002_price.py": "migration",
        "alembic/versions/a1_first.py": "applied-migration",
        "alembic/versions/b2_second.py": "migration",
        "shop/management/commands/rebuild.py": "script",
        "scripts/load.py": "script",
        "shop/fixtures/make.py": "test",
        "populate.py": "script",
        "serve.py": "script",
        "helpers.py": "source",  # imported by the project
        "uses_helpers.py": "source",
    }


def test_what_the_code_does_not_show_is_said_to_be_unknown(tmp_path, capsys):
    write_files(
        tmp_path,
        {
            "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_.settings')\n",
            "site_/__init__.py": "",
            "site_/settings.py": "import conf\nDATABASES = conf.load('DATABASES')\n",
            "ipam/__init__.py": "",
            "ipam/models/__init__.py": "",
            "ipam/models/services.py": "class Service:\n    pass\n",
            "orders/__init__.py": "",
            "orders/services.py": "def place_order():\n    pass\n",
            "db/__init__.py": "",
            "db/core.py": """
                from sqlalchemy import create_engine

                options = {"pool_pre_ping": True}
                engine = create_engine("postgresql://", **options)
            """,
        },
    )
    report = run(tmp_path, capsys, "report")
    assert (
        "`DATABASES` is computed when the settings load (`conf.load('DATABASES')`), so this "
        "report cannot tell the database engine" in report
    )
    assert "Database `default`" not in report
    # a module named as a service layer is said to be named so; netbox-like
    # ipam/models/services.py (the network Service model) is not one
    assert (
        "1 module named as a service layer (services.py, domain.py, selectors.py and the "
        "like): `orders/services.py`." in report
    )
    assert "ipam/models/services.py" not in report
    assert "SQLAlchemy engine at `db/core.py:4`: its arguments come through `**options`" in report
    assert "no pre-ping" not in report


def test_where_the_database_is_written_is_measured_by_layer(tmp_path, capsys):
    """Business Logic & Domain Modeling says which layer writes, from the code: a
    routed view, a model method, a task and a service module each count where they are."""
    write_files(
        tmp_path,
        {
            "manage.py": "",
            "shop/__init__.py": "",
            "shop/models.py": """
                from django.db import models


                class Order(models.Model):
                    status = models.CharField(max_length=20)

                    def pay(self):
                        self.status = "paid"
                        self.save(update_fields=["status"])
            """,
            "shop/urls.py": """
                from django.urls import path

                from shop import views

                urlpatterns = [path("orders/", views.create_order)]
            """,
            "shop/views.py": """
                from shop.models import Order


                def create_order(request):
                    order = Order.objects.create(status="new")
                    order.lines.create(sku=request.POST["sku"])
                    Order.objects.filter(status="stale").delete()
                    return order
            """,
            "shop/services.py": """
                from shop.models import Order


                def close_stale():
                    Order.objects.filter(status="new").update(status="stale")
            """,
        },
    )
    report = run(tmp_path, capsys, "report")
    assert (
        "Where the database is written, measured: 5 writes in 3 functions, by layer: "
        "request handlers 3 (60%), model methods 1 (20%), other modules (services, domain, "
        "utilities, signals) 1 (20%)." in report
    )
    assert "Most writes are made by the views themselves" in report
    assert "1 Django model carries 1 method of behaviour, 1 of which writes" in report


def test_circuit_breaking_is_said_only_where_outbound_calls_are(tmp_path, capsys):
    write_files(
        tmp_path, {"app/client.py": "import requests\n\nrequests.get('https://x', timeout=3)\n"}
    )
    report = run(tmp_path, capsys, "report")
    assert "No circuit breaker was found (pybreaker, circuitbreaker" in report
    write_files(
        tmp_path, {"app/breaker.py": "import pybreaker\n\nbreaker = pybreaker.CircuitBreaker()\n"}
    )
    report = run(tmp_path, capsys, "report")
    assert "Circuit breaking is available through pybreaker" in report
    assert "No circuit breaker was found" not in report


def test_no_circuit_breaker_advice_without_outbound_calls(tmp_path, capsys):
    write_files(tmp_path, {"app/models.py": "x = 1\n"})
    report = run(tmp_path, capsys, "report")
    assert "circuit breaker" not in report.lower()


CHECKS = """
    if order.status not in ("paid", "shipped"):
        raise ValueError("not refundable")
    if order.customer.blocked_until is not None:
        raise ValueError("blocked")
    if order.total > order.customer.credit_limit:
        raise ValueError("over the limit")
"""


PLUMBING = """
    if request.POST.get("_all") and request.GET.get("return_url"):
        pass
    if form.is_valid() and form.cleaned_data.get("confirm"):
        pass
    if request.user.has_perm("shop.delete_order"):
        pass
"""


def test_business_checks_written_twice_are_named(tmp_path, capsys):
    """Two functions that write and repeat three `if` tests word for word: the report
    names both; a third function sharing two of them is not named."""
    two = CHECKS.split("    if order.total")[0]
    write_files(
        tmp_path,
        {
            "shop/refunds.py": "def refund(order):\n" + CHECKS + "    order.save()\n",
            "shop/views.py": "def refund_view(request, order):\n" + CHECKS + "    order.delete()\n",
            "shop/credit.py": "def credit(order):\n" + two + "    order.save()\n",
            # the same request and form plumbing in two views is not a business rule
            "shop/bulk.py": "def bulk_a(request, form):\n" + PLUMBING + "    form.save()\n",
            "shop/bulk2.py": "def bulk_b(request, form):\n" + PLUMBING + "    form.save()\n",
        },
    )
    report = run(tmp_path, capsys, "report")
    assert (
        "The same business checks are written in more than one place (1 pair of functions "
        "that write share three or more identical `if` tests): `shop/refunds.py:1 refund` and "
        "`shop/views.py:1 refund_view` share 3 checks, such as "
        "`order.total > order.customer.credit_limit`." in report
    )
    assert "shop/credit.py:1" not in report
    assert "bulk_a" not in report and "1 pair of functions" in report


def test_thin_handlers_are_said_to_be_thin(tmp_path, capsys):
    write_files(
        tmp_path,
        {
            "app/main.py": """
                from fastapi import FastAPI

                from app.service import close_order

                app = FastAPI()


                @app.post("/orders/{order_id}/close")
                def close(order_id: int):
                    return close_order(order_id)
            """,
            "app/service.py": """
                def close_order(session, order_id):
                    order = session.get(Order, order_id)
                    order.status = "closed"
                    session.add(order)
                    return order
            """,
        },
    )
    report = run(tmp_path, capsys, "report")
    assert (
        "No request handler writes to the database itself (the handlers of 1 endpoint were "
        "measured)" in report
    )
    assert "Most writes are made by the views themselves" not in report
