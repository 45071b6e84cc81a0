import logging
import re

import ldap
from ldap.filter import escape_filter_chars, filter_format
from lxml import etree

logger = logging.getLogger(__name__)

CATALOGUE = etree.parse("catalogue.xml")
DIRECTORY = "ou=people,dc=shop,dc=example"


def find_members(conn, username):
    return conn.search_s(DIRECTORY, ldap.SCOPE_SUBTREE, f"(uid={username})")  # expect: VAL016


def find_members_escaped(conn, username):
    return conn.search_s(DIRECTORY, ldap.SCOPE_SUBTREE, f"(uid={escape_filter_chars(username)})")


def find_group(conn, group):
    return conn.search_s(DIRECTORY, ldap.SCOPE_SUBTREE, filter_format("(cn=%s)", [group]))


def products_tagged(tag):
    return CATALOGUE.xpath("//product[tag='" + tag + "']/@sku")  # expect: VAL015


def products_in(category):
    return CATALOGUE.xpath("//product[@category=$category]/@sku", category=category)


def matching(pattern, names):
    rule = re.compile(pattern, re.IGNORECASE)  # expect: VAL017
    return [n for n in names if rule.search(n)]


def matching_literally(term, names):
    rule = re.compile(re.escape(term), re.IGNORECASE)
    return [n for n in names if rule.search(n)]


def note_search(term):
    logger.info("catalogue search: " + term)  # expect: VAL014


def note_search_quoted(term):
    logger.info("catalogue search: %r", term)
    logger.info(f"catalogue search: {term!r}")
