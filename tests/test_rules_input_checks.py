"""Input Validation & Sanitization, shape rules: VAL010 mass assignment."""

from __future__ import annotations

from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of

DJANGO_MODELS = """
from django.db import models


class Order(models.Model):
    note = models.TextField()
    is_paid = models.BooleanField(default=False)
"""


def val010(tmp_path, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), "VAL010")


DRF_VIEW = """
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .models import Order
from .serializers import OrderSerializer


@api_view(["POST"])
def create(request):
    order = Order.objects.create(**request.data, customer=request.user)
    return Response({"id": order.pk})


@api_view(["PATCH"])
def edit(request, pk):
    Order.objects.filter(pk=pk).update(**request.data)
    return Response(status=204)


@api_view(["PUT"])
def upsert(request, pk):
    data = {**request.data.copy(), "customer": request.user}
    Order.objects.update_or_create(pk=pk, defaults=data)
    return Response(status=204)


@api_view(["POST"])
def build(request):
    order = Order(**request.data)
    order.save()
    return Response(status=201)


@api_view(["POST"])
def add_line(request, pk):
    order = Order.objects.get(pk=pk)
    order.lines.create(**request.data)
    return Response(status=201)


@api_view(["POST"])
def through_serializer(request):
    serializer = OrderSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    serializer.save(**request.data)
    serializer.save(customer=request.user)
    return Response(status=201)
"""


def test_val010_drf_writes(tmp_path):
    found = val010(tmp_path, {"shop/models.py": DJANGO_MODELS, "shop/views.py": DRF_VIEW})
    starts = sorted(f.start for f in found)
    assert starts == sorted(
        [
            pos_of(DRF_VIEW, "**request.data", 1),
            pos_of(DRF_VIEW, "**request.data", 2),
            pos_of(DRF_VIEW, "defaults=data"),
            pos_of(DRF_VIEW, "**request.data", 4),
            pos_of(DRF_VIEW, "**request.data", 5),
            pos_of(DRF_VIEW, "**request.data", 6),
        ]
    )
    first = min(found, key=lambda f: f.start)
    assert first.end == (first.start[0], first.start[1] + len("**request.data"))
    assert "`**request.data`" in first.message and "Order.objects.create" in first.message
    assert all(f.severity == Severity.ERROR for f in found)
    build = [f for f in found if "into `Order`" in f.message]
    assert len(build) == 1
    assert_suppress_edit_silences(tmp_path, first)


FLASK = """
import json

from flask import Flask, request

from .db import db

app = Flask(__name__)


class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))
    is_admin = db.Column(db.Boolean, default=False)


@app.post("/users")
def create_user():
    user = User(**request.get_json())
    db.session.add(user)
    db.session.commit()
    return {"id": user.id}


@app.put("/users/<int:uid>")
def update_user(uid):
    user = User.query.get_or_404(uid)
    for key, value in request.json.items():
        setattr(user, key, value)
    db.session.commit()
    return {}


@app.patch("/users/<int:uid>")
def patch_user(uid):
    User.query.filter_by(id=uid).update(request.json)
    db.session.commit()
    return {}


@app.patch("/challenges/<int:cid>")
def update_challenge(cid):
    user = User.query.get_or_404(cid)
    data = dict(request.form or request.get_json() or {})
    for attr, value in data.items():
        if attr in ("value", "minimum") and value is not None:
            try:
                value = float(value)
            except ValueError:
                raise ValueError(f"bad {attr}")
        setattr(user, attr, value)
    for attr, value in data.items():
        if attr in ("name", "email"):
            setattr(user, attr, value)
        else:
            raise ValueError(attr)
    for attr, value in data.items():
        if attr.startswith("_"):
            raise ValueError(attr)
        setattr(user, attr, value)
    return {}


@app.post("/raw")
def raw():
    payload = json.loads(request.data)
    user = User.query.first()
    user.__dict__.update(payload)
    return {}
"""

FLASK_DB = """
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
"""


def test_val010_flask_sqlalchemy(tmp_path):
    found = val010(tmp_path, {"app/__init__.py": "", "app/db.py": FLASK_DB, "app/views.py": FLASK})
    assert sorted(f.start for f in found) == sorted(
        [
            pos_of(FLASK, "**request.get_json()"),
            pos_of(FLASK, "setattr(user, key, value)"),
            pos_of(FLASK, "request.json)"),
            pos_of(FLASK, "payload)"),
            pos_of(FLASK, "setattr(user, attr, value)"),
        ]
    )
    loop = next(f for f in found if "setattr" in f.message)
    assert "`request.json`" in loop.message and "into `user`" in loop.message


