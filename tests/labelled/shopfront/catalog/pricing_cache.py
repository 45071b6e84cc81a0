"""Price look-ups memoised with functools: CACHE001 and its look-alikes."""

import functools
from decimal import Decimal
from functools import cache, cached_property
from functools import lru_cache as memoize

from django.http import HttpRequest

from shopfront.catalog.models import Category, Product
from shopfront.reporting.models import Region

VAT = {"DE": Decimal("0.19"), "FR": Decimal("0.20")}


class PriceBook:
    def __init__(self, country):
        self.country = country

    @functools.lru_cache(maxsize=512)  # expect: CACHE001
    def gross(self, sku):
        return Product.objects.get(sku=sku).unit_price * (1 + VAT[self.country])

    @cache  # expect: CACHE001
    def rate(self):
        return VAT[self.country]

    @property
    @memoize()  # expect: CACHE001
    def label(self):
        return f"prices for {self.country}"

    @cached_property
    def categories(self):
        return list(Category.objects.values_list("slug", flat=True))

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def vat_for(country):
        return VAT.get(country, Decimal("0"))

    @classmethod
    @cache
    def default(cls):
        return cls("DE")

    @classmethod
    @cache  # expect: CACHE001
    def for_request(cls, request: HttpRequest):
        return cls(request.headers.get("X-Country", "DE"))


@memoize(maxsize=256)  # expect: CACHE001
def visitor_country(request):
    return request.headers.get("X-Country", "DE")


@functools.cache  # expect: CACHE001
def price_in(product: Product, country: str) -> Decimal:
    return product.unit_price * (1 + VAT[country])


@memoize  # expect: CACHE001
def region_label(region: "Region") -> str:
    return region.name.title()


@functools.lru_cache(maxsize=1024)
def price_of(sku: str, country: str) -> Decimal:
    return Product.objects.get(sku=sku).unit_price * (1 + VAT[country])


@cache
def category_slug(category_id: int) -> str:
    return Category.objects.get(pk=category_id).slug


@memoize(maxsize=32)
def parse_currency(request: str) -> str:
    # a currency request string such as "EUR:2": a plain value
    return request.split(":")[0]


@cache
def vat_table(country: Decimal) -> Decimal:
    return VAT.get(str(country), Decimal("0"))


def cached_lookup(func):
    return func


class Shelf:
    @cached_lookup
    def first(self, slug):
        return Category.objects.get(slug=slug)
