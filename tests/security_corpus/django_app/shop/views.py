"""Storefront views: search, orders, reports, small HTML fragments."""

import csv
import io
import json
import os
import uuid
from decimal import Decimal
from enum import Enum

from django.conf import settings
from django.contrib.auth import logout
from django.db import connection
from django.db.models.expressions import RawSQL
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template import Context, Template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from . import reports
from .forms import ReportFilterForm
from .models import Order, Product

ORDERS_TABLE = "shop_order"
SORT_COLUMNS = {"price": "price", "name": "name", "newest": "created_at DESC"}
ALLOWED_STATUSES = ("pending", "paid", "shipped")


class OrderStatus(Enum):
    PAID = "paid"
    REFUNDED = "refunded"


def search_products(request):
    term = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, name FROM shop_product WHERE name ILIKE '%{term}%'")  # vuln: CWE-89
        rows = cursor.fetchall()
    return JsonResponse({"results": rows})


def search_products_v2(request):
    term = request.GET.get("q", "")
    pattern = f"%{term}%"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM shop_product WHERE name ILIKE %s", [pattern])  # safe: CWE-89
        rows = cursor.fetchall()
    return JsonResponse({"results": rows})


def product_list(request):
    sort = request.GET.get("sort", "name")
    if sort not in SORT_COLUMNS:
        sort = "name"
    column = SORT_COLUMNS[sort]
    products = Product.objects.raw(f"SELECT * FROM shop_product ORDER BY {column}")  # safe: CWE-89
    return JsonResponse({"ids": [p.id for p in products]})


def orders_by_status(request):
    status = request.GET.get("status", "pending")
    if status in ALLOWED_STATUSES:
        orders = Order.objects.raw("SELECT * FROM shop_order WHERE status = '%s'" % status)  # safe: CWE-89
        return JsonResponse({"ids": [o.id for o in orders]})
    refunded = Order.objects.raw(f"SELECT * FROM shop_order WHERE status = '{OrderStatus.REFUNDED.value}'")  # safe: CWE-89
    return JsonResponse({"refunded": [o.id for o in refunded]})


def orders_by_email(request):
    email = request.POST["email"]
    query = ("SELECT id, total FROM shop_order o JOIN shop_customer c ON c.id = o.customer_id "
             "WHERE c.email = '%s'") % email
    with connection.cursor() as cur:
        cur.execute(query)  # vuln: CWE-89
        return JsonResponse({"orders": cur.fetchall()})


@require_POST
def update_order_note(request, order_ref):
    note = request.POST.get("note", "")
    sql = "UPDATE shop_order SET note = '{}' WHERE tracking_code = '{}'".format(note, order_ref)
    with connection.cursor() as cur:
        cur.execute(sql)  # vuln: CWE-89
    return JsonResponse({"ok": True})


def order_detail(request, order_id):
    oid = int(order_id)
    with connection.cursor() as cur:
        cur.execute("SELECT id, status, total FROM shop_order WHERE id = %d" % oid)  # safe: CWE-89
        row = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM shop_order WHERE note LIKE '%%gift%%'" % ())  # safe: CWE-89
        gifts = cur.fetchone()[0]
    return JsonResponse({"order": row, "gift_orders": gifts})


def export_orders(request):
    ids = request.GET.getlist("id")
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, total FROM {ORDERS_TABLE} WHERE id IN ({placeholders})", ids)  # safe: CWE-89
        rows = cur.fetchall()
        cur.execute("SELECT * FROM {} WHERE status = 'archived' LIMIT 50".format(ORDERS_TABLE))  # safe: CWE-89
        archived = cur.fetchall()
        cur.execute(f"SET search_path TO {settings.DB_SCHEMA}, public")  # safe: CWE-89
        cur.execute(f"SET statement_timeout = {os.environ.get('EXPORT_TIMEOUT_MS', '5000')}")  # safe: CWE-89
        cur.execute(f"SELECT id FROM shop_order ORDER BY id DESC LIMIT {len(ids)}")  # safe: CWE-89
    return JsonResponse({"rows": rows, "archived": archived, "count": len(ids)})


@require_POST
def clear_cart_items(request):
    id_list = ",".join(request.POST.getlist("item"))
    numeric = ",".join(str(int(i)) for i in request.POST.getlist("keep"))
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM shop_cartitem WHERE id IN ({id_list})")  # vuln: CWE-89
        cur.execute(f"UPDATE shop_cartitem SET kept = true WHERE id IN ({numeric})")  # safe: CWE-89
    return JsonResponse({"ok": True})


@require_POST
def tag_products(request):
    with connection.cursor() as cur:
        for tag in request.POST.getlist("tags"):
            cur.execute(f"INSERT INTO shop_tag (name) VALUES ('{tag}')")  # vuln: CWE-89
        filters = {"city": request.POST.get("city", "")}
        cur.execute("SELECT id FROM shop_address WHERE city = '" + filters["city"] + "'")  # vuln: CWE-89
        params = [request.POST.get("city", "")]
        cur.execute("SELECT id FROM shop_address WHERE city = %s", params)  # safe: CWE-89
    return JsonResponse({"ok": True})


def _region_clause(request):
    return "WHERE region = '%s'" % request.GET.get("region", "eu")


