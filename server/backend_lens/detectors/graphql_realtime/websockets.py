"""WS001-WS003: Django Channels websockets that let anyone in, that any site can
open with the user's cookies, or that query the database synchronously on the
event loop."""

from __future__ import annotations

from ...source import syntax as sx
from .._helpers import last_assignment
from ..base import Context, detector, make_finding
from ..performance import RUNS_A_QUERY
from ._common import (
    SECTION,
    class_bases,
    class_methods,
    imports_any,
    next_is_call,
    resolve_local,
)

# -- WS001, WS002 --------------------------------------------------------------

CONSUMER_BASES = frozenset(
    f"channels.generic.websocket.{c}"
    for c in (
        "WebsocketConsumer",
        "AsyncWebsocketConsumer",
        "JsonWebsocketConsumer",
        "AsyncJsonWebsocketConsumer",
    )
)
# scope keys that say nothing about who is connecting; reading any other one
# (user, session, headers, query_string, cookies, a middleware's own key) may be a check
ANONYMOUS_SCOPE_KEYS = frozenset(
    {"url_route", "path", "raw_path", "root_path", "type", "scheme", "client", "server"}
    | {"subprotocols", "http_version", "asgi", "extensions", "state"}
)
# attributes that only an identity check reads
IDENTITY_ATTRIBUTES = frozenset(
    {"is_authenticated", "is_anonymous", "is_staff", "is_superuser", "is_active", "has_perm"}
)
# words in the name of a function, method or decorator a consumer calls that make it a
# check of who is connecting (``self.authorise()``, ``has_room_access(...)``)
CHECK_WORDS = (
    "auth",
    "perm",
    "token",
    "login",
    "jwt",
    "ticket",
    "credential",
    "verify",
    "allowed",
    "access",
    "member",
    "owner",
    "check",
    "get_user",
    "signature",
    "session",
)
PROTOCOL_ROUTERS = frozenset({"channels.routing.ProtocolTypeRouter"})
# middleware that authenticates a websocket with the browser's cookies
COOKIE_AUTH = frozenset(
    {
        "channels.auth.AuthMiddlewareStack",
        "channels.auth.AuthMiddleware",
        "channels.sessions.SessionMiddlewareStack",
        "channels.sessions.SessionMiddleware",
        "channels.sessions.CookieMiddleware",
    }
)


def _consumer_chain(ctx: Context, cls, classes: dict, seen=()) -> list | None:
    """``cls`` and its same-file ancestors down to a Channels websocket consumer,
    nearest first; None when it is not one or an ancestor is out of sight."""
    chain = [cls]
    found = False
    for base in class_bases(cls):
        written = sx.dotted(base)
        if written is None:
            return None
        q = ctx.qualify(written) or written
        if q in CONSUMER_BASES:
            found = True
            continue
        local = classes.get(written)
        if local is not None and local not in seen and local is not cls:
            if len(seen) > 20:
                return None  # deeper than any real hierarchy: not judged
            sub = _consumer_chain(ctx, local, classes, (*seen, cls))
            if sub is None:
                return None
            chain.extend(sub)
            found = True
            continue
        return None  # a mixin or base class from elsewhere may check the user
    return chain if found else None


def _looks_at_identity(suite) -> bool:
    """Whether a class body reads something that tells who is connecting: a scope key
    other than the route's, ``is_authenticated`` and the like, the whole scope handed
    to a helper, or a call or decorator whose name speaks of a check."""
    for n in sx.walk(suite):
        if n.type != "name":
            continue
        p = n.parent
        if n.value == "DenyConnection" or n.value in IDENTITY_ATTRIBUTES:
            return True
        if n.value == "scope" and p.type == "trailer" and sx.is_attr_trailer(p):
            # self.scope[...], self.scope.get(...), f(self.scope)
            holder = p.parent
            ps = sx.parts(holder) if holder.type in ("atom_expr", "power") else []
            i = next((k for k, c in enumerate(ps) if c is p), -1)
            after = ps[i + 1] if 0 <= i < len(ps) - 1 else None
            key = None
            if after is not None and after.children[0].value == "[":
                key = after.children[1]
            elif (
                after is not None
                and sx.is_attr_trailer(after)
                and after.children[1].value == "get"
                and i + 2 < len(ps)
                and sx.is_call_trailer(ps[i + 2])
            ):
                args = sx.call_args(ps[i + 2])
                key = args[0].value if args else None
            if key is None:
                if after is None or not sx.is_attr_trailer(after):
                    return True  # the scope itself goes somewhere
                continue
            name = sx.string_value(key)
            if name is None or name not in ANONYMOUS_SCOPE_KEYS:
                return True
            continue
        called = (p.type == "trailer" and sx.is_attr_trailer(p) and next_is_call(p)) or (
            p.type in ("atom_expr", "power") and sx.parts(p)[0] is n and next_is_call(n)
        )
        in_decorator = p.type in ("decorator", "dotted_name") or (
            p.type == "trailer"
            and p.parent is not None
            and p.parent.parent is not None
            and p.parent.parent.type == "decorator"
        )
        if (called or in_decorator) and any(w in n.value.lower() for w in CHECK_WORDS):
            return True
    return False


