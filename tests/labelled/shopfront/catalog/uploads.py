"""Product images and supplier documents uploaded by staff (VAL013) and look-alikes."""

import os

from django import forms
from django.core.files.storage import default_storage
from django.http import JsonResponse

from shopfront.catalog.models import Product

IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024


class SpecSheetForm(forms.Form):
    sheet = forms.FileField()


def upload_product_image(request, pk):
    product = Product.objects.get(pk=pk)
    image = request.FILES["image"]
    name = default_storage.save(f"products/{product.sku}/{image.name}", image)  # expect: VAL013
    return JsonResponse({"name": name})


def upload_gallery(request, pk):
    product = Product.objects.get(pk=pk)
    for photo in request.FILES.getlist("photos"):
        with open(f"/srv/media/products/{product.sku}/{photo.name}", "wb") as out:
            for chunk in photo.chunks():
                out.write(chunk)  # expect: VAL013
    return JsonResponse({})


def upload_price_list(request):
    with open("/srv/imports/prices.csv", "wb") as out:
        out.write(request.FILES["prices"].read())  # expect: VAL013, PERF002
    return JsonResponse({})


# look-alikes: the type and size are checked, a form validates, nothing uploaded


def upload_product_image_checked(request, pk):
    product = Product.objects.get(pk=pk)
    image = request.FILES["image"]
    if image.content_type not in IMAGE_TYPES or image.size > MAX_IMAGE_BYTES:
        return JsonResponse({"error": "unsupported image"}, status=415)
    name = default_storage.save(f"products/{product.sku}/{image.name}", image)
    return JsonResponse({"name": name})


def upload_spec_sheet(request):
    form = SpecSheetForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    sheet = form.cleaned_data["sheet"]
    return JsonResponse({"name": default_storage.save(f"specs/{sheet.name}", sheet)})


def upload_manual(request):
    manual = request.FILES["manual"]
    if os.path.splitext(manual.name)[1].lower() != ".pdf":
        return JsonResponse({"error": "PDF only"}, status=415)
    return JsonResponse({"name": default_storage.save(f"manuals/{manual.name}", manual)})


def export_titles(request):
    with open("/srv/exports/titles.txt", "w") as out:
        for product in Product.objects.only("title")[:500]:
            out.write(product.title + "\n")
    return JsonResponse({})
