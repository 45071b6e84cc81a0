"""The Executive Summary's strengths: each claimed with its evidence (counts and
file:line) when the facts show it, and not claimed when a fact is missing or a
scored finding stands against it."""

from __future__ import annotations

import json

import pytest
from backend_lens.engine.project import Project
from backend_lens.report.build import build_report, render

from .helpers import write_files

SHOP = {
    "manage.py": (
        "import os\n\n\nif __name__ == '__main__':\n"
        "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
    ),
    "config/__init__.py": "",
    "config/settings.py": """import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]
INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "shop"]
ROOT_URLCONF = "config.urls"
REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": "100/min"},
}
""",
    "config/urls.py": """from django.urls import path

from shop.views import OrderList

urlpatterns = [path("api/orders/", OrderList.as_view())]
""",
    "shop/__init__.py": "",
    "shop/models.py": """from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)


class Order(models.Model):
    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    placed = models.DateTimeField(db_index=True)
""",
    "shop/serializers.py": """from rest_framework import serializers

from shop.models import Order


class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["number", "placed"]
""",
    "shop/views.py": """from django.db import transaction
from rest_framework import generics

from shop.models import Order
from shop.serializers import OrderSerializer


class OrderList(generics.ListCreateAPIView):
    serializer_class = OrderSerializer

    def get_queryset(self):
        return Order.objects.select_related("customer").order_by("-placed")

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()
""",
    "shop/tasks.py": """from celery import shared_task

from shop.models import Order


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify(order_id):
    return Order.objects.filter(pk=order_id).exists()
""",
}


def _strengths(tmp_path, changes=None, extra=None):
    """The report on SHOP with ``changes`` (path -> [(old, new), ...]) and ``extra`` files."""
    files = dict(SHOP)
    for path, pairs in (changes or {}).items():
        for old, new in pairs:
            assert old in files[path]
            files[path] = files[path].replace(old, new)
    files.update(extra or {})
    write_files(tmp_path, files)
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    report = build_report(project)
    return report, [f.code for f in project.all_findings()]


def _one(strengths: list[str], lead: str) -> str:
    (line,) = [s for s in strengths if s.startswith(lead)]
    return line


def test_every_strength_is_claimed_with_its_evidence(tmp_path):
    report, codes = _strengths(tmp_path)
    assert codes == []
    s = report.strengths
    assert _one(s, "Every list endpoint paginates").endswith(
        "1 of 1 (e.g. `/api/orders/` at `shop/views.py:8`)."
    )
    assert "(DEFAULT_THROTTLE_CLASSES ×1; e.g. `shop/views.py:8`)" in _one(
        s, "Every endpoint is rate limited: 1 of 1"
    )
    assert "by DEFAULT_PERMISSION_CLASSES: IsAuthenticated ×1" in _one(
        s, "Every endpoint that changes data requires authentication: 1 of 1"
    )
    assert "`select_related` ×1 (first at `shop/views.py:12`)" in _one(s, "Related rows are loaded")
    assert _one(s, "Indexes are declared").startswith(
        "Indexes are declared: 1 explicit index on 1 model (e.g. `Order` at `shop/models.py:8`); "
        "no Django query was found that filters or sorts on a field without an index"
    )
    assert "(`atomic` ×1, first at `shop/views.py:15`)" in _one(s, "Transactions are used")
    assert "1 of 1, 1 with back-off (e.g. `notify` at `shop/tasks.py:7`)" in _one(
        s, "Every background task declares a retry policy"
    )
    assert '`os.environ["DJANGO_SECRET_KEY"]` (`config/settings.py:3`)' in _one(
        s, "`SECRET_KEY` is read at run time"
    )
    assert len(s) == 8
    md = render(report, "markdown")
    assert "**Strengths** (each shown by the code, with no finding against it):" in md
    for line in s:
        assert f"- {line}\n" in md
    assert json.loads(render(report, "json"))["strengths"] == s


LOOP = """

def order_emails():
    return [o.customer.email for o in Order.objects.all()]
"""


SETTINGS, VIEWS, MODELS = "config/settings.py", "shop/views.py", "shop/models.py"
NO_RETRY = "from celery import shared_task\n\n\n@shared_task\ndef tidy():\n    return 1\n"


