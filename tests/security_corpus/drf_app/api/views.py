"""Billing API: products, orders, accounts, invoices, media clips, integrations."""

import os
import subprocess
from decimal import Decimal
from pathlib import Path

import httpx
import jsonpickle
import requests
import yaml
from defusedxml import ElementTree as DefusedET
from django.conf import settings
from django.db import connection
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from lxml import etree as lxml_etree
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Account, Invoice, Order, Product
from .serializers import (
    AccountCreateSerializer,
    AccountSerializer,
    InvoiceSerializer,
    OrderFilterSerializer,
    ProductSerializer,
)
from .services import build_region_filter, export_rows, read_export, read_template, refresh_summary


class ProductSearchView(APIView):
    def get(self, request):
        q = request.query_params.get("q", "")
        exact = Product.objects.raw("SELECT * FROM api_product WHERE sku = '%s'" % q)  # vuln: CWE-89
        bound = Product.objects.raw("SELECT * FROM api_product WHERE sku = %s", [q])  # safe: CWE-89
        ranked = Product.objects.extra(select={"rank": f"ts_rank(search_vector, plainto_tsquery('{q}'))"})  # vuln: CWE-89
        if request.query_params.get("html"):
            return HttpResponse(f"<p>No products match <b>{q}</b></p>")  # vuln: CWE-79
        data = {
            "exact": ProductSerializer(exact, many=True).data,
            "bound": ProductSerializer(bound, many=True).data,
            "ranked": ProductSerializer(ranked, many=True).data,
        }
        return Response({"query": q, **data})  # safe: CWE-79


class OrderReportView(APIView):
    def get(self, request):
        filters = OrderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        limit = filters.validated_data["limit"]
        state = filters.validated_data["status"]
        with connection.cursor() as cur:
            cur.execute(f"SELECT id, total FROM api_order WHERE status = '{state}' LIMIT {limit}")  # safe: CWE-89
            recent = cur.fetchall()
        clause = build_region_filter(request.query_params)
        regional = Order.objects.raw("SELECT * FROM api_order WHERE " + clause)  # vuln: CWE-89
        columns = request.query_params.getlist("col") or ["id", "total"]
        rows = export_rows("api_order", columns)
        refresh_summary("api_sales_summary")
        return Response({"recent": recent, "regional": [o.id for o in regional], "rows": rows})


class OrderImportView(APIView):
    def post(self, request):
        payload = request.data
        items = payload.get("items", [])
        with connection.cursor() as cur:
            for item in items:
                cur.execute(f"INSERT INTO api_orderline (sku, qty) VALUES ('{item['sku']}', {item['qty']})")  # vuln: CWE-89
            table = payload.get("table", "api_tag")
            tags = [(t,) for t in payload.get("tags", [])]
            cur.executemany("INSERT INTO api_tag (name) VALUES (%s)", tags)  # safe: CWE-89
            cur.executemany(f"INSERT INTO {table} (name) VALUES (%s)", tags)  # vuln: CWE-89
        return Response(status=status.HTTP_201_CREATED)


class AccountViewSet(viewsets.ModelViewSet):
    queryset = Account.objects.all()
    serializer_class = AccountSerializer

    @action(detail=False, methods=["post"])
    def quick_create(self, request):
        account = Account.objects.create(**request.data)  # vuln: CWE-915
        return Response({"id": account.pk}, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"])
    def invite(self, request):
        serializer = AccountCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = Account.objects.create(**serializer.validated_data)  # safe: CWE-915
        return Response({"id": account.pk}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["patch"])
    def quick_update(self, request, pk=None):
        Account.objects.filter(pk=pk).update(**request.data)  # vuln: CWE-915
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def reset_defaults(self, request, pk=None):
        defaults = {"role": "customer", "is_staff": False}
        Account.objects.filter(pk=pk).update(**defaults)  # safe: CWE-915
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer

    def retrieve(self, request, pk=None):
        with connection.cursor() as cur:
            cur.execute("SELECT id, sku, title FROM api_product WHERE sku = '" + pk + "'")  # vuln: CWE-89
            row = cur.fetchone()
        return Response({"product": row})

    @action(detail=True)
    def image(self, request, pk=None):
        source = request.query_params.get("source", "")
        picture = requests.get(source, timeout=5)  # vuln: CWE-918
        stock = httpx.get(settings.INVENTORY_URL, params={"sku": pk}, timeout=5)  # safe: CWE-918
        return Response({"size": len(picture.content), "stock": stock.json()})

    @action(detail=False, methods=["post"])
    def register_callback(self, request):
        requests.post(request.data["callback_url"], json={"event": "ping"}, timeout=5)  # vuln: CWE-918
        return Response(status=status.HTTP_202_ACCEPTED)


class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer

    @action(detail=True)
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        return FileResponse(open(os.path.join(settings.EXPORT_DIR, invoice.pdf_path), "rb"))  # safe: CWE-22

    @action(detail=False)
    def download(self, request):
        return FileResponse(open(Path(settings.MEDIA_ROOT) / request.query_params["path"], "rb"))  # vuln: CWE-22

    @action(detail=False)
    def export(self, request):
        body = read_export(request.query_params.get("name", "latest.csv"))
        header = read_template("header.csv")
        return HttpResponse(header + body, content_type="text/csv")


class ClipView(APIView):
    def post(self, request):
        src = request.data.get("source", "")
        start = request.data.get("start", "0")
        subprocess.Popen(f"ffmpeg -ss {start} -i {src} -t 30 /tmp/clip.mp4", shell=True)  # vuln: CWE-78
        width = int(request.data.get("width", 640))
        subprocess.run(f"convert /tmp/frame.png -resize {width} /tmp/thumb.png", shell=True)  # safe: CWE-78
        subprocess.run(["ffprobe", "-v", "error", src], check=False)  # safe: CWE-78
        return Response(status=status.HTTP_202_ACCEPTED)


class DiscountRuleView(APIView):
    def post(self, request):
        rule_src = request.data["rule"]
        code = compile(rule_src, "<discount-rule>", "eval")  # vuln: CWE-95
        discount = eval(code, {"__builtins__": {}}, {"total": Decimal(request.data.get("total", "0"))})  # vuln: CWE-95
        snapshot = jsonpickle.decode(request.data["snapshot"])  # vuln: CWE-502
        overrides = yaml.unsafe_load(request.data.get("overrides", "{}"))  # vuln: CWE-502
        limits = yaml.safe_load(request.data.get("limits", "{}"))  # safe: CWE-502
        return Response({"discount": str(discount), "snap": str(snapshot), "o": overrides, "l": limits})


class InvoiceXmlImportView(APIView):
    def post(self, request):
        tree = lxml_etree.fromstring(request.body)  # vuln: CWE-611
        parser = lxml_etree.XMLParser(resolve_entities=False, no_network=True)
        hardened = lxml_etree.fromstring(request.body, parser=parser)  # safe: CWE-611
        doc = DefusedET.fromstring(request.body)  # safe: CWE-611
        return Response({"n": len(tree), "h": len(hardened), "d": len(doc)})


class OAuthCallbackView(APIView):
    authentication_classes = []
    permission_classes = []

    def get(self, request):
        return_to = request.query_params.get("return_to", settings.FRONTEND_URL)
        if request.query_params.get("error"):
            return HttpResponseRedirect(f"{settings.FRONTEND_URL}/login?error=oauth")  # safe: CWE-601
        return HttpResponseRedirect(return_to)  # vuln: CWE-601