def _closes(node) -> bool:
    for n in sx.walk(node):
        if n.type == "name" and n.value in ("close", "DenyConnection"):
            return True
    return False


@detector("WS001", section=SECTION, scope="file")
def consumer_without_user_check(ctx: Context):
    if ctx.facts.is_test or not imports_any(ctx, ("channels",)):
        return
    classes = {}
    for cls in ctx.nodes("classdef"):
        if ctx.scope(cls).type == "file_input":
            classes.setdefault(cls.children[1].value, cls)
    chains = {}
    for cls in ctx.nodes("classdef"):
        chain = _consumer_chain(ctx, cls, classes)
        if chain is not None:
            chains[id(cls)] = (cls, chain)
    bases = {id(b) for _, chain in chains.values() for b in chain[1:]}
    reported = set()
    for cls, chain in chains.values():
        if id(cls) in bases:
            continue  # judged with each consumer built on it
        if any(_looks_at_identity(c.children[-1]) for c in chain):
            continue
        name = cls.children[1].value
        owner = next((c for c in chain if "connect" in class_methods(c)), None)
        if owner is None:
            # Channels' own connect() accepts every connection
            site = ctx.site(cls.children[1])
            message = (
                f"consumer `{name}` keeps Channels' connect(), which accepts every websocket, "
                "and never looks at scope['user'] or a credential: anyone who can reach the "
                "URL is let in"
            )
        else:
            connect = class_methods(owner)["connect"]
            if _closes(connect):
                continue  # it refuses some connections: a check of some kind
            accepts = [
                (node, call)
                for node in sx.walk(connect)
                if node.type in ("atom_expr", "power")
                for call in ctx.calls(node)
                if call.callee == "self.accept"
            ]
            if not accepts or id(accepts[0][0]) in reported:
                continue  # super().connect(), a helper...: cannot tell
            node, call = accepts[0]
            reported.add(id(node))
            site = ctx.site(sx.parts(node)[0], call.trailer)  # after an ``await``
            message = (
                f"`{owner.children[1].value}.connect()` accepts the websocket without looking "
                "at scope['user'] or any credential: anyone who can reach the URL is let in"
            )

        # a consumer that classes of other modules derive from is their base: they may
        # check (and this rule does not follow bases across modules)
        def judge(index, site=site, message=message, name=name, path=ctx.path):
            for facts in index.files.values():
                if facts.path == path:
                    continue
                for c in facts.classes:
                    if any(b.rsplit(".", 1)[-1] == name for b in c.bases):
                        return
            yield make_finding("WS001", site, message)

        yield ctx.defer(("models",), judge)


def _websocket_entry(ctx: Context, router_arg):
    """(key, value) of the ``"websocket"`` entry of a ProtocolTypeRouter's mapping."""
    mapping = resolve_local(ctx, router_arg)
    if mapping.type != "atom" or mapping.children[0].value != "{" or len(mapping.children) != 3:
        return None
    maker = mapping.children[1]
    if maker.type != "dictorsetmaker":
        return None
    items = maker.children
    for i in range(len(items) - 2):
        k, colon = items[i], items[i + 1]
        if colon.type == "operator" and colon.value == ":" and sx.string_value(k) == "websocket":
            return k, items[i + 2]
    return None


