"""Background Job Processing: TASK003 task-result-waited-for, TASK004
retry-without-delay, TASK005 task-without-time-limit, TASK006
mail-sent-in-request, and TASK001 on RQ and Dramatiq queues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    only,
    pos_of,
)

RULES = Path(__file__).resolve().parent.parent / "rules" / "background-jobs"


def page_blocks(code: str) -> tuple[str, str]:
    """The Example and Use instead blocks of a rule page."""
    (page,) = RULES.glob(f"{code}-*.md")
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    return blocks[0], blocks[1]


def run(tmp_path, code: str, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), code)


def span(src: str, text: str, occurrence: int = 1):
    start = pos_of(src, text, occurrence)
    return start, (start[0], start[1] + len(text))


# -- TASK003 ---------------------------------------------------------------------


def test_task003_rule_page_example_and_use_instead(tmp_path):
    example, use_instead = page_blocks("TASK003")
    (f,) = run(tmp_path / "a", "TASK003", {"shop/views.py": example})
    assert (f.start, f.end) == span(example, ".get(timeout=30)")
    assert "`build_sales_report`" in f.message and "poll" in f.message
    assert f.severity == Severity.WARNING
    assert run(tmp_path / "b", "TASK003", {"shop/views.py": use_instead}) == []


TASK003_SRC = """
from celery import group, shared_task
from celery.result import AsyncResult
from django.http import JsonResponse
from rest_framework.views import APIView

from shop.tasks import add, build_report


def status(request, task_id):
    return JsonResponse(AsyncResult(task_id).get())


class Totals(APIView):
    def post(self, request):
        total = add.apply_async((1, 2)).get()
        parts = group(add.s(i, i) for i in range(3))().get()
        return JsonResponse({"total": total, "parts": parts})


@shared_task
def outer(n):
    return add.delay(n, n).get(disable_sync_subtasks=False)


def started(request):
    result = build_report.delay(request.user.id)
    options = {"a": 1}
    options.get("a")
    return JsonResponse({"id": result.id})


def helper(n):
    return add.delay(n, n).get()


def state(request, task_id):
    return JsonResponse({"state": AsyncResult(task_id).state})


def finished(request, task_id):
    if AsyncResult(task_id).state == "SUCCESS":
        return JsonResponse(AsyncResult(task_id).get())
    result = AsyncResult(task_id)
    if result.ready():
        return JsonResponse(result.get())
    return JsonResponse({}, status=202)
"""


def test_task003_positions_and_quiet_look_alikes(tmp_path):
    found = run(tmp_path, "TASK003", {"shop/views.py": TASK003_SRC})
    assert [(f.start, f.end) for f in found] == [
        span(TASK003_SRC, ".get()", 1),
        span(TASK003_SRC, ".get()", 2),
        span(TASK003_SRC, ".get()", 3),
        span(TASK003_SRC, ".get(disable_sync_subtasks=False)"),
    ]
    assert "request handler waits for a task" in found[0].message
    assert "`add`" in found[1].message
    assert "`group(...)`" in found[2].message
    assert "the task `outer` waits for `add`" in found[3].message
    assert "chain" in found[3].message


def test_task003_allow_join_result_is_quiet(tmp_path):
    src = """
from celery import shared_task
from celery.result import allow_join_result

from shop.tasks import add


@shared_task
def outer(n):
    with allow_join_result():
        return add.delay(n, n).get()
"""
    assert run(tmp_path, "TASK003", {"shop/tasks2.py": src}) == []


def test_task003_suppress_edit(tmp_path):
    example, _ = page_blocks("TASK003")
    (f,) = run(tmp_path, "TASK003", {"shop/views.py": example})
    assert_suppress_edit_silences(tmp_path, f)


# -- TASK004 ---------------------------------------------------------------------


def test_task004_rule_page_example_and_use_instead(tmp_path):
    example, use_instead = page_blocks("TASK004")
    (f,) = run(tmp_path / "a", "TASK004", {"shop/tasks.py": example})
    assert (f.start, f.end) == span(example, "countdown=0")
    assert "`push_order_to_erp` retries with countdown=0" in f.message
    assert "retry_backoff=True" in f.message
    assert run(tmp_path / "b", "TASK004", {"shop/tasks.py": use_instead}) == []


TASK004_SRC = """
from celery import shared_task
from rq import Retry


@shared_task(autoretry_for=(IOError,), retry_kwargs={"countdown": 0, "max_retries": 3})
def auto(x):
    pass


@shared_task(bind=True, default_retry_delay=0)
def bare(self, x):
    try:
        pass
    except IOError:
        raise self.retry()


@shared_task(autoretry_for=(IOError,), retry_backoff=True, retry_kwargs={"countdown": 0})
def backed_off(x):
    pass


@shared_task(bind=True, autoretry_for=(IOError,))
def default_delay(self, x):
    raise self.retry(exc=IOError())


@shared_task(bind=True, default_retry_delay=0)
def explicit(self, x):
    raise self.retry(countdown=30)


