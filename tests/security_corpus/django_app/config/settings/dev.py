"""Local development settings: never deployed."""

from .base import *  # noqa: F401,F403

DEBUG = True  # safe: CWE-489
SECRET_KEY = "django-insecure-local-only-7d1f0b"  # safe: CWE-798
ALLOWED_HOSTS = ["*"]
SESSION_COOKIE_SECURE = False  # safe: CWE-614
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