def _written_name(n) -> str | None:
    """The dotted name a name leaf starts (``channels.auth.AuthMiddlewareStack``), or
    None for an attribute or a keyword argument's name."""
    p = n.parent
    if p.type == "trailer" and sx.is_attr_trailer(p):
        return None
    if p.type == "argument" and p.children[0] is n and len(p.children) > 1:
        if p.children[1].type == "operator" and p.children[1].value == "=":
            return None
    if p.type in ("atom_expr", "power") and sx.parts(p)[0] is n:
        names = [n.value]
        for t in sx.parts(p)[1:]:
            if not sx.is_attr_trailer(t):
                break
            names.append(t.children[1].value)
        return ".".join(names)
    return n.value


def _stack_names(ctx: Context, value, depth: int = 0) -> list[str] | None:
    """Qualified names of what the websocket application is built from, through names
    assigned in the same file; None when that goes too deep."""
    if depth > 3:
        return None
    out: list[str] = []
    for n in sx.walk(value):
        if n.type != "name":
            continue
        written = _written_name(n)
        if written is None:
            continue
        if written.split(".")[0] not in ctx.facts.imports:
            assigned = last_assignment(ctx, n.value, n)
            if assigned is not None:
                sub = _stack_names(ctx, assigned, depth + 1)
                if sub is None:
                    return None
                out.extend(sub)
                continue
        out.append(ctx.qualify(written) or written)
    return out


@detector("WS002", section=SECTION, scope="file")
def websocket_without_origin_check(ctx: Context):
    if ctx.facts.is_test or not imports_any(ctx, ("channels",)):
        return
    for _node, call in ctx.calls_of_qualified(PROTOCOL_ROUTERS):
        args = call.args
        if not args or args[0].kind != "pos":
            continue
        entry = _websocket_entry(ctx, args[0].value)
        if entry is None:
            continue
        key, value = entry
        names = _stack_names(ctx, value)
        if names is None or any("origin" in n.lower() for n in names):
            continue
        if not any(n in COOKIE_AUTH for n in names):
            continue  # no cookie authentication: another site gains nothing by connecting
        yield ctx.finding(
            "WS002",
            key,
            "the websocket application is authenticated by the session cookie but not wrapped "
            "in AllowedHostsOriginValidator: any web page a signed-in user opens can connect "
            "as that user",
            end_node=value,
        )


# -- WS003 -------------------------------------------------------------------

ASYNC_CONSUMER_BASES = frozenset(
    {
        "channels.generic.websocket.AsyncWebsocketConsumer",
        "channels.generic.websocket.AsyncJsonWebsocketConsumer",
    }
)


def _async_consumer_classes(ctx: Context):
    classes = {}
    for cls in ctx.nodes("classdef"):
        if ctx.scope(cls).type == "file_input":
            classes.setdefault(cls.children[1].value, cls)
    for cls in ctx.nodes("classdef"):
        chain = _consumer_chain(ctx, cls, classes)
        if chain is None:
            continue
        last = chain[-1]
        if any(
            (ctx.qualify(sx.dotted(b) or "") or "") in ASYNC_CONSUMER_BASES
            for b in class_bases(last)
        ):
            yield cls


@detector("WS003", section=SECTION, scope="file")
def orm_in_async_consumer(ctx: Context):
    if ctx.facts.is_test or not imports_any(ctx, ("channels",)):
        return
    from .._helpers import queryset_chain

    for cls in _async_consumer_classes(ctx):
        for name, method in class_methods(cls).items():
            if not sx.is_async_funcdef(method):
                continue
            for node in sx.walk(method.children[-1]):
                if node.type not in ("atom_expr", "power"):
                    continue
                if node.children[0].type == "keyword":  # await Model.objects.aget(...)
                    continue
                if ctx.enclosing(node, ("funcdef", "lambdef")) is not method:
                    continue  # a nested function (run through database_sync_to_async)
                qs = queryset_chain(node)
                if qs is None:
                    continue
                hit = next(
                    ((m, t) for m, t in qs.methods if m in RUNS_A_QUERY and t is not None), None
                )
                if hit is None:
                    continue
                method_name, trailer = hit
                yield ctx.finding(
                    "WS003",
                    node,
                    f"`{qs.model}.objects...{method_name}()` runs a database query inside "
                    f"`async def {name}` of a Channels consumer: Django raises "
                    "SynchronousOnlyOperation there; use "
                    f"`await {qs.model}.objects...a{method_name}()` or database_sync_to_async",
                    end_node=trailer,
                )
