"""Directory, catalogue and pattern lookups."""

import logging
import re

from fastapi import APIRouter, Header, Query
from ldap3 import Connection
from ldap3.utils.conv import escape_filter_chars
from lxml import etree

from ..config import settings

router = APIRouter()
logger = logging.getLogger(__name__)
CATALOGUE = etree.parse("catalogue.xml")


@router.get("/people")
def people(email: str = Query(...), limit: int = 10):
    conn = Connection(settings.ldap_url, auto_bind=True)
    conn.search("dc=example", "(mail=" + email + ")")  # vuln: CWE-90
    conn.search("dc=example", "(mail=" + escape_filter_chars(email) + ")")  # safe: CWE-90
    conn.search("dc=example", f"(employeeNumber<={limit})")  # safe: CWE-90
    logger.info("people search for %s", email)  # safe: CWE-117
    return {"n": len(conn.entries)}


@router.get("/catalogue/{section}")
def catalogue(section: str, page: int = 1):
    names = CATALOGUE.xpath(f"/catalogue/{section}/item/@name")  # vuln: CWE-643
    paged = CATALOGUE.xpath(f"/catalogue/section/item[{page}]/@name")  # safe: CWE-643
    bound = CATALOGUE.xpath("/catalogue/section[@id=$s]/item/@name", s=section)  # safe: CWE-643
    logger.info(f"catalogue section {section} page {page}")  # vuln: CWE-117
    return {"names": names, "paged": paged, "bound": bound}


@router.get("/match")
def match(pattern: str, text: str, user_agent: str = Header("")):
    hit = re.fullmatch(pattern, text) is not None  # vuln: CWE-1333
    literal = re.fullmatch(re.escape(pattern), text) is not None  # safe: CWE-1333
    browser = re.search(r"Firefox/(\d+)", user_agent)  # safe: CWE-1333
    logger.debug("agent " + repr(user_agent))  # safe: CWE-117
    logger.debug("agent " + user_agent)  # vuln: CWE-117
    return {"hit": hit, "literal": literal, "firefox": bool(browser)}
