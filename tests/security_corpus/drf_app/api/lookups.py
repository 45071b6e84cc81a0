"""Directory and catalogue lookups for the API."""

import logging
import re

from ldap3 import SUBTREE, Connection
from ldap3.utils.conv import escape_filter_chars
from lxml import etree
from rest_framework.response import Response
from rest_framework.views import APIView

from .services import directory_filter, record_search, tag_pattern

log = logging.getLogger("api.lookups")
BASE = "dc=shop,dc=example"
SLUG = re.compile(r"^[a-z0-9-]+$")


class MemberSearchView(APIView):
    def get(self, request):
        conn = Connection("ldap://ldap.shop.example", auto_bind=True)
        uid = request.query_params.get("uid", "")
        conn.search(BASE, f"(&(objectClass=person)(uid={uid}))", SUBTREE)  # vuln: CWE-90
        conn.search(BASE, f"(&(objectClass=person)(uid={escape_filter_chars(uid)}))", SUBTREE)  # safe: CWE-90
        conn.search(search_base=BASE, search_filter="(uid=" + uid + ")")  # vuln: CWE-90
        conn.search(BASE, directory_filter(uid), SUBTREE)
        log.info("member search by %s for %s", request.user.pk, uid)  # safe: CWE-117
        return Response({"entries": len(conn.entries)})


class TagView(APIView):
    def post(self, request):
        tag = request.data.get("tag", "")
        pattern = re.compile("^" + tag + "(-[0-9]+)?$")  # vuln: CWE-1333
        exact = re.compile("^" + re.escape(tag) + "(-[0-9]+)?$")  # safe: CWE-1333
        if not SLUG.match(tag):  # safe: CWE-1333
            log.warning(f"bad tag {tag!r}")  # safe: CWE-117
        tags = [t for t in ("a-1", "b") if tag_pattern(tag).match(t)]
        record_search(tag)
        return Response({"tags": tags, "p": pattern.pattern, "e": exact.pattern})


class FeedView(APIView):
    def post(self, request):
        doc = etree.fromstring(b"<feed/>")
        field = request.data["field"]
        values = doc.xpath("//entry/" + field + "/text()")  # vuln: CWE-643
        fixed = doc.xpath("//entry/title/text()")  # safe: CWE-643
        log.error(f"feed field {field} requested")  # vuln: CWE-117
        return Response({"values": values, "fixed": fixed})
