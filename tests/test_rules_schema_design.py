"""Schema Design & Modeling: SCH001 money-in-float-field."""

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
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=40, unique=True)
    unit_price = models.FloatField()
    weight_kg = models.FloatField()
"""

USE_INSTEAD = """
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=40, unique=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    weight_kg = models.FloatField()
"""

PATH = "shop/models.py"


def sch001(tmp_path, src: str):
    return only(analyze_files(tmp_path, {PATH: src}), "SCH001")


def django_model(line: str) -> str:
    return f"""
from django.db import models


class Invoice(models.Model):
    {line}
"""


def test_sch001_rule_page_example(tmp_path):
    (f,) = sch001(tmp_path, RULE_PAGE_EXAMPLE)
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, "models.FloatField()")
    assert f.end == (f.start[0], f.start[1] + len("models.FloatField()"))
    assert "unit_price" in f.message and "DecimalField" in f.message
    assert f.severity == Severity.WARNING


def test_sch001_fix_matches_use_instead(tmp_path):
    (f,) = sch001(tmp_path, RULE_PAGE_EXAMPLE)
    edited, after = fix_and_recheck(tmp_path, f)
    assert edited[PATH] == USE_INSTEAD.lstrip("\n")
    assert only(after, "SCH001") == []


@pytest.mark.parametrize(
    "name",
    [
        "price",
        "amount",
        "cost",
        "total",
        "subtotal",
        "balance",
        "fee",
        "salary",
        "tax",
        "discount",
        "revenue",
        "payment",
        "refund",
        "charge",
        "wage",
        "budget",
        "shipping_cost",
        "total_amount",
        "price_eur",
    ],
)
def test_sch001_money_words(tmp_path, name):
    src = django_model(f"{name} = models.FloatField()")
    (f,) = sch001(tmp_path, src)
    assert f.start == pos_of(src, "models.FloatField()")
    assert f"`{name}`" in f.message


@pytest.mark.parametrize(
    "line",
    [
        "price = models.DecimalField(max_digits=10, decimal_places=2)",
        "tax_rate = models.FloatField()",  # a rate, not money
        "discount_percent = models.FloatField()",
        "weight_kg = models.FloatField()",
        "pricey = models.FloatField()",  # the word must be a whole snake_case segment
        "costume = models.FloatField()",
        "price = models.IntegerField()",  # cents in an integer are fine
        "price = models.CharField(max_length=10)",
    ],
)
def test_sch001_quiet_fields(tmp_path, line):
    assert sch001(tmp_path, django_model(line)) == []


@pytest.mark.parametrize(
    ("line", "fixed"),
    [
        (
            "total_amount = models.FloatField(null=True, blank=True)",
            "total_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)",
        ),
        (  # a positional verbose_name stays first: keywords cannot precede it
            'fee = models.FloatField("Fee", default=0)',
            'fee = models.DecimalField("Fee", max_digits=12, decimal_places=2, default=0)',
        ),
        (
            'fee = models.FloatField("Fee")',
            'fee = models.DecimalField("Fee", max_digits=12, decimal_places=2)',
        ),
    ],
)
def test_sch001_fix_keeps_the_other_arguments(tmp_path, line, fixed):
    src = django_model(line)
    (f,) = sch001(tmp_path, src)
    edited, after = fix_and_recheck(tmp_path, f)
    assert f"    {fixed}\n" in edited[PATH]
    assert only(after, "SCH001") == []


def test_sch001_fix_on_a_multi_line_field(tmp_path):
    src = django_model("subtotal = models.FloatField(\n        default=0,\n    )")
    (f,) = sch001(tmp_path, src)
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        "subtotal = models.DecimalField(max_digits=12, decimal_places=2, \n        default=0,\n    )"
        in edited[PATH]
    )
    assert only(after, "SCH001") == []


def test_sch001_float_field_imported_by_name(tmp_path):
    src = """
    from django.db import models
    from django.db.models import FloatField


    class Invoice(models.Model):
        shipping_cost = FloatField(default=0)
    """
    (f,) = sch001(tmp_path, src)
    assert f.start == pos_of(src, "FloatField(default=0)")


@pytest.mark.parametrize(
    ("imports", "line", "call"),
    [
        ("from sqlalchemy import Column, Float", "price = Column(Float)", "Column(Float)"),
        (
            "from sqlalchemy import Column, Float",
            "price = Column(Float(asdecimal=False), nullable=False)",
            "Column(Float(",
        ),
        (
            "from sqlalchemy.orm import mapped_column\nfrom sqlalchemy import Float",
            "fee = mapped_column(Float)",
            "mapped_column(Float)",
        ),
        (
            "import sqlalchemy as sa",
            "cost = sa.Column(sa.Float, nullable=False)",
            "sa.Column(sa.Float",
        ),
        (
            "import sqlalchemy as sa",
            "cost = sa.Column(sa.Float(precision=2), nullable=False)",
            "sa.Column(sa.Float(",
        ),
    ],
)
def test_sch001_sqlalchemy_float_columns(tmp_path, imports, line, call):
    src = f"""
{imports}
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Item(Base):
    __tablename__ = "item"
    {line}
"""
    (f,) = sch001(tmp_path, src)
    assert f.start == pos_of(src, call)
    assert "Numeric" in f.message


@pytest.mark.parametrize(
    "line",
    ["price = Column(Numeric(12, 2))", "price = Column(Integer)", "tax_rate = Column(Float)"],
)
def test_sch001_sqlalchemy_quiet_columns(tmp_path, line):
    src = f"""
from sqlalchemy import Column, Float, Integer, Numeric
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Item(Base):
    __tablename__ = "item"
    {line}
"""
    assert sch001(tmp_path, src) == []


def test_sch001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(analyze_files(tmp_path, {"shop/models.py": RULE_PAGE_EXAMPLE}), "SCH001")
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    assert any(
        ln.rstrip().endswith("# backend-lens: ignore[SCH001]") and "unit_price = " in ln
        for ln in text.splitlines()
    )
