"""Query and file helpers used by the API views."""

import logging
import os
import re

from django.conf import settings
from django.db import connection
from ldap3.utils.conv import escape_filter_chars


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


audit = logging.getLogger("api.audit")


def directory_filter(uid):
    return f"(&(objectClass=person)(uid={escape_filter_chars(uid)}))"  # safe: CWE-90


def tag_pattern(tag):
    return re.compile(rf"^{tag}\b")  # vuln: CWE-1333


def record_search(term):
    audit.info("search: %s" % term)  # vuln: CWE-117
