"""APISEC008 clickjacking-protection-removed."""

from __future__ import annotations

import re

from ...source import syntax as sx
from ..base import Context, detector
from ._common import SECTION, defer_production, elements, settings_candidates
from .csrf import exempted_views, session_writes

XFRAME_EXEMPT = "django.views.decorators.clickjacking.xframe_options_exempt"
XFRAME_MIDDLEWARE = "django.middleware.clickjacking.XFrameOptionsMiddleware"
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
# a Content-Security-Policy with frame-ancestors does the same job
CSP = re.compile(r"csp|frame.ancestors|CONTENT_SECURITY_POLICY", re.IGNORECASE)


@detector("APISEC008", section=SECTION, scope="file")
def clickjacking_protection_removed(ctx: Context):
    if "MIDDLEWARE" in ctx.text and not CSP.search(ctx.text):
        yield from _middleware(ctx)
    if "xframe_options_exempt" in ctx.text and not ctx.facts.is_test:
        for where, target, text in exempted_views(ctx, XFRAME_EXEMPT):
            if not session_writes(text) or not re.search(r"\brender\(|template", text):
                continue
            yield ctx.finding(
                "APISEC008",
                where,
                f"`xframe_options_exempt` on `{target.children[1].value}`, a page that acts "
                "for the signed-in user: any web site can show it in an invisible frame and "
                "trick the user into clicking its buttons (clickjacking); keep the "
                "X-Frame-Options header, or allow only your own origins with "
                "`xframe_options_sameorigin` or a CSP frame-ancestors list",
            )


def _middleware(ctx: Context):
    found = []
    for name, value, cls in settings_candidates(ctx, {"MIDDLEWARE", "MIDDLEWARE_CLASSES"}):
        items = elements(value)
        if cls is not None or not items:
            continue
        names = [sx.string_value(e) for e in items]
        if any(n is None for n in names):
            continue  # built from other lists: cannot be told
        if XFRAME_MIDDLEWARE in names or not {SESSION_MIDDLEWARE, AUTH_MIDDLEWARE} <= set(names):
            continue
        # appended to later: MIDDLEWARE.append(...), MIDDLEWARE.insert(...)
        if re.search(
            rf"\b{name}\s*\.\s*(?:append|insert|extend)\b", ctx.text[_offset(ctx, value) :]
        ):
            continue
        found.append(
            (
                name,
                ctx.site(value.parent.children[0]),
                f"`{name}` in production settings signs users in with the session cookie "
                "but has no XFrameOptionsMiddleware: any web site can show the pages in an "
                "invisible frame and trick users into clicking their buttons (clickjacking); "
                f'add "{XFRAME_MIDDLEWARE}"',
                None,
            )
        )
    if found:
        yield defer_production(ctx, "APISEC008", found)


def _offset(ctx: Context, node) -> int:
    line, col = node.end_pos
    return sum(len(x) for x in ctx.lines[: line - 1]) + col
