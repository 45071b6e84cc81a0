"""Severity from context: a select_for_update() run inside a project-defined
transaction wrapper (a decorator, a context manager, an alias of atomic, defined in
another file and imported) is inside a transaction (issue 9, item 6)."""

from __future__ import annotations

import pytest

from tests.helpers import analyze_files, line_of, only

LOCKING_VIEW = """
from shop.models import Order
{imports}


{decorator}
def pay(request, pk):
    {with_line}
    order = Order.objects.select_for_update().get(pk=pk)
    order.paid = True
    order.save()
"""

MODELS = """
from django.db import models


class Order(models.Model):
    paid = models.BooleanField(default=False)
"""

# project wrappers, none named for a transaction: only their bodies say what they do
DB_TOOLS = """
from contextlib import contextmanager
from functools import wraps, partial

from django.db import transaction


@contextmanager
def unit_of_work(using="default"):
    with transaction.atomic(using=using):
        yield


def write_block(func):
    @wraps(func)
    def inner(*args, **kwargs):
        with transaction.atomic():
            return func(*args, **kwargs)

    return inner


def durable(func):
    @transaction.atomic
    @wraps(func)
    def inner(*args, **kwargs):
        return func(*args, **kwargs)

    return inner


def on_db(alias):
    return transaction.atomic(using=alias)


locked = transaction.atomic
on_replica = partial(transaction.atomic, using="replica")


@contextmanager
def traced_unit():
    with unit_of_work():  # a wrapper of a wrapper
        yield


@contextmanager
def timed():  # not a transaction: the block runs after it ended
    with transaction.atomic():
        pass
    yield


def logged(func):  # not a transaction either
    @wraps(func)
    def inner(*args, **kwargs):
        return func(*args, **kwargs)

    return inner
"""

# the package re-exports some of them
DB_INIT = """
from .tools import unit_of_work, write_block
"""


def txn001(tmp_path, view: str, extra: dict | None = None):
    files = {
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "shop/db/__init__.py": DB_INIT,
        "shop/db/tools.py": DB_TOOLS,
        "shop/views.py": view,
        **(extra or {}),
    }
    return only(analyze_files(tmp_path, files), "TXN001")


def view(imports: str, decorator: str = "", with_line: str = "") -> str:
    body = LOCKING_VIEW.format(imports=imports, decorator=decorator, with_line=with_line or "pass")
    if with_line:  # indent the body under the with statement
        head, _, rest = body.partition(with_line + "\n")
        rest = "".join("    " + ln + "\n" if ln.strip() else ln + "\n" for ln in rest.split("\n"))
        body = head + with_line + "\n" + rest.rstrip() + "\n"
    return body


@pytest.mark.parametrize(
    ("imports", "decorator", "with_line"),
    [
        ("from shop.db.tools import write_block", "@write_block", ""),
        ("from shop.db import write_block", "@write_block", ""),  # through a re-export
        ("from shop.db.tools import durable", "@durable", ""),
        ("from shop.db.tools import on_db", '@on_db("default")', ""),
        ("from shop.db.tools import locked", "@locked", ""),
        ("from shop.db.tools import on_replica", "@on_replica()", ""),
        ("from shop.db.tools import unit_of_work", "@unit_of_work()", ""),  # ContextDecorator
        ("from shop.db.tools import unit_of_work", "", "with unit_of_work():"),
        ("from shop.db import unit_of_work", "", 'with unit_of_work(using="default"):'),
        ("from shop.db.tools import traced_unit", "", "with traced_unit():"),
        ("from .db import tools", "", "with tools.unit_of_work():"),
        ("import shop.db.tools", "@shop.db.tools.write_block", ""),
    ],
)
def test_txn001_inside_a_project_transaction_wrapper_is_quiet(
    tmp_path, imports, decorator, with_line
):
    assert txn001(tmp_path, view(imports, decorator, with_line)) == []


@pytest.mark.parametrize(
    ("imports", "decorator", "with_line"),
    [
        ("", "", ""),
        ("from shop.db.tools import timed", "", "with timed():"),
        ("from shop.db.tools import logged", "@logged", ""),
        ("from shop.db.tools import missing", "@missing", ""),
        ("from contextlib import nullcontext", "", "with nullcontext():"),
    ],
)
def test_txn001_outside_any_transaction_is_still_found(tmp_path, imports, decorator, with_line):
    assert len(txn001(tmp_path, view(imports, decorator, with_line))) == 1


def test_txn001_wrapper_defined_in_the_same_file(tmp_path):
    src = """
    from contextlib import contextmanager

    from django.db import transaction

    from shop.models import Order


    @contextmanager
    def serialized():
        with transaction.atomic():
            yield


    @contextmanager
    def not_serialized():
        yield


    def pay(pk):
        with serialized():
            return Order.objects.select_for_update().get(pk=pk)


    def refund(pk):
        with not_serialized():
            return Order.objects.select_for_update().get(pk=pk)
    """
    (f,) = txn001(tmp_path, "", {"shop/views.py": src})
    assert f.start[0] == line_of(src, "select_for_update", 2)  # refund, not pay


HELPER = """
from shop.models import Order


def lock_order(pk):
    return Order.objects.select_for_update().get(pk=pk)
"""


