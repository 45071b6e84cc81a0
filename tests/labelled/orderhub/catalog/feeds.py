"""Supplier feeds. Suppression comments that still silence a finding, next to
ones that outlived it (LENS001); the docs' example is not a comment:

    requests.get(url)  # backend-lens: ignore[INT001]
"""

import requests

from orders.models import OrderLine

HOW_TO_SILENCE = "append `# backend-lens: ignore[CODE]` to the statement"


def download_feed(url):
    # the supplier streams the feed for minutes; the worker has its own deadline
    return requests.get(url)  # backend-lens: ignore[INT001]


def download_prices(url):
    return requests.get(url, timeout=30)  # backend-lens: ignore[INT001]  # expect: LENS001


def download_stock(url):
    return requests.get(url)  # backend-lens: ignore[INT01]  # expect: INT001, LENS001


def sold_of(sku):
    # sku lookups run in the nightly export only
    return OrderLine.objects.filter(sku=sku).count()  # backend-lens: ignore[DBP001]


def sold_count(sku):
    return OrderLine.objects.filter(  # backend-lens: ignore[DBP001, ORM001]  # expect: LENS001
        sku=sku
    ).count()


def ping(url):
    return requests.head(url, timeout=5)  # backend-lens: ignore  # expect: LENS001
