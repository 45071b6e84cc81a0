# Trigram index so the admin and API product search (name__icontains) stays fast.

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm;"),
        migrations.RunSQL(
            sql=(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS catalog_product_name_trgm "
                "ON catalog_product USING gin (name gin_trgm_ops);"
            ),
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS catalog_product_name_trgm;",
        ),
    ]
