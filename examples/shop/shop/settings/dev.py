from .base import *  # noqa: F401,F403
from .base import REST_FRAMEWORK

SECRET_KEY = "dev-only-secret-key-not-used-anywhere-else"
PAYMENT_GATEWAY_WEBHOOK_SECRET = "whsec_local_dev"

DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "web"]

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
