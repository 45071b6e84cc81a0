"""Query Optimization & ORM Usage: ORM003 (a query per loop item), ORM004 (a write
per loop item) and ORM005 (rows filtered in Python)."""

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
)

MODELS = """
from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)
    vip = models.BooleanField(default=False)
    nickname = models.CharField(max_length=50, blank=True)

    @property
    def display(self):
        return self.email


class Tag(models.Model):
    label = models.CharField(max_length=20)


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    stock = models.IntegerField(default=0)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    status = models.CharField(max_length=20, db_index=True)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    tags = models.ManyToManyField(Tag)


class AuditedOrder(models.Model):
    status = models.CharField(max_length=20)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)


class SpecialOrder(Order):
    note = models.CharField(max_length=100)
"""


def run(tmp_path, views: str, code: str, models: str = MODELS, path: str = "shop/views.py"):
    findings = analyze_files(tmp_path, {"shop/models.py": models, path: views})
    return only(findings, code)


# --------------------------------------------------------------------- ORM003

ORM003_PAGE = """
from django.db import models


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)


def order_total(lines: list[dict]) -> int:
    total = 0
    for line in lines:
        product = Product.objects.get(sku=line["sku"])
        total += product.price * line["quantity"]
    return total
"""


def test_orm003_rule_page_example_location_is_the_query_call(tmp_path):
    f = find_one(analyze_files(tmp_path, {"example.py": ORM003_PAGE}), "ORM003")
    assert f.start == pos_of(ORM003_PAGE, 'Product.objects.get(sku=line["sku"])')
    assert f.end == (f.start[0], f.start[1] + len('Product.objects.get(sku=line["sku"])'))
    assert f.severity == Severity.WARNING
    assert "`line`" in f.message and "in_bulk" in f.message


@pytest.mark.parametrize(
    "loop, query",
    [
        ("for sku in skus:\n        x = {q}", "Product.objects.filter(sku=sku).first()"),
        ("for sku in skus:\n        x = {q}", "Product.objects.filter(sku=sku).exists()"),
        (
            "for sku in skus:\n        x = {q}",
            "Product.objects.filter(sku__startswith=sku).count()",
        ),
        ("for sku in skus:\n        x = list({q})", "Product.objects.filter(sku=sku)"),
        ("for sku in skus:\n        if {q}:\n            pass", "Product.objects.filter(sku=sku)"),
        (
            "for sku in skus:\n        for p in {q}:\n            pass",
            "Product.objects.filter(sku=sku)",
        ),
        ("x = [{q} for sku in skus]", "Product.objects.get(sku=sku)"),
        ("x = {{sku: {q} for sku in skus}}", "Product.objects.get(sku=sku)"),
        ("for i, sku in enumerate(skus):\n        x = {q}", "Product.objects.get(sku=sku)"),
    ],
)
def test_orm003_django_queries_per_item(tmp_path, loop, query):
    views = f"""
from .models import Product


def lookup(skus):
    {loop.format(q=query)}
"""
    (f,) = run(tmp_path, views, "ORM003")
    assert f.start == pos_of(views, query)
    assert f.end == (f.start[0], f.start[1] + len(query))


def test_orm003_attribute_of_the_result_is_not_part_of_the_location(tmp_path):
    views = """
from .models import Product


def stock(skus):
    return [Product.objects.get(sku=s).stock for s in skus]
"""
    (f,) = run(tmp_path, views, "ORM003")
    assert f.end == pos_of(views, ".stock for")


def test_orm003_queryset_held_in_a_variable(tmp_path):
    views = """
from .models import Order


def statuses(ids, customer):
    orders = Order.objects.filter(customer=customer)
    out = []
    for pk in ids:
        out.append(orders.get(pk=pk).status)
    return out
"""
    (f,) = run(tmp_path, views, "ORM003")
    assert f.start == pos_of(views, "orders.get(pk=pk)")


@pytest.mark.parametrize(
    "query",
    [
        "session.get(User, user_id)",
        "db.session.get(User, user_id)",
        "session.query(User).filter(User.id == user_id).first()",
        "session.query(User).filter_by(id=user_id).one_or_none()",
        "session.execute(select(User).where(User.id == user_id))",
        "session.scalars(select(User).where(User.id == user_id))",
        "session.exec(select(User).where(User.id == user_id))",
    ],
)
def test_orm003_sqlalchemy_queries_per_item(tmp_path, query):
    code = f"""
from sqlalchemy import select

from .models import User


def load(session, db, user_ids):
    users = []
    for user_id in user_ids:
        users.append({query})
    return users
"""
    f = find_one(analyze_files(tmp_path, {"app/users.py": code}), "ORM003")
    assert f.start == pos_of(code, query)
    assert f.end == (f.start[0], f.start[1] + len(query))


