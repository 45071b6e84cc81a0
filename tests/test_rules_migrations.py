"""Data Integrity & Migration Strategies: MIG001 migration-without-reverse."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    fix_and_recheck,
    only,
    pos_of,
    reanalyze,
)

RULE_PAGE_EXAMPLE = """
from django.db import migrations


def backfill_order_numbers(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    for order in Order.objects.filter(number="").iterator():
        order.number = f"ORD-{order.pk:08d}"
        order.save(update_fields=["number"])


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RunPython(backfill_order_numbers),
        migrations.RunSQL("UPDATE shop_order SET currency = 'EUR' WHERE currency = ''"),
    ]
"""

USE_INSTEAD = """
from django.db import migrations


def backfill_order_numbers(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    for order in Order.objects.filter(number="").iterator():
        order.number = f"ORD-{order.pk:08d}"
        order.save(update_fields=["number"])


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RunPython(
            backfill_order_numbers,
            reverse_code=migrations.RunPython.noop,
        ),
        migrations.RunSQL(
            "UPDATE shop_order SET currency = 'EUR' WHERE currency = ''",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
"""

PATH = "shop/migrations/0002_backfill.py"


def mig001(tmp_path, src: str):
    return only(analyze_files(tmp_path, {PATH: src}), "MIG001")


def operations(*ops: str, imports: str = "from django.db import migrations") -> str:
    body = "".join(f"        {op},\n" for op in ops)
    return f"""{imports}


def forward(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    operations = [
{body}    ]
"""


def test_mig001_rule_page_example(tmp_path):
    run_python, run_sql = mig001(tmp_path, RULE_PAGE_EXAMPLE)
    call = "migrations.RunPython(backfill_order_numbers)"
    assert run_python.start == pos_of(RULE_PAGE_EXAMPLE, call)
    assert run_python.end == (run_python.start[0], run_python.start[1] + len(call))
    assert "RunPython" in run_python.message and "reverse_code" in run_python.message
    assert run_sql.start == pos_of(RULE_PAGE_EXAMPLE, "migrations.RunSQL(")
    assert "reverse_sql" in run_sql.message
    assert run_python.severity == run_sql.severity == Severity.WARNING
    assert "reverse_code=migrations.RunPython.noop" in run_python.fix.title
    assert "reverse_sql=migrations.RunSQL.noop" in run_sql.fix.title


def test_mig001_rule_page_use_instead_is_quiet(tmp_path):
    assert mig001(tmp_path, USE_INSTEAD) == []


def test_mig001_fixes_clear_both_findings(tmp_path):
    first, _ = mig001(tmp_path, RULE_PAGE_EXAMPLE)
    edited, after = fix_and_recheck(tmp_path, first)
    assert (
        "migrations.RunPython(backfill_order_numbers, reverse_code=migrations.RunPython.noop),"
        in edited[PATH]
    )
    (second,) = only(after, "MIG001")
    edited, after = fix_and_recheck(tmp_path, second)
    assert (
        "migrations.RunSQL(\"UPDATE shop_order SET currency = 'EUR' WHERE currency = ''\", "
        "reverse_sql=migrations.RunSQL.noop)," in edited[PATH]
    )
    assert only(after, "MIG001") == []


@pytest.mark.parametrize(
    ("op", "fixed"),
    [
        (
            "migrations.RunPython(forward)",
            "migrations.RunPython(forward, reverse_code=migrations.RunPython.noop)",
        ),
        (
            "migrations.RunPython(code=forward)",
            "migrations.RunPython(code=forward, reverse_code=migrations.RunPython.noop)",
        ),
        (
            'migrations.RunSQL("DROP INDEX x")',
            'migrations.RunSQL("DROP INDEX x", reverse_sql=migrations.RunSQL.noop)',
        ),
        (
            "migrations.RunPython(forward, elidable=True)",
            "migrations.RunPython(forward, elidable=True, reverse_code=migrations.RunPython.noop)",
        ),
    ],
)
def test_mig001_flags_and_fixes(tmp_path, op, fixed):
    src = operations(op)
    (f,) = mig001(tmp_path, src)
    assert f.start == pos_of(src, op)
    edited, after = fix_and_recheck(tmp_path, f)
    assert f"        {fixed},\n" in edited[PATH]
    assert only(after, "MIG001") == []


def test_mig001_fix_on_a_multi_line_call(tmp_path):
    src = operations("migrations.RunPython(\n            forward,\n        )")
    (f,) = mig001(tmp_path, src)
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        "            forward,\n            reverse_code=migrations.RunPython.noop,\n        )"
        in edited[PATH]
    )
    assert only(after, "MIG001") == []


def test_mig001_operations_imported_by_name(tmp_path):
    src = operations(
        "RunPython(forward)",
        imports="from django.db import migrations\nfrom django.db.migrations import RunPython",
    )
    (f,) = mig001(tmp_path, src)
    assert f.start == pos_of(src, "RunPython(forward)")
    edited, after = fix_and_recheck(tmp_path, f)
    assert "RunPython(forward, reverse_code=RunPython.noop)" in edited[PATH]
    assert only(after, "MIG001") == []


@pytest.mark.parametrize(
    "op",
    [
        "migrations.RunPython(forward, migrations.RunPython.noop)",
        "migrations.RunPython(forward, reverse_code=forward)",
        'migrations.RunSQL("UPDATE t SET a = 1", "UPDATE t SET a = 0")',
        'migrations.RunSQL("UPDATE t SET a = 1", reverse_sql="UPDATE t SET a = 0")',
        "migrations.RunPython(*ops)",
        "migrations.AddField(model_name='order', name='x', field=None)",
        "tasks.RunPython(forward)",  # not Django's
    ],
)
def test_mig001_reversible_or_unrelated_operations_are_quiet(tmp_path, op):
    assert mig001(tmp_path, operations(op)) == []


def test_mig001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(
        analyze_files(tmp_path, {"shop/migrations/0002_backfill.py": RULE_PAGE_EXAMPLE}), "MIG001"
    )
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    # the comment goes on the operation's own line, not on `operations = [`
    line = text.splitlines()[found[0].start[0] - 1]
    assert line.endswith("# backend-lens: ignore[MIG001]") and "RunPython" in line


def test_mig001_suppressing_one_operation_keeps_the_other_reported(tmp_path):
    run_python, run_sql = only(analyze_files(tmp_path, {PATH: RULE_PAGE_EXAMPLE}), "MIG001")
    assert_suppress_edit_silences(tmp_path, run_python)
    assert [f.start for f in only(reanalyze(tmp_path), "MIG001")] == [run_sql.start]