FASTAPI = """
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from .db import Session
from .models import Item

router = APIRouter()


class ItemIn(BaseModel):
    title: str


@router.post("/items")
def create_item(payload: dict):
    item = Item(**payload)
    return item


@router.post("/items/v2")
def create_item_v2(payload: ItemIn):
    item = Item(**payload.model_dump())
    return item


@router.patch("/items/{item_id}")
def patch_item(item_id: int, payload: ItemIn):
    item = Item(**payload.dict(exclude_unset=True))
    return item


def helper(payload: dict):
    return Item(**payload)
"""

SA_MODELS = """
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Item(Base):
    __tablename__ = "items"
    id = Column(Integer, primary_key=True)
    title = Column(String)
    owner_id = Column(Integer)
"""


def test_val010_fastapi_dict_body_only(tmp_path):
    found = val010(
        tmp_path,
        {
            "api/__init__.py": "",
            "api/db.py": "Session = None\n",
            "api/models.py": SA_MODELS,
            "api/routes.py": FASTAPI,
        },
    )
    assert [f.start for f in found] == [pos_of(FASTAPI, "**payload)")]
    assert "typed `dict`" in found[0].message


QUIET = """
from django import forms
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .models import Order
from .serializers import OrderSerializer

EDITABLE = {"note"}


@api_view(["POST"])
def validated(request):
    serializer = OrderSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    Order.objects.create(**serializer.validated_data)
    return Response(status=201)


def with_form(request):
    form = forms.Form(request.POST)
    if form.is_valid():
        Order.objects.create(**form.cleaned_data)


def named_keys(request):
    Order.objects.create(note=request.POST["note"])
    data = {"note": request.data["note"]}
    Order.objects.create(**data)
    merged = {**data, "customer": request.user}
    Order.objects.create(**merged)


def guarded(request, pk):
    order = Order.objects.get(pk=pk)
    for key, value in request.data.items():
        if key not in EDITABLE:
            continue
        setattr(order, key, value)


def filtering(request):
    return Order.objects.filter(**request.GET.dict())


def context(request):
    ctx = {}
    ctx.update(**request.GET)
    ctx.update(request.POST)
    return ctx


def other_dicts(request, payload):
    Order.objects.create(**payload)
    Order.objects.create(**request.session)


class Schema:
    def __init__(self, **kw):
        self.kw = kw


def to_schema(request):
    return Schema(**request.data)
"""


def test_val010_quiet_on_validated_and_named_data(tmp_path):
    files = {"shop/models.py": DJANGO_MODELS, "shop/views.py": QUIET}
    assert val010(tmp_path, files) == []


def test_val010_quiet_in_tests(tmp_path):
    files = {"shop/models.py": DJANGO_MODELS, "shop/tests/test_views.py": DRF_VIEW}
    assert val010(tmp_path, files) == []


# ------------------------------------------------------------------- VAL011

SERIALIZERS = """
from django import forms
from rest_framework import serializers
from rest_framework.serializers import ModelSerializer

from .base import ShopSerializer
from .models import Order


class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = "__all__"


class OrderForm(forms.ModelForm):
    class Meta:
        model = Order
        exclude = ["customer"]


class OrderNoteSerializer(ShopSerializer):
    class Meta:
        model = Order
        fields = '__all__'


class OrderLinkSerializer(ModelSerializer):
    class Meta:
        model = Order
        exclude = ("customer", "is_paid")
"""

BASE = """
from rest_framework import serializers


class ShopSerializer(serializers.ModelSerializer):
    pass
"""


def test_val011_fields_all_and_exclude(tmp_path):
    found = val011(
        tmp_path,
        {"shop/models.py": DJANGO_MODELS, "shop/base.py": BASE, "shop/serializers.py": SERIALIZERS},
    )
    assert [f.start for f in found] == [
        pos_of(SERIALIZERS, '"__all__"'),
        pos_of(SERIALIZERS, 'exclude = ["customer"]'),
        pos_of(SERIALIZERS, "'__all__'"),
        pos_of(SERIALIZERS, 'exclude = ("customer", "is_paid")'),
    ]
    first = found[0]
    assert first.end == (first.start[0], first.start[1] + len('"__all__"'))
    assert "`OrderSerializer`" in first.message and "serializer" in first.message
    assert "form `OrderForm`" in found[1].message and "does not list" in found[1].message
    assert found[1].end == (found[1].start[0], found[1].start[1] + len('exclude = ["customer"]'))
    assert all(f.severity == Severity.WARNING for f in found)
    assert_suppress_edit_silences(tmp_path, first)


