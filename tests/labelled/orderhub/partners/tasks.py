"""Celery tasks that push orders to the partners' systems."""

import boto3
import redis
import requests
from celery import shared_task
from django.conf import settings

from orderhub.celery import app

ERP_SESSION = requests.Session()
ERP_URL = "https://erp.partner.example.com/api"
LEGACY_URL = "http://10.20.0.15:8069/api"


@shared_task(time_limit=60)
def push_to_erp(order_id):
    with requests.Session() as session:  # expect: INT004
        response = session.post(f"{ERP_URL}/orders", json={"id": order_id}, timeout=10)
    response.raise_for_status()


@shared_task
def push_to_erp_shared(order_id):
    response = ERP_SESSION.post(f"{ERP_URL}/orders", json={"id": order_id}, timeout=10)
    response.raise_for_status()


@app.task(bind=True, max_retries=3)
def archive_invoice(self, order_id, pdf):
    bucket = boto3.resource("s3").Bucket("invoices")  # expect: INT004
    bucket.put_object(Key=f"{order_id}.pdf", Body=pdf)


@shared_task(time_limit=60)
def notify_legacy(order_id):
    response = requests.post(
        f"{LEGACY_URL}/orders",  # expect: INT005
        json={"id": order_id},
        timeout=10,
    )
    response.raise_for_status()


@shared_task(time_limit=60)
def notify_sidecar(order_id):
    response = requests.post(
        "http://localhost:9901/events",  # expect: INT005
        json={"order": order_id},
        timeout=10,
    )
    response.raise_for_status()


@shared_task(time_limit=60)
def notify_configured(order_id):
    response = requests.post(
        f"{settings.LEGACY_ERP_URL}/orders",
        json={"id": order_id},
        timeout=10,
    )
    response.raise_for_status()


@shared_task
def count_pushes(order_id):
    queue = redis.from_url(settings.REDIS_URL)  # expect: INT004
    queue.incr("pushes")


def erp_session():
    """Built here, kept by the caller."""
    return requests.Session()
