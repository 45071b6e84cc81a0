"""Partner credentials: literals in the code (SEC006) beside values read at run time."""

import os

import psycopg2
import redis
import stripe
from django.conf import settings

stripe.api_key = "sk_live_51HxQ2aLkP9vR7tYb3mN8cZ4dQ"  # expect: SEC006
WAREHOUSE_FTP_PASSWORD = "w4reh0use!2023"  # expect: SEC006
REPORTS_BUCKET_KEY_ID = "AKIAJ4R7QHNY2MZ2OXTQ"  # expect: SEC006
ORDERS_BROKER = "amqp://orders:Qp7xZr2mVt@rabbit.internal:5672//"  # expect: SEC006

SHIPPING_TOKEN_HEADER = "X-Shipping-Token"
PASSWORD_FIELD = "password"
TOKEN_ENV_NAME = "SHIPPING_API_TOKEN"
DOCS_KEY = "AKIAIOSFODNN7EXAMPLE"
LOCAL_BROKER = "amqp://guest:guest@localhost:5672//"


def legacy_erp_connection():
    return psycopg2.connect(host="erp.internal", user="shop", password="Erp#2019pass")  # expect: SEC006


def loyalty_headers():
    return {"client_secret": "9f2c6a1be83d47c0a5d1f7e2b4c8d3a6"}  # expect: SEC006


def erp_connection():
    return psycopg2.connect(host="erp.internal", user="shop", password=os.environ["ERP_PASSWORD"])


def cache_client():
    return redis.Redis(host="cache", password=settings.REDIS_PASSWORD)


def signup_labels():
    return {"password": "Choose a password", "token": "<token from the partner portal>"}


def payment_form_defaults():
    return dict(api_key="changeme", secret="${PAYMENT_SECRET}")
