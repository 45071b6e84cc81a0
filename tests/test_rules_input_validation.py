"""Input Validation & Sanitization: VAL001 sql-built-with-string-formatting."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of

RULE_PAGE_EXAMPLE = """
from django.db import connection


def orders_for_customer(email: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, total FROM shop_order WHERE customer_email = '{email}'"
        )
        return cursor.fetchall()
"""

USE_INSTEAD = """
from django.db import connection


def orders_for_customer(email: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, total FROM shop_order WHERE customer_email = %s",
            [email],
        )
        return cursor.fetchall()
"""


def val001(tmp_path, src: str):
    return only(analyze_files(tmp_path, {"shop/db.py": src}), "VAL001")


def in_function(line: str, imports: str = "") -> str:
    return f"""
{imports}


def query(cursor, pk, name, table, Order):
    {line}
"""


def test_val001_rule_page_example(tmp_path):
    (f,) = val001(tmp_path, RULE_PAGE_EXAMPLE)
    sql = "f\"SELECT id, total FROM shop_order WHERE customer_email = '{email}'\""
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, sql)
    assert f.end == (f.start[0], f.start[1] + len(sql))
    assert "SQL" in f.message and "parameters" in f.message
    assert f.severity == Severity.CRITICAL
    # the page's example has the shape the parameterising fix handles
    (edit,) = f.fix.edits
    assert edit.text == '"SELECT id, total FROM shop_order WHERE customer_email = %s", [email]'


def test_val001_rule_page_use_instead_is_quiet(tmp_path):
    assert val001(tmp_path, USE_INSTEAD) == []


@pytest.mark.parametrize(
    ("line", "sql"),
    [
        (
            'cursor.execute(f"SELECT * FROM t WHERE id = {pk}")',
            'f"SELECT * FROM t WHERE id = {pk}"',
        ),
        (
            "cursor.execute(\"SELECT * FROM t WHERE name = '%s'\" % name)",
            "\"SELECT * FROM t WHERE name = '%s'\" % name",
        ),
        (
            "cursor.execute(\"SELECT * FROM t WHERE name = '{}'\".format(name))",
            "\"SELECT * FROM t WHERE name = '{}'\".format(name)",
        ),
        (
            'cursor.execute("SELECT * FROM t WHERE name = \'" + name + "\'")',
            '"SELECT * FROM t WHERE name = \'" + name + "\'"',
        ),
        (
            'cursor.executemany("INSERT INTO t VALUES (%s)" % name, [])',
            '"INSERT INTO t VALUES (%s)" % name',
        ),
        (
            'cursor.execute("update t set a = 1 where b = " + name)',
            '"update t set a = 1 where b = " + name',
        ),
        (
            'Order.objects.raw(f"SELECT * FROM shop_order WHERE id = {pk}")',
            'f"SELECT * FROM shop_order WHERE id = {pk}"',
        ),
        ('cursor.execute(f"DROP TABLE {table}")', 'f"DROP TABLE {table}"'),
        ('cursor.execute(f"with x as (select 1) select * from x where y = {pk}")', 'f"with x as'),
    ],
)
def test_val001_formatted_sql_arguments(tmp_path, line, sql):
    src = in_function(line)
    (f,) = val001(tmp_path, src)
    assert f.start == pos_of(src, sql)


def test_val001_rawsql_and_sqlalchemy_text(tmp_path):
    src = """
    from django.db.models.expressions import RawSQL
    from sqlalchemy import text


    def build(pk):
        a = RawSQL(f"SELECT x FROM y WHERE z = {pk}", ())
        b = text(f"select * from t where a = {pk}")
        return a, b
    """
    found = val001(tmp_path, src)
    assert [f.start for f in found] == [
        pos_of(src, 'f"SELECT x FROM y'),
        pos_of(src, 'f"select * from t'),
    ]


def test_val001_extra_where_strings(tmp_path):
    src = """
    def build(Order, name):
        return Order.objects.extra(
            where=["id = 1", f"id IN (SELECT order_id FROM line WHERE sku = '{name}')"]
        )
    """
    (f,) = val001(tmp_path, src)
    assert f.start == pos_of(src, 'f"id IN')


def test_val001_sql_held_in_a_variable_assigned_an_f_string(tmp_path):
    src = """
    def purge(cursor, table, pk):
        sql = f"DELETE FROM {table} WHERE id = {pk}"
        cursor.execute(sql)
    """
    (f,) = val001(tmp_path, src)
    # reported where the SQL is passed, not where it was built
    assert f.start == pos_of(src, "sql)")
    assert f.end == (f.start[0], f.start[1] + len("sql"))


@pytest.mark.parametrize(
    "line",
    [
        'cursor.execute("SELECT * FROM t WHERE id = %s", [pk])',  # parameterised
        'cursor.execute("SELECT * FROM t WHERE id = %(pk)s", {"pk": pk})',
        'cursor.execute(f"SELECT * FROM t WHERE id = 1")',  # f-string with no placeholder
        'cursor.execute(f"hello {name}")',  # not SQL
        'cursor.execute("notify " + name)',  # not SQL
        'cursor.execute("SELECT * FROM t " "WHERE id = 1")',  # implicit concatenation of literals
        'cursor.execute("SELECT * FROM t" + " WHERE id = 1")',  # literal + literal
        'Order.objects.raw("SELECT * FROM shop_order WHERE id = %s", [pk])',
        'log.info(f"SELECT * FROM t WHERE id = {pk}")',  # not run as SQL
    ],
)
def test_val001_safe_or_not_sql_is_quiet(tmp_path, line):
    assert val001(tmp_path, in_function(line)) == []


def test_val001_variable_holding_a_constant_is_quiet(tmp_path):
    src = """
    def count(cursor):
        sql = "SELECT count(*) FROM shop_order WHERE status = %s"
        cursor.execute(sql, ["paid"])
    """
    assert val001(tmp_path, src) == []


def test_val001_text_not_from_sqlalchemy_is_quiet(tmp_path):
    src = """
    from django.utils import text


    def slug(pk):
        return text(f"SELECT * FROM t WHERE id = {pk}")
    """
    assert val001(tmp_path, src) == []


def test_val001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(analyze_files(tmp_path, {"shop/db.py": RULE_PAGE_EXAMPLE}), "VAL001")
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    assert any(
        ln.rstrip().endswith("# backend-lens: ignore[VAL001]") and "cursor.execute(" in ln
        for ln in text.splitlines()
    )


# -- integers formatted into SQL: no quote can get in ----------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "cursor.execute(f\"SELECT nextval('s') FROM generate_series(1, {len(ids)})\")",
        'cursor.execute(f"SELECT * FROM t LIMIT {int(limit)}")',
        'cursor.execute(f"SELECT * FROM t LIMIT {len(ids) * 2 + 1}")',
        'cursor.execute(f"SELECT * FROM t LIMIT {10}")',
        'cursor.execute("SELECT * FROM t LIMIT %d OFFSET %d" % (limit, offset))',
        'cursor.execute("SELECT * FROM t LIMIT {}".format(len(ids)))',
        'cursor.execute("SELECT * FROM t LIMIT " + str(len(ids)))',
        'cursor.execute(f"SELECT * FROM t LIMIT {limit:d}")',
        'cursor.execute(f"SELECT * FROM t LIMIT {size}")',  # size: int parameter
        'cursor.execute(f"SELECT * FROM t LIMIT {maybe}")',  # maybe: int | None
        'cursor.execute(f"SELECT * FROM t LIMIT {BATCH}")',  # module constant
        'n = len(ids)\n    n += 1\n    cursor.execute(f"SELECT * FROM t LIMIT {n}")',
        'for i in range(3):\n        cursor.execute(f"SELECT * FROM t{i} WHERE a = {i}")',
        'for i, x in enumerate(ids):\n        cursor.execute(f"UPDATE t SET pos = {i} WHERE a = 1")',
        'total: int = len(ids)\n    sql = f"SELECT * FROM t LIMIT {total}"\n    cursor.execute(sql)',
    ],
)
def test_val001_integer_values_are_quiet(tmp_path, body):
    src = f"""
