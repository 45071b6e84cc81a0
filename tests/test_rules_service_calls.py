"""Integration & Communication Patterns: INT004 client-created-per-call and
INT005 hard-coded-service-url."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    find_one,
    only,
    pos_of,
)

# -- INT004 ----------------------------------------------------------------------------

DJANGO_VIEWS = """
import boto3
import httpx
import redis
import requests
from django.http import JsonResponse

S3 = boto3.client("s3")


def upload(request):
    s3 = boto3.client("s3")
    s3.put_object(Bucket="b", Key="k", Body=request.body)
    return JsonResponse({})


def relay(request):
    with requests.Session() as s:
        s.get("https://partner.example.com/x", timeout=3)
    return JsonResponse({})


def chained(request):
    data = requests.Session().get("https://partner.example.com/x", timeout=3).json()
    return JsonResponse(data)


def counter(request):
    r = redis.from_url("redis://cache:6379/0")
    return JsonResponse({"n": r.incr("hits")})


def module_client(request):
    S3.put_object(Bucket="b", Key="k", Body=request.body)
    return JsonResponse({})


def not_routed(request):
    s3 = boto3.client("s3")
    return s3.list_buckets()


def factory(request):
    return httpx.Client(timeout=5)


def stored(request):
    request.session_client = requests.Session()
    return JsonResponse({})


POOL = redis.ConnectionPool.from_url("redis://cache:6379/0")


def pooled(request):
    r = redis.Redis(connection_pool=POOL)
    return JsonResponse({"n": r.incr("hits")})
"""

DJANGO_URLS = """
from django.urls import path

from . import views

urlpatterns = [
    path("upload/", views.upload),
    path("relay/", views.relay),
    path("chained/", views.chained),
    path("counter/", views.counter),
    path("module/", views.module_client),
    path("factory/", views.factory),
    path("stored/", views.stored),
    path("pooled/", views.pooled),
]
"""


def int004(tmp_path, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), "INT004")


def test_int004_django_views(tmp_path):
    found = int004(tmp_path, {"shop/views.py": DJANGO_VIEWS, "shop/urls.py": DJANGO_URLS})
    by_line = {f.start: f for f in found}
    assert sorted(by_line) == sorted(
        [
            pos_of(DJANGO_VIEWS, 'boto3.client("s3")', 2),
            pos_of(DJANGO_VIEWS, "requests.Session()"),
            pos_of(DJANGO_VIEWS, "requests.Session()", 2),
            pos_of(DJANGO_VIEWS, "redis.from_url"),
        ]
    )
    f = by_line[pos_of(DJANGO_VIEWS, 'boto3.client("s3")', 2)]
    assert f.end == (f.start[0], f.start[1] + len('boto3.client("s3")'))
    assert "`boto3.client()`" in f.message and "AWS client" in f.message
    assert "every request to `/upload/`" in f.message and "`upload`" in f.message
    assert "module level" in f.message
    assert f.severity == Severity.INFO
    assert "Redis client" in by_line[pos_of(DJANGO_VIEWS, "redis.from_url")].message


def test_int004_suppression(tmp_path):
    found = int004(tmp_path, {"shop/views.py": DJANGO_VIEWS, "shop/urls.py": DJANGO_URLS})
    first = min(found, key=lambda f: f.start)
    assert_suppress_edit_silences(tmp_path, first)


CELERY_TASKS = """
import boto3
import redis
import requests
from celery import shared_task

from proj.celery import app

SESSION = requests.Session()


@shared_task
def ping_cache():
    r = redis.Redis(host="cache")
    r.ping()


@app.task(bind=True)
def sync_partner(self, order_id):
    with requests.Session() as s:
        s.post("https://partner.example.com/orders", json={"id": order_id}, timeout=5)


@shared_task
def reuse(order_id):
    SESSION.post("https://partner.example.com/orders", json={"id": order_id}, timeout=5)


def helper():
    s3 = boto3.client("s3")
    s3.list_buckets()
"""

RQ_JOBS = """
import requests
from django_rq import job

from .scheduling import job as project_job


@job("default")
def deliver(url, body):
    with requests.Session() as session:
        session.post(url, data=body, timeout=10)


@project_job
def not_rq(url, body):
    with requests.Session() as session:
        session.post(url, data=body, timeout=10)
"""


def test_int004_rq_job(tmp_path):
    (f,) = int004(tmp_path, {"hooks/jobs.py": RQ_JOBS})
    assert f.start == pos_of(RQ_JOBS, "requests.Session()")
    assert "the task `deliver`" in f.message


def test_int004_celery_tasks(tmp_path):
    found = int004(tmp_path, {"proj/tasks.py": CELERY_TASKS})
    assert sorted(f.start for f in found) == [
        pos_of(CELERY_TASKS, "redis.Redis("),
        pos_of(CELERY_TASKS, "requests.Session()", 2),
    ]
    f = find_one([x for x in found if "ping_cache" in x.message], "INT004")
    assert "every time the task `ping_cache` runs" in f.message


FASTAPI_APP = """
from contextlib import asynccontextmanager
from functools import lru_cache

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    app.state.http = httpx.AsyncClient()
    yield
    await app.state.http.aclose()


app = FastAPI(lifespan=lifespan)


@lru_cache
def pricing_client():
    return httpx.Client(base_url="https://pricing.example.com")


