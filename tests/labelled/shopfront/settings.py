import os

SECRET_KEY = os.environ["SECRET_KEY"]
STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "")
MAILER_PASSWORD = "hunter2-production"  # expect: SEC001

INSTALLED_APPS = ["shopfront.core", "shopfront.billing", "shopfront.catalog", "rest_framework"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shopfront",
        "CONN_MAX_AGE": 60,
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_THROTTLE_RATES": {"signup": "5/hour", "burst": "60/minute"},
}
