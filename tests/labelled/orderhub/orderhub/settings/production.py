from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["orders.example.com"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
