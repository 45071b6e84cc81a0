from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["orders.example.com"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",  # expect: CACHE004
    },
    "long": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://redis:6379/2",
        "TIMEOUT": 24 * 60 * 60,
    },
    "fragments": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://redis:6379/3",
        "TIMEOUT": None,  # expect: CACHE002
    },
}