def region_report(request):
    with connection.cursor() as cur:
        cur.execute("SELECT SUM(total) FROM shop_order " + _region_clause(request))  # vuln: CWE-89
        total = cur.fetchone()[0]
    months = reports.monthly_totals(request.GET.get("region", "eu"))
    return JsonResponse({"total": total, "months": months})


def table_sizes(request):
    sizes = {name: reports.table_size(name) for name in ("shop_order", "shop_product")}
    sizes["customers"] = reports.table_size("shop_customer")
    return JsonResponse(sizes)


def sales_window(request):
    start, end = request.GET["from"], request.GET["to"]
    with connection.cursor() as cur:
        cur.execute(f"SELECT SUM(total) FROM shop_order WHERE created BETWEEN '{start}' AND '{end}'")  # vuln: CWE-89
        total = cur.fetchone()[0]
    form = ReportFilterForm(request.GET)
    if form.is_valid():
        year = form.cleaned_data["year"]
        with connection.cursor() as cur:
            cur.execute(f"SELECT SUM(total) FROM shop_order WHERE EXTRACT(year FROM created) = {year}")  # safe: CWE-89
    return JsonResponse({"total": total})


def ranked_products(request):
    term = request.GET.get("q", "")
    ranked = Product.objects.annotate(
        score=RawSQL(f"similarity(name, '{term}')", [])  # vuln: CWE-89
    ).order_by("-score")
    safe_ranked = Product.objects.annotate(score=RawSQL("similarity(name, %s)", [term]))  # safe: CWE-89
    legacy = Product.objects.extra(where=[f"name ILIKE '%%{term}%%'"])  # vuln: CWE-89
    legacy_ok = Product.objects.extra(where=["name ILIKE %s"], params=[f"%{term}%"])  # safe: CWE-89
    return JsonResponse(
        {
            "ranked": [p.id for p in ranked],
            "safe": [p.id for p in safe_ranked],
            "legacy": [p.id for p in legacy],
            "legacy_ok": [p.id for p in legacy_ok],
        }
    )


@require_POST
def import_prices(request):
    upload = request.FILES["prices"]
    with io.TextIOWrapper(upload.file, encoding="utf-8") as fh:
        with connection.cursor() as cur:
            for sku, price in csv.reader(fh):
                cur.execute("UPDATE shop_product SET price = %s WHERE sku = '%s'" % (price, sku))  # vuln: CWE-89
    return JsonResponse({"ok": True})


def greet(request):
    name = request.GET.get("name", "guest")
    if request.GET.get("plain"):
        return HttpResponse(name, content_type="text/plain")  # safe: CWE-79
    if request.GET.get("escaped"):
        return HttpResponse(f"<h1>Hello {escape(name)}</h1>")  # safe: CWE-79
    return HttpResponse(f"<h1>Hello {name}</h1>")  # vuln: CWE-79


def preview_banner(request):
    headline = request.POST.get("headline", "")
    badge = format_html("<span class='badge'>{}</span>", headline)  # safe: CWE-79
    sub = format_html(f"<small>{headline}</small>")  # vuln: CWE-79
    line_break = mark_safe("<br>")  # safe: CWE-79
    bold = mark_safe("<b>%s</b>" % headline)  # vuln: CWE-79
    custom = Template(request.POST.get("layout", "{{ badge }}")).render(Context({"badge": badge}))  # vuln: CWE-1336
    boxed = Template("<div>{{ text }}</div>").render(Context({"text": headline}))  # safe: CWE-79
    context = {"badge": badge, "sub": sub, "br": line_break, "bold": bold, "custom": custom, "boxed": boxed}
    return render(request, "shop/banner_preview.html", context)


@require_GET
def jsonp_stock(request):
    callback = request.GET.get("callback", "handle")
    payload = json.dumps({"in_stock": Product.objects.count()})
    if request.GET.get("format") == "json":
        return HttpResponse(payload, content_type="application/json")  # safe: CWE-79
    return HttpResponse(callback + "(" + payload + ");")  # vuln: CWE-79


def logout_then_next(request):
    logout(request)
    next_url = request.GET.get("next", "/")
    return redirect(next_url)  # vuln: CWE-601


def go_back(request):
    return HttpResponseRedirect(request.META.get("HTTP_REFERER", "/"))  # vuln: CWE-601


@require_POST
def add_to_cart(request):
    product_id = request.POST.get("product", "")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=True):
        target = settings.LOGIN_REDIRECT_URL
    if request.POST.get("stay"):
        return redirect(reverse("cart") + "?added=" + product_id)  # safe: CWE-601
    if request.POST.get("checkout"):
        return redirect("checkout", step="address")  # safe: CWE-601
    return redirect(target)  # safe: CWE-601


def order_lookup(request):
    params = request.GET
    ref = uuid.UUID(params.get("ref", ""))
    amount = Decimal(params.get("min", "0"))
    weight = float(params.get("weight", "0"))
    carrier = params.get("carrier", "")
    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM shop_order WHERE public_ref = '{ref}' AND total >= {amount}")  # safe: CWE-89
        by_ref = cur.fetchall()
        cur.execute("SELECT id FROM shop_parcel WHERE weight <= %f" % weight)  # safe: CWE-89
        light = cur.fetchall()
        cur.execute("SELECT id FROM shop_parcel WHERE carrier = '%s'" % carrier.upper())  # vuln: CWE-89
        by_carrier = cur.fetchall()
    return JsonResponse({"by_ref": by_ref, "light": light, "by_carrier": by_carrier})
