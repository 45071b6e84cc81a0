"""Database Performance Issues: DBP002 (random ordering) and DBP003 (substring
searches no B-tree index can serve)."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    find_one,
    line_of,
    only,
    pos_of,
    rel,
)

MODELS = """
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    bio = models.TextField(blank=True)
    age = models.IntegerField(default=0)
    data = models.JSONField(default=dict)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    reference = models.CharField(max_length=32)
"""


def run(tmp_path, views: str, code: str, models: str = MODELS, path: str = "shop/views.py"):
    findings = analyze_files(tmp_path, {"shop/models.py": models, path: views})
    return only(findings, code)


# --------------------------------------------------------------------- DBP002

DBP002_PAGE = """
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=100)
    featured = models.BooleanField(default=False)


def product_of_the_day() -> Product | None:
    return Product.objects.filter(featured=True).order_by("?").first()
"""


def test_dbp002_rule_page_example_location_is_the_question_mark(tmp_path):
    f = find_one(analyze_files(tmp_path, {"example.py": DBP002_PAGE}), "DBP002")
    assert f.start == pos_of(DBP002_PAGE, '"?"')
    assert f.end == (f.start[0], f.start[1] + 3)
    assert f.severity == Severity.WARNING


@pytest.mark.parametrize(
    "expr, arg",
    [
        ("qs.order_by('?')[:3]", "'?'"),
        ("Customer.objects.order_by('-age', '?')", "'?'"),
        ("select(User).order_by(func.random()).limit(1)", "func.random()"),
        ("session.query(User).order_by(sa.func.rand()).first()", "sa.func.rand()"),
    ],
)
def test_dbp002_flags(tmp_path, expr, arg):
    views = f"""
import sqlalchemy as sa
from sqlalchemy import func, select


def pick(qs, session):
    return {expr}
"""
    (f,) = run(tmp_path, views, "DBP002")
    assert f.start == pos_of(views, arg)
    assert f.end == (f.start[0], f.start[1] + len(arg))


@pytest.mark.parametrize(
    "expr",
    [
        "qs.order_by('name')",
        "qs.order_by('-?')",
        "qs.order_by(func.lower(User.name))",
        "qs.order_by(random())",
        "qs.order_by(key)",
        "order_by('?')",
    ],
)
def test_dbp002_quiet(tmp_path, expr):
    views = f"""
from sqlalchemy import func


def pick(qs, key):
    return {expr}
"""
    assert run(tmp_path, views, "DBP002") == []


def test_dbp002_tests_are_quiet(tmp_path):
    assert run(tmp_path, DBP002_PAGE, "DBP002", path="shop/tests/test_random.py") == []


def test_dbp002_suppression(tmp_path):
    f = find_one(analyze_files(tmp_path, {"example.py": DBP002_PAGE}), "DBP002")
    assert_suppress_edit_silences(tmp_path, f)


# --------------------------------------------------------------------- DBP003

DBP003_PAGE = """
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)


def search_customers(term: str):
    return Customer.objects.filter(name__icontains=term)[:20]
"""


def test_dbp003_rule_page_example_location_is_the_lookup_keyword(tmp_path):
    f = find_one(analyze_files(tmp_path, {"example.py": DBP003_PAGE}), "DBP003")
    assert f.start == pos_of(DBP003_PAGE, "name__icontains")
    assert f.end == (f.start[0], f.start[1] + len("name__icontains"))
    assert f.severity == Severity.INFO
    assert "Customer.name" in f.message


@pytest.mark.parametrize(
    "query, keyword",
    [
        ("Customer.objects.filter(name__contains=q)", "name__contains"),
        ("Customer.objects.filter(email__iendswith=q)", "email__iendswith"),
        ("Customer.objects.exclude(bio__endswith=q)", "bio__endswith"),
        ("Customer.objects.filter(Q(name__icontains=q) | Q(age=1))", "name__icontains"),
        ("Customer.objects.all().filter(age=1).get(name__icontains=q)", "name__icontains"),
        ("Order.objects.filter(customer__name__icontains=q)", "customer__name__icontains"),
    ],
)
def test_dbp003_flags_cross_file(tmp_path, query, keyword):
    views = f"""
from django.db.models import Q

