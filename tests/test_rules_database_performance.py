"""Database Performance Issues: DBP001 filter-on-unindexed-field."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    find_one,
    fix_and_recheck,
    line_of,
    only,
    pos_of,
    rel,
)

MODELS = """
from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)


class Order(models.Model):
    reference = models.CharField(max_length=32)
    code = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=20, db_index=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    paid = models.BooleanField(default=False)
    placed_at = models.DateTimeField()
    city = models.CharField(max_length=50)
    zone = models.CharField(max_length=50)
    region = models.CharField(max_length=50)
    legacy_ref = models.CharField(max_length=50, db_index=False)
    number = models.IntegerField(primary_key=True)

    class Meta:
        indexes = [models.Index(fields=["placed_at", "status"])]
        unique_together = [("city", "zone")]
        constraints = [models.UniqueConstraint(fields=["region"], name="one_per_region")]
"""


def dbp001(tmp_path, views: str, models: str = MODELS):
    findings = analyze_files(tmp_path, {"shop/models.py": models, "shop/views.py": views})
    return only(findings, "DBP001")


def view_with(call: str) -> str:
    return f"""
    from .models import Order


    def lookup(value):
        return {call}
    """


RULE_PAGE_EXAMPLE = """
from django.db import models


class Order(models.Model):
    reference = models.CharField(max_length=32)
    status = models.CharField(max_length=20, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


def find_order(reference: str) -> Order:
    return Order.objects.get(reference=reference)
"""


def test_dbp001_rule_page_example(tmp_path):
    f = find_one(analyze_files(tmp_path, {"shop/orders.py": RULE_PAGE_EXAMPLE}), "DBP001")
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, "reference=reference")
    assert f.end == (f.start[0], f.start[1] + len("reference=reference"))
    assert "Order.reference" in f.message and "no index" in f.message
    assert f.severity == Severity.WARNING
    (related,) = f.related
    assert related.start == pos_of(RULE_PAGE_EXAMPLE, "models.CharField(max_length=32)")


def test_dbp001_model_in_another_file_points_related_location_at_models_py(tmp_path):
    views = view_with("Order.objects.filter(reference=value).first()")
    (f,) = dbp001(tmp_path, views)
    assert rel(tmp_path, f) == "shop/views.py"
    assert f.start == pos_of(views, "reference=value")
    (related,) = f.related
    assert rel(tmp_path, related.path) == "shop/models.py"
    assert related.start[0] == line_of(MODELS, "reference = models.CharField")
    assert "Order.reference" in related.message


def test_dbp001_fix_edits_the_model_file_and_clears_the_finding(tmp_path):
    views = view_with("Order.objects.filter(reference=value).first()")
    (f,) = dbp001(tmp_path, views)
    assert {rel(tmp_path, e.path) for e in f.fix.edits} == {"shop/models.py"}
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        "    reference = models.CharField(max_length=32, db_index=True)\n"
        in edited["shop/models.py"]
    )
    assert "shop/views.py" not in edited
    assert only(after, "DBP001") == []


def test_dbp001_fix_on_a_field_with_no_arguments_and_a_trailing_comma(tmp_path):
    models = """
    from django.db import models


    class Ticket(models.Model):
        opened = models.DateTimeField()
        title = models.CharField(
            max_length=80,
        )
    """
    views = """
    from .models import Ticket


    def recent():
        return Ticket.objects.filter(opened__gte=1)


    def titled():
        return Ticket.objects.filter(title="x")
    """
    found = dbp001(tmp_path, views, models)
    assert [f.start for f in found] == [pos_of(views, "opened__gte=1"), pos_of(views, 'title="x"')]
    edited, after = fix_and_recheck(tmp_path, found[0])
    assert "opened = models.DateTimeField(db_index=True)" in edited["shop/models.py"]
    edited, after = fix_and_recheck(tmp_path, only(after, "DBP001")[0])
    assert "max_length=80,db_index=True" in edited["shop/models.py"].replace(" ", "").replace(
        "\n", ""
    )
    assert only(after, "DBP001") == []


def test_dbp001_editing_the_model_by_hand_clears_it(tmp_path):
    views = view_with("Order.objects.get(reference=value)")
    assert len(dbp001(tmp_path, views)) == 1
    indexed = MODELS.replace("CharField(max_length=32)", "CharField(max_length=32, db_index=True)")
    assert dbp001(tmp_path, views, indexed) == []


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        ("Order.objects.get(reference=value)", "reference=value"),
        ("Order.objects.filter(reference__iexact=value)", "reference__iexact=value"),
        ("Order.objects.exclude(reference__in=value)", "reference__in=value"),
        ("Order.objects.all().filter(reference=value).first()", "reference=value"),
        ('Order.objects.order_by("-reference")', '"-reference"'),
        ('Order.objects.all().order_by("reference")', '"reference"'),
    ],
)
def test_dbp001_lookups_and_ordering_on_an_unindexed_field(tmp_path, call, needle):
    views = view_with(call)
    (f,) = dbp001(tmp_path, views)
    assert f.start == pos_of(views, needle)
    assert "Order.reference" in f.message


@pytest.mark.parametrize(
    "call",
    [
        "Order.objects.get(code=value)",  # unique=True
        "Order.objects.filter(status=value)",  # db_index=True
        "Order.objects.filter(customer=value)",  # ForeignKey: Django indexes it
        "Order.objects.filter(customer__email=value)",  # the join uses the FK index
        "Order.objects.filter(paid=True)",  # BooleanField: an index rarely helps
        "Order.objects.filter(placed_at__gte=value)",  # first field of Meta.indexes
        "Order.objects.filter(city=value)",  # first field of unique_together
        "Order.objects.filter(region=value)",  # UniqueConstraint
        "Order.objects.filter(number=value)",  # primary_key=True
        "Order.objects.get(pk=value)",
        "Order.objects.get(id=value)",
        "Order.objects.filter(unknown_name=value)",  # not a field of Order
        'Order.objects.order_by("?")',
        'Order.objects.order_by("-status")',
    ],
)
def test_dbp001_indexed_or_unknown_fields_are_quiet(tmp_path, call):
    assert dbp001(tmp_path, view_with(call)) == []


def test_dbp001_second_field_of_a_meta_index_is_not_indexed_alone(tmp_path):
    # Meta.indexes = [Index(fields=["placed_at", "status"])]: only placed_at leads the index;
    # zone is second in unique_together ("city", "zone")
    views = view_with("Order.objects.filter(zone=value)")
    (f,) = dbp001(tmp_path, views)
    assert "Order.zone" in f.message


def test_dbp001_explicit_db_index_false_is_a_conscious_choice(tmp_path):
    assert dbp001(tmp_path, view_with("Order.objects.filter(legacy_ref=value)")) == []


def test_dbp001_field_inherited_from_an_abstract_base_in_another_file(tmp_path):
    files = {
        "core/models.py": """
        from django.db import models


        class Stamped(models.Model):
            source = models.CharField(max_length=20)

            class Meta:
                abstract = True
        """,
        "shop/models.py": """
        from django.db import models

        from core.models import Stamped


        class Refund(Stamped):
            amount = models.DecimalField(max_digits=12, decimal_places=2)
        """,
        "shop/views.py": """
        from .models import Refund


        def by_source(src):
            return Refund.objects.filter(source=src)
        """,
    }
    f = find_one(analyze_files(tmp_path, files), "DBP001")
    assert "source" in f.message
    (related,) = f.related
    assert rel(tmp_path, related.path) == "core/models.py"
    edited, after = fix_and_recheck(tmp_path, f)
    assert "source = models.CharField(max_length=20, db_index=True)" in edited["core/models.py"]
    assert only(after, "DBP001") == []


def test_dbp001_queryset_of_an_unknown_class_is_quiet(tmp_path):
    views = """
    def lookup(value):
        return Archive.objects.filter(reference=value)
    """
    assert (
        only(analyze_files(tmp_path, {"shop/models.py": MODELS, "shop/views.py": views}), "DBP001")
        == []
    )


def test_dbp001_defaults_of_get_or_create_are_not_lookups(tmp_path):
    views = view_with('Order.objects.get_or_create(code=value, defaults={"reference": value})')
    assert dbp001(tmp_path, views) == []
    views = view_with("Order.objects.get_or_create(code=value, defaults=dict(reference=value))")
    assert dbp001(tmp_path, views) == []


def test_dbp001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(analyze_files(tmp_path, {"shop/orders.py": RULE_PAGE_EXAMPLE}), "DBP001")
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    assert any(
        ln.rstrip().endswith("# backend-lens: ignore[DBP001]") and "return Order.objects.get(" in ln
        for ln in text.splitlines()
    )


def test_dbp001_cross_file_fix_after_non_ascii_text_counts_code_points(tmp_path):
    models = """
    from django.db import models


    class Order(models.Model):
        reference = models.CharField("référence 😀", max_length=32)
    """
    views = """
    from .models import Order


    def lookup(ref):
        return Order.objects.get(reference=ref)  # «é»
    """
    (f,) = dbp001(tmp_path, views, models)
    (related,) = f.related
    assert related.start == pos_of(models, 'models.CharField("référence')
    (edit,) = f.fix.edits
    line = '    reference = models.CharField("référence 😀", max_length=32)'
    assert edit.start == (related.start[0], len(line) - 1)  # just before ")", in code points
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        'models.CharField("référence 😀", max_length=32, db_index=True)\n'
        in edited["shop/models.py"]
    )
    assert only(after, "DBP001") == []


def test_dbp001_quiet_when_the_same_query_uses_an_index(tmp_path):
    # status is indexed: the database narrows the rows with that index and then
    # tests reference on them; it does not scan the table
    views = view_with('Order.objects.filter(status="paid", reference=value)')
    assert dbp001(tmp_path, views) == []
