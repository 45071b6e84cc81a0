"""ORM006: N+1 through a DRF serializer on a list endpoint."""

from __future__ import annotations

import parso

from .helpers import analyze_files, only

MODELS = """\
from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)


class Tag(models.Model):
    name = models.CharField(max_length=20, unique=True)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    tags = models.ManyToManyField(Tag)
    reference = models.CharField(max_length=20, unique=True)
"""
SERIALIZERS = """\
from rest_framework import serializers

from shop.models import Order


class CustomerSerializer(serializers.Serializer):
    email = serializers.EmailField()


class OrderSerializer(serializers.ModelSerializer):
    customer = CustomerSerializer(read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["reference", "customer", "tags"]


class OrderRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["reference", "customer"]
"""
VIEWS = """\
from rest_framework import generics

from shop.models import Order
from shop.serializers import OrderRefSerializer, OrderSerializer


class OrderList(generics.ListAPIView):
    queryset = Order.objects.filter(reference__startswith="A")
    serializer_class = OrderSerializer
"""


def orm006(tmp_path, views=VIEWS, serializers=SERIALIZERS):
    files = {"shop/models.py": MODELS, "shop/serializers.py": serializers, "shop/views.py": views}
    return only(analyze_files(tmp_path, files), "ORM006"), files


def test_nested_and_slug_fields_on_a_list_view_are_reported_with_a_fix(tmp_path):
    (f,), files = orm006(tmp_path)
    assert f.start == (8, 15)  # the queryset expression
    assert "`customer`, `tags`" in f.message and "OrderSerializer" in f.message
    assert f.related[0].path.endswith("shop/serializers.py")
    (edit,) = f.fix.edits
    assert edit.text == '.select_related("customer").prefetch_related("tags")'
    views = (tmp_path / "shop/views.py").read_text()
    line = views.splitlines()[7]
    fixed_line = line[: edit.start[1]] + edit.text + line[edit.start[1] :]
    new = views.replace(line, fixed_line)
    assert 'Order.objects.select_related("customer").prefetch_related("tags").filter(' in new
    assert not list(parso.load_grammar().iter_errors(parso.load_grammar().parse(new)))
    (tmp_path / "shop/views.py").write_text(new)
    again, _ = orm006(tmp_path / "again", views=new)
    assert again == []


def test_relations_already_loaded_are_quiet(tmp_path):
    views = VIEWS.replace(
        'Order.objects.filter(reference__startswith="A")',
        'Order.objects.select_related("customer").prefetch_related("tags")',
    )
    assert orm006(tmp_path, views)[0] == []


def test_get_queryset_is_followed(tmp_path):
    views = VIEWS.replace(
        '    queryset = Order.objects.filter(reference__startswith="A")\n',
        "    def get_queryset(self):\n"
        '        qs = Order.objects.select_related("customer")\n'
        '        return qs.prefetch_related("tags")\n',
    )
    assert orm006(tmp_path, views)[0] == []


def test_retrieve_views_and_primary_key_fields_are_quiet(tmp_path):
    detail = VIEWS.replace("generics.ListAPIView", "generics.RetrieveAPIView")
    assert orm006(tmp_path / "a", detail)[0] == []
    refs = VIEWS.replace(
        "serializer_class = OrderSerializer", "serializer_class = OrderRefSerializer"
    )
    assert orm006(tmp_path / "b", refs)[0] == []


def test_dotted_source_is_a_relation_read(tmp_path):
    serializers = SERIALIZERS.replace(
        '    customer = CustomerSerializer(read_only=True)\n    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)\n',
        '    customer_email = serializers.EmailField(source="customer.email")\n',
    ).replace(
        'fields = ["reference", "customer", "tags"]', 'fields = ["reference", "customer_email"]'
    )
    (f,), _ = orm006(tmp_path, serializers=serializers)
    assert f.fix.edits[0].text == '.select_related("customer")'


def test_a_project_base_view_with_its_own_get_queryset_is_trusted(tmp_path):
    views = VIEWS.replace(
        "class OrderList(generics.ListAPIView):",
        "class BaseList(generics.ListAPIView):\n    def get_queryset(self):\n        return self.prefetch(super().get_queryset())\n\n\nclass OrderList(BaseList):",
    )
    assert orm006(tmp_path, views)[0] == []
