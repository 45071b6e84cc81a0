"""Staff directory and product lookups: LDAP, XPath, search patterns and logs."""

import logging
import re

import ldap
from django.conf import settings
from django.http import JsonResponse
from ldap.filter import escape_filter_chars, filter_format
from lxml import etree

logger = logging.getLogger(__name__)

PEOPLE = "ou=people,dc=shop,dc=example"
FEED = etree.parse("products.xml")
SORT_KEYS = ("name", "price")


def _conn():
    return ldap.initialize(settings.LDAP_URL)


def staff_lookup(request):
    name = request.GET.get("name", "")
    entries = _conn().search_s(PEOPLE, ldap.SCOPE_SUBTREE, f"(cn={name})")  # vuln: CWE-90
    escaped = _conn().search_s(PEOPLE, ldap.SCOPE_SUBTREE, f"(cn={escape_filter_chars(name)})")  # safe: CWE-90
    formatted = _conn().search_s(PEOPLE, ldap.SCOPE_SUBTREE, filter_format("(mail=%s)", [name]))  # safe: CWE-90
    fixed = _conn().search_s(PEOPLE, ldap.SCOPE_SUBTREE, "(objectClass=person)")  # safe: CWE-90
    logger.info(f"staff lookup for {name}")  # vuln: CWE-117
    logger.info("staff lookup for %r", name)  # safe: CWE-117
    return JsonResponse({"n": len(entries) + len(escaped) + len(formatted) + len(fixed)})


def product_feed(request):
    sku = request.GET["sku"]
    price = FEED.xpath("//product[@sku='%s']/price/text()" % sku)  # vuln: CWE-643
    stock = FEED.xpath("//product[@sku=$sku]/stock/text()", sku=sku)  # safe: CWE-643
    count = FEED.xpath(f"count(//product[position() < {int(request.GET.get('n', 10))}])")  # safe: CWE-643
    return JsonResponse({"price": price, "stock": stock, "count": count})


def product_search(request):
    q = request.GET.get("q", "")
    names = ["red shoes", "blue shirt"]
    hits = [n for n in names if re.search(q, n)]  # vuln: CWE-1333
    literal = [n for n in names if re.search(re.escape(q), n)]  # safe: CWE-1333
    in_text = [n for n in names if re.search(r"\bsale\b", q)]  # safe: CWE-1333
    configured = re.compile(settings.SEARCH_PATTERN)  # safe: CWE-1333
    logger.debug("search %s matched %d", q, len(hits))  # safe: CWE-117
    logger.warning("search for " + q + " was slow")  # vuln: CWE-117
    return JsonResponse({"hits": hits + literal + in_text, "p": configured.pattern})
