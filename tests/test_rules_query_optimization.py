"""Query Optimization & ORM Usage: ORM001 (N+1 relation reads in loops) and
ORM002 (count()/len() used to test existence), plus suppression comments."""

from __future__ import annotations

import textwrap

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    apply_suppression,
    assert_parses,
    assert_suppress_edit_silences,
    find_one,
    fix_and_recheck,
    line_of,
    only,
    pos_of,
    reanalyze,
    rel,
)

MODELS = """
from django.db import models


class Address(models.Model):
    city = models.CharField(max_length=50)


class Customer(models.Model):
    email = models.EmailField(unique=True)
    address = models.ForeignKey(Address, on_delete=models.PROTECT)


class Tag(models.Model):
    label = models.CharField(max_length=20, db_index=True)


class Invoice(models.Model):
    number = models.CharField(max_length=20, unique=True)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    invoice = models.OneToOneField(Invoice, null=True, on_delete=models.SET_NULL)
    tags = models.ManyToManyField(Tag)
    status = models.CharField(max_length=20, db_index=True)
    note = models.CharField(max_length=200, blank=True)
"""


def orm001(tmp_path, views: str, models: str = MODELS):
    findings = analyze_files(tmp_path, {"shop/models.py": models, "shop/views.py": views})
    return only(findings, "ORM001")


# --------------------------------------------------------------------- ORM001


RULE_PAGE_EXAMPLE = """
from django.core.mail import send_mail
from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    status = models.CharField(max_length=20, db_index=True)


def notify_shipped_orders() -> None:
    for order in Order.objects.filter(status="shipped"):
        send_mail(
            subject=f"Order {order.pk} is on its way",
            message="Thank you for shopping with us.",
            from_email="orders@example.com",
            recipient_list=[order.customer.email],
        )
"""


def test_orm001_rule_page_example_flags_the_first_relation_read(tmp_path):
    f = find_one(analyze_files(tmp_path, {"shop/orders.py": RULE_PAGE_EXAMPLE}), "ORM001")
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, "order.customer")
    assert f.end == (f.start[0], f.start[1] + len("order.customer"))
    assert "order.customer" in f.message
    assert 'select_related("customer")' in f.message
    assert f.severity == Severity.WARNING
    # related locations: the loop, then the field definition
    loop, field = f.related
    assert loop.start == pos_of(RULE_PAGE_EXAMPLE, "for order in")
    assert field.start[0] == line_of(RULE_PAGE_EXAMPLE, "customer = models.ForeignKey")
    assert "ForeignKey" in field.message


def test_orm001_rule_page_fix_matches_use_instead(tmp_path):
    f = find_one(analyze_files(tmp_path, {"shop/orders.py": RULE_PAGE_EXAMPLE}), "ORM001")
    assert f.fix is not None
    edited, after = fix_and_recheck(tmp_path, f)
    assert only(after, "ORM001") == []
    assert (
        'for order in Order.objects.select_related("customer").filter(status="shipped"):'
        in edited["shop/orders.py"]
    )


def test_orm001_model_in_another_file_through_relative_import(tmp_path):
    views = """
    from .models import Order


    def export():
        rows = []
        for order in Order.objects.filter(status="paid"):
            rows.append(order.customer.email)
        return rows
    """
    (f,) = orm001(tmp_path, views)
    assert rel(tmp_path, f) == "shop/views.py"
    assert f.start == pos_of(views, "order.customer")
    loop, field = f.related
    assert rel(tmp_path, loop.path) == "shop/views.py"
    assert loop.start[0] == line_of(views, "for order in")
    assert rel(tmp_path, field.path) == "shop/models.py"
    assert field.start[0] == line_of(MODELS, "customer = models.ForeignKey")


def test_orm001_cross_file_fix_edits_the_queryset_and_clears_it(tmp_path):
    views = """
    from .models import Order


    def export():
        return [o.customer.email for o in Order.objects.all()]
    """
    (f,) = orm001(tmp_path, views)
    assert f.start == pos_of(views, "o.customer")
    assert all(e.path == f.path for e in f.fix.edits)
    edited, after = fix_and_recheck(tmp_path, f)
    assert 'Order.objects.select_related("customer").all()' in edited["shop/views.py"]
    assert only(after, "ORM001") == []


def test_orm001_one_to_one_is_a_to_one_relation(tmp_path):
    views = """
    from .models import Order


    def numbers():
        for order in Order.objects.all():
            print(order.invoice.number)
    """
    (f,) = orm001(tmp_path, views)
    assert f.start == pos_of(views, "order.invoice")
    assert 'select_related("invoice")' in f.message


