import logging
import re

import ldap
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from lxml import etree

from .lookup import (
    find_group,
    find_members,
    find_members_escaped,
    matching,
    matching_literally,
    note_search,
    note_search_quoted,
    products_in,
    products_tagged,
)

logger = logging.getLogger(__name__)
NAMES = ["red shoes", "blue shirt"]
SKU = re.compile(r"^[A-Z]{3}-\d{4}$")


def members(request):
    conn = ldap.initialize(settings.LDAP_URL)
    found = find_members(conn, request.GET["username"])
    found += find_members_escaped(conn, request.GET["username"])
    found += find_group(conn, request.GET["group"])
    return JsonResponse({"n": len(found)})


def tagged(request):
    skus = products_tagged(request.GET["tag"]) + products_in(request.GET["category"])
    doc = etree.fromstring(request.body)  # expect: VAL012
    titles = doc.xpath(f"//item[@lang='{request.GET['lang']}']/title/text()")  # expect: VAL015
    fixed = doc.xpath("//item[@lang='en']/title/text()")
    return JsonResponse({"skus": skus, "titles": titles + fixed})


def search(request):
    term = request.GET.get("q", "")
    note_search(term)
    note_search_quoted(term)
    logger.warning(f"no results for {term}")  # expect: VAL014
    logger.warning("no results for %s", term)
    logger.info("search page %d", int(request.GET.get("page", 1)))
    logger.info(f"search page {int(request.GET.get('page', 1))}")
    logger.debug(f"search with settings {settings.SEARCH_BACKEND}")
    parts = term.split(",")
    logger.debug(f"search parts {parts}")
    for part in parts:
        logger.debug(f"search part {part!r}")
    hits = matching(term, NAMES) + matching_literally(term, NAMES)
    if re.search(term, "featured"):  # expect: VAL017
        hits.append("featured")
    if SKU.match(term) or re.match(r"^\d+$", term):
        hits.append(term)
    return JsonResponse({"hits": hits})


def back(request):
    return redirect(request.GET.get("next", "/"))  # expect: VAL009
