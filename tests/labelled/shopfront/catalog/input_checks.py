"""Catalogue editing endpoints: writes of request data (VAL010) and look-alikes."""

import json

from django import forms
from django.http import JsonResponse
from rest_framework import permissions
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from shopfront.catalog.models import Category, Product
from shopfront.catalog.serializers import ProductRefSerializer

EDITABLE = {"title", "colour"}


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=80)
    slug = forms.SlugField()


@api_view(["POST"])
@permission_classes([permissions.IsAdminUser])
def create_product(request):
    product = Product.objects.create(**request.data)  # expect: VAL010
    return Response({"id": product.pk}, status=201)


@api_view(["PATCH"])
@permission_classes([permissions.IsAdminUser])
def edit_product(request, pk):
    Product.objects.filter(pk=pk).update(**request.data)  # expect: VAL010
    return Response(status=204)


@api_view(["PUT"])
@permission_classes([permissions.IsAdminUser])
def upsert_product(request, sku):
    fields = request.data.dict()
    Product.objects.update_or_create(sku=sku, defaults=fields)  # expect: VAL010
    return Response(status=204)


@api_view(["POST"])
@permission_classes([permissions.IsAdminUser])
def build_product(request):
    product = Product(**request.data)  # expect: VAL010
    product.save()
    return Response(status=201)


def create_category(request):
    payload = json.loads(request.body)
    category = Category.objects.create(**payload)  # expect: VAL010
    return JsonResponse({"id": category.pk})


def rename_category(request, pk):
    category = Category.objects.get(pk=pk)
    for key, value in request.POST.items():
        setattr(category, key, value)  # expect: VAL010
    category.save()
    return JsonResponse({})


def restyle_product(request, pk):
    product = Product.objects.get(pk=pk)
    product.__dict__.update(request.POST.dict())  # expect: VAL010
    product.save()
    return JsonResponse({})


# look-alikes: the fields written are chosen by a serializer, a form or the code


@api_view(["POST"])
@permission_classes([permissions.IsAdminUser])
def create_product_checked(request):
    serializer = ProductRefSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    product = Product.objects.create(**serializer.validated_data)
    return Response({"id": product.pk}, status=201)


def create_category_checked(request):
    form = CategoryForm(request.POST)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    category = Category.objects.create(**form.cleaned_data)
    return JsonResponse({"id": category.pk})


def create_category_named(request):
    payload = json.loads(request.body)
    category = Category.objects.create(name=payload["name"], slug=payload["slug"])
    return JsonResponse({"id": category.pk})


def restyle_product_checked(request, pk):
    product = Product.objects.get(pk=pk)
    for key, value in request.POST.items():
        if key in EDITABLE:
            setattr(product, key, value)
    product.save()
    return JsonResponse({})


def search_products(request):
    found = Product.objects.filter(is_published=True, **request.GET.dict())[:50]
    return JsonResponse({"skus": [p.sku for p in found]})


def page_context(request):
    context = {"title": "Catalogue"}
    context.update(**request.GET.dict())
    return JsonResponse(context)


def copy_product(request, pk):
    source = Product.objects.get(pk=pk)
    values = {"title": source.title, "category": source.category, "unit_price": source.unit_price}
    return JsonResponse({"id": Product.objects.create(sku=request.POST["sku"], **values).pk})
