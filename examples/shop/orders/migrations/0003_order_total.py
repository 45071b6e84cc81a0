# Orders used to compute their total on the fly; store it so reports can sum it in SQL.

from decimal import Decimal

from django.db import migrations, models
from django.db.models import DecimalField, F, Sum


def backfill_order_totals(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderItem = apps.get_model("orders", "OrderItem")
    totals = OrderItem.objects.values("order_id").annotate(
        total=Sum(F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=12, decimal_places=2))
    )
    for row in totals.iterator(chunk_size=1000):
        Order.objects.filter(pk=row["order_id"]).update(total=row["total"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_orderevent"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="total",
            field=models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=12),
        ),
        migrations.RunPython(backfill_order_totals),
    ]