def test_orm001_many_to_many_all_suggests_prefetch_related(tmp_path):
    views = """
    from .models import Order


    def labels():
        for order in Order.objects.filter(status="paid"):
            print([t.label for t in order.tags.all()])
    """
    (f,) = orm001(tmp_path, views)
    assert f.start == pos_of(views, "order.tags")
    assert 'prefetch_related("tags")' in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert 'Order.objects.prefetch_related("tags").filter(status="paid")' in edited["shop/views.py"]
    assert only(after, "ORM001") == []


def test_orm001_queryset_held_in_a_variable(tmp_path):
    views = """
    from .models import Order


    def export():
        qs = Order.objects.filter(status="paid")
        qs = qs.exclude(note="")
        for order in qs:
            print(order.customer.email)
    """
    (f,) = orm001(tmp_path, views)
    assert f.start == pos_of(views, "order.customer")
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        'qs = Order.objects.select_related("customer").filter(status="paid")'
        in edited["shop/views.py"]
    )
    assert only(after, "ORM001") == []


def test_orm001_comprehension_condition_reads_count(tmp_path):
    views = """
    from .models import Order


    def vip():
        return [o.pk for o in Order.objects.all() if o.customer.email.endswith("@vip.example")]
    """
    (f,) = orm001(tmp_path, views)
    assert f.start == pos_of(views, "o.customer")


def test_orm001_one_finding_per_relation_at_its_first_read(tmp_path):
    views = """
    from .models import Order


    def export():
        for order in Order.objects.all():
            print(order.customer.email)
            print(order.customer.address)
            print(order.invoice.number)
    """
    found = orm001(tmp_path, views)
    assert [f.start for f in found] == [
        pos_of(views, "order.customer"),
        pos_of(views, "order.invoice"),
    ]


@pytest.mark.parametrize(
    "queryset",
    [
        'Order.objects.select_related("customer")',
        'Order.objects.filter(status="x").select_related("customer__address")',
        "Order.objects.select_related()",
        'Order.objects.prefetch_related("customer")',
        'Order.objects.values("customer")',
        'Order.objects.values_list("customer", flat=True)',
    ],
)
def test_orm001_to_one_already_loaded_or_not_instances(tmp_path, queryset):
    views = f"""
    from .models import Order


    def export():
        for order in {queryset}:
            print(order.customer)
    """
    assert orm001(tmp_path, views) == []


def test_orm001_prefetch_named_through_prefetch_object(tmp_path):
    views = """
    from django.db.models import Prefetch

    from .models import Order, Tag


    def labels():
        for order in Order.objects.prefetch_related(Prefetch("tags", queryset=Tag.objects.all())):
            print(order.tags.all())
    """
    assert orm001(tmp_path, views) == []


def test_orm001_select_related_without_args_does_not_cover_many_to_many(tmp_path):
    views = """
    from .models import Order


    def labels():
        for order in Order.objects.select_related():
            print(order.tags.all())
    """
    (f,) = orm001(tmp_path, views)
    assert "prefetch_related" in f.message


@pytest.mark.parametrize(
    "body",
    [
        "print(order.customer_id)",  # the column on the row itself
        "print(order.note)",  # a plain field
        "print(order.status.upper())",
        "order.customer = None",  # a write, not a read
        "print(order.tags)",  # the manager alone runs no query
    ],
)
def test_orm001_reads_that_do_not_query(tmp_path, body):
    views = f"""
    from .models import Order


    def export():
        for order in Order.objects.all():
            {body}
    """
    assert orm001(tmp_path, views) == []


def test_orm001_queryset_of_an_unknown_class_is_quiet(tmp_path):
    views = """
    from .models import Order


    def export():
        for order in Archive.objects.all():
            print(order.customer.email)
    """
    assert orm001(tmp_path, views) == []


def test_orm001_queryset_of_a_class_that_is_not_a_model_is_quiet(tmp_path):
    views = """
    class Registry:
        customer = None


    def export():
        for order in Registry.objects.all():
            print(order.customer.email)
    """
    assert orm001(tmp_path, views) == []


def test_orm001_loop_over_a_plain_list_is_quiet(tmp_path):
    views = """
    from .models import Order


    def export(orders):
        for order in orders:
            print(order.customer.email)
    """
    assert orm001(tmp_path, views) == []


# --------------------------------------------------------------------- ORM002

