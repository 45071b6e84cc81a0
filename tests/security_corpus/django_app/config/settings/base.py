"""Settings shared by every environment of the shop."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"  # safe: CWE-489
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "shop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("POSTGRES_DB", "shop"),
        "USER": os.environ.get("POSTGRES_USER", "shop"),
        "PASSWORD": os.environ["POSTGRES_PASSWORD"],  # safe: CWE-798
        "HOST": os.environ.get("POSTGRES_HOST", "db"),
        "CONN_MAX_AGE": 60,
    }
}

MEDIA_ROOT = BASE_DIR / "media"
INVOICE_DIR = BASE_DIR / "invoices"
REPORT_DIR = BASE_DIR / "reports"
THEMES_DIR = BASE_DIR / "themes"
DB_SCHEMA = "shop"
LOGIN_REDIRECT_URL = "/account/"
PASSWORD_FIELD_NAME = "password"  # safe: CWE-798

SESSION_COOKIE_HTTPONLY = True  # safe: CWE-1004
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")  # safe: CWE-798
DEPLOY_HOOK_SECRET = os.environ["DEPLOY_HOOK_SECRET"]
PAYMENT_API_URL = "https://payments.example.com/v2"
ERP_CA_BUNDLE = "/etc/ssl/certs/erp-internal-ca.pem"
