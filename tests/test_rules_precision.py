"""Look-alikes found on real projects (saleor, netbox) that must stay quiet,
next to the near-identical code that must still be reported."""

from __future__ import annotations

from .helpers import analyze_files, only

MODELS = """\
from django.db import models


class Voucher(models.Model):
    code = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    owner = models.CharField(max_length=20)
    customer = models.ForeignKey("Customer", on_delete=models.CASCADE)

    class Meta:
        indexes = [models.Index(fields=["kind", "owner"])]


class Customer(models.Model):
    name = models.CharField(max_length=20)
"""


def codes(tmp_path, files, code):
    return [
        (f.path.rsplit("/", 1)[-1], f.start[0]) for f in only(analyze_files(tmp_path, files), code)
    ]


def test_txn001_helper_locked_by_its_callers_transaction_is_quiet(tmp_path):
    helper = (
        "from shop.models import Voucher\n\n\n"
        "def lock_voucher(code):\n"
        "    return Voucher.objects.select_for_update().get(code=code)\n"
    )
    caller = (
        "from django.db import transaction\n\nfrom shop.locks import lock_voucher\n\n\n"
        "def redeem(code):\n    with transaction.atomic():\n        voucher = lock_voucher(code)\n        voucher.save()\n"
    )
    files = {"shop/models.py": MODELS, "shop/locks.py": helper}
    assert codes(tmp_path / "a", files, "TXN001") == [("locks.py", 5)]
    assert codes(tmp_path / "b", {**files, "shop/views.py": caller}, "TXN001") == []


def test_txn001_project_transaction_wrappers_count_as_transactions(tmp_path):
    src = (
        "from shop.db import transaction_with_commit_on_errors\nfrom shop.models import Voucher\n\n\n"
        "def redeem(code):\n    with transaction_with_commit_on_errors():\n"
        "        return Voucher.objects.select_for_update().get(code=code)\n"
    )
    assert codes(tmp_path, {"shop/models.py": MODELS, "shop/views.py": src}, "TXN001") == []


def test_task001_inside_a_transaction_wrapper_is_reported(tmp_path):
    src = (
        "from shop.db import traced_atomic_transaction\nfrom shop.tasks import recalc\n\n\n"
        "def delete(pks):\n    with traced_atomic_transaction():\n        recalc.delay(pks)\n"
    )
    assert codes(tmp_path, {"shop/views.py": src}, "TASK001") == [("views.py", 7)]


def test_orm001_objects_returned_by_bulk_create_are_not_a_queryset(tmp_path):
    src = (
        "from shop.models import Voucher\n\n\n"
        "def make(vs):\n    for v in Voucher.objects.bulk_create(vs):\n        print(v.customer.name)\n"
        "    for v in Voucher.objects.filter(kind='x'):\n        print(v.customer.name)\n"
    )
    assert codes(tmp_path, {"shop/models.py": MODELS, "shop/views.py": src}, "ORM001") == [
        ("views.py", 8)
    ]


def test_orm001_relations_prefetched_from_a_runtime_list_are_assumed_loaded(tmp_path):
    src = (
        "from shop.models import Voucher\n\n\n"
        "def show(names):\n    for v in Voucher.objects.prefetch_related(*names):\n        print(v.customer.name)\n"
    )
    assert codes(tmp_path, {"shop/models.py": MODELS, "shop/views.py": src}, "ORM001") == []


def test_orm002_and_orm001_stay_out_of_tests(tmp_path):
    src = (
        "from shop.models import Voucher\n\n\n"
        "def test_nothing_left():\n    assert Voucher.objects.count() == 0\n"
        "    for v in Voucher.objects.all():\n        assert v.customer.name\n"
    )
    found = analyze_files(tmp_path, {"shop/models.py": MODELS, "shop/tests/test_x.py": src})
    assert [f.code for f in found] == []
    same_outside_tests = analyze_files(
        tmp_path / "b", {"shop/models.py": MODELS, "shop/checks.py": src}
    )
    assert sorted(f.code for f in same_outside_tests) == ["ORM001", "ORM002"]


def test_dbp001_composite_index_serves_only_its_leading_fields(tmp_path):
    def dbp(call, where):
        src = f"from shop.models import Voucher\n\n\ndef q(x):\n    return {call}\n"
        return codes(where, {"shop/models.py": MODELS, "shop/views.py": src}, "DBP001")

    assert dbp("Voucher.objects.filter(owner=x).first()", tmp_path / "a") == [("views.py", 5)]
    assert dbp("Voucher.objects.filter(kind=x, owner=x).first()", tmp_path / "b") == []
    assert dbp("Voucher.objects.filter(kind=x).first()", tmp_path / "c") == []
    assert dbp("Voucher.objects.filter(code=x).first()", tmp_path / "d") == [("views.py", 5)]
    assert dbp("Voucher.objects.filter(code=x, customer=x).first()", tmp_path / "e") == []
    assert dbp("Voucher.objects.filter(code=x, **extra).first()", tmp_path / "f") == []


def test_hidden_folders_are_not_analysed(tmp_path):
    bad = "import requests\nrequests.get('x')\n"
    found = analyze_files(tmp_path, {".semgrep/rules/sample.py": bad, "app/ok.py": bad})
    assert [f.path.rsplit("/", 2)[-2] for f in found] == ["app"]


