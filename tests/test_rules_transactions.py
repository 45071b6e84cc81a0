"""Connection Pooling & Transaction Management: TXN001 select-for-update-outside-transaction."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of

RULE_PAGE_EXAMPLE = """
from decimal import Decimal

from payments.models import Wallet


def debit_wallet(wallet_id: int, amount: Decimal) -> Wallet:
    wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
    if wallet.balance < amount:
        raise ValueError("insufficient funds")
    wallet.balance -= amount
    wallet.save(update_fields=["balance"])
    return wallet
"""

USE_INSTEAD = """
from decimal import Decimal

from django.db import transaction

from payments.models import Wallet


@transaction.atomic
def debit_wallet(wallet_id: int, amount: Decimal) -> Wallet:
    wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
    if wallet.balance < amount:
        raise ValueError("insufficient funds")
    wallet.balance -= amount
    wallet.save(update_fields=["balance"])
    return wallet
"""


def txn001(tmp_path, src: str, extra: dict[str, str] | None = None):
    return only(analyze_files(tmp_path, {"payments/services.py": src, **(extra or {})}), "TXN001")


def test_txn001_rule_page_example(tmp_path):
    (f,) = txn001(tmp_path, RULE_PAGE_EXAMPLE)
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, "select_for_update")
    assert f.end == (f.start[0], f.start[1] + len("select_for_update()"))
    assert "select_for_update()" in f.message and "transaction.atomic" in f.message
    assert f.severity == Severity.ERROR
    assert f.fix is None


def test_txn001_rule_page_use_instead_is_quiet(tmp_path):
    assert txn001(tmp_path, USE_INSTEAD) == []


@pytest.mark.parametrize(
    "statement",
    [
        "return Wallet.objects.select_for_update().get(pk=pk)",
        "return Wallet.objects.select_for_update().filter(owner=pk).first()",
        "return Wallet.objects.filter(owner=pk).select_for_update(nowait=True).exists()",
        "return Wallet.objects.select_for_update().filter(owner=pk).update(frozen=True)",
        "return list(Wallet.objects.select_for_update().filter(owner=pk))",
        "return len(Wallet.objects.select_for_update())",
        "for w in Wallet.objects.select_for_update().filter(owner=pk):\n        w.save()",
        "return [w.pk for w in Wallet.objects.select_for_update()]",
    ],
)
def test_txn001_evaluated_chains(tmp_path, statement):
    src = f"""
from payments.models import Wallet


def lock(pk):
    {statement}
"""
    (f,) = txn001(tmp_path, src)
    assert f.start == pos_of(src, "select_for_update")


@pytest.mark.parametrize(
    ("imports", "decorator_or_with", "body"),
    [
        ("from django.db import transaction", "@transaction.atomic", ""),
        ("from django.db import transaction", '@transaction.atomic(using="payments")', ""),
        ("from django.db.transaction import atomic", "@atomic", ""),
        ("from django.db import transaction", "", "with transaction.atomic():\n        "),
        (
            "from django.db import transaction",
            "",
            'with transaction.atomic(using="x"), open("f"):\n        ',
        ),
        ("from django.db.transaction import atomic", "", "with atomic():\n        "),
    ],
)
def test_txn001_inside_a_transaction_is_quiet(tmp_path, imports, decorator_or_with, body):
    src = f"""
{imports}
from payments.models import Wallet


{decorator_or_with}
def lock(pk):
    {body}return Wallet.objects.select_for_update().get(pk=pk)
"""
    assert txn001(tmp_path, src) == []


def test_txn001_unevaluated_chain_returned_from_a_helper_is_quiet(tmp_path):
    src = """
    from payments.models import Wallet


    def locked_wallets(owner):
        return Wallet.objects.select_for_update().filter(owner=owner)
    """
    assert txn001(tmp_path, src) == []


def test_txn001_atomic_requests_in_settings_silences(tmp_path):
    settings = """
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "shop",
            "ATOMIC_REQUESTS": True,
        }
    }
    """
    assert txn001(tmp_path, RULE_PAGE_EXAMPLE, {"config/settings.py": settings}) == []


def test_txn001_atomic_requests_false_keeps_it(tmp_path):
    settings = """
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "ATOMIC_REQUESTS": False}}
    """
    assert len(txn001(tmp_path, RULE_PAGE_EXAMPLE, {"config/settings.py": settings})) == 1


def test_txn001_a_nested_function_is_not_covered_by_the_outer_atomic_block(tmp_path):
    src = """
    from django.db import transaction

    from payments.models import Wallet


    def schedule(pk):
        with transaction.atomic():
            def later():
                return Wallet.objects.select_for_update().get(pk=pk)
        return later
    """
    (f,) = txn001(tmp_path, src)
    assert f.start == pos_of(src, "select_for_update")


def test_txn001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(analyze_files(tmp_path, {"payments/services.py": RULE_PAGE_EXAMPLE}), "TXN001")
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    assert any(
        ln.rstrip().endswith("# backend-lens: ignore[TXN001]") and "wallet = Wallet.objects" in ln
        for ln in text.splitlines()
    )
