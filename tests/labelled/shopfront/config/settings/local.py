"""Developers' settings: every value here is meant for a laptop."""

from shopfront.settings import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["*"]
TEMPLATE_DEBUG = True
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
