"""Query and file helpers used by the API views."""

import os

from django.conf import settings
from django.db import connection


def build_region_filter(params):
    region = params.get("region", "eu")
    return "region = '%s'" % region


def export_rows(table_name, columns):
    column_sql = ", ".join(columns)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column_sql} FROM {table_name}")  # vuln: CWE-89
        return cur.fetchall()


def refresh_summary(view_name):
    with connection.cursor() as cur:
        cur.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view_name}")  # safe: CWE-89


def read_export(name):
    with open(os.path.join(settings.EXPORT_DIR, name), encoding="utf-8") as fh:  # vuln: CWE-22
        return fh.read()


def read_template(name):
    with open(os.path.join(settings.BASE_DIR, "templates", "exports", name), encoding="utf-8") as fh:  # safe: CWE-22
        return fh.read()
