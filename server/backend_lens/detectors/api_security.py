"""API Security & Documentation: production settings that expose the service
(DEBUG, ALLOWED_HOSTS, CORS with credentials), views that drop CSRF protection,
and error details returned to clients.

The settings rules read a settings module's module-level assignments at once and
judge in a Deferred whether the module is a production one (``facts.kinds``:
named so, selected by wsgi/asgi, imported by a production module, or the only
settings module of its service) and whether a module built on it sets the same
name again."""

from __future__ import annotations

import re

from ..facts.kinds import PROD_WORDS, is_settings_module, settings_profile
from ..source import syntax as sx
from .base import Context, detector, make_finding

SECTION = "API Security & Documentation"
_UNKNOWN = object()
# names only a settings module that configures the whole service sets
CORE_SETTINGS = frozenset(
    {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "INSTALLED_APPS", "DATABASES", "MIDDLEWARE"}
)
# what can set a module's names without naming them
_DYNAMIC = re.compile(r"\b(?:globals|vars|setattr|exec)\s*\(")


def _literal(node):
    try:
        return sx.literal(sx.code(node))
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return _UNKNOWN


def _is_true(node) -> bool:
    return node.type == "keyword" and node.value == "True"


def _is_false(node) -> bool:
    return node.type == "keyword" and node.value == "False"


# ---------------------------------------------------------------------------
# which settings modules are production ones


def _derives(index, importer, target) -> bool:
    """Whether the settings module ``importer`` builds on ``target``: star-imports it,
    directly or through other modules of the project."""
    names = {target.module, target.import_module} - {""}
    seen: set[str] = set()
    todo = list(importer.star_imports)
    while todo:
        m = todo.pop()
        if m in names:
            return True
        if m in seen:
            continue
        seen.add(m)
        f = index.module(m)
        if f is None:
            f = index.module(m + ".__init__")
        if f is not None:
            if f.path == target.path:
                return True
            todo.extend(f.star_imports)
    return False


def _profile(index, facts) -> str | None:
    """Why ``facts`` is a production settings module, or None when it is not or
    cannot be told. A module of unknown environment counts when it is the only
    settings module of its service (test settings apart): what runs in production
    can then only be it."""
    if not is_settings_module(facts, index):
        return None
    profile, why = settings_profile(facts, index)
    if profile == "production":
        return why
    if profile != "unknown":
        return None
    for other in index.files.values():
        if (
            other.path == facts.path
            or not other.is_settings
            or other.is_migration
            or other.import_root != facts.import_root
            or not (CORE_SETTINGS & other.settings.keys())
            or not is_settings_module(other, index)
        ):
            continue
        if settings_profile(other, index)[0] != "test":
            return None
    return "it is the only settings module of its service"


def _overridden(index, facts, name: str) -> bool:
    """Whether a settings module that builds on ``facts`` (and is not a test or
    development one) sets ``name`` again."""
    for other in index.files.values():
        if other.path == facts.path or not other.is_settings or name not in other.settings:
            continue
        if not _derives(index, other, facts):
            continue
        if settings_profile(other, index)[0] in ("production", "unknown"):
            return True
    return False


def _setting_from(index, facts, name: str):
    """The value of ``name`` in a settings module ``facts`` builds on, as the
    facts hold it (None when none sets it)."""
    seen: set[str] = set()
    todo = list(facts.star_imports)
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        f = index.module(m) or index.module(m + ".__init__")
        if f is None:
            continue
        if name in f.settings:
            return f.settings[name]
        todo.extend(f.star_imports)
    return None