@pytest.mark.parametrize(
    ("lead", "changes", "extra", "finding"),
    [
        # a fact missing: list views without pagination (API001 follows)
        (
            "Every list endpoint paginates",
            {SETTINGS: [('    "DEFAULT_PAGINATION_CLASS"', '    "X"')]},
            None,
            "API001",
        ),
        # no throttle reaches the endpoint
        (
            "Every endpoint is rate limited",
            {SETTINGS: [('    "DEFAULT_THROTTLE_CLASSES"', '    "X"')]},
            None,
            None,
        ),
        # the view answers anyone (AUTH001 follows)
        (
            "Every endpoint that changes data",
            {SETTINGS: [('    "DEFAULT_PERMISSION_CLASSES"', '    "X"')]},
            None,
            "AUTH001",
        ),
        # select_related is still used, but a relation is read in a loop elsewhere
        (
            "Related rows are loaded",
            {VIEWS: [("\n\nclass OrderList", LOOP + "\n\nclass OrderList")]},
            None,
            "ORM001",
        ),
        # the db_index stays, but a query sorts on a field without one
        (
            "Indexes are declared",
            {
                MODELS: [
                    ("    placed =", "    status = models.CharField(max_length=10)\n    placed =")
                ],
                VIEWS: [('.order_by("-placed")', '.order_by("status")')],
            },
            None,
            "DBP001",
        ),
        # atomic stays, but an HTTP call is held inside the transaction
        (
            "Transactions are used",
            {
                VIEWS: [
                    ("from django.db", "import requests\nfrom django.db"),
                    (
                        "            serializer.save()",
                        "            serializer.save()\n"
                        "            requests.post('https://hooks.example.com', timeout=5)",
                    ),
                ]
            },
            None,
            "TXN002",
        ),
        # a second task with no retry policy
        ("Every background task declares", None, {"shop/jobs.py": NO_RETRY}, None),
        # the secret written into the settings (SEC001 follows)
        (
            "`SECRET_KEY` is read at run time",
            {SETTINGS: [('os.environ["DJANGO_SECRET_KEY"]', '"k3y-0f-th3-pr0d-s1t3-29x7q"')]},
            None,
            "SEC001",
        ),
        # a key made at start-up is not read from anywhere
        (
            "`SECRET_KEY` is read at run time",
            {SETTINGS: [('os.environ["DJANGO_SECRET_KEY"]', "get_random_secret_key()")]},
            None,
            None,
        ),
    ],
)
def test_a_strength_is_not_claimed_without_its_fact_or_against_a_finding(
    tmp_path, lead, changes, extra, finding
):
    report, codes = _strengths(tmp_path, changes, extra)
    assert not [s for s in report.strengths if s.startswith(lead)]
    if finding:
        assert finding in codes
    assert len(report.strengths) == 7  # the other strengths still stand


def test_no_strength_says_so(tmp_path):
    write_files(
        tmp_path, {"app.py": "import requests\n\n\ndef ping():\n    return requests.get('u')\n"}
    )
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    report = build_report(project)
    assert report.strengths == []
    assert "**Strengths**: none that the facts show" in render(report, "markdown")


def test_indexes_of_sqlalchemy_models_claim_no_more_than_the_declarations(tmp_path):
    # DBP001 judges Django queries only: no claim about the queries here
    models = (
        "from sqlalchemy import Column, Integer, String\n"
        "from sqlalchemy.orm import (\n    declarative_base,\n    joinedload,\n)\n\n"
        "Base = declarative_base()\n\n\n"
        "class Item(Base):\n    __tablename__ = 'items'\n"
        "    id = Column(Integer, primary_key=True)\n    sku = Column(String, index=True)\n\n\n"
        "def items(session):\n    return session.query(Item).options(joinedload('parts')).all()\n"
    )
    write_files(tmp_path, {"app/__init__.py": "", "app/models.py": models})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    s = build_report(project).strengths
    assert _one(s, "Indexes are declared") == (
        "Indexes are declared: 1 explicit index on 1 model (e.g. `Item` at `app/models.py:10`)."
    )
    # the import of joinedload is not where it is used
    assert "`joinedload` ×1 (first at `app/models.py:17`)" in _one(s, "Related rows are loaded")


QUERY_TEST = """from django.test import TestCase


class OrderListTests(TestCase):
    def test_fixture_named_in_the_signature(self, django_assert_num_queries=None):
        pass

    def test_list_runs_two_queries(self):
        with self.assertNumQueries(2):
            self.client.get("/api/orders/")
"""


def test_query_count_tests_are_a_strength_and_only_in_tests(tmp_path):
    report, _ = _strengths(tmp_path / "a", extra={"shop/tests/test_orders.py": QUERY_TEST})
    assert _one(report.strengths, "Tests pin the number of queries") == (
        "Tests pin the number of queries: 1 query-count assertion in 1 test file "
        "(first at `shop/tests/test_orders.py:9`)."
    )
    # the same call outside the tests is not a query-count test
    report, _ = _strengths(tmp_path / "b", extra={"shop/checks.py": QUERY_TEST})
    assert not [s for s in report.strengths if s.startswith("Tests pin")]
