"""Background Job Processing: TASK002 orm-object-passed-to-task."""

from __future__ import annotations

import textwrap

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    fix_and_recheck,
    only,
    pos_of,
)

MODELS = """
from django.db import models


class Order(models.Model):
    total = models.IntegerField()
    uuid = models.UUIDField()


class Receipt:  # not a model
    pass
"""

TASKS = """
from celery import shared_task


@shared_task
def send_order_confirmation(order_id):
    pass
"""

HEAD = """
import django_rq
from django.shortcuts import get_object_or_404
from django.db.models.signals import post_save
from rest_framework import generics

from shop.models import Order, Receipt
from shop.tasks import send_order_confirmation

queue = django_rq.get_queue()
"""


def task002(tmp_path, body: str, path: str = "shop/services.py"):
    src = HEAD + textwrap.dedent(body)
    files = {"shop/models.py": MODELS, "shop/tasks.py": TASKS, path: src}
    return src, only(analyze_files(tmp_path, files), "TASK002")


def test_task002_rule_page_example_and_fix(tmp_path):
    body = """
    def confirm(request, order_id):
        order = get_object_or_404(Order, pk=order_id)
        order.save()
        send_order_confirmation.delay(order)
    """
    src, (f,) = task002(tmp_path, body)
    assert f.start == pos_of(src, "order)")
    assert f.end == (f.start[0], f.start[1] + len("order"))
    assert f.severity == Severity.WARNING
    assert (
        "`order`" in f.message and "`Order`" in f.message and "send_order_confirmation" in f.message
    )
    assert f.fix is not None and "order.pk" in f.fix.title and "load" in f.fix.title
    edited, after = fix_and_recheck(tmp_path, f)
    assert "send_order_confirmation.delay(order.pk)" in edited["shop/services.py"]
    assert only(after, "TASK002") == []


@pytest.mark.parametrize(
    "body, arg",
    [
        (
            "def f(i):\n    order = Order.objects.get(pk=i)\n    send_order_confirmation.delay(order)\n",
            "order)",
        ),
        (
            "def f(i):\n    order = Order.objects.filter(pk=i).select_related('x').first()\n"
            "    send_order_confirmation.apply_async(args=[order], countdown=3)\n",
            "order]",
        ),
        (
            "def f(i):\n    order = Order.objects.create(total=i)\n"
            "    send_order_confirmation.apply_async(kwargs={'order_id': order})\n",
            "order}",
        ),
        (
            "def f(i):\n    order, created = Order.objects.get_or_create(total=i)\n"
            "    send_order_confirmation.s(order).apply_async()\n",
            "order)",
        ),
        (
            "def f(i):\n    order = Order.objects.update_or_create(total=i)[0]\n"
            "    send_order_confirmation.delay(order_id=order)\n",
            "order)",
        ),
        (
            "def f():\n    for order in Order.objects.filter(total=0):\n"
            "        send_order_confirmation.delay(order)\n",
            "order)",
        ),
        ("def f(order: Order):\n    queue.enqueue(send_order_confirmation, order)\n", "order)"),
        (
            "class V(generics.UpdateAPIView):\n    def perform_update(self, serializer):\n"
            "        order = serializer.save()\n        send_order_confirmation.delay(order)\n",
            "order)",
        ),
        (
            "class V(generics.RetrieveAPIView):\n    def post(self, request, pk):\n"
            "        order = self.get_object()\n        send_order_confirmation.si(order).delay()\n",
            "order)",
        ),
        # keyword arguments unpacked beside the named ones (saleor's webhook tasks)
        (
            "def f(i, extra):\n    order = Order.objects.get(pk=i)\n"
            "    send_order_confirmation.apply_async(kwargs={**extra, 'order': order})\n",
            "order}",
        ),
    ],
)
def test_task002_flags_model_instances(tmp_path, body, arg):
    src, found = task002(tmp_path, body)
    assert [f.start for f in found] == [pos_of(src, arg)]


@pytest.mark.parametrize(
    "body",
    [
        "def f(i):\n    order = Order.objects.get(pk=i)\n    send_order_confirmation.delay(order.pk)\n",
        "def f(i):\n    order = Order.objects.get(pk=i)\n    send_order_confirmation.delay(order.id)\n",
        "def f(i):\n    order = Order.objects.get(pk=i)\n"
        "    send_order_confirmation.delay(str(order.uuid))\n",
        "def f(i):\n    order = Order.objects.get(pk=i)\n"
        "    send_order_confirmation.delay({'id': order.pk, 'total': order.total})\n",
        "def f():\n    ids = [o.pk for o in Order.objects.all()]\n"
        "    send_order_confirmation.delay(ids)\n",
        "def f():\n    for order in Order.objects.values_list('pk', flat=True):\n"
        "        send_order_confirmation.delay(order)\n",
        "def f(i):\n    order = Order.objects.filter(pk=i).values('pk').first()\n"
        "    send_order_confirmation.delay(order)\n",
        "def f(i):\n    order = Order.objects.get(pk=i)\n    order = order.pk\n"
        "    send_order_confirmation.delay(order)\n",
        "def f(order, receipt: Receipt):\n    send_order_confirmation.delay(order)\n"
        "    send_order_confirmation.delay(receipt)\n",
        "class V(generics.UpdateAPIView):\n    def perform_update(self, serializer):\n"
        "        serializer.save()\n        send_order_confirmation.delay(serializer.data)\n",
        "def f(i):\n    order = Order.objects.get(pk=i)\n"
        "    post_save.send(sender=Order, instance=order, created=False)\n",
        "def f(ids):\n    send_order_confirmation.apply_async(kwargs={k: v for k, v in ids})\n",
        "def f(i):\n    order = Order.objects.get(pk=i)\n    order.refresh_from_db(fields=None)\n"
        "    send_order_confirmation.delay(i)\n",
    ],
)
def test_task002_quiet_cases(tmp_path, body):
    assert task002(tmp_path, body)[1] == []


def test_task002_quiet_in_tests(tmp_path):
    body = "def test_f():\n    order = Order.objects.create(total=1)\n    send_order_confirmation.delay(order)\n"
    assert task002(tmp_path, body, path="shop/tests/test_services.py")[1] == []


def test_task002_sqlalchemy_session_get_has_no_fix(tmp_path):
    files = {
        "app/models.py": (
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n"
            "class Base(DeclarativeBase):\n    pass\n\n\n"
            "class User(Base):\n    __tablename__ = 'users'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        ),
        "app/jobs.py": (
            "import dramatiq\n\nfrom app.models import User\n\n\n"
            "@dramatiq.actor\ndef welcome(user_id):\n    pass\n\n\n"
            "def signup(session, user_id):\n    user = session.get(User, user_id)\n"
            "    welcome.send(user)\n    welcome.send(user.id)\n"
        ),
    }
    (f,) = only(analyze_files(tmp_path, files), "TASK002")
    assert f.start == pos_of(files["app/jobs.py"], "user)")
    assert "`User`" in f.message and f.fix is None


def test_task002_suppress_edit_silences(tmp_path):
    body = (
        "def f(i):\n    order = Order.objects.get(pk=i)\n    send_order_confirmation.delay(order)\n"
    )
    _, (f,) = task002(tmp_path, body)
    assert_suppress_edit_silences(tmp_path, f)