@shared_task(bind=True)
def next_batch(self, cursor):
    if cursor:
        raise self.retry(countdown=0, max_retries=None)


@shared_task(bind=True)
def fallback(self, x):
    try:
        pass
    except IOError:
        raise self.retry(countdown=0, max_retries=0)


def enqueue(q, f):
    q.enqueue(f, retry=Retry(max=3))
    q.enqueue(f, retry=Retry(max=3, interval=[10, 60]))
    q.enqueue(f, retry=Retry(3, 0))
"""


def test_task004_positions_and_quiet_look_alikes(tmp_path):
    found = run(tmp_path, "TASK004", {"shop/tasks.py": TASK004_SRC})
    assert [(f.start, f.end) for f in found] == [
        span(TASK004_SRC, 'retry_kwargs={"countdown": 0, "max_retries": 3}'),
        span(TASK004_SRC, "self.retry()"),
        span(TASK004_SRC, "Retry(max=3)"),
        span(TASK004_SRC, "Retry(3, 0)"),
    ]
    assert "`auto` retries with retry_kwargs countdown=0" in found[0].message
    assert "`bare` retries with default_retry_delay=0" in found[1].message
    assert "no interval" in found[2].message and "interval=[10, 60, 300]" in found[2].message
    assert "interval=0" in found[3].message


# -- TASK005 ---------------------------------------------------------------------


def test_task005_rule_page_example_and_use_instead(tmp_path):
    example, use_instead = page_blocks("TASK005")
    (f,) = run(tmp_path / "a", "TASK005", {"shop/tasks.py": example})
    assert (f.start, f.end) == span(example, "@shared_task")
    assert "`push_order_to_erp`" in f.message and "`requests.post()`" in f.message
    assert f.severity == Severity.INFO
    assert run(tmp_path / "b", "TASK005", {"shop/tasks.py": use_instead}) == []


TASK005_SRC = """
from celery import shared_task
from django.core.mail import send_mail

import requests

from shop.celery import app


@app.task(bind=True, max_retries=3)
def mail(self, address):
    send_mail("Hello", "Body", "shop@example.com", [address])


@shared_task(time_limit=120)
def limited(url):
    requests.get(url, timeout=10)


@shared_task
def local(x):
    return x + 1


@shared_task
def nested(url):
    def inner():
        return requests.get(url, timeout=10)

    return inner
"""


def test_task005_positions_and_quiet_look_alikes(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/celery.py": "from celery import Celery\n\napp = Celery('shop')\n",
        "shop/tasks.py": TASK005_SRC,
    }
    found = run(tmp_path, "TASK005", files)
    assert [(f.start, f.end) for f in found] == [
        span(TASK005_SRC, "@app.task(bind=True, max_retries=3)")
    ]
    assert "`send_mail()`" in found[0].message


@pytest.mark.parametrize("setting", ["CELERY_TASK_TIME_LIMIT", "CELERY_TASK_SOFT_TIME_LIMIT"])
def test_task005_project_time_limit_setting_is_quiet(tmp_path, setting):
    example, _ = page_blocks("TASK005")
    files = {
        "shop/__init__.py": "",
        "shop/settings.py": f"INSTALLED_APPS = ['shop']\n{setting} = 300\n",
        "shop/tasks.py": example,
    }
    assert run(tmp_path, "TASK005", files) == []


def test_task005_app_conf_in_the_same_file_is_quiet(tmp_path):
    src = """
from celery import Celery

import requests

app = Celery("shop")
app.conf.task_time_limit = 300


@app.task
def fetch(url):
    requests.get(url, timeout=10)
"""
    assert run(tmp_path, "TASK005", {"shop/worker.py": src}) == []


# -- TASK006 ---------------------------------------------------------------------


def test_task006_rule_page_example_and_use_instead(tmp_path):
    example, use_instead = page_blocks("TASK006")
    (f,) = run(tmp_path / "a", "TASK006", {"shop/views.py": example})
    call = 'send_mail("You are invited", "Join us", "team@example.com", [email])'
    assert (f.start, f.end) == span(example, call)
    assert "`send_mail()`" in f.message and "queue a task" in f.message
    assert f.severity == Severity.INFO
    assert run(tmp_path / "b", "TASK006", {"shop/views.py": use_instead}) == []


TASK006_SRC = """
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.http import JsonResponse
from rest_framework import viewsets


def invite(request):
    message = EmailMessage("Hi", "Body", "shop@example.com", ["a@example.com"])
    message.send()
    EmailMessage("Hi", "Body", "shop@example.com", ["b@example.com"]).send()
    transaction.on_commit(lambda: send_mail("Hi", "Body", "shop@example.com", ["c@e.com"]))
    return JsonResponse({})


class Members(viewsets.ModelViewSet):
    def perform_create(self, serializer):
        serializer.save()
        send_mail("Welcome", "Body", "shop@example.com", ["d@example.com"])


def notify(address):
    send_mail("Hi", "Body", "shop@example.com", [address])


