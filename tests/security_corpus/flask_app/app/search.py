"""Post search, author directory and feed lookups."""

import re

import ldap
from flask import Blueprint, current_app, jsonify, request
from ldap.filter import escape_filter_chars
from lxml import etree

bp = Blueprint("search", __name__)

AUTHORS = "ou=authors,dc=blog,dc=example"
FEED = etree.parse("feed.xml")
WORD = re.compile(r"\w+")


@bp.route("/posts")
def posts():
    q = request.args.get("q", "")
    titles = ["Hello", "Release notes"]
    found = [t for t in titles if re.match(q, t, re.I)]  # vuln: CWE-1333
    words = WORD.findall(q)  # safe: CWE-1333
    split = re.split(r"[,\s]+", q)  # safe: CWE-1333
    escaped = re.sub(re.escape(q), "", "Hello")  # safe: CWE-1333
    current_app.logger.info("post search: %s" % q)  # vuln: CWE-117
    current_app.logger.info("post search: %s", q)  # safe: CWE-117
    return jsonify(found=found, words=words, split=split, escaped=escaped)


@bp.route("/authors/<name>")
def author(name):
    conn = ldap.initialize(current_app.config["LDAP_URL"])
    hits = conn.search_s(AUTHORS, ldap.SCOPE_ONELEVEL, "(displayName=%s)" % name)  # vuln: CWE-90
    safe = conn.search_s(AUTHORS, ldap.SCOPE_ONELEVEL, "(displayName=%s)" % escape_filter_chars(name))  # safe: CWE-90
    current_app.logger.warning(f"author page {name}")  # vuln: CWE-117
    return jsonify(n=len(hits) + len(safe))


@bp.route("/feed/<int:position>")
def feed_item(position):
    kind = request.values.get("kind", "post")
    item = FEED.xpath(f"//item[{position}]/title/text()")  # safe: CWE-643
    typed = FEED.xpath(f"//item[@kind='{kind}']/title/text()")  # vuln: CWE-643
    current_app.logger.info(f"feed item {position}")  # safe: CWE-117
    return jsonify(item=item, typed=typed)