@app.get("/quote")
async def quote(sku: str):
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get("https://pricing.example.com/q", params={"sku": sku})
    return response.json()


@app.get("/shared")
async def shared(sku: str):
    response = await app.state.http.get("https://pricing.example.com/q")
    return response.json()


@app.get("/cached")
def cached(sku: str):
    return pricing_client().get("/q").json()
"""


def test_int004_fastapi_routes(tmp_path):
    (f,) = int004(tmp_path, {"api/main.py": FASTAPI_APP})
    assert f.start == pos_of(FASTAPI_APP, "httpx.AsyncClient(timeout=5)")
    assert "`/quote`" in f.message and "lifespan" in f.message


DRF_VIEWS = """
import boto3
from rest_framework.response import Response
from rest_framework.views import APIView


class ReceiptView(APIView):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.s3 = boto3.client("s3")

    def post(self, request):
        s3 = boto3.resource("s3")
        s3.Bucket("receipts").put_object(Key="k", Body=request.body)
        return Response({})
"""

DRF_URLS = """
from django.urls import path

from .views import ReceiptView

urlpatterns = [path("receipts/", ReceiptView.as_view())]
"""


def test_int004_class_view_method(tmp_path):
    (f,) = int004(tmp_path, {"shop/views.py": DRF_VIEWS, "shop/urls.py": DRF_URLS})
    assert f.start == pos_of(DRF_VIEWS, 'boto3.resource("s3")')
    assert "in `post`" in f.message


def test_int004_quiet_in_tests(tmp_path):
    src = DJANGO_VIEWS.replace("def upload", "def test_upload")
    assert int004(tmp_path, {"tests/test_views.py": src}) == []


# -- INT005 ----------------------------------------------------------------------------

CLIENT = """
import httpx
import requests

from django.conf import settings

BILLING = "http://billing:8000"
STRIPE = "https://api.stripe.com/v1"


def calls(order_id, host):
    requests.get("http://localhost:8000/health", timeout=3)
    requests.post(f"http://billing:8000/orders/{order_id}", timeout=3)
    requests.get(BILLING + "/x", timeout=3)
    requests.get(f"{BILLING}/x", timeout=3)
    requests.get("http://10.0.3.4/x", timeout=3)
    requests.get("http://inventory.svc.cluster.local/x", timeout=3)
    requests.request("GET", "http://127.0.0.1:9000/x", timeout=3)
    with httpx.Client() as client:
        client.get("http://pricing:8080/quote")
    requests.get("http://localhost:{}/x".format(order_id), timeout=3)


def quiet(order_id, host):
    requests.get(STRIPE + "/charges", timeout=3)
    requests.get("https://api.stripe.com/v1/charges", timeout=3)
    requests.get(f"{settings.BILLING_URL}/orders/{order_id}", timeout=3)
    requests.get(f"http://{host}:8000/x", timeout=3)
    requests.get("http://172.32.0.1/x", timeout=3)
    requests.get("http://billing/x", timeout=3)
    requests.get("http://metadata.google.internal/computeMetadata/v1/", timeout=3)
    print("http://localhost:8000/")


if __name__ == "__main__":
    requests.get("http://localhost:8000/health", timeout=3)
"""


def int005(tmp_path, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), "INT005")


def test_int005_internal_hosts(tmp_path):
    found = int005(tmp_path, {"shop/client.py": CLIENT})
    expected = [
        pos_of(CLIENT, '"http://localhost:8000/health"'),
        pos_of(CLIENT, 'f"http://billing:8000/orders/{order_id}"'),
        pos_of(CLIENT, 'BILLING + "/x"'),
        pos_of(CLIENT, 'f"{BILLING}/x"'),
        pos_of(CLIENT, '"http://10.0.3.4/x"'),
        pos_of(CLIENT, '"http://inventory.svc.cluster.local/x"'),
        pos_of(CLIENT, '"http://127.0.0.1:9000/x"'),
        pos_of(CLIENT, '"http://pricing:8080/quote"'),
        pos_of(CLIENT, '"http://localhost:{}/x"'),
    ]
    assert sorted(f.start for f in found) == sorted(expected)
    by_start = {f.start: f for f in found}
    f = by_start[pos_of(CLIENT, '"http://localhost:8000/health"')]
    assert f.end == (f.start[0], f.start[1] + len('"http://localhost:8000/health"'))
    assert "`requests.get()` calls `localhost`" in f.message
    assert "the local machine" in f.message and "settings or an environment variable" in f.message
    assert f.severity == Severity.WARNING
    assert "(through `BILLING`)" in by_start[pos_of(CLIENT, 'BILLING + "/x"')].message
    assert "`client.get()` calls `pricing`" in by_start[pos_of(CLIENT, '"http://pricing')].message
    assert "private network" in by_start[pos_of(CLIENT, '"http://10.0.3.4/x"')].message


@pytest.mark.parametrize(
    "path",
    ["tests/test_client.py", "proj/settings.py", "scripts/smoke.py", "manage.py"],
)
def test_int005_quiet_outside_deployed_code(tmp_path, path):
    assert int005(tmp_path, {path: CLIENT}) == []


def test_int005_suppression(tmp_path):
    found = int005(tmp_path, {"shop/client.py": CLIENT})
    assert_suppress_edit_silences(tmp_path, min(found, key=lambda f: f.start))
