"""SQL helpers shared by the report views."""

from django.db import connection


def monthly_totals(region):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_trunc('month', created), SUM(total) FROM shop_order "
            "WHERE region = %s GROUP BY 1 ORDER BY 1",
            [region],
        )
        rows = cursor.fetchall()
        cursor.execute(f"SELECT COUNT(*) FROM shop_order WHERE region = '{region}' AND status = 'refunded'")  # vuln: CWE-89
        refunds = cursor.fetchone()[0]
    return {"rows": rows, "refunds": refunds}


def table_size(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_total_relation_size('{table}')")  # safe: CWE-89
        return cursor.fetchone()[0]
