"""APISEC001 debug-enabled-in-production, APISEC002 allowed-hosts-wildcard."""

from __future__ import annotations

from ...source import syntax as sx
from ..base import Context, detector
from ._common import SECTION, defer_production, elements, is_true, settings_candidates


@detector("APISEC001", section=SECTION, scope="file")
def debug_in_production(ctx: Context):
    found = []
    for name, value, cls in settings_candidates(ctx, {"DEBUG"}):
        if is_true(value):
            found.append(
                (
                    name,
                    ctx.site(value),
                    "`DEBUG = True` in production settings: every error shows a page with the "
                    "stack trace, local variables, settings and SQL to whoever caused it, and "
                    "Django keeps every query in memory; set DEBUG = False (or read it from the "
                    "environment)",
                    cls,
                )
            )
    if found:
        yield defer_production(ctx, "APISEC001", found)


# ---------------------------------------------------------------------------
# APISEC002 allowed-hosts-wildcard


@detector("APISEC002", section=SECTION, scope="file")
def allowed_hosts_wildcard(ctx: Context):
    found = []
    for name, value, cls in settings_candidates(ctx, {"ALLOWED_HOSTS"}):
        items = elements(value)
        if items is None:
            continue
        star = next((e for e in items if sx.string_value(e) == "*"), None)
        if star is None:
            continue
        found.append(
            (
                name,
                ctx.site(star),
                '`ALLOWED_HOSTS` accepts any host ("*") in production settings: Django then '
                "trusts whatever Host header a request sends when it builds absolute links "
                "(password-reset e-mails, redirects, cached pages); list the service's domains",
                cls,
            )
        )
    if found:
        yield defer_production(ctx, "APISEC002", found)
