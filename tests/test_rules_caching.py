"""Caching Strategies: CACHE001 lru-cache-on-method-or-request-data."""

from __future__ import annotations

from backend_lens import catalogue
from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of

RULE = catalogue.load().get("CACHE001")
EXAMPLE = RULE.code_block("Example")
USE_INSTEAD = RULE.code_block("Use instead")

MODELS = """
from django.db import models


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)


class Category(models.Model):
    slug = models.SlugField(unique=True)
"""


def cache001(tmp_path, src: str, **more: str):
    files = {"shop/pricing.py": src, **more}
    return only(analyze_files(tmp_path, files), "CACHE001")


def test_rule_page_example_is_found_on_the_decorator(tmp_path):
    (f,) = cache001(tmp_path, EXAMPLE)
    assert f.start == pos_of(EXAMPLE, "@lru_cache(maxsize=1024)")
    assert f.end == (f.start[0], f.start[1] + len("@lru_cache(maxsize=1024)"))
    assert "`PriceService.price_of`" in f.message and "`self`" in f.message
    assert f.severity == Severity.WARNING
    assert f.fix is None
    assert RULE.section == "Caching Strategies" and RULE.score == "service"


def test_rule_page_use_instead_is_quiet(tmp_path):
    assert cache001(tmp_path, USE_INSTEAD) == []


def test_methods_under_any_spelling_of_the_decorator(tmp_path):
    src = """
    import functools
    import functools as ft
    from functools import cache
    from functools import lru_cache as memo


    class Rates:
        @functools.lru_cache
        def a(self, x):
            return x

        @ft.lru_cache(maxsize=None)
        def b(self, x):
            return x

        @cache
        def c(self):
            return 1

        @property
        @memo()
        def d(self):
            return 2

        @memo
        async def e(self, x):
            return x
    """
    found = cache001(tmp_path, src)
    assert [f.start for f in found] == [
        pos_of(src, "@functools.lru_cache"),
        pos_of(src, "@ft.lru_cache"),
        pos_of(src, "@cache"),
        pos_of(src, "@memo()"),
        pos_of(src, "@memo", 2),
    ]
    assert "`@ft.lru_cache` on the method `Rates.b`" in found[1].message


def test_request_parameters(tmp_path):
    src = """
    from functools import cache, lru_cache

    from django.http import HttpRequest
    from fastapi import Request


    @lru_cache(maxsize=128)
    def country_of(request):
        return request.headers.get("X-Country")


    @cache
    def locale_of(req, default="en"):
        return req.headers.get("Accept-Language", default)


    @cache
    def client_of(incoming: Request):
        return incoming.client.host


    class Prices:
        @staticmethod
        @cache
        def for_request(http: "HttpRequest"):
            return http.GET.get("currency")
    """
    found = cache001(tmp_path, src)
    assert [f.start for f in found] == [
        pos_of(src, "@lru_cache(maxsize=128)"),
        pos_of(src, "@cache", 1),
        pos_of(src, "@cache", 2),
        pos_of(src, "@cache", 3),
    ]
    assert "the request `request`" in found[0].message
    assert "the request `incoming`" in found[2].message


def test_model_instance_parameters_across_files(tmp_path):
    src = """
    from functools import cache
    from typing import Optional

    from shop.models import Category, Product


    @cache
    def price_in(product: Product, country: str):
        return product.sku, country


    @cache
    def label(category: "Category"):
        return category.slug


    @cache
    def by_sku(sku: str, country: Optional[str] = None):
        return Product.objects.get(sku=sku)
    """
    found = cache001(tmp_path, src, **{"shop/models.py": MODELS, "shop/__init__.py": ""})
    assert [f.start for f in found] == [pos_of(src, "@cache", 1), pos_of(src, "@cache", 2)]
    assert "model instance `product` (`Product`)" in found[0].message


def test_sqlalchemy_model_parameter(tmp_path):
    src = """
    from functools import lru_cache

    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Plugin(Base):
        __tablename__ = "plugins"
        id: Mapped[int] = mapped_column(primary_key=True)
        slug: Mapped[str] = mapped_column(String(40))


    @lru_cache(maxsize=100)
    def settings_of(plugin: Plugin, email: str):
        return plugin.slug, email
    """
    (f,) = cache001(tmp_path, src)
    assert f.start == pos_of(src, "@lru_cache(maxsize=100)")


def test_look_alikes_stay_quiet(tmp_path):
    src = """
    import functools
    from dataclasses import dataclass
    from functools import cache, cached_property


    @dataclass(frozen=True)
    class Money:
        amount: int
        currency: str


    def lru_cache(func):
        return func


    class Rates:
        @staticmethod
        @cache
        def vat(country):
            return 0.2

        @classmethod
        @cache
        def default(cls):
            return cls()

        @cached_property
        def table(self):
            return {}

        @functools.cached_property
        def other(self):
            return {}

        @lru_cache
        def not_functools(self, x):
            return x


    @cache
    def plain(sku: str, country: str):
        return sku, country


    @functools.lru_cache(maxsize=32)
    def parse(request: str):
        return request.split(":")


    @cache
    def convert(amount: Money):
        return amount


    def outer(self):
        @cache
        def inner(x):
            return x

        return inner
    """
    assert cache001(tmp_path, src) == []


def test_tests_and_migrations_are_skipped(tmp_path):
    src = """
    from functools import cache


    class Helper:
        @cache
        def fixture(self):
            return 1
    """
    files = {
        "tests/test_prices.py": src,
        "shop/migrations/0002_prices.py": src,
        "shop/helpers.py": src,
    }
    found = only(analyze_files(tmp_path, files), "CACHE001")
    assert [f.path.replace("\\", "/").rsplit("/", 2)[-2:] for f in found] == [
        ["shop", "helpers.py"]
    ]


def test_suppression_comment_silences(tmp_path):
    (f,) = cache001(tmp_path, EXAMPLE)
    text = assert_suppress_edit_silences(tmp_path, f)
    assert "@lru_cache(maxsize=1024)  # backend-lens: ignore[CACHE001]" in text
