"""MIG005: several writes in a request handler outside a transaction."""

from __future__ import annotations

from .helpers import analyze_files, only

HEAD = "from django.db import transaction\nfrom django.http import JsonResponse\n\nfrom shop.models import Order, OrderLine\n\n\n"


def mig005(tmp_path, body, settings=None):
    files = {"shop/views.py": HEAD + body}
    if settings:
        files["config/settings.py"] = settings
    return [(f.start[0], f.message) for f in only(analyze_files(tmp_path, files), "MIG005")]


def test_two_creates_in_a_function_view(tmp_path):
    body = (
        "def place(request):\n"
        "    order = Order.objects.create(customer_id=1)\n"
        "    OrderLine.objects.create(order=order)\n"
        "    return JsonResponse({})\n"
    )
    ((line, message),) = mig005(tmp_path, body)
    assert line == 9 and "`place`" in message and "Order.objects.create()" in message


def test_save_and_update_in_a_view_method(tmp_path):
    body = (
        "class Cancel:\n"
        "    def post(self, request, pk):\n"
        "        order = Order.objects.get(pk=pk)\n"
        "        order.status = 'cancelled'\n"
        "        order.save()\n"
        "        OrderLine.objects.filter(order=order).update(active=False)\n"
    )
    assert [line for line, _ in mig005(tmp_path, body)] == [12]


def test_atomic_block_decorator_and_single_write_are_quiet(tmp_path):
    body = (
        "def a(request):\n    with transaction.atomic():\n"
        "        Order.objects.create()\n        OrderLine.objects.create()\n\n\n"
        "@transaction.atomic\ndef b(request):\n    Order.objects.create()\n    OrderLine.objects.create()\n\n\n"
        "def c(request):\n    Order.objects.create()\n    data = {}\n    data.update(x=1)\n\n\n"
        "def helper(order):\n    order.save()\n    order.lines.first().save()\n"
    )
    assert mig005(tmp_path, body) == []


def test_atomic_requests_setting_silences(tmp_path):
    body = "def place(request):\n    Order.objects.create()\n    OrderLine.objects.create()\n"
    settings = 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "ATOMIC_REQUESTS": True}}\n'
    assert mig005(tmp_path / "a", body) != []
    assert mig005(tmp_path / "b", body, settings) == []


def test_file_storage_writes_are_not_orm_writes(tmp_path):
    body = (
        "def upload(request, storage):\n"
        "    storage.save(request.FILES['f'].name, request.FILES['f'])\n"
        "    request.user.avatar.save('a.png', request.FILES['f'])\n"
        "    storage.delete('old.png')\n"
    )
    assert mig005(tmp_path, body) == []


WRAPPERS = (
    "from contextlib import contextmanager\n\nfrom django.db import transaction\n\n\n"
    "@contextmanager\ndef unit_of_work():\n    with transaction.atomic():\n        yield\n\n\n"
    "def all_or_nothing(view):\n    def inner(*args, **kwargs):\n"
    "        with transaction.atomic():\n            return view(*args, **kwargs)\n\n"
    "    return inner\n\n\n"
    "def logged(view):\n    return view\n"
)


def test_writes_under_a_project_transaction_wrapper_are_quiet(tmp_path):
    body = (
        "from shop.db import all_or_nothing, logged, unit_of_work\n\n\n"
        "@all_or_nothing\ndef a(request):\n    Order.objects.create()\n    OrderLine.objects.create()\n\n\n"
        "def b(request):\n    with unit_of_work():\n"
        "        Order.objects.create()\n        OrderLine.objects.create()\n\n\n"
        "@logged\ndef c(request):\n    Order.objects.create()\n    OrderLine.objects.create()\n\n\n"
        "def d(request):\n    with unit_of_work():\n        Order.objects.create()\n"
        "    OrderLine.objects.create()\n    OrderLine.objects.create()\n"
    )
    files = {"shop/__init__.py": "", "shop/db.py": WRAPPERS, "shop/views.py": HEAD + body}
    found = [f.message for f in only(analyze_files(tmp_path, files), "MIG005")]
    # c: a decorator that is no transaction; d: two writes after the block
    assert len(found) == 2
    assert "`c`" in found[0] and "`d`" in found[1]
    assert "OrderLine.objects.create()` and then `OrderLine.objects.create()" in found[1]