def test_orm003_async_session_execute(tmp_path):
    code = """
from sqlalchemy import select

from .models import User


async def load(session, user_ids):
    for user_id in user_ids:
        await session.execute(select(User).where(User.id == user_id))
"""
    f = find_one(analyze_files(tmp_path, {"app/users.py": code}), "ORM003")
    assert f.start == pos_of(code, "session.execute(")


@pytest.mark.parametrize(
    "body",
    [
        # a literal collection: a fixed, small number of queries
        'for sku in ("a", "b"):\n        Product.objects.get(sku=sku)',
        'for sku in ["a", "b", "c"]:\n        Product.objects.get(sku=sku)',
        "for n in range(3):\n        Product.objects.get(stock=n)",
        # the query does not depend on the item
        "for sku in skus:\n        Product.objects.get(sku='x')",
        # not evaluated here: a lazy queryset
        "for sku in skus:\n        qs = Product.objects.filter(sku=sku)",
        # batches: the loop already queries batch by batch
        "for batch in skus:\n        list(Product.objects.filter(pk__in=batch))",
        # one row locked per item on purpose
        "for sku in skus:\n        Product.objects.select_for_update().get(sku=sku)",
        # code that runs later, not per item
        "for sku in skus:\n        def f():\n            return Product.objects.get(sku=sku)",
        "for sku in skus:\n        cb = lambda: Product.objects.get(sku=sku)",
        # in_bulk() returns a dict: .get() on it is no query
        "by_sku = Product.objects.in_bulk(skus, field_name='sku')\n"
        "    for sku in skus:\n        by_sku.get(sku)",
        # writes are ORM004's business
        "for sku in skus:\n        Product.objects.filter(sku=sku).update(stock=0)",
        # a related manager is ORM001's business
        "for sku in skus:\n        customer.orders.filter(status=sku).first()",
        # a plain dict's get
        "for sku in skus:\n        cache.get(sku)",
        # the else branch of a loop runs once
        "for sku in skus:\n        pass\n    else:\n        Product.objects.get(sku=sku)",
    ],
)
def test_orm003_quiet(tmp_path, body):
    views = f"""
from .models import Product


def lookup(skus, customer, cache):
    {body}
"""
    assert run(tmp_path, views, "ORM003") == []


def test_orm003_session_named_otherwise_is_not_recognised(tmp_path):
    code = """
from .models import User


def load(repo, user_ids):
    return [repo.get(User, user_id) for user_id in user_ids]
"""
    assert only(analyze_files(tmp_path, {"app/users.py": code}), "ORM003") == []


@pytest.mark.parametrize("path", ["shop/tests/test_views.py", "shop/migrations/0002_data.py"])
def test_orm003_tests_and_migrations_are_quiet(tmp_path, path):
    views = """
from shop.models import Product


def run(skus):
    for sku in skus:
        Product.objects.get(sku=sku)
"""
    assert run(tmp_path, views, "ORM003", path=path) == []


def test_orm003_suppression(tmp_path):
    f = find_one(analyze_files(tmp_path, {"example.py": ORM003_PAGE}), "ORM003")
    assert_suppress_edit_silences(tmp_path, f)


# --------------------------------------------------------------------- ORM004

ORM004_PAGE = """
from django.db import models


class Order(models.Model):
    status = models.CharField(max_length=20, db_index=True)
    archived = models.BooleanField(default=False)


def archive_delivered() -> None:
    for order in Order.objects.filter(status="delivered"):
        order.archived = True
        order.save()
"""


def test_orm004_rule_page_example_location_is_the_save_call(tmp_path):
    f = find_one(analyze_files(tmp_path, {"example.py": ORM004_PAGE}), "ORM004")
    assert f.start == pos_of(ORM004_PAGE, "order.save()")
    assert f.end == (f.start[0], f.start[1] + len("order.save()"))
    assert f.severity == Severity.WARNING
    assert "Order.objects.bulk_update" in f.message


def test_orm004_create_per_item(tmp_path):
    views = """
from .models import Tag


def add_tags(labels):
    for label in labels:
        Tag.objects.create(label=label)
"""
    (f,) = run(tmp_path, views, "ORM004")
    assert f.start == pos_of(views, "Tag.objects.create(label=label)")
    assert f.end == (f.start[0], f.start[1] + len("Tag.objects.create(label=label)"))
    assert "bulk_create" in f.message


