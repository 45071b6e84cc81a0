"""Caching Strategies: process-wide memo caches keyed by objects that never repeat
(CACHE001), cache entries that never expire (CACHE002), per-user responses cached for
everyone (CACHE003), per-process cache backends in production settings (CACHE004)."""

from __future__ import annotations

from ..facts.index import ClassRef
from ..model import Finding
from ..source import syntax as sx
from ._endpoints import HANDLER_METHODS
from .api_security._common import defer_production, elements, settings_candidates
from .base import Context, detector, make_finding
from .transactions import _dict_items

SECTION = "Caching Strategies"
MEMO_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})
# a parameter of one of these names (or annotated with one of these classes) is a request
REQUEST_NAMES = frozenset({"request", "req"})
REQUEST_CLASSES = frozenset({"Request", "HttpRequest", "WSGIRequest", "ASGIRequest"})
BINDERS = frozenset({"staticmethod", "classmethod"})


def _params(funcdef) -> list[tuple[str, object]]:
    """(name, annotation node or None) of the parameters a caller passes (not ``*args``)."""
    out = []
    for p in funcdef.get_params():
        if p.star_count:
            continue
        out.append((p.name.value, p.annotation))
    return out


def _annotation_name(node) -> str | None:
    """``Product`` / ``models.Product`` / ``"Product"``; None for anything else."""
    if node is None:
        return None
    if node.type == "string":
        text = sx.string_value(node)
        if text and all(part.isidentifier() for part in text.split(".")):
            return text
        return None
    if node.type == "name":
        return node.value
    return sx.dotted(node)