COUNT_CASES = [
    # (comparison, replacement)
    ("Coupon.objects.filter(code=code).count() > 0", "Coupon.objects.filter(code=code).exists()"),
    ("Coupon.objects.filter(code=code).count() >= 1", "Coupon.objects.filter(code=code).exists()"),
    ("Coupon.objects.filter(code=code).count() != 0", "Coupon.objects.filter(code=code).exists()"),
    (
        "Coupon.objects.filter(code=code).count() == 0",
        "not Coupon.objects.filter(code=code).exists()",
    ),
    (
        "Coupon.objects.filter(code=code).count() < 1",
        "not Coupon.objects.filter(code=code).exists()",
    ),
    ("len(Coupon.objects.filter(code=code)) > 0", "Coupon.objects.filter(code=code).exists()"),
    ("len(Coupon.objects.filter(code=code)) == 0", "not Coupon.objects.filter(code=code).exists()"),
]


def coupon_view(expr: str) -> str:
    return f"""
    from shop.models import Coupon


    def coupon_status(request, code):
        if {expr}:
            return True
        return False
    """


@pytest.mark.parametrize(("comparison", "replacement"), COUNT_CASES)
def test_orm002_flags_existence_by_counting(tmp_path, comparison, replacement):
    src = coupon_view(comparison)
    f = find_one(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002")
    assert f.start == pos_of(src, comparison)
    assert f.end == (f.start[0], f.start[1] + len(comparison))
    assert replacement in f.message
    assert f.severity == Severity.INFO


@pytest.mark.parametrize(("comparison", "replacement"), COUNT_CASES)
def test_orm002_fix_replaces_the_comparison(tmp_path, comparison, replacement):
    f = find_one(analyze_files(tmp_path, {"shop/views.py": coupon_view(comparison)}), "ORM002")
    edited, after = fix_and_recheck(tmp_path, f)
    assert f"    if {replacement}:\n" in edited["shop/views.py"]
    assert only(after, "ORM002") == []


def test_orm002_queryset_in_a_variable(tmp_path):
    src = """
    from shop.models import Coupon


    def any_active():
        qs = Coupon.objects.filter(active=True)
        return qs.count() > 0
    """
    f = find_one(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002")
    assert f.start == pos_of(src, "qs.count() > 0")
    edited, after = fix_and_recheck(tmp_path, f)
    assert "return qs.exists()" in edited["shop/views.py"]
    assert only(after, "ORM002") == []


@pytest.mark.parametrize(
    "expr",
    [
        "if Coupon.objects.count():\n        pass",  # truthiness: not a comparison
        "n = Coupon.objects.count() + 1",  # the number is used
        "many = Coupon.objects.count() > 1",  # not an existence test
        "total = Coupon.objects.count() == 10",
        "some = len(codes) > 0",  # a plain list
        "some = basket.count() > 0",  # not a queryset
    ],
)
def test_orm002_counts_used_as_numbers_are_quiet(tmp_path, expr):
    src = f"""
    from shop.models import Coupon


    def stats(codes, basket):
        {expr}
    """
    assert only(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002") == []


def test_orm002_column_is_in_code_points_after_non_ascii_text(tmp_path):
    src = """
    from shop.models import Coupon


    def greet():
        label = "café 😀"; has = Coupon.objects.count() > 0
        return label, has
    """
    f = find_one(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002")
    line = line_of(src, "café")
    # 4 spaces + 'label = "café 😀"; has = ' -> 28 code points (29 UTF-16 units, 31 bytes)
    assert f.start == (line, 28)
    assert f.start == pos_of(src, "Coupon.objects.count()")
    edited, after = fix_and_recheck(tmp_path, f)
    assert 'label = "café 😀"; has = Coupon.objects.exists()\n' in edited["shop/views.py"]
    assert only(after, "ORM002") == []


MULTI_LINE_CHAINS = [
    (
        """
    def valid(code):
        return Coupon.objects.filter(
            code=code,
            active=True,
        ).count() > 0
    """,
        "    ).exists()\n",
    ),
    (
        """
    def invalid(code):
        return Coupon.objects \\
            .filter(code=code) \\
            .count() == 0
    """,
        "    return not Coupon.objects \\\n",
    ),
]


@pytest.mark.parametrize(("body", "expected"), MULTI_LINE_CHAINS)
def test_orm002_multi_line_chain_is_flagged_and_fixed(tmp_path, body, expected):
    src = "from shop.models import Coupon\n\n" + textwrap.dedent(body)
    f = find_one(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002")
    assert f.start == pos_of(src, "Coupon.objects")
    assert "\n" not in f.message  # shown on one line
    assert ".exists()" in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert expected in edited["shop/views.py"]
    assert ".count()" not in edited["shop/views.py"]
    assert only(after, "ORM002") == []


# ---------------------------------------------------------------- suppression


def test_suppression_by_code_on_the_line(tmp_path):
    src = """
    from shop.models import Coupon


    def coupon_status(request, code):
        if Coupon.objects.filter(code=code).count() > 0:  # backend-lens: ignore[ORM002]
            return True
        return False
    """
    assert only(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002") == []


def test_suppression_by_rule_name(tmp_path):
    src = """
    from shop.models import Coupon

    any_coupon = Coupon.objects.count() > 0  # backend-lens: ignore[count-or-len-for-existence]
    """
    assert only(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002") == []


def test_suppression_of_another_rule_does_not_silence(tmp_path):
    src = """
    from shop.models import Coupon

    any_coupon = Coupon.objects.count() > 0  # backend-lens: ignore[ORM001]
    """
    assert len(only(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002")) == 1


def test_bare_suppression_silences_every_rule_on_the_line(tmp_path):
    src = """
    from shop.models import Coupon

    any_coupon = Coupon.objects.count() > 0  # backend-lens: ignore
    """
    assert only(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002") == []


def test_suppression_on_second_line_of_a_multi_line_statement(tmp_path):
    src = """
    from shop.models import Coupon

    any_coupon = Coupon.objects.count() > 0 and check(
        "x")  # backend-lens: ignore[ORM002]
    """
    assert only(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002") == []
    # and without the comment it is there, on the first line
    unsuppressed = src.replace("  # backend-lens: ignore[ORM002]", "")
    f = find_one(analyze_files(tmp_path, {"shop/views.py": unsuppressed}), "ORM002")
    assert f.start == pos_of(src, "Coupon.objects.count()")


def test_suppress_edit_silences_the_finding_and_keeps_the_file_parsing(tmp_path):
    src = """
    from shop.models import Coupon

    any_coupon = Coupon.objects.count() > 0  # counted at import time
    """
    f = find_one(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002")
    edited = apply_suppression(tmp_path, f)
    text = edited["shop/views.py"]
    assert_parses(text)
    assert "# backend-lens: ignore[ORM002]" in text
    assert "# counted at import time" in text
    assert only(reanalyze(tmp_path), "ORM002") == []


def test_suppress_edit_extends_an_existing_suppression_comment(tmp_path):
    src = """
    from shop.models import Coupon

    any_coupon = Coupon.objects.count() > 0  # backend-lens: ignore[ORM001]
    """
    f = find_one(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002")
    text = apply_suppression(tmp_path, f)["shop/views.py"]
    assert_parses(text)
    assert "# backend-lens: ignore[ORM001, ORM002]" in text
    assert only(reanalyze(tmp_path), "ORM002") == []


def test_suppress_edit_on_multi_line_call_inside_string_goes_to_a_safe_line(tmp_path):
    src = '''
    from shop.models import Coupon

    any_coupon = Coupon.objects.count() > 0 and check("""
    a text that spans lines
    """)
    '''
    f = find_one(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002")
    text = apply_suppression(tmp_path, f)["shop/views.py"]
    assert_parses(text)
    assert "a text that spans lines\n" in text  # the string itself is untouched
    assert only(reanalyze(tmp_path), "ORM002") == []


def test_orm001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(analyze_files(tmp_path, {"shop/orders.py": RULE_PAGE_EXAMPLE}), "ORM001")
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    # the comment goes on the first line of the statement holding the read (send_mail(...))
    assert "        send_mail(  # backend-lens: ignore[ORM001]\n" in text


def test_orm001_module_level_queryset_variable(tmp_path):
    views = """
    from .models import Order

    pending = Order.objects.filter(status="pending")
    emails = [order.customer.email for order in pending]
    """
    (f,) = orm001(tmp_path, views)
    assert f.start == pos_of(views, "order.customer")
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        'pending = Order.objects.select_related("customer").filter(status="pending")'
        in edited["shop/views.py"]
    )
    assert only(after, "ORM001") == []


def test_suppression_codes_are_case_insensitive(tmp_path):
    src = """
    from shop.models import Coupon

    any_coupon = Coupon.objects.count() > 0  # backend-lens: ignore[orm002]
    """
    assert only(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002") == []


def test_suppression_on_a_separate_comment_line_does_not_silence(tmp_path):
    src = """
    from shop.models import Coupon

    # backend-lens: ignore[ORM002]
    any_coupon = Coupon.objects.count() > 0
    """
    f = find_one(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002")
    assert f.start == pos_of(src, "Coupon.objects.count()")


def test_suppress_edit_on_a_compound_statement_header(tmp_path):
    src = """
    from shop.models import Coupon


    def status(code):
        if Coupon.objects.filter(code=code).count() > 0:
            return "valid"
        return "unknown"
    """
    f = find_one(analyze_files(tmp_path, {"shop/views.py": src}), "ORM002")
    text = apply_suppression(tmp_path, f)["shop/views.py"]
    assert_parses(text)
    assert "count() > 0:  # backend-lens: ignore[ORM002]\n" in text
    assert only(reanalyze(tmp_path), "ORM002") == []
