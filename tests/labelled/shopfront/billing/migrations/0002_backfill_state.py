from django.db import migrations


def backfill(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    Invoice.objects.filter(state="").update(state="open")


def undo(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        migrations.RunPython(backfill, undo),
        migrations.RunPython(backfill),  # expect: MIG001
        migrations.RunSQL("CREATE INDEX IF NOT EXISTS inv_state ON billing_invoice (state)"),  # expect: MIG001
        migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop),
    ]
