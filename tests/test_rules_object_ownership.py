"""Authentication & Authorization Systems: AUTH003 object-by-id-without-owner-check."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, fix_and_recheck, only, pos_of

MODELS = """
from django.conf import settings
from django.db import models


class Order(models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    total = models.DecimalField(max_digits=10, decimal_places=2)


class Product(models.Model):
    title = models.CharField(max_length=200)
"""

VIEWS = """
from django.shortcuts import get_object_or_404
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import {perm}
from rest_framework.response import Response

from shop.models import Order, Product


@api_view(["GET"])
@permission_classes([{perm}])
def order_detail(request, pk):
    {body}
    return Response({{"total": str(order.total)}})


urlpatterns = [path("orders/<int:pk>/", order_detail)]
"""

LOOKUP = "order = get_object_or_404(Order, pk=pk)"


def auth003(tmp_path, body=LOOKUP, perm="IsAuthenticated", models=MODELS, path="shop/api.py"):
    src = VIEWS.format(perm=perm, body=body)
    found = only(analyze_files(tmp_path, {"shop/models.py": models, path: src}), "AUTH003")
    return src, found


def test_auth003_get_object_or_404_by_pk_only(tmp_path):
    src, (f,) = auth003(tmp_path)
    assert f.start == pos_of(src, "get_object_or_404(Order")
    assert f.end == (f.start[0], pos_of(src, "pk=pk)")[1] + len("pk=pk)"))
    assert "`Order` is loaded by `pk`" in f.message and "`customer`" in f.message
    assert "customer=request.user" in f.message
    assert f.severity == Severity.ERROR


def test_auth003_fix_adds_the_owner_filter(tmp_path):
    _, (f,) = auth003(tmp_path)
    edited, after = fix_and_recheck(tmp_path, f)
    assert "get_object_or_404(Order, pk=pk, customer=request.user)" in edited["shop/api.py"]
    assert only(after, "AUTH003") == []


@pytest.mark.parametrize(
    "body",
    [
        "order = get_object_or_404(Order, pk=pk, customer=request.user)",
        "order = request.user.order_set.get(pk=pk)",
        "order = Order.objects.filter(customer=request.user).get(pk=pk)",
        "order = get_object_or_404(Order, pk=pk)\n    if order.customer != request.user:\n"
        "        raise Http404",
        "order = get_object_or_404(Order, pk=pk)\n    if not request.user.has_perm('shop.view_order'):\n"
        "        raise PermissionDenied",
        "order = get_object_or_404(Product, pk=pk)  # no owner: a catalogue row",
    ],
)
def test_auth003_quiet_when_the_row_is_related_to_the_user(tmp_path, body):
    assert auth003(tmp_path, body)[1] == []


def test_auth003_objects_get(tmp_path):
    src, found = auth003(tmp_path, "order = Order.objects.get(pk=pk)")
    assert [f.start for f in found] == [pos_of(src, "Order.objects.get(")]


@pytest.mark.parametrize("perm", ["IsAdminUser", "AllowAny"])
def test_auth003_needs_a_signed_in_user_without_a_role_guard(tmp_path, perm):
    assert auth003(tmp_path, perm=perm)[1] == []


def test_auth003_quiet_in_tests(tmp_path):
    assert auth003(tmp_path, path="tests/test_api.py")[1] == []


FASTAPI = """
import uuid

from fastapi import APIRouter, Depends
from sqlmodel import Field, Session, SQLModel

from app.deps import get_current_user, get_session

router = APIRouter(prefix="/invoices")


class Invoice(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="user.id")
    amount: int


@router.get("/{invoice_id}")
def read_invoice(invoice_id: uuid.UUID, session=Depends(get_session), me=Depends(get_current_user)):
    invoice = session.get(Invoice, invoice_id)
    {check}
    return invoice
"""


def test_auth003_sqlmodel_session_get(tmp_path):
    src = FASTAPI.replace("{check}", "")
    found = only(analyze_files(tmp_path, {"app/invoices.py": src}), "AUTH003")
    assert [f.start for f in found] == [pos_of(src, "session.get(Invoice")]
    assert "`owner_id`" in found[0].message and found[0].fix is None


def test_auth003_sqlmodel_owner_compared(tmp_path):
    src = FASTAPI.replace(
        "{check}", "if invoice.owner_id != me.id:\n        raise HTTPException(404)"
    )
    assert only(analyze_files(tmp_path, {"app/invoices.py": src}), "AUTH003") == []
