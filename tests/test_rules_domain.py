"""Business Logic & Domain Modeling: DOM001 fat-handler, and the write facts it
measures with (facts/logic.py), which the report reads too."""

from __future__ import annotations

from pathlib import Path

from backend_lens import catalogue
from backend_lens.engine.project import Project
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    only,
    pos_of,
    write_files,
)

RULE = catalogue.load().get("DOM001")
EXAMPLE = RULE.code_block("Example")
USE_INSTEAD = RULE.code_block("Use instead")

MODELS = """
from django.db import models


class Customer(models.Model):
    credit = models.DecimalField(max_digits=10, decimal_places=2)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    status = models.CharField(max_length=20)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    sku = models.CharField(max_length=32)
"""

URLS = """
from django.urls import path

from shop import views

urlpatterns = [
    path("checkout/", views.checkout),
    path("orders/", views.OrderView.as_view()),
    path("quick/", views.quick_checkout),
]
"""

# 2 writes, 7 decisions, 30+ lines: a fat handler (5 decisions without the if/elif)
FAT_BODY = """
    data = request.POST
    customer = Customer.objects.filter(pk=data.get("customer")).first()
    if customer is None:
        raise Http404("no such customer")
    if not data.get("sku"):
        return HttpResponseBadRequest("sku")
    if data.get("quantity", "0") == "0":
        return HttpResponseBadRequest("quantity")
    if customer.credit <= 0:
        return HttpResponseBadRequest("credit")
    status = "new"
    if data.get("express"):
        status = "express"
    elif data.get("pickup"):
        status = "pickup"
    order = Order.objects.create(customer=customer, status=status)
    order.lines.create(sku=data["sku"])
    # the lines below only make the handler long enough
    summary = {
        "id": order.pk,
        "status": order.status,
        "sku": data["sku"],
    }
    summary["customer"] = customer.pk
    summary["quantity"] = data.get("quantity")
    summary["express"] = bool(data.get("express"))
    summary["pickup"] = bool(data.get("pickup"))
    summary["note"] = data.get("note", "")
    summary["channel"] = data.get("channel", "web")
    summary["currency"] = data.get("currency", "EUR")
    summary["locale"] = data.get("locale", "en")
    return JsonResponse(summary, status=201)
"""


def _indent(body: str, by: str) -> str:
    return "\n".join(by + line[4:] if line.strip() else line for line in body.splitlines())


VIEWS = (
    """
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View

from shop.models import Customer, Order


def checkout(request):
"""
    + FAT_BODY
    + """

class OrderView(View):
    @method_decorator(login_required)
    def post(self, request):
"""
    + _indent(FAT_BODY, "        ")
    + """

    def _place(self, request):
"""
    + _indent(FAT_BODY, "        ")
    + """

def quick_checkout(request):
    data = request.POST
    customer = Customer.objects.get(pk=data["customer"])
    order = Order.objects.create(customer=customer, status="new")
    order.lines.create(sku=data["sku"])
    return JsonResponse({"id": order.pk}, status=201)
"""
)

SERVICES = (
    """
from django.http import Http404, HttpResponseBadRequest, JsonResponse

from shop.models import Customer, Order


def place_order(request):
"""
    + FAT_BODY
)


def dom001(tmp_path, files):
    return only(analyze_files(tmp_path, files), "DOM001")


def test_rule_page_example_is_found_on_the_handler_name(tmp_path):
    (f,) = dom001(tmp_path, {"shop/views.py": EXAMPLE})
    assert f.start == pos_of(EXAMPLE, "place_order")
    assert f.end == (f.start[0], f.start[1] + len("place_order"))
    assert "`place_order`" in f.message
    assert "7 decisions" in f.message and "write 2 times" in f.message
    assert "`shop/services.py`" in f.message
    assert f.severity == Severity.INFO and f.fix is None
    assert RULE.section == "Business Logic & Domain Modeling" and RULE.score == "service"


def test_rule_page_use_instead_is_quiet(tmp_path):
    assert dom001(tmp_path, {"shop/views.py": USE_INSTEAD}) == []


