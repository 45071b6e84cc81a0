"""Generated Django code for the benchmarks: a workspace with a small models.py,
a tasks.py and one large views/services module built from varied blocks.

Deterministic: the same arguments give the same text, so figures from two runs
(or two machines) are comparable. Some blocks trigger rules (N+1, count() > 0,
requests without a timeout, SQL built with an f-string, select_for_update
outside a transaction, a task queued inside a transaction, a filter on an
unindexed field, a blocking call in an async view, a view without permission
classes); most are clean. Comments and strings carry non-ASCII text (accents,
Japanese, and emoji, which are two UTF-16 code units) so edits exercise the
server's position conversion.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from pathlib import Path
from string import Template

MODELS = '''\
"""Shop models used by the generated views module."""

from decimal import Decimal

from django.conf import settings
from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=120)
    country = models.CharField(max_length=2)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=64)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class Order(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(Customer, related_name="orders", on_delete=models.PROTECT)
    status = models.CharField(max_length=20, default="pending")
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, related_name="items", on_delete=models.CASCADE)
    product = models.ForeignKey(Product, related_name="+", on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=20, default="open", db_index=True)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class Invoice(models.Model):
    order = models.ForeignKey(Order, related_name="invoices", on_delete=models.PROTECT)
    number = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=20, default="draft", db_index=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class Shipment(models.Model):
    order = models.ForeignKey(Order, related_name="shipments", on_delete=models.CASCADE)
    carrier = models.CharField(max_length=32)
    tracking_code = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, default="created", db_index=True)
    weight = models.DecimalField(max_digits=8, decimal_places=3)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
'''

TASKS = """\
from celery import shared_task
from django.core.mail import send_mail

from .models import Order


@shared_task(retry_backoff=True, max_retries=5)
def send_cancellation_email(object_id: int, reason: str = "") -> None:
    order = Order.objects.select_related("customer").get(pk=object_id)
    send_mail(
        subject=f"Commande {order.reference} annulée",
        message=reason or "Votre commande a été annulée.",
        from_email=None,
        recipient_list=[order.customer.email],
    )


@shared_task
def notify_warehouse(object_id: int) -> None:
    Order.objects.filter(pk=object_id).update(archived=True)
"""

HEADER = '''\
"""Views and services of the shop: orders, invoices, shipments.

