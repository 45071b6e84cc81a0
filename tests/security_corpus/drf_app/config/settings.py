"""Settings of the billing API (production values come from the environment)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]  # safe: CWE-798
DEBUG = False  # safe: CWE-489
ALLOWED_HOSTS = ["api.billing.example.com"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "api",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "billing",
        "USER": "billing",
        "PASSWORD": os.environ.get("DB_PASSWORD", "Bq7!zR2m#Lp9vX4t"),  # vuln: CWE-798
        "HOST": "db.internal",
    }
}

JWT_SECRET = os.environ["JWT_SECRET"]  # safe: CWE-798
JWT_ALGORITHM = "HS256"
MEDIA_ROOT = BASE_DIR / "media"
EXPORT_DIR = "/srv/billing/exports"
INVENTORY_URL = "https://inventory.internal.example.com"
FRONTEND_URL = "https://billing.example.com"

SESSION_COOKIE_SECURE = True  # safe: CWE-614
SESSION_COOKIE_HTTPONLY = False  # vuln: CWE-1004
CSRF_COOKIE_SECURE = True  # safe: CWE-614