def test_val001_fstring_composing_fragments_with_parameters_is_quiet(tmp_path):
    composed = (
        "from django.db import connection\n\n\n"
        "def latest(sql, params):\n    with connection.cursor() as c:\n"
        '        c.execute(f"SELECT * FROM ({sql}) t WHERE row_number = 1", params)\n'
    )
    assert codes(tmp_path / "a", {"app/q.py": composed}, "VAL001") == []
    # the same call with a value quoted into the text, here or in a fragment, is reported
    quoted = composed.replace("({sql}) t WHERE row_number = 1", "t WHERE name = '{sql}'")
    assert codes(tmp_path / "b", {"app/q.py": quoted}, "VAL001") == [("q.py", 6)]
    fragment = composed.replace(
        "    with connection", "    extra = f\"AND status = '{params}'\"\n    with connection"
    ).replace("({sql}) t WHERE row_number = 1", "t WHERE 1=1 {extra}")
    assert codes(tmp_path / "c", {"app/q.py": fragment}, "VAL001") == [("q.py", 7)]


def test_txn001_signal_receivers_are_quiet(tmp_path):
    src = (
        "from django.db.models.signals import pre_save\nfrom django.dispatch import receiver\n"
        "from shop.models import Voucher\n\n\n@receiver(pre_save, sender=Voucher)\n"
        "def lock(sender, instance, **kwargs):\n"
        "    Voucher.objects.select_for_update().filter(pk=instance.pk).first()\n"
    )
    assert codes(tmp_path / "a", {"shop/models.py": MODELS, "shop/signals.py": src}, "TXN001") == []
    plain = src.replace("@receiver(pre_save, sender=Voucher)\n", "")
    assert codes(
        tmp_path / "b", {"shop/models.py": MODELS, "shop/signals.py": plain}, "TXN001"
    ) == [("signals.py", 7)]


def test_orm001_to_many_all_followed_by_another_query_is_quiet(tmp_path):
    models = MODELS.replace(
        '    customer = models.ForeignKey("Customer", on_delete=models.CASCADE)\n',
        '    customer = models.ForeignKey("Customer", on_delete=models.CASCADE)\n'
        '    tags = models.ManyToManyField("Customer", related_name="+")\n',
    )
    src = (
        "from shop.models import Voucher\n\n\n"
        "def clear():\n    for v in Voucher.objects.all():\n        v.tags.all().delete()\n"
        "    for v in Voucher.objects.all():\n        print(list(v.tags.all()))\n"
    )
    assert codes(tmp_path, {"shop/models.py": models, "shop/views.py": src}, "ORM001") == [
        ("views.py", 8)
    ]


def test_dbp001_custom_queryset_methods_and_unknown_lookups_are_not_judged(tmp_path):
    def dbp(call, where):
        src = f"from shop.models import Voucher\n\n\ndef q(x):\n    return {call}\n"
        return codes(where, {"shop/models.py": MODELS, "shop/views.py": src}, "DBP001")

    assert dbp("Voucher.objects.active().filter(code=x)", tmp_path / "a") == []
    assert dbp("Voucher.objects.filter(code=x).in_bulk([1, 2])", tmp_path / "b") == []
    assert dbp("Voucher.objects.filter(code=x, orders=x)", tmp_path / "c") == []
    assert dbp("Voucher.objects.filter(code=x, customer_id=x)", tmp_path / "d") == []
    assert dbp("Voucher.objects.filter(code=x).exists()", tmp_path / "e") == [("views.py", 5)]


def test_dbp001_leaves_wildcard_searches_to_dbp003(tmp_path):
    src = "from shop.models import Voucher\n\n\ndef q(x):\n    return Voucher.objects.filter(code__icontains=x)\n"
    found = analyze_files(tmp_path, {"shop/models.py": MODELS, "shop/views.py": src})
    assert [(f.code, f.start[0]) for f in found if f.code.startswith("DBP")] == [("DBP003", 5)]


def test_val001_parameterising_fix(tmp_path):
    import parso

    src = (
        "from django.db import connection\n\n\n"
        "def total(state, n):\n    with connection.cursor() as cursor:\n"
        "        cursor.execute(f\"SELECT sum(t) FROM x WHERE state = '{state}' AND n > {n} AND name LIKE 'a%'\")\n"
    )
    (f,) = only(analyze_files(tmp_path, {"app/q.py": src}), "VAL001")
    (edit,) = f.fix.edits
    assert (
        edit.text
        == "\"SELECT sum(t) FROM x WHERE state = %s AND n > %s AND name LIKE 'a%%'\", [state, n]"
    )
    line = src.splitlines()[edit.start[0] - 1]
    new = src.replace(line, line[: edit.start[1]] + edit.text + line[edit.end[1] :])
    assert not list(parso.load_grammar().iter_errors(parso.load_grammar().parse(new)))
    assert only(analyze_files(tmp_path / "after", {"app/q.py": new}), "VAL001") == []
    # a value inside a longer literal, or a conversion, gets no automatic fix
    for shape in ("LIKE '%{state}%'", "= {state!r}"):
        other = src.replace("= '{state}'", shape)
        (g,) = only(
            analyze_files(tmp_path / shape[:4].strip(" '%=!{"), {"app/q.py": other}), "VAL001"
        )
        assert g.fix is None


def test_orm002_truth_test_of_an_unused_queryset(tmp_path):
    src = (
        "from shop.models import Voucher\n\n\n"
        "def has_open(customer):\n"
        "    vouchers = Voucher.objects.filter(customer=customer)\n"
        "    if vouchers:\n        return True\n"
        "    if not Voucher.objects.filter(kind='x'):\n        return False\n"
        "    return None\n\n\n"
        "def listing(customer):\n"
        "    vouchers = Voucher.objects.filter(customer=customer)\n"
        "    if vouchers:\n        return [v.code for v in vouchers]\n"
        "    return []\n"
    )
    found = only(
        analyze_files(tmp_path, {"shop/models.py": MODELS, "shop/views.py": src}), "ORM002"
    )
    assert [(f.start[0], f.fix.edits[0].text) for f in found] == [
        (6, "vouchers.exists()"),
        (8, "not Voucher.objects.filter(kind='x').exists()"),
    ]