def _final_assignments(ctx: Context) -> dict[str, object]:
    """name -> the value node of its last plain module-level assignment, for the
    names nothing later in the module can change: no later assignment of any
    form (in an ``if``, a ``try``, augmented), no later star import, no
    ``globals()`` or ``setattr`` on the module."""
    memo = ctx.file_memo.get("apisec-final")
    if memo is not None:
        return memo
    last: dict[str, object] = {}
    for stmt in sx.top_level_expr_stmts(ctx.module):
        ch = stmt.children
        if (
            len(ch) == 3
            and ch[0].type == "name"
            and ch[1].type == "operator"
            and ch[1].value == "="
        ):
            last[ch[0].value] = ch[2]
    later: dict[str, tuple[int, int]] = {}  # name -> start of its last binding of any kind
    for stmt in ctx.all_nodes.get("expr_stmt", ()):
        if ctx.enclosing(stmt, ("funcdef", "classdef")) is not None:
            continue
        for target in stmt.children[:-1:2] if len(stmt.children) > 1 else ():
            for n in sx.walk(target):
                if n.type == "name":
                    later[n.value] = max(later.get(n.value, (0, 0)), stmt.start_pos)
    star_after = [
        imp.start_pos
        for imp in ctx.all_nodes.get("import_from", ())
        if any(c.type == "operator" and c.value == "*" for c in imp.children)
    ]
    dynamic = [(ctx.text.count("\n", 0, m.start()) + 1, 0) for m in _DYNAMIC.finditer(ctx.text)]
    out = {}
    for name, value in last.items():
        pos = value.start_pos
        if later.get(name, (0, 0)) > pos:
            continue
        if any(p > pos for p in star_after) or any(p > pos for p in dynamic):
            continue
        out[name] = value
    ctx.file_memo["apisec-final"] = out
    return out


def _words(name: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)}


def _production_class_settings(ctx: Context):
    """(class name, attribute name, value node) of the plain ``NAME = value``
    attributes of configuration classes named for production (Flask's
    ``class ProductionConfig(Config)``)."""
    for cls in ctx.module.children:
        if cls.type == "decorated":
            cls = cls.children[-1]
        if cls.type != "classdef" or not (_words(cls.children[1].value) & PROD_WORDS):
            continue
        suite = cls.children[-1]
        for stmt in suite.children if suite.type == "suite" else [suite]:
            for c in stmt.children if stmt.type == "simple_stmt" else ():
                ch = c.children if c.type == "expr_stmt" else ()
                if len(ch) == 3 and ch[0].type == "name" and ch[1].value == "=":
                    yield cls.children[1].value, ch[0].value, ch[2]


def _settings_candidates(ctx: Context, names: set[str]):
    """(name, value node, where) for the final module-level assignments of ``names``
    and the attributes of production configuration classes: ``where`` is None for
    module level, else the class name."""
    if not ctx.facts.is_settings or ctx.facts.is_migration:
        return
    for name, value in _final_assignments(ctx).items():
        if name in names:
            yield name, value, None
    for cls, name, value in _production_class_settings(ctx):
        if name in names:
            yield name, value, cls


def _defer_production(ctx: Context, code: str, found: list):
    """A Deferred that reports ``found`` [(name, site, message, class or None)] when
    the module is production settings and no production module built on it sets the
    name again. A production configuration class needs no more than its name."""
    facts = ctx.facts

    def judge(index, found=found, facts=facts):
        why = None
        for name, site, message, cls in found:
            if cls is None:
                if why is None:
                    why = _profile(index, facts) or ""
                if not why or _overridden(index, facts, name):
                    continue
                yield make_finding(code, site, f"{message} (production settings: {why})")
            else:
                yield make_finding(code, site, f"{message} (class {cls} configures production)")

    return ctx.defer(("settings",), judge)


# ---------------------------------------------------------------------------
# APISEC001 debug-enabled-in-production


@detector("APISEC001", section=SECTION, scope="file")
def debug_in_production(ctx: Context):
    found = []
    for name, value, cls in _settings_candidates(ctx, {"DEBUG"}):
        if _is_true(value):
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
        yield _defer_production(ctx, "APISEC001", found)


# ---------------------------------------------------------------------------
# APISEC002 allowed-hosts-wildcard


