"""Stock and price feeds that suppliers upload as XML (VAL012) and look-alikes."""

import io
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.dom import minidom

from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.http import JsonResponse
from lxml import etree

from shopfront.catalog.models import Product

SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
LEGACY_PARSER = etree.XMLParser(resolve_entities=True)  # expect: VAL012


def import_stock(request):
    root = ET.fromstring(request.body)  # expect: VAL012
    skus = [item.get("sku") for item in root.iter("item")]
    return JsonResponse({"skus": skus})


def import_prices(request):
    upload = request.FILES["prices"]
    tree = etree.parse(upload)  # expect: VAL012
    return JsonResponse({"rows": len(tree.getroot())})


def import_titles(request):
    document = minidom.parse(io.BytesIO(request.body))  # expect: VAL012
    return JsonResponse({"tag": document.documentElement.tagName})


# look-alikes: defusedxml, a parser of our own, the project's own files


def import_stock_safely(request):
    root = SafeET.fromstring(request.body)
    return JsonResponse({"skus": [item.get("sku") for item in root.iter("item")]})


def import_prices_safely(request):
    tree = etree.parse(request.FILES["prices"], parser=SAFE_PARSER)
    return JsonResponse({"rows": len(tree.getroot())})


def load_colour_table():
    tree = ET.parse(Path(settings.BASE_DIR) / "catalog" / "colours.xml")
    return {c.get("code"): c.text for c in tree.getroot()}


def product_feed(request):
    root = ET.Element("products")
    for product in Product.objects.filter(is_published=True).only("sku", "title")[:100]:
        ET.SubElement(root, "product", sku=product.sku).text = product.title
    return JsonResponse({"xml": ET.tostring(root, encoding="unicode")})