@pytest.mark.parametrize(
    ("caller", "found"),
    [
        (
            "from shop.db.tools import write_block\n"
            "from shop.helpers import lock_order\n\n\n"
            "@write_block\ndef pay(pk):\n    lock_order(pk)\n",
            0,
        ),
        (
            "from shop.db import unit_of_work\n"
            "from shop.helpers import lock_order\n\n\n"
            "def pay(pk):\n    with unit_of_work():\n        lock_order(pk)\n",
            0,
        ),
        (
            "from shop.db.tools import logged\n"
            "from shop.helpers import lock_order\n\n\n"
            "@logged\ndef pay(pk):\n    lock_order(pk)\n",
            1,
        ),
    ],
)
def test_txn001_helper_called_under_a_project_wrapper(tmp_path, caller, found):
    files = {"shop/helpers.py": HELPER, "shop/views.py": caller}
    assert len(txn001(tmp_path, "", files)) == found


@pytest.mark.parametrize(("decorator", "found"), [("@transaction.atomic", 0), ("", 1)])
def test_txn001_handler_picked_from_a_table_inside_a_transaction(tmp_path, decorator, found):
    """saleor's webhook: the decorated function calls handlers[kind](...); the handlers
    run inside its transaction, and so do the helpers they call."""
    src = f"""
    from django.db import transaction

    from shop.models import Order


    def lock_order(pk):
        return Order.objects.select_for_update().filter(pk=pk).first()


    def on_paid(pk):
        lock_order(pk)


    def on_refunded(pk):
        lock_order(pk)


    {decorator}
    def webhook(kind, pk):
        handlers = {{"paid": on_paid, "refunded": on_refunded}}
        if kind in handlers:
            handlers[kind](pk)
    """
    assert len(txn001(tmp_path, "", {"shop/views.py": src})) == found


def test_txn001_rejudged_when_the_wrapper_file_changes(tmp_path):
    """In the editor: the view is not re-parsed, but its deferred check is judged
    again when the file defining the wrapper stops (or starts) opening a transaction."""
    from backend_lens.engine.project import Project

    src = view("from shop.db.tools import unit_of_work", "", "with unit_of_work():")
    txn001(tmp_path, src)  # writes the files
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    views = str(tmp_path / "shop" / "views.py")
    tools = tmp_path / "shop" / "db" / "tools.py"
    assert only(project.findings(views), "TXN001") == []
    plain = tools.read_text().replace(
        "    with transaction.atomic(using=using):\n        yield", "    yield"
    )
    _, changed = project.analyze_file(tools, plain)
    assert "calls" in changed
    assert len(only(project.findings(views), "TXN001")) == 1
    _, changed = project.analyze_file(tools, tools.read_text())
    assert only(project.findings(views), "TXN001") == []


def test_a_function_returning_a_transaction_row_is_no_wrapper(tmp_path):
    """``return create_transaction(...)`` returns a row named for a payment
    transaction, not a database transaction block."""
    tools = DB_TOOLS + (
        "\n\ndef create_transaction(order):\n    return order\n\n\n"
        "def record(order):\n    return create_transaction(order)\n"
    )
    src = view("from shop.db.tools import record", "@record", "")
    assert len(txn001(tmp_path, src, {"shop/db/tools.py": tools})) == 1


SQLALCHEMY_DB = """
from contextlib import contextmanager
from functools import wraps

from sqlalchemy.orm import Session

from app.engine import engine


def write_session(func):
    @wraps(func)
    def inner(*args, **kwargs):
        with Session(engine) as session, session.begin():
            return func(session, *args, **kwargs)

    return inner


@contextmanager
def unit_of_work():
    with engine.begin() as conn:
        yield conn


@contextmanager
def plain_session():
    with Session(engine) as session:
        yield session
"""

SQLALCHEMY_SERVICE = """
from app.db import plain_session, write_session, unit_of_work


@write_session
def save_order(session, order):
    lock_rows(session, order)


def copy_orders():
    with unit_of_work() as conn:
        copy_rows(conn)


def read_orders():
    with plain_session() as session:
        read_rows(session)
"""


def test_sqlalchemy_project_wrappers_of_begin_hold_a_transaction(tmp_path):
    from backend_lens.engine.project import Project

    files = {
        "app/__init__.py": "",
        "app/engine.py": "from sqlalchemy import create_engine\n\nengine = create_engine('sqlite://')\n",
        "app/db.py": SQLALCHEMY_DB,
        "app/service.py": SQLALCHEMY_SERVICE,
    }
    analyze_files(tmp_path, files)
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    index = project.index
    assert index.is_transaction_wrapper("app.db.write_session")
    assert index.is_transaction_wrapper("app.db.unit_of_work")
    assert not index.is_transaction_wrapper("app.db.plain_session")
    # what runs under them is inside a transaction; what runs under the plain session is not
    assert index.called_in_transaction("save_order")
    assert index.called_in_transaction("lock_rows")
    assert index.called_in_transaction("copy_rows")
    assert not index.called_in_transaction("read_rows")
    assert not index.called_in_transaction("read_orders")


def test_a_wrapper_fact_that_cannot_be_read_keeps_the_other_facts(tmp_path, monkeypatch):
    """If reading the transaction wrappers of a file fails on some tree, only that
    fact is lost: the file's models are still read."""
    from backend_lens.facts import extract

    def broken(expr):
        raise AttributeError("half-typed")

    monkeypatch.setattr(extract, "held_name", broken)
    files = {"shop/__init__.py": "", "shop/models.py": MODELS + DB_TOOLS}
    analyze_files(tmp_path, files)
    from backend_lens.engine.project import Project

    project = Project(tmp_path, use_jedi=False)
    project.scan()
    facts = project.results[str(tmp_path / "shop" / "models.py")].facts
    assert [c.name for c in facts.classes] == ["Order"]
    assert facts.transaction_wrappers == {}