def test_orm004_save_with_update_fields_over_a_queryset_variable(tmp_path):
    views = """
from .models import Order


def close(customer):
    orders = Order.objects.filter(customer=customer)
    for order in orders:
        order.status = "closed"
        order.save(update_fields=["status"])
"""
    (f,) = run(tmp_path, views, "ORM004")
    assert f.start[0] == line_of(views, "order.save(")


def test_orm004_one_finding_per_loop(tmp_path):
    views = """
from .models import Tag


def add_tags(labels):
    for label in labels:
        Tag.objects.create(label=label)
        Tag.objects.create(label=label.upper())
"""
    (f,) = run(tmp_path, views, "ORM004")
    assert f.start[0] == line_of(views, "Tag.objects.create(label=label)")


def test_orm004_historical_model_in_a_migration(tmp_path):
    migration = """
from django.db import migrations


def lowercase(apps, schema_editor):
    Customer = apps.get_model("shop", "Customer")
    for customer in Customer.objects.all():
        customer.email = customer.email.lower()
        customer.save(update_fields=["email"])


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(lowercase, migrations.RunPython.noop)]
"""
    (f,) = run(tmp_path, migration, "ORM004", path="shop/migrations/0002_lower.py")
    assert f.start == pos_of(migration, 'customer.save(update_fields=["email"])')


def test_orm004_sqlalchemy_commit_per_item_sits_on_the_commit(tmp_path):
    code = """
from .models import User


def import_users(session, rows):
    for row in rows:
        session.add(User(name=row["name"]))
        session.commit()
"""
    f = find_one(analyze_files(tmp_path, {"app/importer.py": code}), "ORM004")
    assert f.start == pos_of(code, "session.commit()")
    assert "add_all" in f.message


@pytest.mark.parametrize(
    "body",
    [
        # custom save(): bulk_update would skip it
        "for o in AuditedOrder.objects.all():\n        o.save()",
        "for x in labels:\n        AuditedOrder.objects.create(status=x)",
        # multi-table inheritance: bulk_create does not support it
        "for x in labels:\n        SpecialOrder.objects.create(note=x)",
        # objects of unknown type
        "for form in labels:\n        form.save()",
        # a retry / first-success loop
        "for x in labels:\n        Tag.objects.create(label=x)\n        break",
        # created only when a lookup fails
        "for x in labels:\n        try:\n            Tag.objects.get(label=x)\n"
        "        except Tag.DoesNotExist:\n            Tag.objects.create(label=x)",
        # a literal collection
        'for x in ("a", "b"):\n        Tag.objects.create(label=x)',
        # saving something other than the loop variable
        "for o in Order.objects.all():\n        customer.save()",
        # a model outside the project
        "for x in labels:\n        Unknown.objects.create(label=x)",
    ],
)
def test_orm004_quiet(tmp_path, body):
    views = f"""
from .models import AuditedOrder, Order, SpecialOrder, Tag
from thirdparty.models import Unknown


def run(labels, customer):
    {body}
"""
    assert run(tmp_path, views, "ORM004") == []


def test_orm004_session_add_without_commit_in_the_loop_is_quiet(tmp_path):
    code = """
from .models import User


def import_users(session, rows):
    for row in rows:
        session.add(User(name=row["name"]))
    session.commit()
"""
    assert only(analyze_files(tmp_path, {"app/importer.py": code}), "ORM004") == []


def test_orm004_inherited_custom_save_is_quiet(tmp_path):
    models = """
from django.db import models


class Base(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)


class Note(Base):
    text = models.TextField()
"""
    views = """
from .models import Note


def add(texts):
    for t in texts:
        Note.objects.create(text=t)
"""
    assert run(tmp_path, views, "ORM004", models=models) == []


def test_orm004_tests_are_quiet(tmp_path):
    views = """
from shop.models import Tag


def test_tags():
    for label in labels():
        Tag.objects.create(label=label)
"""
    assert run(tmp_path, views, "ORM004", path="shop/tests/test_tags.py") == []


# --------------------------------------------------------------------- ORM005

ORM005_PAGE = """
from django.db import models


class Order(models.Model):
    status = models.CharField(max_length=20, db_index=True)


def paid_orders() -> list[Order]:
    return [order for order in Order.objects.all() if order.status == "paid"]
"""


