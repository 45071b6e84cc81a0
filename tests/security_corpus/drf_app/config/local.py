"""Developer laptop overrides (DJANGO_SETTINGS_MODULE=config.local)."""

from .settings import *  # noqa: F401,F403

DEBUG = True  # safe: CWE-489
SECRET_KEY = "local-dev-not-secret-3b9e"  # safe: CWE-798
JWT_SECRET = "local-jwt-secret"  # safe: CWE-798
SESSION_COOKIE_SECURE = False  # safe: CWE-614