QUIET_SERIALIZERS = """
import django_filters
from django import forms
from rest_framework import serializers

from .models import Order


class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "note"]
        read_only_fields = ["id"]


class OrderCreateForm(forms.ModelForm):
    class Meta(OrderSerializer.Meta):
        exclude = ("note",)


class OrderReadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = "__all__"


class OrderAdminForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = "__all__"


class OrderFilter(django_filters.FilterSet):
    class Meta:
        model = Order
        fields = "__all__"


class Plain(serializers.Serializer):
    class Meta:
        fields = "__all__"


class Empty(forms.ModelForm):
    class Meta:
        model = Order
        exclude = []
"""

ADMIN = """
from django import forms
from django.contrib import admin

from .models import Order


class OrderForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = "__all__"


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    form = OrderForm
"""


def val011(tmp_path, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), "VAL011")


def test_val011_quiet_on_lists_inherited_meta_output_admin_and_filters(tmp_path):
    files = {
        "shop/models.py": DJANGO_MODELS,
        "shop/serializers.py": QUIET_SERIALIZERS,
        "shop/admin.py": ADMIN,
        "shop/tests/test_api.py": SERIALIZERS,
    }
    assert val011(tmp_path, files) == []


# ------------------------------------------------------------------- VAL012

XML_VIEWS = """
import io
import xml.etree.ElementTree as ET
from xml.dom import minidom
from xml.sax import make_parser
from xml.sax.handler import feature_external_ges

from django.http import JsonResponse
from fastapi import APIRouter, UploadFile
from flask import request
from lxml import etree

router = APIRouter()


def django_body(request):
    root = ET.fromstring(request.body)
    return JsonResponse({"n": len(root)})


def django_upload(request):
    upload = request.FILES["feed"]
    tree = etree.parse(upload)
    return JsonResponse({"n": len(tree.getroot())})


def flask_stream():
    buffer = io.BytesIO(request.get_data())
    doc = minidom.parse(buffer)
    return {"tag": doc.documentElement.tagName}


@router.post("/feeds")
async def fastapi_upload(feed: UploadFile):
    content = await feed.read()
    root = etree.fromstring(content)
    return {"n": len(root)}


RISKY = etree.XMLParser(resolve_entities=True)


def sax_parser():
    parser = make_parser()
    parser.setFeature(feature_external_ges, True)
    return parser
"""


def val012(tmp_path, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), "VAL012")


def test_val012_request_xml_and_entity_switch(tmp_path):
    found = val012(tmp_path, {"shop/views.py": XML_VIEWS})
    assert [f.start for f in found] == [
        pos_of(XML_VIEWS, "ET.fromstring(request.body)"),
        pos_of(XML_VIEWS, "etree.parse(upload)"),
        pos_of(XML_VIEWS, "minidom.parse(buffer)"),
        pos_of(XML_VIEWS, "etree.fromstring(content)"),
        pos_of(XML_VIEWS, "resolve_entities=True"),
        pos_of(XML_VIEWS, "(feature_external_ges, True)"),
    ]
    first = found[0]
    assert first.end == (first.start[0], first.start[1] + len("ET.fromstring(request.body)"))
    assert "`request.body`" in first.message and "defusedxml" in first.message
    assert "`request.FILES`" in found[1].message and "lxml" in found[1].message
    assert "uploaded file" in found[3].message
    assert "XXE" in found[4].message and "XXE" in found[5].message
    assert all(f.severity == Severity.ERROR for f in found)
    assert_suppress_edit_silences(tmp_path, first)


QUIET_XML = """
import xml.etree.ElementTree as ET
from pathlib import Path

import requests
from defusedxml import ElementTree as SafeET
from defusedxml.lxml import fromstring as safe_fromstring
from django.conf import settings
from lxml import etree

SAFE = etree.XMLParser(resolve_entities=False, no_network=True)


def defused(request):
    return SafeET.fromstring(request.body), safe_fromstring(request.body)


def own_parser(request):
    return etree.fromstring(request.body, parser=SAFE), etree.fromstring(request.body, SAFE)


def own_files():
    tree = ET.parse(Path(settings.BASE_DIR) / "fixtures" / "catalogue.xml")
    return etree.parse("schema.xsd"), tree


def trusted_feed(url):
    req = requests.get(url, timeout=5)
    return ET.fromstring(req.content)


def from_json(request):
    return request.body.decode()
"""