BATCH = 500


def query(cursor, ids, limit, offset, size: int, maybe: int | None = None):
    {body}
"""
    assert val001(tmp_path, src) == []


@pytest.mark.parametrize(
    "body",
    [
        'cursor.execute(f"SELECT * FROM t LIMIT {limit}")',  # parameter, no annotation
        "cursor.execute(f\"SELECT * FROM t WHERE name = '{name}'\")",  # a str parameter
        "cursor.execute(f\"SELECT * FROM t LIMIT {len(ids)} WHERE a = '{name}'\")",  # one int
        'cursor.execute("SELECT * FROM t WHERE a = %s AND b = %d" % (name, limit))',
        'cursor.execute("SELECT * FROM t WHERE a = {}".format(request.GET["a"]))',
        "cursor.execute(\"SELECT * FROM t WHERE a = '{}'\".format.__call__(name))",
        'n = len(ids)\n    n = name\n    cursor.execute(f"SELECT * FROM t LIMIT {n}")',
        'n = len(ids)\n    if name:\n        n += name\n    cursor.execute(f"SELECT * FROM t LIMIT {n}")',
        'for i in ids:\n        cursor.execute(f"SELECT * FROM t WHERE a = {i}")',
        "for i, x in enumerate(ids):\n        cursor.execute(f\"UPDATE t SET pos = '{x}'\")",
        "def len(x):\n        return x\n    cursor.execute(f\"SELECT * FROM t WHERE a = '{len(name)}'\")",
    ],
)
def test_val001_values_not_proven_integers_still_found(tmp_path, body):
    src = f"""
BATCH = "500; DROP TABLE t"
LIMIT = 10


def query(cursor, ids, limit, name: str, request):
    {body}