@detector("CACHE001", section=SECTION)
def memo_cache_on_method_or_request(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration or "functools" not in facts.imported_modules:
        return
    for dec in ctx.nodes("decorator"):
        name = sx.decorator_name(dec)
        what = ctx.qualify(name) if name else None
        if what not in MEMO_DECORATORS:
            continue
        funcdef = sx.decorated_target(dec)
        if funcdef is None or funcdef.type != "funcdef":
            continue
        others = {
            (sx.decorator_name(d) or "").rsplit(".", 1)[-1] for d in sx.function_decorators(funcdef)
        }
        params = _params(funcdef)
        owner = funcdef.parent
        while owner.type in ("decorated", "async_stmt", "async_funcdef"):
            owner = owner.parent
        if owner.type == "suite":
            owner = owner.parent
        in_class = owner.type == "classdef"
        shown = f"@{name}"
        fname = funcdef.name.value
        site = ctx.site(dec.children[0], dec.children[1])
        if in_class and not others & BINDERS and params and params[0][0] == "self":
            cls = owner.name.value
            yield make_finding(
                "CACHE001",
                site,
                f"`{shown}` on the method `{cls}.{fname}` keys its cache on `self`: the cache "
                f"keeps every `{cls}` it was called on alive for the life of the process and is "
                "shared by all of them; cache a module-level function of plain ids, use "
                "cached_property, or keep the cache on the instance",
            )
            continue
        if in_class and "classmethod" in others:
            params = params[1:]
        models: list[tuple[str, str]] = []
        request = None
        for pname, annotation in params:
            written = _annotation_name(annotation)
            last = written.rsplit(".", 1)[-1] if written else None
            if last in REQUEST_CLASSES or (annotation is None and pname in REQUEST_NAMES):
                request = pname
                break
            if written and annotation is not None and last and last[0].isupper():
                models.append((pname, written))
        if request is not None:
            yield make_finding(
                "CACHE001",
                site,
                f"`{shown}` on `{fname}` keys its cache on the request `{request}`: every "
                "request is a new key, so the cache never answers a second call and keeps "
                "every request (and what it holds) alive until it is full; key the cache on "
                "the plain values the function reads",
            )
            continue
        if not models:
            continue

        def judge(index, site=site, shown=shown, fname=fname, models=tuple(models), facts=facts):
            yield from _judge_models(index, site, shown, fname, models, facts)

        yield ctx.defer(("models",), judge, [site])


def _judge_models(index, site, shown, fname, models, facts) -> list[Finding]:
    for pname, written in models:
        target = index.resolve_class(facts, written, None)
        if not isinstance(target, ClassRef):
            continue
        if not (index.is_django_model(target) or index.is_sqlalchemy_model(target)):
            continue
        return [
            make_finding(
                "CACHE001",
                site,
                f"`{shown}` on `{fname}` keys its cache on the model instance `{pname}` "
                f"(`{written}`): each loaded row is kept alive by the cache, and a later call "
                "with the same row answers from the copy cached first, however the row has "
                "changed since; key the cache on the primary key and the plain values it reads",
            )
        ]
    return []


# ---------------------------------------------------------------------------
# CACHE002 cache-entry-never-expires

DJANGO_CACHE = "django.core.cache.cache"
DJANGO_CACHES = "django.core.cache.caches"
FLASK_CACHE = "flask_caching.Cache"
# method -> index of the positional argument that is the timeout (Django and Flask-Caching)
TIMEOUT_AT = {"set": 2, "add": 2, "get_or_set": 2, "set_many": 1, "touch": 1}
REDIS_EXPIRY = frozenset({"ex", "px", "exat", "pxat", "keepttl"})
REDIS_EXPIRE_CALLS = ("expire", "pexpire", "expireat", "pexpireat")
REDIS_CLIENTS = frozenset(
    {
        "redis.Redis",
        "redis.StrictRedis",
        "redis.from_url",
        "redis.Redis.from_url",
        "redis.StrictRedis.from_url",
        "redis.asyncio.Redis",
        "redis.asyncio.from_url",
        "redis.asyncio.Redis.from_url",
        "django_redis.get_redis_connection",
    }
)


def _receiver(node, call) -> list:
    """The parts of ``node`` before the attribute that names ``call``'s method."""
    ps = sx.parts(node)
    if call.index < 2 or not sx.is_attr_trailer(ps[call.index - 1]):
        return []
    return ps[: call.index - 1]


def _is_none(node) -> bool:
    return node.type == "keyword" and node.value == "None"


def _is_zero(node) -> bool:
    return node.type == "number" and node.value.rstrip("lL") in ("0", "0.0")


def _constant(ctx: Context, value, node, test) -> bool:
    """Whether ``value`` passes ``test``, or is an UPPER_CASE name this module binds
    only to a value that does (``CACHE_FOREVER = None``)."""
    if test(value):
        return True
    if value.type != "name" or not value.value.isupper():
        return False
    stmts = ctx.assignments(value.value)
    return bool(stmts) and all(
        ctx.enclosing(s, ("funcdef", "classdef")) is None and test(s.children[-1]) for s in stmts
    )


def _timeout(call):
    """The timeout argument of a Django / Flask-Caching write, or None when not given
    (or when it cannot be told: ``*args``, ``**kwargs``)."""
    args = call.args
    if any(a.kind in ("star", "dstar", "invalid") for a in args):
        return None
    kw = sx.kwarg(args, "timeout")
    if kw is not None:
        return kw
    positional = [a for a in args if a.kind == "pos"]
    at = TIMEOUT_AT[call.method]
    return positional[at] if len(positional) > at else None


def _bound_to(ctx: Context, name: str, node, test) -> bool:
    """Whether every plain assignment of ``name`` in the scope of ``node`` (or, when
    it has none there, at module level) has a value ``test`` accepts; False when
    there is none."""
    _, stmts = ctx.assignments_in(name, ctx.scope(node))
    if not stmts:
        _, stmts = ctx.assignments_in(name, ctx.module)
    return bool(stmts) and all(test(stmt.children[-1]) for stmt in stmts)


def _django_cache(ctx: Context, receiver, node, depth: int = 0) -> bool:
    """``cache`` (django.core.cache.cache), ``caches["x"]``, or a name bound to one."""
    if not receiver:
        return False
    if len(receiver) == 2 and receiver[0].type == "name" and receiver[1].type == "trailer":
        return (
            receiver[1].children[0].value == "[" and ctx.qualify(receiver[0].value) == DJANGO_CACHES
        )
    if len(receiver) == 1 and receiver[0].type == "name":
        name = receiver[0].value
        if ctx.qualify(name) == DJANGO_CACHE:
            return True
        if name in ctx.facts.imports or depth:
            return False
        return _bound_to(
            ctx,
            name,
            node,
            lambda v: (
                v.type in ("atom_expr", "power", "name")
                and _django_cache(ctx, sx.parts(v) if v.type != "name" else [v], node, depth + 1)
            ),
        )
    dotted = sx.dotted(receiver[0]) if len(receiver) == 1 else None
    return dotted is not None and ctx.qualify(dotted) == DJANGO_CACHE


def _flask_cache(ctx: Context, receiver, node) -> bool:
    """A Flask-Caching ``Cache``: a name bound here to ``Cache(...)``, or a name
    with "cache" in it in a module that imports Flask and not Django's cache."""
    if len(receiver) != 1 or receiver[0].type != "name":
        return False
    name = receiver[0].value
    imported = ctx.facts.imported_modules
    if any(m.startswith("django") for m in imported):
        return False

    def is_ctor(v) -> bool:
        calls = ctx.calls(v) if v.type in ("atom_expr", "power") else []
        return len(calls) == 1 and ctx.qualify(calls[0].callee) == FLASK_CACHE

    if _bound_to(ctx, name, node, is_ctor):
        return True
    return (
        "cache" in name.lower()
        and any(m == "flask" or m.startswith(("flask.", "flask_")) for m in imported)
        and not ctx.assignments(name)
    )


def _redis_client(ctx: Context, receiver, node) -> bool:
    """A redis client: its text says redis (``redis_client``, ``self.redis``,
    ``get_redis_connection()``) or it is bound to one of redis's constructors."""
    if not receiver:
        return False
    text = "".join(sx.code(p) for p in receiver).lower()
    if "redis" in text and "cache" not in text:
        return True
    if len(receiver) != 1 or receiver[0].type != "name":
        return False

    def is_ctor(v) -> bool:
        calls = ctx.calls(v) if v.type in ("atom_expr", "power") else []
        return bool(calls) and ctx.qualify(calls[0].callee) in REDIS_CLIENTS

    return _bound_to(ctx, receiver[0].value, node, is_ctor)


def _fixed(ctx: Context, key, node) -> bool:
    """Whether a cache key is one fixed value: a string with nothing formatted in,
    an UPPER_CASE constant, a name bound here only to such strings."""
    key = sx.unparen(key)
    if key.type in sx.STRING_TYPES:
        return not any(n.type == "fstring_expr" for n in sx.walk(key))
    if key.type == "name":
        if key.value.isupper():
            return True
        return _bound_to(
            ctx,
            key.value,
            node,
            lambda v: v.type in sx.STRING_TYPES and _fixed(ctx, v, node),
        )
    dotted = sx.dotted(key)
    return dotted is not None and dotted.rsplit(".", 1)[-1].isupper()


def _key_text(ctx: Context, key, node) -> str:
    """The key as written, with the values a name is bound to in the same scope."""
    text = sx.code(key)
    if key.type == "name":
        _, stmts = ctx.assignments_in(key.value, ctx.scope(node))
        text += " ".join(sx.code(s.children[-1]) for s in stmts)
    return text


def _varying_keys(ctx: Context, call, node) -> list:
    """The keys of a write that change from call to call (empty when all are fixed)."""
    args = [a for a in call.args if a.kind == "pos"]
    if call.method == "set_many":
        given = args[0] if args else sx.kwarg(call.args, "data") or sx.kwarg(call.args, "mapping")
        if given is None:
            return []
        data = given.value
        pairs = None
        if data.type == "atom" and data.children[0].value == "{" and len(data.children) == 3:
            inner = data.children[1]
            if inner.type == "dictorsetmaker" and not any(
                c.type in ("comp_for", "sync_comp_for")
                or (c.type == "operator" and c.value == "**")
                for c in inner.children
            ):
                pairs = inner.children[0::4]
        if pairs is None:
            if data.type == "atom" and data.children[1].type == "dictorsetmaker":
                first = data.children[1].children
                if len(first) > 3 and first[1].type == "operator" and first[1].value == ":":
                    return [] if _fixed(ctx, first[0], node) else [first[0]]  # {k: v for ...}
            return [data]
        return [k for k in pairs if not _fixed(ctx, k, node)]
    given = args[0] if args else (sx.kwarg(call.args, "key") or sx.kwarg(call.args, "name"))
    if given is None:
        return []
    return [] if _fixed(ctx, given.value, node) else [given.value]


def _shown_key(ctx: Context, key, node) -> str:
    """The key as written (in backquotes), and for a name bound once in the same
    scope, the value it is bound to."""
    text = f"`{sx.code(key).strip()}`"
    if key.type == "name":
        _, stmts = ctx.assignments_in(key.value, ctx.scope(node))
        if len(stmts) == 1:
            text += f" (`{sx.code(stmts[0].children[-1]).strip()}`)"
    return text


def _expired_later(ctx: Context, key, node) -> bool:
    """Whether the function that writes ``key`` to redis also sets its expiry
    (``r.expire(key, 60)``)."""
    scope = ctx.scope(node)
    text = sx.code(key)
    for other, call in ctx.calls_to(*REDIS_EXPIRE_CALLS):
        if ctx.scope(other) is not scope:
            continue
        args = call.args
        if args and args[0].kind == "pos" and sx.code(args[0].value) == text:
            return True
    return False


def _flask_cache_decorators(ctx: Context, method: str):
    """(node, call, receiver, decorator) of each ``@<Flask-Caching cache>.<method>(...)``."""
    for node, call in ctx.calls_to(method):
        dec = node.parent
        if dec.type != "decorator" or call.index != len(sx.parts(node)) - 1:
            continue
        receiver = _receiver(node, call)
        if _flask_cache(ctx, receiver, node):
            yield node, call, receiver, dec


def _memoized_for_ever(ctx: Context):
    """Flask-Caching's ``@cache.memoize(timeout=0)`` on a function of arguments:
    an entry per set of arguments, none expiring."""
    for node, call, receiver, dec in _flask_cache_decorators(ctx, "memoize"):
        args = call.args
        arg = sx.kwarg(args, "timeout") or (args[0] if args and args[0].kind == "pos" else None)
        if arg is None or not _constant(ctx, arg.value, node, _is_zero):
            continue
        target = sx.decorated_target(dec)
        if target is None or target.type != "funcdef":
            continue
        params = [p.name.value for p in target.get_params()]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        if not params:
            continue  # one entry
        shown = "".join(sx.code(p) for p in receiver).strip()
        yield ctx.finding(
            "CACHE002",
            arg.node,
            f"`@{shown}.memoize` with timeout 0 keeps an entry for every set of arguments "
            f"`{target.name.value}` is called with, for ever (0 means no expiry in "
            "Flask-Caching): the cache fills with entries nobody reads again and a result "
            "that misses a delete_memoized stays stale for good; give a timeout in seconds "
            "(or leave it out for CACHE_DEFAULT_TIMEOUT)",
        )


# a module that can reach a cache imports one of these, or a name that says so (`from
# app.extensions import cache`); "cache" in the text alone is no sign (Django's
# query.py has `_result_cache` everywhere, and these rules read the whole file)
CACHE_MODULES = (
    "django.core.cache",
    "django.views.decorators.cache",
    "flask_caching",
    "redis",
    "django_redis",
)


def _may_cache(ctx: Context) -> bool:
    facts = ctx.facts
    if any(
        m == prefix or m.startswith(prefix + ".")
        for m in facts.imported_modules
        for prefix in CACHE_MODULES
    ):
        return True
    return any(
        _cache_name(name.lower()) and not qualified.startswith("functools.")
        for name, qualified in facts.imports.items()
    )


def _cache_name(name: str) -> bool:
    """`cache`, `caches`, `redis_cache`, `cache_page`; not `cached_property`."""
    return name in ("cache", "caches") or name.endswith("_cache") or name.startswith("cache_")


@detector("CACHE002", section=SECTION, scope="file")
def cache_entry_never_expires(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration:
        return
    if facts.is_settings and "CACHES" in ctx.text:
        yield from _cache_settings(ctx, "CACHE002")
    if not _may_cache(ctx) and "redis" not in ctx.text:
        return
    yield from _memoized_for_ever(ctx)
    for node, call in ctx.calls_to("set", "add", "set_many", "get_or_set", "touch"):
        receiver = _receiver(node, call)
        if not receiver:
            continue
        shown = "".join(sx.code(p) for p in receiver).strip()
        # (library, what "for ever" is written as, how the message says it, the default)
        forever = (
            ("None", _is_none, "", "the CACHES default")
            if _django_cache(ctx, receiver, node)
            else ("0", _is_zero, " (0 means no expiry in Flask-Caching)", "CACHE_DEFAULT_TIMEOUT")
            if _flask_cache(ctx, receiver, node)
            else None
        )
        if forever is not None:
            written, test, meaning, default = forever
            arg = _timeout(call)
            if arg is None or not _constant(ctx, arg.value, node, test):
                continue
            keys = _varying_keys(ctx, call, node)
            if not keys:
                continue
            yield ctx.finding(
                "CACHE002",
                arg.node,
                f"`{shown}.{call.method}(...)` with timeout {written} keeps the entries keyed "
                f"{_shown_key(ctx, keys[0], node)} for ever{meaning}: a new key per value, none "
                "expires, so the cache fills with entries nobody reads again (evicting live "
                "ones) and a value that misses an invalidation stays stale for good; give a "
                f"timeout in seconds (or leave it out for {default})",
            )
        elif call.method == "set" and _redis_client(ctx, receiver, node):
            args = call.args
            if any(a.kind in ("star", "dstar", "invalid") for a in args):
                continue
            if any(a.kind == "kw" and a.name in REDIS_EXPIRY for a in args):
                continue
            positional = [a for a in args if a.kind == "pos"]
            if len(positional) != 2:
                continue
            key = positional[0].value
            if "cache" not in _key_text(ctx, key, node).lower() or _fixed(ctx, key, node):
                continue
            if _expired_later(ctx, key, node):
                continue
            yield ctx.finding(
                "CACHE002",
                node,
                f"`{shown}.set(...)` writes the cache entry keyed {_shown_key(ctx, key, node)} "
                "with no expiry (redis keeps a key for ever unless told): a new key per value, none "
                "expires, so the cache grows until redis runs out of memory or evicts live "
                "keys, and a value that misses an invalidation stays stale for good; pass "
                "ex=<seconds> (or use setex)",
            )


# ---------------------------------------------------------------------------
# CACHE003 per-user-response-cached-for-everyone

CACHE_PAGE = "django.views.decorators.cache.cache_page"
METHOD_DECORATOR = "django.utils.decorators.method_decorator"
VARY_ON_COOKIE = "django.views.decorators.vary.vary_on_cookie"
VARY_ON_HEADERS = "django.views.decorators.vary.vary_on_headers"
CACHE_CONTROL = "django.views.decorators.cache.cache_control"
NEVER_CACHE = "django.views.decorators.cache.never_cache"
PER_USER_HEADERS = frozenset({"cookie", "authorization"})
PER_USER_ATTRS = ("user", "session", "COOKIES")


def _decorator_expr(dec):
    """The expression of ``@expr``."""
    return dec.children[1]


def _applied(ctx: Context, expr) -> list:
    """The decorator expressions ``expr`` applies: itself, or for
    ``method_decorator(x)`` / ``method_decorator([x, y])`` what it wraps."""
    calls = ctx.calls(expr) if expr.type in ("atom_expr", "power") else []
    if len(calls) == 1 and ctx.qualify(calls[0].callee) == METHOD_DECORATOR:
        args = calls[0].args
        if not args or args[0].kind != "pos":
            return []
        inner = args[0].value
        if inner.type == "atom" and inner.children[0].value in "[(":
            return elements(inner) or []
        return [inner]
    return [expr]


def _callee(ctx: Context, expr) -> tuple[str | None, object]:
    """(qualified name, call or None) of a decorator expression ``name`` / ``name(...)``."""
    if expr.type == "dotted_name":
        return ctx.qualify(sx.code(expr).replace(" ", "")), None
    if expr.type == "name" or sx.dotted(expr):
        return ctx.qualify(sx.dotted(expr)), None
    calls = ctx.calls(expr) if expr.type in ("atom_expr", "power") else []
    if len(calls) == 1 and calls[0].index == len(sx.parts(expr)) - 1:
        return ctx.qualify(calls[0].callee), calls[0]
    return None, None


def _keeps_users_apart(ctx: Context, exprs) -> str | None:
    """The first decorator (as written) that varies the cache per user or keeps
    the response private, else None."""
    for expr in exprs:
        what, call = _callee(ctx, expr)
        shown = sx.code(expr).strip()
        if what in (VARY_ON_COOKIE, NEVER_CACHE):
            return shown
        if what == VARY_ON_HEADERS and call is not None:
            for a in call.args:
                value = (sx.string_value(a.value) or "").lower()
                if a.kind == "pos" and value in PER_USER_HEADERS:
                    return shown
        if what == CACHE_CONTROL and call is not None:
            private = sx.kwarg(call.args, "private")
            if private is not None and sx.code(private.value) == "True":
                return shown
    return None


def _method_decorators(classdef) -> list:
    """The decorators of the methods of a class, in source order."""
    out = []
    suite = classdef.children[-1]
    for stmt in suite.children if suite.type == "suite" else ():
        if stmt.type == "decorated":
            head = stmt.children[0]
            out += (
                [head]
                if head.type == "decorator"
                else [c for c in head.children if c.type == "decorator"]
            )
    return out


def _per_user_read(body, request_names: set[str]) -> str | None:
    """The first ``request.user`` / ``request.session`` / ``request.COOKIES`` (or
    ``self.request.user``) read in ``body``, as written."""
    for n in sx.walk(body):
        if n.type not in ("atom_expr", "power"):
            continue
        ps = sx.parts(n)
        if not ps or ps[0].type != "name":
            continue
        i = 1
        if ps[0].value == "self" and len(ps) > 2 and sx.is_attr_trailer(ps[1]):
            if ps[1].children[1].value != "request":
                continue
            i = 2
        elif ps[0].value not in request_names:
            continue
        if len(ps) > i and sx.is_attr_trailer(ps[i]) and ps[i].children[1].value in PER_USER_ATTRS:
            return "".join(sx.code(p) for p in ps[: i + 1]).strip()
    return None


# methods of a view class that answer writes, which cache_page never caches
WRITE_METHODS = (HANDLER_METHODS - {"get", "head", "options"}) | {"form_invalid", "get_success_url"}


# what a class-based view's GET handler calls without naming it (Django's generic
# views, DRF's generic views and viewsets)
RENDER_HOOKS = frozenset(
    {
        "get_queryset",
        "filter_queryset",
        "get_object",
        "get_serializer",
        "get_serializer_class",
        "get_serializer_context",
        "get_context_data",
        "get_template_names",
        "paginate_queryset",
        "get_paginated_response",
        "render_to_response",
    }
)


def _called_methods(funcdef) -> set[str]:
    """The names of the ``self.x(...)`` methods a method calls."""
    out = set()
    for n in sx.walk(funcdef):
        if n.type in ("atom_expr", "power"):
            ps = sx.parts(n)
            if (
                len(ps) >= 3
                and ps[0].type == "name"
                and ps[0].value == "self"
                and sx.is_attr_trailer(ps[1])
                and sx.is_call_trailer(ps[2])
            ):
                out.add(ps[1].children[1].value)
    return out


def _class_read(
    classdef, request_names: set[str], only: frozenset | set = frozenset()
) -> str | None:
    """The first per-user read in the methods of a view class that can build a
    cached (GET) response: every method but those that answer writes (or only
    the methods named in ``only``)."""
    suite = classdef.children[-1]
    for stmt in suite.children if suite.type == "suite" else ():
        func = stmt.children[-1] if stmt.type in ("decorated", "async_stmt") else stmt
        if func.type in ("async_funcdef", "async_stmt"):
            func = func.children[-1]
        if func.type == "funcdef":
            if func.name.value in WRITE_METHODS or (only and func.name.value not in only):
                continue
        elif func.type == "classdef":
            continue
        read = _per_user_read(stmt, request_names)
        if read is not None:
            return read
    return None


def _request_names(funcdef) -> set[str]:
    names = {"request"}
    params = [p for p in funcdef.get_params() if not p.star_count]
    if params:
        first = params[0].name.value
        if first in ("self", "cls") and len(params) > 1:
            first = params[1].name.value
        if first not in ("self", "cls"):
            names.add(first)
    return names


@detector("CACHE003", section=SECTION, scope="file")
def per_user_response_cached(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration or not _may_cache(ctx):
        return
    yield from _shared_key_for_user_data(ctx)
    if ".cached(" in ctx.text:
        yield from _flask_cached_views(ctx)
    if "cache_page" not in ctx.text:
        return
    yield from _wrapped_views(ctx)
    for dec in ctx.nodes("decorator"):
        expr = _decorator_expr(dec)
        found = None
        for inner in _applied(ctx, expr):
            what, _ = _callee(ctx, inner)
            if what == CACHE_PAGE:
                found = inner
                break
        if found is None:
            continue
        target = sx.decorated_target(dec)
        if target is None or target.type not in ("funcdef", "classdef"):
            continue
        owner = None
        if target.type == "funcdef":
            owner = ctx.enclosing(target, ("classdef", "funcdef"))
            if owner is not None and owner.type != "classdef":
                owner = None
        # what wraps the view, outermost first: a class's decorators wrap its methods'
        if target.type == "classdef":
            decs = sx.function_decorators(target) + _method_decorators(target)
        elif owner is not None:
            decs = sx.function_decorators(owner) + sx.function_decorators(target)
        else:
            decs = sx.function_decorators(target)
        exprs = [e for d in decs for e in _applied(ctx, _decorator_expr(d))]
        at = next((i for i, e in enumerate(exprs) if e is found), len(exprs))
        if _keeps_users_apart(ctx, exprs[at + 1 :]):
            continue
        outside = _keeps_users_apart(ctx, exprs[:at])
        if target.type == "classdef":
            view = target.name.value
            read = _class_read(target, {"request"})
        else:
            view = (
                f"{owner.name.value}.{target.name.value}"
                if owner is not None
                else target.name.value
            )
            names = _request_names(target)
            read = _per_user_read(target, names)
            if read is None and owner is not None:
                if target.name.value == "dispatch":
                    read = _class_read(owner, names)
                else:
                    read = _class_read(owner, names, _called_methods(target) | RENDER_HOOKS)
        if read is None and not outside:
            continue
        site_node = dec.children[0] if found is expr else found
        end_node = dec.children[1] if found is expr else None
        message = _cache_page_message(view, read)
        if outside:
            message = (
                f"`{outside}` wraps `cache_page` on the view `{view}` from outside, so it "
                "changes the response only after cache_page has stored it under a key that "
                "does not vary per user: the page built for the first user who asks is served "
                "to everyone until it expires; list it below cache_page (nearer the view)"
            )
        yield ctx.finding("CACHE003", site_node, message, end_node=end_node)


# ---------------------------------------------------------------------------
# CACHE004 local-memory-cache-in-production (and CACHE002's CACHES TIMEOUT None)

PER_PROCESS_BACKENDS = {
    "django.core.cache.backends.locmem.LocMemCache": "keeps a separate cache in each worker process",
    "django.core.cache.backends.dummy.DummyCache": "caches nothing at all",
}
# Flask-Caching's CACHE_TYPE values of the same kinds
PER_PROCESS_TYPES = {
    "simple": "keeps a separate cache in each worker process",
    "simplecache": "keeps a separate cache in each worker process",
    "flask_caching.backends.simplecache": "keeps a separate cache in each worker process",
    "null": "caches nothing at all",
    "nullcache": "caches nothing at all",
    "flask_caching.backends.nullcache": "caches nothing at all",
}
PER_PROCESS_CONSEQUENCE = (
    "entries one worker writes are not seen by the others, deleting a key invalidates "
    "one process only, and what is kept in the cache (rate-limit counters, locks, "
    "sessions on the cache backend) is not shared"
)


def _cache_entries(value) -> list[tuple[str, object]]:
    """(alias, dict display) of a ``CACHES = {...}`` display."""
    parsed = _dict_items(value)
    if parsed is None:
        return []
    out = []
    for k, v in parsed[0]:
        alias = sx.string_value(k)
        if alias is not None and _dict_items(v) is not None:
            out.append((alias, v))
    return out


@detector("CACHE004", section=SECTION, scope="file")
def local_memory_cache_in_production(ctx: Context):
    facts = ctx.facts
    if facts.is_test or not facts.is_settings or "CACHE" not in ctx.text:
        return
    yield from _cache_settings(ctx, "CACHE004")


def _cache_settings(ctx: Context, code: str):
    """CACHE004's per-process backends or CACHE002's ``"TIMEOUT": None`` in the
    caches a production settings module configures."""
    local: list = []
    forever: list = []
    for name, value, cls in settings_candidates(ctx, {"CACHES", "CACHE_TYPE"}):
        if name == "CACHE_TYPE":
            kind = (sx.string_value(value) or "").lower()
            if kind in PER_PROCESS_TYPES:
                local.append(
                    (
                        name,
                        ctx.site(value),
                        f'`CACHE_TYPE = "{sx.string_value(value)}"` {PER_PROCESS_TYPES[kind]}: '
                        f"{PER_PROCESS_CONSEQUENCE}; use a shared cache (RedisCache, "
                        "MemcachedCache) in production",
                        cls,
                    )
                )
            continue
        for alias, entry in _cache_entries(value):
            for k, v in _dict_items(entry)[0]:
                key = sx.string_value(k)
                if key == "BACKEND":
                    backend = sx.string_value(v) or ""
                    if backend in PER_PROCESS_BACKENDS:
                        local.append(
                            (
                                name,
                                ctx.site(v),
                                f'the "{alias}" cache uses {backend.rsplit(".", 1)[-1]}, which '
                                f"{PER_PROCESS_BACKENDS[backend]}: {PER_PROCESS_CONSEQUENCE}; use "
                                "a shared backend (RedisCache, PyMemcacheCache) in production",
                                cls,
                            )
                        )
                elif key == "TIMEOUT" and _is_none(v):
                    forever.append(
                        (
                            name,
                            ctx.site(k, v),
                            f'the "{alias}" cache sets "TIMEOUT": None, so every entry written '
                            "without its own timeout (and every cache_page and cached session) "
                            "is kept for ever: the cache fills with entries nobody reads again "
                            "and a value that misses an invalidation stays stale for good; set "
                            "a default timeout in seconds",
                            cls,
                        )
                    )
    found = local if code == "CACHE004" else forever
    if found:
        yield defer_production(ctx, code, found)


FLASK_PER_USER = {
    "flask_login.current_user": None,
    "flask_login.utils.current_user": None,
    "flask.session": None,
    "flask.g": "user",
    "flask.request": "cookies",
}
# what makes Flask-Caching's @cached keep users apart, or skip caching for them
FLASK_CACHED_OPTIONS = ("key_prefix", "unless", "make_cache_key")


def _flask_per_user_read(ctx: Context, body) -> str | None:
    """The first read of ``current_user``, ``session``, ``g.user`` or
    ``request.cookies`` (Flask's objects, by their imports) in ``body``."""
    for n in sx.walk(body):
        if n.type != "name":
            continue
        what = ctx.qualify(n.value)
        if what not in FLASK_PER_USER:
            continue
        attr = FLASK_PER_USER[what]
        if attr is None:
            return n.value
        nxt = n.get_next_sibling()
        if nxt is not None and sx.is_attr_trailer(nxt) and nxt.children[1].value == attr:
            return f"{n.value}.{attr}"
    return None


def _flask_cached_views(ctx: Context):
    """Flask-Caching's ``@cache.cached(...)`` (keyed on the path) on a view that
    reads the signed-in user, the session or the cookies."""
    for _node, call, receiver, dec in _flask_cache_decorators(ctx, "cached"):
        args = call.args
        if sum(a.kind != "kw" for a in args) > 1 or any(
            a.kind in ("star", "dstar", "invalid") or a.name in FLASK_CACHED_OPTIONS for a in args
        ):
            continue  # a key of its own (the second positional), a condition, **options
        target = sx.decorated_target(dec)
        if target is None or target.type != "funcdef":
            continue
        read = _flask_per_user_read(ctx, target)
        if read is None:
            continue
        shown = "".join(sx.code(p) for p in receiver).strip()
        yield ctx.finding(
            "CACHE003",
            dec.children[0],
            f"`@{shown}.cached` on the view `{target.name.value}` stores one response per "
            f"path for every visitor, but the view reads `{read}`: the page built for the "
            "first user who asks is served to everyone until it expires; give key_prefix a "
            "function that puts the user's id in the key, skip the cache for signed-in users "
            "with unless=, or remove the decorator",
            end_node=dec.children[1],
        )


def _module_functions(ctx: Context) -> dict:
    """name -> funcdef of the functions defined at module level (also under ``if``)."""
    out = {}
    for func in ctx.nodes("funcdef"):
        if ctx.enclosing(func, ("funcdef", "classdef")) is None:
            out[func.name.value] = func
    return out


def _wrapped_views(ctx: Context):
    """``view = cache_page(60)(view)`` outside functions, on a view of this module."""
    functions = None
    for node, call in ctx.calls_to("cache_page"):
        if ctx.qualify(call.callee) != CACHE_PAGE:
            continue
        ps = sx.parts(node)
        if call.index + 1 >= len(ps) or not sx.is_call_trailer(ps[call.index + 1]):
            continue
        args = sx.call_args(ps[call.index + 1])
        if len(args) != 1 or args[0].kind != "pos" or args[0].value.type != "name":
            continue
        stmt = node.parent
        if stmt.type != "expr_stmt" or ctx.enclosing(stmt, ("funcdef", "classdef")) is not None:
            continue
        if functions is None:
            functions = _module_functions(ctx)
        func = functions.get(args[0].value.value)
        if func is None:
            continue
        exprs = [e for d in sx.function_decorators(func) for e in _applied(ctx, _decorator_expr(d))]
        if _keeps_users_apart(ctx, exprs):
            continue
        read = _per_user_read(func, _request_names(func))
        if read is None:
            continue
        yield ctx.finding(
            "CACHE003",
            ps[0],
            _cache_page_message(func.name.value, read),
            end_node=ps[call.index],
        )


def _cache_page_message(view: str, read: str) -> str:
    return (
        f"`cache_page` on the view `{view}` stores one response for every visitor, but "
        f"the view reads `{read}`: the page built for the first user who asks (their "
        "name, their data, or an anonymous visitor's redirect) is served to everyone "
        "until it expires, since cache_page keys on the URL only and caches before the "
        "session middleware adds `Vary: Cookie`; add @vary_on_cookie, cache per user "
        "with the low-level cache API, or remove cache_page"
    )


def _user_derived(func, request_names: set[str]) -> dict[str, str]:
    """Names the function binds (in source order) to values read from the user,
    the session or the cookies, directly or through names bound so -> the read."""
    tainted: dict[str, str] = {}
    for n in sx.walk(func):
        if n.type == "expr_stmt":
            bound = sx.plain_assignment(n)
            value = bound[1] if bound is not None else None
            targets = [bound[0]] if bound is not None else []
        elif n.type == "for_stmt":
            value, targets = n.children[3], [t for t in sx.walk(n.children[1]) if t.type == "name"]
        else:
            continue
        if value is None or not targets:
            continue
        read = _per_user_read(value, request_names)
        if read is None:
            read = next(
                (
                    tainted[x.value]
                    for x in sx.walk(value)
                    if x.type == "name" and x.value in tainted
                ),
                None,
            )
        if read is not None:
            tainted.update((t.value, read) for t in targets)
    return tainted


def _shared_key(ctx: Context, key, node, func, tainted: dict[str, str]) -> bool:
    """Whether a cache key is the same for every user: a fixed key, or a string
    that formats in only the function's other parameters (a page, a slug)."""
    if _fixed(ctx, key, node):
        return True
    if key.type != "fstring" or any(w in sx.code(key).lower() for w in ("user", "session")):
        return False
    params = {p.name.value for p in func.get_params()} - {"self", "cls", "request", "req"}
    for expr in (n for n in sx.walk(key) if n.type == "fstring_expr"):
        names = [leaf.value for leaf in sx.walk(expr.children[1]) if leaf.type == "name"]
        if not names or names[0] not in params or names[0] in tainted:
            return False
    return True


def _shared_key_for_user_data(ctx: Context):
    """``cache.set("dashboard", <computed from request.user>)`` in a function that
    reads the user: one entry for everyone, holding the first user's data."""
    for node, call in ctx.calls_to("set", "add", "get_or_set"):
        func = ctx.enclosing(node, ("funcdef",))
        if func is None or not _django_cache(ctx, _receiver(node, call), node):
            continue
        args = [a for a in call.args if a.kind == "pos"]
        if len(args) < 2 or any(a.kind in ("star", "dstar", "invalid") for a in call.args):
            continue
        names = _request_names(func)
        if _per_user_read(func, names) is None:
            continue
        tainted = _user_derived(func, names)
        key, value = args[0].value, args[1].value
        read = _per_user_read(value, names)
        what = f"`{read}`"
        if read is None:
            used = [x.value for x in sx.walk(value) if x.type == "name" and x.value in tainted]
            if not used:
                continue
            what = f"`{used[0]}` (from `{tainted[used[0]]}`)"
        if not _shared_key(ctx, key, node, func, tainted):
            continue
        owner = ctx.enclosing(func, ("classdef",))
        view = f"{owner.name.value}.{func.name.value}" if owner is not None else func.name.value
        yield ctx.finding(
            "CACHE003",
            key,
            f"`{func.name.value}` caches {what} under the key `{sx.code(key).strip()}`, "
            "which is the same for "
            f"every user: the next user to call `{view}` gets the first one's data until the "
            "entry expires; put the user's id (or the session key) in the cache key",
        )
