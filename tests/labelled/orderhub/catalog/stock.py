"""Cached order counts and prices with the low-level cache API and redis."""

from django.core.cache import cache, caches
from django_redis import get_redis_connection

from orders.models import Order

COUNT_TTL = 5 * 60
SITE_BANNER_KEY = "catalog:banner"

long_lived = caches["long"]


def orders_in_status(status):
    key = f"orders:{status}"
    level = cache.get(key)
    if level is None:
        level = Order.objects.filter(status=status).count()
        cache.set(key, level, None)  # expect: CACHE002
    return level


def remember_prices(lines):
    long_lived.set_many({f"price:{line.sku}": line.price for line in lines}, timeout=None)  # expect: CACHE002


def status_count(status):
    redis = get_redis_connection("default")
    redis.set(f"cache:status:{status}", Order.objects.filter(status=status).count())  # expect: CACHE002


# look-alikes: writes that expire, fixed keys, and keys with their expiry set


def orders_in_status_for_a_while(status):
    key = f"orders:{status}"
    level = cache.get(key)
    if level is None:
        level = Order.objects.filter(status=status).count()
        cache.set(key, level, COUNT_TTL)
    return level


def orders_in_status_default_timeout(status):
    return cache.get_or_set(f"orders:{status}", lambda: Order.objects.filter(status=status).count())


def set_banner(text):
    cache.set(SITE_BANNER_KEY, text, None)
    cache.set("catalog:announcement", text, timeout=None)


def status_count_expiring(status):
    redis = get_redis_connection("default")
    key = f"cache:status:{status}"
    redis.set(key, Order.objects.filter(status=status).count())
    redis.expire(key, COUNT_TTL)
    redis.set(f"cache:status-today:{status}", 0, ex=COUNT_TTL)
    redis.set(f"lock:reorders:{status}", 1)