def test_django_function_view_and_view_method_are_flagged_not_helpers(tmp_path):
    files = {
        "manage.py": "",
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "shop/urls.py": URLS,
        "shop/views.py": VIEWS,
        "shop/services.py": SERVICES,
    }
    found = dom001(tmp_path, files)
    text = (tmp_path / "shop/views.py").read_text()
    lines = text.splitlines()
    got = sorted((f.start[0], lines[f.start[0] - 1].strip()) for f in found)
    assert got == [
        (pos_of(text, "def checkout")[0], "def checkout(request):"),
        (pos_of(text, "def post")[0], "def post(self, request):"),
    ], got
    by_line = {f.start[0]: f for f in found}
    post = by_line[pos_of(text, "def post")[0]]
    assert "`OrderView.post`" in post.message  # a decorated method is its class's
    # the writes are named as written: the model and the related manager
    assert "(`Order`, `order.lines`)" in post.message
    assert "7 decisions" in post.message  # five `if`, one `elif`, one `raise`


def test_below_the_thresholds_is_quiet(tmp_path):
    one_write = FAT_BODY.replace('    order.lines.create(sku=data["sku"])\n', "")
    few_decisions = FAT_BODY.replace(
        '    if data.get("express"):\n        status = "express"\n', ""
    ).replace('    elif data.get("pickup"):\n        status = "pickup"\n', "")
    for body in (one_write, few_decisions):
        views = (
            "from django.http import Http404, HttpResponseBadRequest, JsonResponse\n"
            "from shop.models import Customer, Order\n\n\ndef checkout(request):\n" + body
        )
        files = {
            "manage.py": "",
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
            "shop/urls.py": 'from django.urls import path\nfrom shop import views\n\nurlpatterns = [path("c/", views.checkout)]\n',
            "shop/views.py": views,
        }
        assert dom001(tmp_path, files) == [], body


def test_what_is_not_a_database_write_is_not_counted(tmp_path):
    src = """
    from flask import Flask, request
    from django.core.cache import cache

    app = Flask(__name__)


    @app.post("/upload")
    def upload():
        data = request.get_json()
        form = OrderForm(data)
        draft = form.save(commit=False)
        image = make_image(data)
        image.save(buffer, format="PNG")
        workbook.save("out.xlsx")
        cache.delete("orders")
        request.session.save()
        stats.update({"n": 1})
        if data.get("a"):
            pass
        if data.get("b"):
            pass
        if data.get("c"):
            pass
        if data.get("d"):
            pass
        if data.get("e"):
            pass
        if data.get("f"):
            pass
        draft.note = "x"
        return {}, 200
    """
    write_files(tmp_path, {"app.py": src})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    facts = project.results[str((tmp_path / "app.py").resolve())].facts
    assert facts.logic == ()
    assert only(project.all_findings(), "DOM001") == []


def test_write_facts_name_what_is_written(tmp_path):
    src = """
    from shop.models import Order


    def settle(session, order_id):
        Order.objects.filter(pk=order_id).update(status="paid")
        order = Order.objects.get(pk=order_id)
        order.lines.create(sku="fee")
        order.save(update_fields=["status"])
        session.add(order)
        models.Refund.objects.bulk_create([])
        Order(status="copy").save()
        if order.total > 100:
            raise ValueError("too much")
    """
    write_files(tmp_path, {"shop/payments.py": src})
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    facts = project.results[str((tmp_path / "shop/payments.py").resolve())].facts
    (fact,) = facts.logic
    assert fact.function == "settle" and fact.owner == "" and fact.line == 4
    assert fact.writes == 6
    # once per write: the report counts the writes each model gets
    assert fact.targets == ("Order", "Order", "Refund", "order", "order", "order.lines")
    assert fact.decisions == 2


def test_suppression_edit_silences_it(tmp_path):
    files = {"shop/views.py": EXAMPLE}
    (f,) = dom001(tmp_path, files)
    assert_suppress_edit_silences(tmp_path, f)


def test_a_path_of_its_own_app_is_suggested(tmp_path):
    (f,) = dom001(tmp_path, {"billing/api/views.py": EXAMPLE})
    assert "`billing/api/services.py`" in f.message
    assert Path(f.path).name == "views.py"