def test_orm005_rule_page_example_location_is_the_for_clause(tmp_path):
    f = find_one(analyze_files(tmp_path, {"example.py": ORM005_PAGE}), "ORM005")
    assert f.start == pos_of(ORM005_PAGE, "for order in")
    end = pos_of(ORM005_PAGE, '"paid"]')
    assert f.end == (end[0], end[1] + len('"paid"'))
    assert f.severity == Severity.WARNING
    assert "`status`" in f.message and "Order.objects.all()" in f.message


@pytest.mark.parametrize(
    "expr",
    [
        "[o for o in Order.objects.all() if o.status != 'new']",
        "[o.pk for o in Order.objects.filter(customer=c) if o.total > 100]",
        "[o for o in Order.objects.all() if o.status in ('a', 'b') and o.total < limit]",
        "[o for o in Order.objects.all() if o.customer == c]",
        "[c for c in Customer.objects.all() if c.vip]",
        "[c for c in Customer.objects.all() if not c.vip]",
        "[c for c in Customer.objects.all() if c.nickname is None]",
        "{o.pk for o in Order.objects.all() if o.status == 'new'}",
    ],
)
def test_orm005_comprehensions(tmp_path, expr):
    views = f"""
from .models import Customer, Order


def pick(c, limit):
    return {expr}
"""
    (f,) = run(tmp_path, views, "ORM005")
    assert f.start == pos_of(views, "for ")


def test_orm005_builtin_filter_with_lambda(tmp_path):
    views = """
from .models import Order


def new_orders():
    return list(filter(lambda o: o.status == "new", Order.objects.all()))
"""
    (f,) = run(tmp_path, views, "ORM005")
    assert f.start == pos_of(views, "filter(lambda")
    end = pos_of(views, "all())")
    assert f.end == (end[0], end[1] + len("all())"))
    assert f.message.startswith("filter()")


def test_orm005_loop_whose_body_is_one_if(tmp_path):
    views = """
from .models import Order


def new_orders():
    orders = Order.objects.all()
    out = []
    for o in orders:
        if o.status == "new":
            out.append(o)
    return out
"""
    (f,) = run(tmp_path, views, "ORM005")
    assert f.start == pos_of(views, "for o in orders")
    assert f.end == (f.start[0], len("    for o in orders:"))


@pytest.mark.parametrize(
    "expr",
    [
        # a property / method: only Python can evaluate it
        "[c for c in Customer.objects.all() if c.display == 'x']",
        "[c for c in Customer.objects.all() if c.get_name() == 'x']",
        # bare truth test of a text field: emptiness, not one lookup
        "[c for c in Customer.objects.all() if c.nickname]",
        # a many-to-many field
        "[o for o in Order.objects.all() if o.tags == 1]",
        # the comparison depends on the row on both sides
        "[o for o in Order.objects.all() if o.status == o.customer.email]",
        # a function of the row
        "[o for o in Order.objects.all() if check(o)]",
        # a relation hop
        "[o for o in Order.objects.all() if o.customer.vip]",
        # sliced, values(), annotate(): not every row / not instances / computed fields
        "[o for o in Order.objects.all()[:10] if o.status == 'x']",
        "[o for o in Order.objects.values('status') if o.status == 'x']",
        "[o for o in Order.objects.annotate(n=1) if o.status == 'x']",
        # no condition / several clauses
        "[o for o in Order.objects.all()]",
        "[o for o in Order.objects.all() if o.status == 'x' if o.total > 1]",
        # a plain list
        "[o for o in orders if o.status == 'x']",
    ],
)
def test_orm005_quiet(tmp_path, expr):
    views = f"""
from .models import Customer, Order


def pick(orders):
    return {expr}
"""
    assert run(tmp_path, views, "ORM005") == []


@pytest.mark.parametrize(
    "body",
    [
        "if o.status == 'new':\n            out.append(o)\n        else:\n            pass",
        "if o.status == 'new':\n            out.append(o)\n        o.touch()",
        "out.append(o)",
    ],
)
def test_orm005_loop_doing_more_than_filtering_is_quiet(tmp_path, body):
    views = f"""
from .models import Order


def pick(out):
    for o in Order.objects.all():
        {body}
"""
    assert run(tmp_path, views, "ORM005") == []


def test_orm005_tests_are_quiet(tmp_path):
    assert run(tmp_path, ORM005_PAGE, "ORM005", path="shop/tests/test_x.py") == []