from .models import Customer, Order


def search(q):
    return {query}
"""
    (f,) = run(tmp_path, views, "DBP003")
    assert rel(tmp_path, f) == "shop/views.py"
    assert f.start == pos_of(views, keyword)
    assert f.end == (f.start[0], f.start[1] + len(keyword))
    (related,) = f.related
    assert rel(tmp_path, related.path) == "shop/models.py"


def test_dbp003_queryset_in_a_variable(tmp_path):
    views = """
from .models import Customer


def search(q):
    qs = Customer.objects.all()
    return qs.filter(name__icontains=q)
"""
    (f,) = run(tmp_path, views, "DBP003")
    assert f.start[0] == line_of(views, "name__icontains")


@pytest.mark.parametrize(
    "query",
    [
        "Customer.objects.filter(name__istartswith=q)",
        "Customer.objects.filter(name__iexact=q)",
        "Customer.objects.filter(data__contains={'a': 1})",
        "Customer.objects.filter(age__contains=1)",
        "Customer.objects.filter(unknown__icontains=q)",
        "Order.objects.filter(customer__icontains=q)",
        "Customer.objects.filter(**{'name__icontains': q})",
        "customer.orders.filter(reference__icontains=q)",
        "Unknown.objects.filter(name__icontains=q)",
        "Customer.objects.filter(name=q, defaults=dict(name__icontains=1))",
    ],
)
def test_dbp003_quiet(tmp_path, query):
    views = f"""
from thirdparty.models import Unknown

from .models import Customer, Order


def search(q, customer):
    return {query}
"""
    assert run(tmp_path, views, "DBP003") == []


TRIGRAM_MODELS = """
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)

    class Meta:
        indexes = [GinIndex(fields=["name"], name="c_name_trgm", opclasses=["gin_trgm_ops"])]


class Product(models.Model):
    title = models.CharField(max_length=100)
    search_vector = SearchVectorField(null=True)


class Note(models.Model):
    text = models.TextField()

    class Meta:
        indexes = [
            GinIndex(
                fields=["text"],
                name="note_text_trgm",
                opclasses=["gin_trgm_ops"],
            ),
            models.Index(fields=["id"], name="note_a_very_long_index_name_to_cut_the_text_off"),
        ]
"""


@pytest.mark.parametrize(
    "query",
    [
        "Customer.objects.filter(name__icontains=q)",
        "Product.objects.filter(title__icontains=q)",
        "Note.objects.filter(text__icontains=q)",
    ],
)
def test_dbp003_trigram_or_full_text_index_is_quiet(tmp_path, query):
    views = f"""
from .models import Customer, Note, Product


def search(q):
    return {query}
"""
    assert run(tmp_path, views, "DBP003", models=TRIGRAM_MODELS) == []


def test_dbp003_meta_text_cut_off_with_gin_imported_is_quiet(tmp_path):
    models = f"""
from django.contrib.postgres.indexes import GinIndex
from django.db import models


class Note(models.Model):
    text = models.TextField()

    class Meta:
        indexes = [
            models.Index(fields=["id"], name="{"n" * 180}"),
            GinIndex(fields=["text"], name="note_text_trgm", opclasses=["gin_trgm_ops"]),
        ]
"""
    views = """
from .models import Note


def search(q):
    return Note.objects.filter(text__icontains=q)
"""
    assert run(tmp_path, views, "DBP003", models=models) == []
    # the same Meta without GinIndex imported: a plain B-tree index, flagged
    plain = models.replace("from django.contrib.postgres.indexes import GinIndex\n", "")
    plain = plain.replace("GinIndex(", "models.Index(").replace(', opclasses=["gin_trgm_ops"]', "")
    assert len(run(tmp_path, views, "DBP003", models=plain)) == 1


def test_dbp003_gin_index_on_another_field_does_not_hide_the_search(tmp_path):
    views = """
from .models import Customer


def search(q):
    return Customer.objects.filter(email__icontains=q)
"""
    (f,) = run(tmp_path, views, "DBP003", models=TRIGRAM_MODELS)
    assert f.start == pos_of(views, "email__icontains")


def test_dbp003_meta_of_another_model_does_not_count(tmp_path):
    models = """
