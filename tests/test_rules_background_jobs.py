"""Background Job Processing: TASK001 task-enqueued-inside-transaction."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    fix_and_recheck,
    only,
    pos_of,
)

RULE_PAGE_EXAMPLE = """
from django.db import transaction

from shop.models import Order
from shop.tasks import send_order_confirmation


@transaction.atomic
def place_order(cart, customer) -> Order:
    order = Order.objects.create(customer=customer, total=cart.total)
    for line in cart.lines:
        order.lines.create(product=line.product, quantity=line.quantity)
    send_order_confirmation.delay(order.pk)
    return order
"""

USE_INSTEAD = RULE_PAGE_EXAMPLE.replace(
    "    send_order_confirmation.delay(order.pk)\n",
    "    transaction.on_commit(lambda: send_order_confirmation.delay(order.pk))\n",
)


def task001(tmp_path, src: str):
    return only(analyze_files(tmp_path, {"shop/services.py": src}), "TASK001")


def test_task001_rule_page_example(tmp_path):
    (f,) = task001(tmp_path, RULE_PAGE_EXAMPLE)
    call = "send_order_confirmation.delay(order.pk)"
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, call)
    assert f.end == (f.start[0], f.start[1] + len(call))
    assert "send_order_confirmation" in f.message and "on_commit" in f.message
    assert f.severity == Severity.WARNING


def test_task001_rule_page_use_instead_is_quiet(tmp_path):
    assert "on_commit(lambda:" in USE_INSTEAD
    assert task001(tmp_path, USE_INSTEAD) == []


def test_task001_fix_matches_use_instead(tmp_path):
    (f,) = task001(tmp_path, RULE_PAGE_EXAMPLE)
    assert f.fix is not None and "on_commit" in f.fix.title
    edited, after = fix_and_recheck(tmp_path, f)
    assert edited["shop/services.py"] == USE_INSTEAD.lstrip("\n")
    assert only(after, "TASK001") == []


def test_task001_inside_with_atomic_block_and_fix(tmp_path):
    src = """
    from django.db import transaction

    from shop.tasks import reindex


    def rename(product, name):
        with transaction.atomic():
            product.name = name
            product.save()
            reindex.apply_async(args=[product.pk], countdown=5)
    """
    (f,) = task001(tmp_path, src)
    assert f.start == pos_of(src, "reindex.apply_async")
    assert "`reindex`" in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        "        transaction.on_commit(lambda: reindex.apply_async(args=[product.pk], countdown=5))\n"
        in edited["shop/services.py"]
    )
    assert only(after, "TASK001") == []


def test_task001_quiet_in_a_transaction_on_a_read_replica(tmp_path):
    """A transaction opened on the replica only pins reads to one snapshot; a task
    queued there is not waiting for any write (saleor's deferred webhook payloads)."""
    src = """
    from django.conf import settings
    from django.db import transaction

    from shop.tasks import reindex


    def regenerate(ids):
        with transaction.atomic(using=settings.DATABASE_CONNECTION_REPLICA_NAME, savepoint=False):
            missing = [i for i in ids if i]
            if missing:
                reindex.delay(missing)
        with transaction.atomic(using="default"):
            reindex.delay(ids)
    """
    (f,) = task001(tmp_path, src)
    assert f.start == pos_of(src, "reindex.delay(ids)")


def test_task001_in_a_loop_is_flagged_without_a_fix(tmp_path):
    # a lambda in a loop would capture the loop variable late: no mechanical fix
    src = """
    from django.db import transaction

    from shop.tasks import notify


    @transaction.atomic
    def ship(order):
        for line in order.lines.all():
            notify.delay(line.pk)
    """
    (f,) = task001(tmp_path, src)
    assert f.start == pos_of(src, "notify.delay")
    assert f.fix is None


def test_task001_result_used_is_flagged_without_a_fix(tmp_path):
    src = """
    from django.db import transaction

    from shop.tasks import notify


    @transaction.atomic
    def ship(order):
        result = notify.delay(order.pk)
        return result.id
    """
    (f,) = task001(tmp_path, src)
    assert f.fix is None


def test_task001_atomic_imported_by_name_has_no_fix_without_transaction(tmp_path):
    src = """
    from django.db.transaction import atomic

    from shop.tasks import notify


    @atomic
    def ship(order):
        notify.delay(order.pk)
    """
    (f,) = task001(tmp_path, src)
    assert f.start == pos_of(src, "notify.delay")
    assert f.fix is None


@pytest.mark.parametrize(
    "body",
    [
        "notify.delay(order.pk)",  # not in a transaction
        "with transaction.atomic():\n        order.save()\n    notify.delay(order.pk)",  # after it
        "with transaction.atomic():\n        transaction.on_commit(lambda: notify.delay(order.pk))",
        "with transaction.atomic():\n        transaction.on_commit(partial(notify.delay, order.pk))",
        "with open('f'):\n        notify.delay(order.pk)",  # not a transaction
        "with transaction.atomic():\n        delay(order)",  # a bare function, not a task's .delay
    ],
)
def test_task001_quiet_cases(tmp_path, body):
    src = f"""
from functools import partial

from django.db import transaction

from shop.tasks import notify


def ship(order):
    {body}
"""
    assert task001(tmp_path, src) == []


def test_task001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(analyze_files(tmp_path, {"shop/services.py": RULE_PAGE_EXAMPLE}), "TASK001")
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    assert any(
        ln.rstrip().endswith("# backend-lens: ignore[TASK001]")
        and "send_order_confirmation.delay(" in ln
        for ln in text.splitlines()
    )
