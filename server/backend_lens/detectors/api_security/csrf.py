"""APISEC004 csrf-exempt-session-view."""

from __future__ import annotations

import re

from ...source import syntax as sx
from ..base import Context, detector
from ._common import SECTION, elements

CSRF_EXEMPT = "django.views.decorators.csrf.csrf_exempt"
METHOD_DECORATOR = "django.utils.decorators.method_decorator"
# what a view does that changes state
_WRITES = re.compile(
    r"request\.(?:POST|FILES|body|data)\b|"
    r"""["'](?:POST|PUT|PATCH|DELETE)["']|"""
    r"\.(?:save|delete|create|bulk_create|bulk_update|get_or_create|update_or_create|"
    r"set_password)\(|\)\.update\(|"
    r"\b(?:require_POST|def (?:post|put|patch|delete))\b|"
    r"\b(?:Create|Update|Delete|Form)View\b"
)
# what says the view acts for a user signed in through the session cookie
_SESSION = re.compile(
    r"request\.(?:user|session)\b|\b(?:login_required|permission_required|user_passes_test|"
    r"staff_member_required|LoginRequiredMixin|PermissionRequiredMixin|UserPassesTestMixin|"
    r"update_session_auth_hash)\b|\b(?:login|logout)\("
)
# what says it authenticates otherwise: a signed webhook, a token in a header, DRF
_OTHER_AUTH = re.compile(
    r"hmac|compare_digest|construct_event|signature|verify_webhook|HTTP_AUTHORIZATION|"
    r"\bAuthorization\b|Bearer|X-Api-Key|HTTP_X_API_KEY|authentication_classes|"
    r"\bapi_view\b|APIView|ViewSet|GraphQLView",
    re.IGNORECASE,
)


def _exempting(ctx: Context, dec, exempt: str):
    """The node naming csrf_exempt in ``dec`` (``@csrf_exempt``,
    ``@method_decorator(csrf_exempt, name="dispatch")``), else None."""
    inner = dec.children[1]
    name = sx.decorator_name(dec)
    if name is None:
        return None
    qualified = ctx.qualify(name)
    if qualified == exempt:
        return inner
    if qualified != METHOD_DECORATOR or inner.type not in ("atom_expr", "power"):
        return None
    calls = ctx.calls(inner)
    if not calls:
        return None
    args = calls[0].args
    if not args or args[0].kind != "pos":
        return None
    first = args[0].value
    items = elements(first)
    for item in [first] if items is None else items:
        if ctx.qualify(sx.dotted(item)) == exempt:
            return item
    return None


def exempted_views(ctx: Context, exempt: str):
    """(the node naming the decorator, the function or class, the code that says
    what the view does) for each view decorated with ``exempt`` (a qualified name),
    directly or through ``method_decorator``."""
    for dec in ctx.nodes("decorator"):
        where = _exempting(ctx, dec, exempt)
        if where is None:
            continue
        target = sx.decorated_target(dec)
        if target is None:
            continue
        scope = target
        if target.type == "funcdef":
            cls = ctx.enclosing(target, ("classdef", "funcdef"))
            if cls is not None and cls.type == "classdef":
                scope = cls  # a method: the class says what the view is
        yield where, target, sx.code(scope.parent if scope.parent.type == "decorated" else scope)


def session_writes(text: str) -> bool:
    """Whether a view's code changes state for a user signed in by the session
    cookie, and authenticates no other way."""
    return bool(_WRITES.search(text) and _SESSION.search(text) and not _OTHER_AUTH.search(text))


# a Flask view's writes: the form, the body, a database commit
_FLASK_WRITES = re.compile(
    r"request\.(?:form|files|get_json|json|data)\b|\.commit\(|\.(?:save|delete)\(|"
    r"""methods=\[[^\]]*["'](?:POST|PUT|PATCH|DELETE)["']"""
)
FLASK_WTF = ("flask_wtf.csrf.CSRFProtect", "flask_wtf.CSRFProtect")


def _flask_exempted(ctx: Context):
    """(decorator name node, view) for Flask-WTF's ``@csrf.exempt`` where ``csrf`` is
    the app's CSRFProtect (made here, or imported under the usual name)."""
    protect = {
        local
        for local, q in ctx.facts.imports.items()
        if q in FLASK_WTF or (q.endswith(".csrf") and local == "csrf")
    }
    for stmt in sx.top_level_expr_stmts(ctx.module):
        value = stmt.children[-1]
        if stmt.children[0].type == "name" and value.type in ("atom_expr", "power"):
            calls = sx.calls_in(value)
            if calls and (ctx.qualify(calls[0].callee) or "") in FLASK_WTF:
                protect.add(stmt.children[0].value)
    for dec in ctx.nodes("decorator"):
        name = sx.decorator_name(dec) or ""
        if name.count(".") == 1 and name.endswith(".exempt") and name.split(".")[0] in protect:
            target = sx.decorated_target(dec)
            if target is not None and target.type == "funcdef":
                yield dec.children[1], target


@detector("APISEC004", section=SECTION, scope="file")
def csrf_exempt_session_view(ctx: Context):
    if ctx.facts.is_test:
        return
    if ".exempt" in ctx.text:
        for where, target in _flask_exempted(ctx):
            text = sx.code(target.parent if target.parent.type == "decorated" else target)
            if _FLASK_WRITES.search(text) and not _OTHER_AUTH.search(text):
                yield ctx.finding(
                    "APISEC004",
                    where,
                    f"`csrf.exempt` on the view `{target.children[1].value}`, which changes "
                    "state: the app protects its cookie sessions with Flask-WTF, and any web "
                    "site the user visits can submit this request in their name; keep the "
                    "check (send the token from the front end) or authenticate with a "
                    "signature or a token header instead",
                )
    if "csrf_exempt" not in ctx.text:
        return
    for where, target, text in exempted_views(ctx, CSRF_EXEMPT):
        if not session_writes(text):
            continue
        kind = "class" if target.type == "classdef" else "view"
        yield ctx.finding(
            "APISEC004",
            where,
            f"`csrf_exempt` on the {kind} `{target.children[1].value}`, which changes state "
            "for a user signed in by the session cookie: any web site the user visits can "
            "submit this request in their name; keep Django's CSRF check (send the token "
            "from the front end) or authenticate with a signature or a token header instead",
        )
