"""ORM001 for SQLAlchemy: lazy relationships read in a loop over query results."""

from __future__ import annotations

import parso

from .helpers import analyze_files, only

MODELS = """\
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    customer: Mapped["Customer"] = relationship()
    lines: Mapped[list["Line"]] = relationship(lazy="selectin")


class Line(Base):
    __tablename__ = "lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
"""
HEAD = "from sqlalchemy import select\nfrom sqlalchemy.orm import Session, selectinload\n\nfrom app.models import Order\n\n\n"


def orm001(tmp_path, body):
    src = HEAD + body
    found = only(
        analyze_files(
            tmp_path, {"app/__init__.py": "", "app/models.py": MODELS, "app/views.py": src}
        ),
        "ORM001",
    )
    return found, src


def test_scalars_select_loop_reading_a_lazy_relationship(tmp_path):
    body = "def report(session: Session):\n    for order in session.scalars(select(Order).where(Order.id > 1)):\n        print(order.customer.email)\n"
    (f,), src = orm001(tmp_path, body)
    assert (
        f.start == (9, 14)
        and "order.customer" in f.message
        and "selectinload(Order.customer)" in f.message
    )
    assert f.related[1].path.endswith("app/models.py")
    (edit,) = f.fix.edits
    line = src.splitlines()[edit.start[0] - 1]
    new = src.replace(line, line[: edit.start[1]] + edit.text + line[edit.start[1] :])
    assert "select(Order).options(selectinload(Order.customer)).where(" in new
    assert not list(parso.load_grammar().iter_errors(parso.load_grammar().parse(new)))
    again, _ = orm001(tmp_path / "again", new[len(HEAD) :])
    assert again == []


def test_query_all_assigned_then_comprehension(tmp_path):
    body = "def emails(session):\n    orders = session.query(Order).filter(Order.id > 3).all()\n    return [o.customer.email for o in orders]\n"
    (f,), _ = orm001(tmp_path, body)
    assert f.start == (9, 12)


def test_eager_relationships_and_loader_options_are_quiet(tmp_path):
    body = (
        "def report(session):\n"
        "    for order in session.scalars(select(Order).options(selectinload(Order.customer))):\n"
        "        print(order.customer.email)\n"
        "    for order in session.scalars(select(Order)):\n"
        "        print(len(order.lines), order.customer_id)\n"
        "    for row in session.execute(select(Order)):\n"
        "        print(row)\n"
        "    opts = [selectinload(Order.customer)]\n"
        "    for order in session.scalars(select(Order).options(*opts)):\n"
        "        print(order.customer.email)\n"
    )
    assert orm001(tmp_path, body)[0] == []


def test_no_fix_without_selectinload_imported(tmp_path):
    body = "def report(session):\n    for order in session.query(Order):\n        print(order.customer.email)\n"
    src = body
    found = only(
        analyze_files(
            tmp_path,
            {
                "app/__init__.py": "",
                "app/models.py": MODELS,
                "app/views.py": "from app.models import Order\n\n\n" + src,
            },
        ),
        "ORM001",
    )
    (f,) = found
    assert f.fix is None and "selectinload(Order.customer)" in f.message
