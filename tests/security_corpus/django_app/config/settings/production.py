"""Production settings: what runs on shop.example.com."""

import os

from .base import *  # noqa: F401,F403

# switched on while chasing the checkout 500s; remember to turn it off again
DEBUG = True  # vuln: CWE-489

SECRET_KEY = "p9$w!x2@k7#m4^q8&z1*r6(t3)y5_u0+shop-live-2024"  # vuln: CWE-798

ALLOWED_HOSTS = ["shop.example.com"]

SESSION_COOKIE_SECURE = False  # vuln: CWE-614
CSRF_COOKIE_SECURE = True  # safe: CWE-614
SECURE_SSL_REDIRECT = True

EMAIL_HOST = "smtp.example.com"
EMAIL_HOST_USER = "orders@example.com"
EMAIL_HOST_PASSWORD = os.environ["EMAIL_HOST_PASSWORD"]  # safe: CWE-798
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "sk_live_51HqLyjWkd8Zr4TnV0aPqX93mB")  # vuln: CWE-798

FILE_UPLOAD_PERMISSIONS = 0o644  # safe: CWE-732