def later(request):
    def send():
        send_mail("Hi", "Body", "shop@example.com", ["e@example.com"])

    return JsonResponse({"send": bool(send)})
"""


def test_task006_positions_and_quiet_look_alikes(tmp_path):
    found = run(tmp_path, "TASK006", {"shop/views.py": TASK006_SRC})
    assert [(f.start, f.end) for f in found] == [
        span(TASK006_SRC, "message.send()"),
        span(
            TASK006_SRC, 'EmailMessage("Hi", "Body", "shop@example.com", ["b@example.com"]).send()'
        ),
        span(TASK006_SRC, 'send_mail("Welcome", "Body", "shop@example.com", ["d@example.com"])'),
    ]
    assert "`message.send()`" in found[0].message
    assert "`EmailMessage(...).send()`" in found[1].message


def test_task006_flask_mail(tmp_path):
    src = """
from flask import Flask
from flask_mail import Mail, Message

app = Flask(__name__)
mail = Mail(app)


@app.route("/invite", methods=["POST"])
def invite():
    msg = Message("Hi", recipients=["a@example.com"])
    mail.send(msg)
    return "ok"
"""
    (f,) = run(tmp_path, "TASK006", {"app.py": src})
    assert (f.start, f.end) == span(src, "mail.send(msg)")


# -- TASK001 on RQ and Dramatiq --------------------------------------------------

TASK001_SRC = """
import django_rq
import dramatiq
from django.db import transaction
from rq import Queue

from shop.jobs import reindex

queue = Queue("default")


@dramatiq.actor
def notify(order_id):
    pass


@transaction.atomic
def place(order):
    order.save()
    queue.enqueue(reindex, order.pk)
    django_rq.get_queue("low").enqueue(reindex, order.pk)
    notify.send(order.pk)
    order.signal.send(order.pk)


def later(order):
    with transaction.atomic():
        order.save()
    queue.enqueue(reindex, order.pk)
    transaction.on_commit(lambda: notify.send(order.pk))


@transaction.atomic
def other(order, runner, sock):
    runner.enqueue(reindex, order.pk)
    sock.send(b"x")
"""


def test_task001_rq_and_dramatiq(tmp_path):
    found = run(tmp_path, "TASK001", {"shop/services.py": TASK001_SRC})
    assert [(f.start, f.end) for f in found] == [
        span(TASK001_SRC, "queue.enqueue(reindex, order.pk)"),
        span(TASK001_SRC, 'django_rq.get_queue("low").enqueue(reindex, order.pk)'),
        span(TASK001_SRC, "notify.send(order.pk)"),
    ]
    assert "`reindex` is queued on RQ inside a transaction" in found[0].message
    assert "`notify` is queued on Dramatiq" in found[2].message
    assert found[0].fix is not None and "on_commit" in found[0].fix.title


# -- the report's Background Job Processing observations ----------------------------

REPORT_PROJECT = {
    "shop/__init__.py": "",
    "shop/celery.py": """
from celery import Celery

app = Celery("shop")
app.conf.beat_schedule = {
    "nightly-sync": {"task": "shop.tasks.sync_catalog", "schedule": 86400},
}
""",
    "shop/tasks.py": """
import django_rq
from celery import shared_task

from shop.celery import app


@app.task(autoretry_for=(IOError,), retry_backoff=True, time_limit=60)
def sync_catalog():
    pass


@shared_task
def send_receipt(order_id):
    pass


def print_label(order_id):
    pass


def checkout(order_id):
    send_receipt.delay(order_id)
    send_receipt.apply_async((order_id,), countdown=5)
    django_rq.enqueue(print_label, order_id)
""",
}


def test_report_says_where_work_is_queued_and_what_lacks_a_policy(tmp_path, capsys):
    from backend_lens.cli import main

    from tests.helpers import write_files

    write_files(tmp_path, REPORT_PROJECT)
    assert main(["report", str(tmp_path), "-q"]) in (0, 1)
    report = capsys.readouterr().out
    section = report.split("### Background Job Processing", 1)[1].split("###", 1)[0]
    assert "Work is queued at: Celery `.delay()`/`.apply_async()` ×2; RQ `enqueue` ×1." in section
    assert "Periodic work: 1 Celery beat entry (`sync_catalog`)." in section
    assert "Without a retry policy: `print_label`, `send_receipt`." in section
    assert "Celery tasks without a time limit: `send_receipt`." in section


def test_task003_multiprocessing_pools_are_quiet(tmp_path):
    src = """
from multiprocessing import Pool

from django.http import JsonResponse


def square(x):
    return x * x


def compute(request):
    workers = Pool(4)
    first = workers.apply_async(square, (2,)).get()
    with Pool(2) as p:
        second = p.apply_async(square, (3,)).get()
    return JsonResponse({"a": first, "b": second, "c": thread_pool.apply_async(square).get()})
"""
    assert run(tmp_path, "TASK003", {"shop/views.py": src}) == []
