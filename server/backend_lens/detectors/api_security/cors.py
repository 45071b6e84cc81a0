"""APISEC003 cors-any-origin-with-credentials."""

from __future__ import annotations

import re

from ...facts.kinds import settings_profile
from ...source import syntax as sx
from ..base import Context, detector
from ._common import (
    SECTION,
    defer_production,
    derives,
    elements,
    final_assignments,
    is_true,
    literal,
    setting_from,
    settings_candidates,
)

CORS_ALLOW_ALL = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")
CORS_MIDDLEWARE = frozenset(
    {"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"}
)
FLASK_CORS = frozenset({"flask_cors.CORS", "flask_cors.cross_origin"})
# an allow_origin_regex that matches every origin
ANY_ORIGIN_REGEX = re.compile(r"^\^?(https?://|https\?://|\(https\?\)://)?\.[*+]\$?$")
CORS_MESSAGE = (
    "{what}: the browser then sends the user's cookies on requests from any web site "
    "and lets that site read the answers, so any page the user visits can act as them "
    "and read their data; list the origins that may call the API"
)


@detector("APISEC003", section=SECTION, scope="file")
def cors_any_origin_with_credentials(ctx: Context):
    if "CORS" not in ctx.text and "cross_origin" not in ctx.text:
        return
    yield from _cors_settings(ctx)
    yield from _cors_middleware(ctx)


def _cors_settings(ctx: Context):
    candidates = {
        name: value
        for name, value, cls in settings_candidates(ctx, {*CORS_ALLOW_ALL})
        if cls is None and is_true(value)
    }
    if not candidates:
        return
    final = final_assignments(ctx)
    local = final.get("CORS_ALLOW_CREDENTIALS")
    if local is not None and not is_true(local):
        return
    if "CORS_ALLOW_CREDENTIALS" in ctx.facts.settings and local is None:
        return  # set in a block or changed later: cannot be told
    found = [
        (name, ctx.site(value), CORS_MESSAGE.format(what=f"`{name} = True` with credentials"), None)
        for name, value in candidates.items()
    ]
    facts, defer = ctx.facts, defer_production(ctx, "APISEC003", found)
    if local is not None:
        yield defer
        return

    def judge(index, facts=facts, inner=defer.judge):
        if setting_from(index, facts, "CORS_ALLOW_CREDENTIALS") is True or any(
            other.settings.get("CORS_ALLOW_CREDENTIALS") is True
            and derives(index, other, facts)
            and settings_profile(other, index)[0] == "production"
            for other in index.files.values()
            if other.is_settings and other.path != facts.path
        ):
            yield from inner(index)

    yield ctx.defer(("settings",), judge)


def _resolved(ctx: Context, node):
    """``node``, or the value of the one module-level assignment of the name it is."""
    if node.type != "name":
        return node
    stmts = ctx.assignments(node.value)
    if len(stmts) != 1 or ctx.enclosing(stmts[0], ("funcdef", "classdef")) is not None:
        return None
    return stmts[0].children[-1]


def _any_origin(ctx: Context, node) -> bool:
    """Whether ``node`` (an origins argument) is "*" or a literal list holding "*"."""
    node = _resolved(ctx, node)
    if node is None:
        return False
    if sx.string_value(node) == "*":
        return True
    items = elements(node)
    return items is not None and any(sx.string_value(e) == "*" for e in items)


def _cors_middleware(ctx: Context):
    if ctx.facts.is_test:
        return
    for _node, call in ctx.calls_of_qualified(FLASK_CORS):
        args = call.args
        creds = sx.kwarg(args, "supports_credentials")
        if creds is None or not is_true(creds.value) or any(a.kind == "dstar" for a in args):
            continue
        origins = sx.kwarg(args, "origins")
        if origins is not None and not _any_origin(ctx, origins.value):
            continue
        resources = sx.kwarg(args, "resources")
        if resources is not None and not _resources_any_origin(ctx, resources.value, origins):
            continue
        what = (
            '`origins` is "*"'
            if origins is not None
            else "no `origins` (flask-cors allows every origin)"
        )
        yield ctx.finding(
            "APISEC003",
            creds.node,
            CORS_MESSAGE.format(
                what=f"`{call.method}(supports_credentials=True)` with {what}; flask-cors "
                "echoes the caller's origin"
            ),
        )
    for _node, call in ctx.calls_to("add_middleware", "Middleware", "CORSMiddleware"):
        args = call.args
        if call.method == "CORSMiddleware":
            if (ctx.qualify(call.callee) or "") not in CORS_MIDDLEWARE:
                continue
        elif (
            not args
            or args[0].kind != "pos"
            or (ctx.qualify(sx.dotted(args[0].value)) or "") not in CORS_MIDDLEWARE
        ):
            continue
        creds = sx.kwarg(args, "allow_credentials")
        if creds is None or not is_true(creds.value):
            continue
        origins = sx.kwarg(args, "allow_origins")
        regex = sx.kwarg(args, "allow_origin_regex")
        if origins is not None and _any_origin(ctx, origins.value):
            where, what = origins, 'allow_origins=["*"]'
        elif regex is not None and ANY_ORIGIN_REGEX.match(sx.string_value(regex.value) or ""):
            where, what = regex, "an allow_origin_regex that matches every origin"
        else:
            continue
        yield ctx.finding(
            "APISEC003",
            where.node,
            CORS_MESSAGE.format(
                what=f"CORSMiddleware with {what} and allow_credentials=True; Starlette "
                "echoes the caller's origin when the request carries cookies"
            ),
        )


def _resources_any_origin(ctx: Context, node, origins) -> bool:
    """Whether a flask-cors ``resources`` argument lets some path answer any origin."""
    node = _resolved(ctx, node)
    if node is None:
        return False
    if sx.string_value(node) is not None or elements(node) is not None:
        return True  # paths only: the origins argument (or its default) applies
    if node.type != "atom" or node.children[0].value != "{":
        return False
    value = literal(node)
    if not isinstance(value, dict):
        return False
    for options in value.values():
        if not isinstance(options, dict):
            return False
        o = options.get("origins")
        if o is None and origins is None:
            return True
        if o == "*" or (isinstance(o, (list, tuple)) and "*" in o):
            return True
    return False
