"""The quick fix of VAL009 in Django views: the redirect target checked with
`url_has_allowed_host_and_scheme`, falling back to "/".

`return redirect(target)` becomes
`return redirect(target if url_has_allowed_host_and_scheme(target,
allowed_hosts={request.get_host()}, require_https=request.is_secure()) else "/")`,
and the function is imported. Offered only where the edit is mechanical and
safe: a `return` of the redirect call itself, one positional argument that is a
plain read of the request, or a name given only such values (evaluating it
twice changes nothing), in a function with a `request` parameter."""

from __future__ import annotations

import re

from ...model import Edit, Fix
from ...source import syntax as sx
from ..base import Context

DJANGO_REDIRECTS = frozenset(
    {
        "django.shortcuts.redirect",
        "django.http.HttpResponseRedirect",
        "django.http.HttpResponsePermanentRedirect",
        "django.http.response.HttpResponseRedirect",
        "django.http.response.HttpResponsePermanentRedirect",
    }
)
CHECK = "url_has_allowed_host_and_scheme"
CHECK_MODULE = "django.utils.http"
_STR = r"""(?:"[^"\\\n]*"|'[^'\\\n]*')"""
# `next_url`, `request.GET["next"]`, `request.POST.get("next", "/")`
SIMPLE_TARGET = re.compile(
    rf"^(?:[A-Za-z_]\w*|request(?:\.\w+)+(?:\[{_STR}\]|\.get\(\s*{_STR}\s*(?:,\s*{_STR}\s*)?\))?)$"
)


def django_redirect_calls(ctx: Context) -> dict:
    """Start of the call -> the call, for Django's redirects in this unit."""
    return {n.start_pos: c for n, c in ctx.calls_of_qualified(DJANGO_REDIRECTS)}


def redirect_fix(ctx: Context, call: sx.Call) -> Fix | None:
    args = call.args
    if len(args) != 1 or args[0].kind != "pos":
        return None
    target = args[0].value
    text = sx.code(target)
    if not SIMPLE_TARGET.match(text):
        return None
    if call.index != len(sx.parts(call.node)) - 1:
        return None  # `redirect(x).set_cookie(...)`: the call is not the whole value
    ret = call.node.parent
    if ret is None or ret.type != "return_stmt" or ret.children[-1] is not call.node:
        return None
    func = ctx.enclosing(call.node, ("funcdef", "lambdef"))
    if func is None or func.type != "funcdef" or not _has_request_param(func):
        return None
    if target.type == "name" and not _read_from_request(func, target):
        return None  # `url = self.get_redirect_url()`: maybe another site on purpose
    checked = (
        f"{text} if {CHECK}({text}, allowed_hosts={{request.get_host()}}, "
        f'require_https=request.is_secure()) else "/"'
    )
    edits = [Edit(ctx.path, target.start_pos, target.end_pos, checked)]
    if ctx.facts.imports.get(CHECK) != f"{CHECK_MODULE}.{CHECK}":
        edit = _import_edit(ctx)
        if edit is None:
            return None
        edits.insert(0, edit)
    return Fix("Redirect only within this site (url_has_allowed_host_and_scheme)", tuple(edits))


def _read_from_request(func, name) -> bool:
    """Whether every value the function gives ``name`` before the redirect reads
    the request (`target = request.GET.get("next", "/")`)."""
    values = []
    for n in sx.walk(func):
        if n.type == "expr_stmt" and n.start_pos < name.start_pos:
            ch = n.children
            if len(ch) == 3 and ch[1].value == "=" and ch[0].type == "name":
                if ch[0].value == name.value:
                    values.append(ch[2])
    return bool(values) and all(
        sx.code(v).startswith("request.") and SIMPLE_TARGET.match(sx.code(v)) for v in values
    )


def _has_request_param(func) -> bool:
    params = func.children[2]
    for leaf in sx.walk(params):
        if leaf.type == "name" and leaf.value == "request":
            prev = leaf.get_previous_leaf()
            if prev is not None and prev.value in ("(", ",", "*"):
                return True
    return False


def _import_edit(ctx: Context) -> Edit | None:
    """`from django.utils.http import url_has_allowed_host_and_scheme` after the
    file's last top-level import."""
    last = None
    for stmt in ctx.module.children:
        if stmt.type == "simple_stmt" and stmt.children[0].type in ("import_name", "import_from"):
            last = stmt
        elif last is not None and stmt.type not in ("newline",):
            break
    if last is None:
        return None
    line = last.end_pos[0] if last.end_pos[1] == 0 else last.end_pos[0] + 1
    return Edit(ctx.path, (line, 0), (line, 0), f"from {CHECK_MODULE} import {CHECK}\n")