Généré pour les mesures de Backend Lens — ne pas modifier à la main.
このファイルはベンチマーク用に生成されています。
"""

import csv
import logging
import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Invoice, Order, OrderItem, Shipment
from .tasks import notify_warehouse, send_cancellation_email

logger = logging.getLogger(__name__)

CANCELLABLE = {"pending", "paid", "draft", "created", "open"}


class StandardPagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200

'''

# model, variable, foreign key, attribute read through it, money field, unindexed field
ENTITIES = [
    dict(E="Order", var="order", fk="customer", fkattr="email", amount="total", unindexed="status"),
    dict(
        E="OrderItem",
        var="item",
        fk="product",
        fkattr="name",
        amount="unit_price",
        unindexed="quantity",
    ),
    dict(
        E="Invoice",
        var="invoice",
        fk="order",
        fkattr="reference",
        amount="amount",
        unindexed="number",
    ),
    dict(
        E="Shipment",
        var="shipment",
        fk="order",
        fkattr="reference",
        amount="weight",
        unindexed="tracking_code",
    ),
]

CLEAN = {
    "viewset": '''
class ${E}ViewSet$i(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Lecture seule des ${var}s — « vue $i »."""

    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination
    serializer_class = None

    def get_queryset(self):
        return ${E}.objects.select_related("${fk}").order_by("-created_at")

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        ${var} = self.get_object()
        with transaction.atomic():
            ${E}.objects.filter(pk=${var}.pk).update(archived=True)
            transaction.on_commit(lambda: notify_warehouse.delay(${var}.pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

''',
    "labels": '''
def format_${var}_label_$i(${var}) -> str:
    """Étiquette lisible : « ${E} n°… » pour l'administration."""
    prefix = "🧾" if ${var}.pk % 2 else "📦"
    return f"{prefix} ${E} n°{${var}.pk} — {${var}.created_at:%d/%m/%Y}"


def ${var}_amount_display_$i(amount: Decimal, currency: str = "EUR") -> str:
    # Montant arrondi au centime près (ROUND_HALF_UP), 金額の表示
    quantized = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    symbol = {"EUR": "€", "GBP": "£", "JPY": "¥"}.get(currency, currency)
    return f"{quantized} {symbol}"

''',
    "validation": """
def validate_${var}_payload_$i(data: dict) -> dict:
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = "Ce champ est obligatoire."
    elif len(name) > 120:
        errors["name"] = "120 caractères au maximum — Größe prüfen."
    quantity = data.get("quantity")
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        errors["quantity"] = "Nombre entier attendu."
    else:
        if quantity <= 0:
            errors["quantity"] = "Doit être positif (正の数)."
    if errors:
        raise ValidationError(errors)
    return {"name": name, "quantity": quantity}

""",
    "stats": '''
def ${var}_stats_$i(since):
    """Statistiques hebdomadaires (週次統計) par ${fk}."""
    queryset = ${E}.objects.filter(created_at__gte=since).select_related("${fk}")
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for ${var} in queryset:
        # déjà chargé par select_related : pas de requête ici
        totals[str(${var}.${fk}.${fkattr})] += ${var}.${amount}
    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)
    return [{"key": key, "total": str(value)} for key, value in ranked[:10]]

''',
    "listview": '''
class ${E}ListView$i(generics.ListAPIView):
    """Liste paginée des ${var}s, filtrée par date — 🚚 suivi."""

    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination
    serializer_class = None

    def get_queryset(self):
        queryset = ${E}.objects.select_related("${fk}").order_by("-pk")
        since = self.request.query_params.get("since", "").strip()
        if since:
            # Suche ohne Groß-/Kleinschreibung nicht nötig: Datum
            queryset = queryset.filter(created_at__gte=since)
        return queryset

''',
    "bulk": '''
def archive_old_${var}s_$i(before, *, dry_run: bool = False) -> int:
    """Archive les anciens ${var}s par lots de 500 (バッチ処理)."""
    ids = list(${E}.objects.filter(created_at__lt=before, archived=False).values_list("pk", flat=True)[:5000])
    if dry_run:
        logger.info("would archive %d ${var}s", len(ids))
        return len(ids)
    done = 0
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        with transaction.atomic():
            done += ${E}.objects.filter(pk__in=batch).update(archived=True)
    logger.info("archived %d ${var}s · %s", done, "terminé ✓")
    return done

''',
}

RULES = {
    "n_plus_one": '''
class ${E}ExportView$i(APIView):
    """Export CSV pour la comptabilité (export n°$i)."""

    permission_classes = [IsAdminUser]

    def get(self, request):
        start = request.query_params.get("start")
        end = request.query_params.get("end")
        rows = ${E}.objects.filter(created_at__gte=start, created_at__lt=end)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="${var}s-$i-{start}-{end}.csv"'
        writer = csv.writer(response)
        writer.writerow(["id", "créé le", "${fk}", "montant €"])
        for ${var} in rows:
            # une requête par ligne : à corriger
            writer.writerow([${var}.pk, ${var}.created_at.isoformat(), ${var}.${fk}.${fkattr}, ${var}.${amount}])
        return response

''',
    "summary": '''
@api_view(["GET"])
def ${var}_summary_$i(request):
    """Résumé pour le tableau de bord — 集計 ($i)."""
    day = request.query_params.get("day")
    if ${E}.objects.filter(created_at__date=day).count() > 0:
        latest = ${E}.objects.filter(created_at__date=day).order_by("-created_at").first()
        return Response({"day": day, "latest": latest.pk, "note": "données à jour"})
    return Response({"day": day, "latest": None, "note": "aucune donnée — データなし"})

''',
    "http": '''
def sync_${var}_status_$i(${var}_id: int) -> None:
    """Synchronise le statut auprès du transporteur (Größe ≤ 30 kg)."""
    ${var} = ${E}.objects.get(pk=${var}_id)
    response = requests.get(
        f"{settings.CARRIER_API_URL}/v1/${var}s/{${var}.pk}",
        headers={"Authorization": f"Token {settings.CARRIER_API_TOKEN}"},
    )
    response.raise_for_status()
    if response.json().get("status") == "delivered":
        ${E}.objects.filter(pk=${var}.pk).update(archived=True)
        logger.info("🚚 %s livré · 配達済み", ${var}.pk)

''',
    "raw_sql": '''
def ${var}_daily_report_$i(start, end, state=None):
    state_filter = f"AND t.status = '{state}'" if state else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT date_trunc('day', t.created_at)::date AS day, count(*) AS n
            FROM shop_${var} t
            WHERE t.created_at >= %s AND t.created_at < %s {state_filter}
            GROUP BY 1 ORDER BY 1
            """,
            [start, end],
        )
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]

''',
    "lock": """
def mark_${var}_paid_$i(${var}_id: int):
    ${var} = ${E}.objects.select_for_update().get(pk=${var}_id)
    if ${var}.archived:
        return ${var}
    ${var}.archived = True
    ${var}.save(update_fields=["archived"])
    return ${var}

""",
    "task_in_txn": '''
def cancel_${var}_$i(${var}_id: int, *, reason: str = "", actor=None):
    """Annule et prévient le client (« annulation »)."""
    with transaction.atomic():
        ${var} = ${E}.objects.select_for_update().get(pk=${var}_id)
        if not ${var}.archived:
            ${var}.archived = True
            ${var}.save(update_fields=["archived"])
            send_cancellation_email.delay(${var}.pk, reason)
    return ${var}

''',
    "unindexed": """
def find_${var}_by_${unindexed}_$i(value):
    # recherche exacte, utilisée par le support (サポート)
    return ${E}.objects.filter(${unindexed}=value).first()

""",
    "async_sleep": '''
async def ${var}_health_$i(request):
    """Vérification asynchrone — 健康チェック."""
    started = time.monotonic()
    time.sleep(0.05)  # attendre la réplique
    return JsonResponse({"ok": True, "elapsed": time.monotonic() - started, "label": "état ✓"})

''',
}

# 8 of the 28 blocks of a cycle trigger a rule; the rest are clean.
ORDER = [
    "viewset",
    "labels",
    "n_plus_one",
    "validation",
    "stats",
    "listview",
    "summary",
    "bulk",
    "labels",
    "http",
    "stats",
    "validation",
    "viewset",
    "raw_sql",
    "bulk",
    "listview",
    "lock",
    "labels",
    "validation",
    "task_in_txn",
    "stats",
    "bulk",
    "unindexed",
    "viewset",
    "listview",
    "async_sleep",
    "labels",
    "stats",
]


def views_module(target_lines: int = 3000) -> str:
    parts = [HEADER]
    lines = HEADER.count("\n")
    i = 0
    while lines < target_lines:
        kind = ORDER[i % len(ORDER)]
        ent = ENTITIES[(i // len(ORDER) + i) % len(ENTITIES)]
        tpl = CLEAN.get(kind) or RULES[kind]
        block = Template(tpl).substitute(ent, i=i)
        parts.append(block)
        lines += block.count("\n")
        i += 1
    return "".join(parts)


def write_workspace(root: Path, target_lines: int = 3000) -> Path:
    """Write the workspace; returns the path of the large module."""
    app = root / "shop"
    app.mkdir(parents=True, exist_ok=True)
    (app / "__init__.py").write_text("", encoding="utf-8")
    (app / "models.py").write_text(MODELS, encoding="utf-8")
    (app / "tasks.py").write_text(TASKS, encoding="utf-8")
    views = app / "views.py"
    views.write_text(views_module(target_lines), encoding="utf-8")
    return views


def edit_sites(text: str) -> list[tuple[int, int, str]]:
    """Places where typing is realistic: the end of a comment ("comment"), just
    before the closing quote of a one-line string ("string"), the end of a name in
    code ("name"), after a comma followed by a space ("space"), the end of a
    statement ("line break"). (0-based line, code-point column, kind)."""
    sites = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        (srow, scol), (erow, ecol) = tok.start, tok.end
        if tok.type == tokenize.COMMENT:
            sites.append((srow - 1, ecol, "comment"))
        elif tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
            sites.append((srow - 1, ecol, "name"))
        elif tok.type == tokenize.OP and tok.string == "," and tok.line[ecol : ecol + 1] == " ":
            sites.append((srow - 1, ecol, "space"))
        elif tok.type == tokenize.NEWLINE and srow == erow:
            sites.append((srow - 1, scol, "line break"))
        elif tok.type == tokenize.STRING and srow == erow:
            close = 3 if tok.string.endswith(('"""', "'''")) else 1
            if ecol - close > scol and not tok.string.rstrip("'\"").endswith("\\"):
                sites.append((srow - 1, ecol - close, "string"))
    return sites