"""
    assert len(val001(tmp_path, src)) == 1


@pytest.mark.parametrize(
    "body",
    [
        'cursor.execute(f"SELECT * FROM t LIMIT {BATCH}")',
        'global LIMIT\n    cursor.execute(f"SELECT * FROM t LIMIT {LIMIT}")',
        'cursor.execute(f"SELECT * FROM {Order._meta.db_table} WHERE a = %s", [name])',
        'cursor.execute("SELECT * FROM %s" % settings.REPORT_TABLE)',
        "cursor.execute(f\"SELECT * FROM t WHERE state = '{State.OPEN.value}'\")",
        'table = connection.ops.quote_name(name)\n    cursor.execute(f"SELECT * FROM {table}")',
        # a float prints as digits, "nan" or "inf": no quote, no keyword (issue 11:
        # conversions are sanitisers)
        'cursor.execute(f"SELECT * FROM t LIMIT {float(limit)}")',
    ],
)
def test_val001_the_codes_own_values_are_not_data(tmp_path, body):
    # module constants, settings, enum members, table names and quoted identifiers
    # are written by the project, not sent by a client (issue 11: no false alarms)
    src = f"""
BATCH = "500"
LIMIT = 10


def query(cursor, ids, limit, name: str, request):
    {body}
"""
    assert val001(tmp_path, src) == []


# -- a parameter formatted into SQL, decided by the callers ---------------------------

SEQUENCES = """
from django.db import connection, models


class Rule(models.Model):
    @staticmethod
    def next_ids(quantity):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT nextval('rule_id_seq') FROM generate_series(1, {quantity})"
            )
            return cursor.fetchall()

    def page(self, size):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM rule LIMIT {size}")
            return cursor.fetchall()
"""


def sequences(tmp_path, callers: str):
    files = {"shop/__init__.py": "", "shop/models.py": SEQUENCES, "shop/views.py": callers}
    return only(analyze_files(tmp_path, files), "VAL001")


def test_val001_parameter_every_caller_gives_an_integer_is_quiet(tmp_path):
    callers = """
    from shop.models import Rule


    def create(rules, rule):
        ids = Rule.next_ids(len(rules))
        first = Rule.next_ids(1)
        rule.page(20)
        rule.page(size=len(rules) * 2)
        return ids, first
    """
    assert [f.start for f in sequences(tmp_path, callers)] == [
        pos_of(SEQUENCES, 'f"SELECT * FROM rule LIMIT')  # page: one call by position, one by name
    ]


@pytest.mark.parametrize(
    "call",
    [
        "Rule.next_ids(request.GET['n'])",  # request data
        "Rule.next_ids(count)",  # a name the callers' facts cannot tell
        "Rule.next_ids(*counts)",
        "str(Rule.next_ids)",  # never called at all
    ],
)
def test_val001_parameter_a_caller_may_give_text_is_still_found(tmp_path, call):
    callers = f"""
    from shop.models import Rule


    def create(request, count, counts):
        Rule.next_ids(1)
        return {call}
    """
    if call.startswith("str("):
        callers = callers.replace("        Rule.next_ids(1)\n", "")
    found = sequences(tmp_path, callers)
    assert pos_of(SEQUENCES, 'f"SELECT nextval') in [f.start for f in found]


def test_val001_a_name_proven_free_of_quotes_between_quotes_is_quiet(tmp_path):
    # CTFd's restore: the table name is checked for both quote characters and only
    # ever formatted between quotes, so it cannot end its literal
    guarded = (
        "def restore(db, table_name):\n"
        "    if '\"' not in table_name and \"'\" not in table_name:\n"
        "        db.execute(\n"
        '            "SELECT setval(\'{table_name}\', 1) FROM \\"{table_name}\\"".format(table_name=table_name)\n'
        "        )\n"
    )
    assert only(analyze_files(tmp_path, {"guarded.py": guarded}), "VAL001") == []


@pytest.mark.parametrize(
    "body",
    [
        # one quote character checked: the other still ends the literal
        '    if "\'" not in name:\n'
        "        db.execute(\"SELECT 1 FROM t WHERE n = '{name}'\".format(name=name))\n",
        # not between quotes: `1 OR 1=1` needs no quote
        "    if '\"' not in name and \"'\" not in name:\n"
        '        db.execute("SELECT 1 FROM t WHERE id = {name}".format(name=name))\n',
        # the check guards the other branch
        "    if '\"' not in name and \"'\" not in name:\n"
        "        pass\n"
        "    else:\n"
        "        db.execute(\"SELECT 1 FROM t WHERE n = '{name}'\".format(name=name))\n",
        # `or`: either check may fail
        "    if '\"' not in name or \"'\" not in name:\n"
        "        db.execute(\"SELECT 1 FROM t WHERE n = '{name}'\".format(name=name))\n",
    ],
    ids=["one-quote", "unquoted", "else-branch", "or"],
)
def test_val001_quote_checks_that_do_not_prove_it_keep_the_finding(tmp_path, body):
    found = only(analyze_files(tmp_path, {"q.py": "def run(db, name):\n" + body}), "VAL001")
    assert len(found) == 1