def _elements(node) -> list | None:
    """The elements of a list / tuple display, else None."""
    if node.type != "atom" or node.children[0].value not in "[(":
        return None
    if len(node.children) == 2:
        return []
    inner = node.children[1]
    if inner.type in ("testlist_comp", "exprlist", "testlist"):
        if any(c.type == "sync_comp_for" or c.type == "comp_for" for c in inner.children):
            return None
        return [c for c in inner.children if not (c.type == "operator" and c.value == ",")]
    return [inner]


@detector("APISEC002", section=SECTION, scope="file")
def allowed_hosts_wildcard(ctx: Context):
    found = []
    for name, value, cls in _settings_candidates(ctx, {"ALLOWED_HOSTS"}):
        elements = _elements(value)
        if elements is None:
            continue
        star = next((e for e in elements if sx.string_value(e) == "*"), None)
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
        yield _defer_production(ctx, "APISEC002", found)


# ---------------------------------------------------------------------------
# APISEC003 cors-any-origin-with-credentials

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
        for name, value, cls in _settings_candidates(ctx, {*CORS_ALLOW_ALL})
        if cls is None and _is_true(value)
    }
    if not candidates:
        return
    final = _final_assignments(ctx)
    local = final.get("CORS_ALLOW_CREDENTIALS")
    if local is not None and not _is_true(local):
        return
    if "CORS_ALLOW_CREDENTIALS" in ctx.facts.settings and local is None:
        return  # set in a block or changed later: cannot be told
    found = [
        (name, ctx.site(value), CORS_MESSAGE.format(what=f"`{name} = True` with credentials"), None)
        for name, value in candidates.items()
    ]
    facts, defer = ctx.facts, _defer_production(ctx, "APISEC003", found)
    if local is not None:
        yield defer
        return

    def judge(index, facts=facts, inner=defer.judge):
        if _setting_from(index, facts, "CORS_ALLOW_CREDENTIALS") is True or any(
            other.settings.get("CORS_ALLOW_CREDENTIALS") is True
            and _derives(index, other, facts)
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
    elements = _elements(node)
    return elements is not None and any(sx.string_value(e) == "*" for e in elements)


def _cors_middleware(ctx: Context):
    if ctx.facts.is_test:
        return
    for _node, call in ctx.calls_of_qualified(FLASK_CORS):
        args = call.args
        creds = sx.kwarg(args, "supports_credentials")
        if creds is None or not _is_true(creds.value) or any(a.kind == "dstar" for a in args):
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
        if creds is None or not _is_true(creds.value):
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
    if sx.string_value(node) is not None or _elements(node) is not None:
        return True  # paths only: the origins argument (or its default) applies
    if node.type != "atom" or node.children[0].value != "{":
        return False
    value = _literal(node)
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


# ---------------------------------------------------------------------------
# APISEC004 csrf-exempt-session-view

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


def _decorated(dec):
    """The function or class a decorator is on."""
    p = dec.parent
    if p.type == "decorators":
        p = p.parent
    if p.type != "decorated":
        return None
    target = p.children[-1]
    if target.type in ("async_funcdef", "async_stmt"):
        target = target.children[-1]
    return target


def _exempting(ctx: Context, dec):
    """The node naming csrf_exempt in ``dec`` (``@csrf_exempt``,
    ``@method_decorator(csrf_exempt, name="dispatch")``), else None."""
    inner = dec.children[1]
    name = sx.decorator_name(dec)
    if name is None:
        return None
    qualified = ctx.qualify(name)
    if qualified == CSRF_EXEMPT:
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
    items = _elements(first)
    for item in [first] if items is None else items:
        if ctx.qualify(sx.dotted(item)) == CSRF_EXEMPT:
            return item
    return None


@detector("APISEC004", section=SECTION)
def csrf_exempt_session_view(ctx: Context):
    if ctx.facts.is_test or "csrf_exempt" not in ctx.text:
        return
    for dec in ctx.nodes("decorator"):
        where = _exempting(ctx, dec)
        if where is None:
            continue
        target = _decorated(dec)
        if target is None:
            continue
        scope = target
        if target.type == "funcdef":
            cls = ctx.enclosing(target, ("classdef", "funcdef"))
            if cls is not None and cls.type == "classdef":
                scope = cls  # a method: the class says what the view is
        text = sx.code(scope.parent if scope.parent.type == "decorated" else scope)
        if not _WRITES.search(text) or not _SESSION.search(text) or _OTHER_AUTH.search(text):
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


# ---------------------------------------------------------------------------
# APISEC005 insecure-session-cookie

# setting -> the attribute it turns off when False
COOKIE_SETTINGS = {
    "SESSION_COOKIE_SECURE": "Secure",
    "SESSION_COOKIE_HTTPONLY": "HttpOnly",
    "CSRF_COOKIE_SECURE": "Secure",
    "REMEMBER_COOKIE_SECURE": "Secure",  # Flask-Login
    "REMEMBER_COOKIE_HTTPONLY": "HttpOnly",
}
# cookie names that carry a credential (csrftoken / XSRF-TOKEN are read by scripts on purpose)
CREDENTIAL_COOKIE = re.compile(
    r"sess|\bsid\b|token|auth(?!or)|jwt|access|refresh|remember|login|api[_-]?key", re.IGNORECASE
)
SCRIPT_READ_COOKIE = re.compile(r"csrf|xsrf", re.IGNORECASE)


@detector("APISEC005", section=SECTION, scope="file")
def insecure_session_cookie(ctx: Context):
    if "COOKIE_" in ctx.text:
        found = []
        for name, value, cls in _settings_candidates(ctx, set(COOKIE_SETTINGS)):
            if not _is_false(value):
                continue
            attr = COOKIE_SETTINGS[name]
            risk = (
                "sent over plain HTTP too, where anyone on the network reads it"
                if attr == "Secure"
                else "readable by any script on the page, so one XSS flaw hands over the session"
            )
            found.append(
                (
                    name,
                    ctx.site(value),
                    f"`{name} = False` in production settings: the cookie is sent without "
                    f"the {attr} attribute, {risk}; set it to True",
                    cls,
                )
            )
        if found:
            yield _defer_production(ctx, "APISEC005", found)
    if "set_cookie" in ctx.text and not ctx.facts.is_test:
        yield from _set_cookie_calls(ctx)


def _set_cookie_calls(ctx: Context):
    for node, call in ctx.calls_to("set_cookie"):
        args = call.args
        if (
            not args
            or args[0].kind not in ("pos", "kw")
            or any(a.kind in ("dstar", "star", "invalid") for a in args)
        ):
            continue
        key = sx.kwarg(args, "key") or (args[0] if args[0].kind == "pos" else None)
        cookie = sx.string_value(key.value) if key is not None else None
        if (
            cookie is None
            or not CREDENTIAL_COOKIE.search(cookie)
            or SCRIPT_READ_COOKIE.search(cookie)
        ):
            continue
        missing = []
        for kw, attr in (("secure", "Secure"), ("httponly", "HttpOnly")):
            arg = sx.kwarg(args, kw)
            if arg is None or _is_false(arg.value):
                missing.append(attr)
        if not missing:
            continue
        method = sx.parts(node)[call.index - 1]
        start = method.children[1] if method.type == "trailer" else method
        yield ctx.finding(
            "APISEC005",
            start,
            f'the "{cookie}" cookie is set without {" and ".join(missing)}: '
            + (
                "it is sent over plain HTTP too, where anyone on the network reads it"
                if "Secure" in missing
                else ""
            )
            + ("; " if len(missing) == 2 else "")
            + (
                "any script on the page can read it, so one XSS flaw hands it over"
                if "HttpOnly" in missing
                else ""
            )
            + f"; pass {', '.join(f'{m.lower()}=True' for m in missing)}",
            end_node=call.trailer,
        )