def test_val012_quiet_on_defusedxml_own_parser_and_own_files(tmp_path):
    files = {"shop/views.py": QUIET_XML, "shop/tests/test_xml.py": XML_VIEWS}
    assert val012(tmp_path, files) == []


# ------------------------------------------------------------------- VAL013

UPLOADS = """
import shutil

from django.core.files.storage import default_storage
from django.http import JsonResponse
from fastapi import APIRouter, UploadFile
from flask import request

router = APIRouter()


def flask_avatar():
    avatar = request.files["avatar"]
    avatar.save(f"/srv/media/{avatar.filename}")
    return {}


def django_storage(req):
    name = default_storage.save("docs/" + req.FILES["doc"].name, req.FILES["doc"])
    return JsonResponse({"name": name})


def django_chunks(request):
    for upload in request.FILES.getlist("photos"):
        with open(f"/srv/media/{upload.name}", "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    return JsonResponse({})


@router.post("/files")
async def fastapi_read(file: UploadFile):
    data = await file.read()
    with open(f"/srv/media/{file.filename}", "wb") as out:
        out.write(data)
    return {}


@router.post("/files/copy")
def fastapi_copy(file: UploadFile):
    with open(f"/srv/media/{file.filename}", "wb") as out:
        shutil.copyfileobj(file.file, out)
    return {}
"""


def val013(tmp_path, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), "VAL013")


def test_val013_uploads_saved_unchecked(tmp_path):
    found = val013(tmp_path, {"shop/views.py": UPLOADS})
    assert [f.start for f in found] == [
        pos_of(UPLOADS, 'avatar.save(f"'),
        pos_of(UPLOADS, 'default_storage.save("docs/"'),
        pos_of(UPLOADS, "out.write(chunk)"),
        pos_of(UPLOADS, "out.write(data)"),
        pos_of(UPLOADS, "shutil.copyfileobj(file.file, out)"),
    ]
    first = found[0]
    assert first.end[0] == first.start[0]
    assert '`request.files["avatar"]`' in first.message and "`flask_avatar`" in first.message
    assert found[2].end == (found[2].start[0], found[2].start[1] + len("out.write(chunk)"))
    assert "getlist" in found[2].message
    assert "uploaded file" in found[3].message
    assert all(f.severity == Severity.WARNING for f in found)
    assert_suppress_edit_silences(tmp_path, first)


CHECKED_UPLOADS = """
import os

from django import forms
from django.core.files.storage import default_storage
from django.http import JsonResponse
from fastapi import APIRouter, HTTPException, UploadFile
from flask import abort, request

router = APIRouter()
ALLOWED = {".png", ".jpg"}


class DocForm(forms.Form):
    doc = forms.FileField()


def allowed_file(name):
    return os.path.splitext(name)[1].lower() in ALLOWED


def flask_checked():
    avatar = request.files["avatar"]
    if not allowed_file(avatar.filename):
        abort(415)
    avatar.save(f"/srv/media/{avatar.filename}")


def django_form(request):
    form = DocForm(request.POST, request.FILES)
    if form.is_valid():
        default_storage.save("docs/x", request.FILES["doc"])
    return JsonResponse({})


def django_size(request):
    doc = request.FILES["doc"]
    if doc.size > 5_000_000 or doc.content_type != "application/pdf":
        return JsonResponse({}, status=413)
    default_storage.save("docs/" + doc.name, doc)
    return JsonResponse({})


@router.post("/files")
async def fastapi_checked(file: UploadFile):
    if file.content_type not in ("image/png", "image/jpeg"):
        raise HTTPException(415)
    data = await file.read()
    with open("/srv/media/x", "wb") as out:
        out.write(data)


def not_uploads(request, instance):
    instance.save()
    request.session.save()
    with open("/tmp/report.csv", "w") as out:
        out.write(request.POST["note"])
    default_storage.save("exports/report.csv", instance.render())
"""


def test_val013_quiet_when_checked_or_not_an_upload(tmp_path):
    files = {"shop/views.py": CHECKED_UPLOADS, "shop/tests/test_uploads.py": UPLOADS}
    assert val013(tmp_path, files) == []
