"""Staging: a copy of production that the team also uses to reproduce bugs."""

import os

from shopfront.settings import *  # noqa: F403

DEBUG = True  # expect: APISEC001
ALLOWED_HOSTS = ["staging.shop.example.com", "*"]  # expect: APISEC002
INTERNAL_IPS = ["10.0.0.1"]
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

CORS_ALLOW_ALL_ORIGINS = True  # expect: APISEC003
CORS_ALLOW_CREDENTIALS = True

SESSION_COOKIE_SECURE = False  # expect: APISEC005
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = False  # expect: APISEC007
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0"))

MIDDLEWARE = [  # expect: APISEC008
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