from django.contrib.postgres.indexes import GinIndex
from django.db import models


class Plain(models.Model):
    name = models.CharField(max_length=100)


class Indexed(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        indexes = [GinIndex(fields=["name"], name="i_name_trgm", opclasses=["gin_trgm_ops"])]
"""
    views = """
from .models import Indexed, Plain


def search(q):
    return Plain.objects.filter(name__icontains=q), Indexed.objects.filter(name__icontains=q)
"""
    (f,) = run(tmp_path, views, "DBP003", models=models)
    assert f.start == pos_of(views, "name__icontains")


@pytest.mark.parametrize(
    "sql",
    [
        "\"SELECT id FROM shop_customer WHERE name LIKE '%%' || %s\"",
        "\"SELECT id FROM shop_customer WHERE name ILIKE '%smith%'\"",
        "\"select id from t where email like '%@example.com'\"",
    ],
)
def test_dbp003_raw_sql_with_leading_wildcard(tmp_path, sql):
    views = f"""
from django.db import connection


def search(q):
    with connection.cursor() as cursor:
        cursor.execute({sql}, [q])
        return cursor.fetchall()
"""
    (f,) = run(tmp_path, views, "DBP003")
    assert f.start == pos_of(views, sql)
    assert f.end == (f.start[0], f.start[1] + len(sql))


@pytest.mark.parametrize(
    "sql",
    [
        "\"SELECT id FROM shop_customer WHERE name LIKE 'smith%'\"",
        '"SELECT id FROM shop_customer WHERE name LIKE %s"',
        "\"name LIKE '%smith'\"",  # not recognisably SQL
    ],
)
def test_dbp003_raw_sql_quiet(tmp_path, sql):
    views = f"""
def search(cursor, q):
    cursor.execute({sql}, [q])
"""
    assert run(tmp_path, views, "DBP003") == []


def test_dbp003_docstring_is_quiet(tmp_path):
    views = '''
def search(cursor, q):
    """Runs SELECT id FROM t WHERE name LIKE '%q%' for the admin."""
    return q
'''
    assert run(tmp_path, views, "DBP003") == []


@pytest.mark.parametrize("path", ["shop/tests/test_search.py", "shop/migrations/0003_x.py"])
def test_dbp003_tests_and_migrations_are_quiet(tmp_path, path):
    views = """
from shop.models import Customer


def search(q):
    return Customer.objects.filter(name__icontains=q)
"""
    assert run(tmp_path, views, "DBP003", path=path) == []


def test_dbp003_suppression(tmp_path):
    f = find_one(analyze_files(tmp_path, {"example.py": DBP003_PAGE}), "DBP003")
    assert_suppress_edit_silences(tmp_path, f)


FILTERSET = """
import django_filters
from django.db.models import Q

from .models import Customer


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search")

    class Meta:
        model = Customer
        fields = ["age"]

    def search(self, queryset, name, value):
        qs_filter = Q(name__icontains=value) | Q(age=1)
        return queryset.filter(qs_filter) | queryset.filter(bio__icontains=value)
"""


def test_dbp003_django_filter_filterset_methods_use_meta_model(tmp_path):
    (f,) = run(tmp_path, FILTERSET, "DBP003", path="shop/filters.py")
    assert f.start == pos_of(FILTERSET, "name__icontains")
    assert "`Customer.name`" in f.message
    assert "(and 1 more field here: `Customer.bio`)" in f.message


def test_dbp003_one_finding_per_model_and_function(tmp_path):
    views = """
from django.db.models import Q

from .models import Customer


def search(q):
    return Customer.objects.filter(Q(name__icontains=q) | Q(bio__icontains=q))


def search_email(q):
    return Customer.objects.filter(email__icontains=q)
"""
    found = run(tmp_path, views, "DBP003")
    assert [f.start for f in found] == [
        pos_of(views, "name__icontains"),
        pos_of(views, "email__icontains"),
    ]
    assert "`Customer.bio`" in found[0].message


def test_dbp003_q_outside_a_filterset_is_quiet(tmp_path):
    views = FILTERSET.replace("(django_filters.FilterSet)", "")
    assert run(tmp_path, views, "DBP003", path="shop/filters.py") == []
