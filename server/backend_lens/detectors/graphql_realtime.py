"""GraphQL & Real-time Services: GraphQL endpoints without query limits or with
their IDE and debug output switched on (GQL001, GQL002), and Django Channels
websockets that let anyone in, that any site can open with the user's cookies,
or that query the database synchronously on the event loop (WS001-WS003).

Most is decided from one file's parse tree: where a GraphQL schema is served
(graphene-django, graphql-server, ariadne) or built with its extensions
(strawberry), the consumer classes of a file, an ``asgi.py``'s
``ProtocolTypeRouter``. Three judgements read the project's facts: the
``GRAPHENE`` setting (GQL001), a project subclass of graphene-django's view
(GQL001, "models"), and whether other modules derive from a consumer (WS001).
Whenever the deciding part is out of sight (extensions built by a function, a
consumer base class from another module, a websocket application imported
from elsewhere) the rules stay quiet.
"""

from __future__ import annotations

from ..source import syntax as sx
from ._helpers import last_assignment
from .base import Context, detector, make_finding

SECTION = "GraphQL & Real-time Services"
GRAPHQL_PACKAGES = (
    "graphene",
    "graphene_file_upload",
    "graphene_django",
    "graphql_server",
    "flask_graphql",
    "strawberry",
    "ariadne",
    "ariadne_django",
)

# -- GQL001 ------------------------------------------------------------------

# views that take ``validation_rules`` (graphene-django 3, graphql-server 3)
GRAPHENE_VIEWS = frozenset(
    {
        "graphene_django.views.GraphQLView",
        "graphene_file_upload.django.FileUploadGraphQLView",
        "graphql_server.flask.GraphQLView",
        "graphql_server.flask.graphqlview.GraphQLView",
        "graphql_server.sanic.GraphQLView",
        "graphql_server.aiohttp.GraphQLView",
    }
)
GRAPHENE_AS_VIEW = frozenset(f"{v}.as_view" for v in GRAPHENE_VIEWS)
STRAWBERRY_SCHEMAS = frozenset(
    {
        "strawberry.Schema",
        "strawberry.schema.Schema",
        "strawberry.schema.schema.Schema",
        "strawberry.federation.Schema",
        "strawberry.federation.schema.Schema",
    }
)
# strawberry extensions that limit nothing a client asks for: a list of only these
# still leaves the schema open to a deep or wide query
UNRELATED_EXTENSIONS = frozenset(
    {
        "DjangoOptimizerExtension",
        "ParserCache",
        "ValidationCache",
        "MaskErrors",
        "DisableIntrospection",
        "ApolloTracingExtension",
        "ApolloTracingExtensionSync",
        "DatadogTracingExtension",
        "DatadogTracingExtensionSync",
        "OpenTelemetryExtension",
        "OpenTelemetryExtensionSync",
        "SentryTracingExtension",
        "SentryTracingExtensionSync",
        "PyInstrument",
    }
)
ARIADNE_SERVERS = frozenset(
    {
        "ariadne.asgi.GraphQL",
        "ariadne.wsgi.GraphQL",
        "ariadne.contrib.django.views.GraphQLView.as_view",
        "ariadne_django.views.GraphQLView.as_view",
        "ariadne.graphql_sync",
        "ariadne.graphql",
        "ariadne.graphql.graphql_sync",
        "ariadne.graphql.graphql",
    }
)
# arguments through which a limit can be given to a view or an ariadne server
LIMIT_ARGUMENTS = ("validation_rules", "query_validator", "backend")
# what a project subclass of a graphene view may define to limit or check queries itself
SUBCLASS_LIMITS = frozenset(
    {
        "validation_rules",
        "backend",
        "get_validation_rules",
        "execute_graphql_request",
        "get_response",
        "parse_body",
        "get_backend",
    }
)
# words in the GRAPHENE setting that suggest the project limits queries there
LIMIT_WORDS = ("depth", "complex", "cost", "limit", "validat")

# -- GQL002 ------------------------------------------------------------------

IDE_VIEWS = GRAPHENE_AS_VIEW | frozenset(
    {
        "flask_graphql.GraphQLView.as_view",
        "strawberry.django.views.GraphQLView.as_view",
        "strawberry.django.views.AsyncGraphQLView.as_view",
        "strawberry.flask.views.GraphQLView.as_view",
        "strawberry.flask.views.AsyncGraphQLView.as_view",
        "strawberry.sanic.views.GraphQLView.as_view",
        "strawberry.quart.views.GraphQLView.as_view",
        "strawberry.fastapi.GraphQLRouter",
        "strawberry.fastapi.router.GraphQLRouter",
        "strawberry.asgi.GraphQL",
        "strawberry.aiohttp.views.GraphQLView",
        "strawberry.chalice.views.GraphQLView",
    }
)
ARIADNE_DEBUG = ARIADNE_SERVERS
# words of a file name that say it is not what production serves
NOT_PRODUCTION_WORDS = ("dev", "debug", "local", "example", "demo", "sample")

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


def _imports_any(ctx: Context, packages) -> bool:
    return any(m.split(".", 1)[0] in packages for m in ctx.facts.imported_modules)


def _callee_end(call: sx.Call):
    """The last node of what is called (``strawberry.Schema``), for a finding's end."""
    return sx.parts(call.node)[call.index - 1]


def _is_true(node) -> bool:
    return node.type == "keyword" and node.value == "True"


def _last_name(node) -> str | None:
    """``Limiter`` of ``Limiter``, ``ext.Limiter``, ``Limiter(...)``, ``lambda: Limiter(...)``."""
    if node.type == "lambdef":
        node = node.children[-1]
    if node.type in ("atom_expr", "power"):
        ps = sx.parts(node)
        names = [ps[0].value] if ps and ps[0].type == "name" else []
        for t in ps[1:]:
            if sx.is_attr_trailer(t):
                names.append(t.children[1].value)
            elif not sx.is_call_trailer(t):
                return None
        return names[-1] if names else None
    if node.type == "name":
        return node.value
    return None


def _sequence_items(node) -> list | None:
    """The items of a list or tuple display, else None."""
    node = sx.unparen(node) if node.type == "atom" and node.children[0].value == "(" else node
    if node.type != "atom" or node.children[0].value not in ("[", "("):
        return None
    if len(node.children) == 2:
        return []
    inner = node.children[1]
    if inner.type in ("testlist_comp", "exprlist"):
        if any(c.type in ("sync_comp_for", "comp_for") for c in inner.children):
            return None
        return [c for c in inner.children if c.type != "operator"]
    return [inner]


def _resolve(ctx: Context, node, depth: int = 0):
    """A name's value assigned earlier in the same scope, else the node itself."""
    while node.type == "name" and depth < 4:
        value = last_assignment(ctx, node.value, node)
        if value is None:
            return node
        node, depth = value, depth + 1
    return node


def _limits_extensions(ctx: Context, value) -> bool:
    """Whether ``extensions=`` may hold a limit: anything but a list of extensions
    known to limit nothing (a call, a name from elsewhere, a project extension)."""
    items = _sequence_items(_resolve(ctx, value))
    if items is None:
        return True
    for item in items:
        name = _last_name(item)
        if name is None or name not in UNRELATED_EXTENSIONS:
            return True
    return False


def _spread(args: list[sx.Arg]) -> bool:
    return any(a.kind in ("star", "dstar", "invalid") for a in args)


@detector("GQL001", section=SECTION, scope="file")
def graphql_without_limits(ctx: Context):
    if ctx.facts.is_test:
        return
    yield from _graphene_subclass_views(ctx)
    if not _imports_any(ctx, GRAPHQL_PACKAGES):
        return
    for node, call in ctx.calls_of_qualified(STRAWBERRY_SCHEMAS):
        args = call.args
        if _spread(args):
            continue
        ext = sx.kwarg(args, "extensions")
        if ext is not None and _limits_extensions(ctx, ext.value):
            continue
        yield ctx.finding(
            "GQL001",
            node,
            f"`{call.callee}()` has no QueryDepthLimiter, MaxTokensLimiter or MaxAliasesLimiter "
            "extension: one deeply nested or aliased query can make the server resolve "
            "millions of fields",
            end_node=_callee_end(call),
        )
    served = [
        *ctx.calls_of_qualified(GRAPHENE_AS_VIEW),
        *ctx.calls_of_qualified(ARIADNE_SERVERS),
    ]
    for node, call in sorted(served, key=lambda nc: nc[0].start_pos):
        args = call.args
        if _spread(args) or any(sx.kwarg(args, k) for k in LIMIT_ARGUMENTS):
            continue
        q = ctx.qualify(call.callee) or ""
        what = "view" if q.endswith(".as_view") else "server"
        message = (
            f"the GraphQL {what} `{call.callee}()` passes no validation_rules: nothing limits "
            "the depth or the cost of a query, so one nested query can keep a worker busy "
            "for minutes"
        )
        site = ctx.site(node, _callee_end(call))
        if q in GRAPHENE_AS_VIEW and q.startswith(("graphene_django.", "graphene_file_upload.")):

            def judge(index, site=site, message=message, facts=ctx.facts):
                if not _graphene_limit_in_settings(index, facts):
                    yield make_finding("GQL001", site, message)

            yield ctx.defer(("settings",), judge)
        else:
            yield make_finding("GQL001", site, message)


def _graphene_limit_in_settings(index, facts) -> bool:
    graphene = index.settings(facts).get("GRAPHENE")
    text = str(graphene).lower() if graphene is not None else ""
    return any(w in text for w in LIMIT_WORDS)


def _graphene_subclass_views(ctx: Context):
    """``ProjectView.as_view(...)`` where ProjectView is a project subclass of
    graphene-django's GraphQLView that neither sets validation_rules nor overrides
    the methods that run a query, and the call passes none either."""
    if not _imports_any(ctx, ("graphene", "graphene_django")) and not any(
        "graphql" in local.lower() for local in ctx.facts.imports
    ):
        return
    for node, call in ctx.calls_to("as_view"):
        callee = call.callee
        if not callee or not callee.endswith(".as_view"):
            continue
        written = callee[: -len(".as_view")]
        if (ctx.qualify(callee) or "") in IDE_VIEWS | ARIADNE_SERVERS:
            continue  # the library's own view: judged below
        args = call.args
        if _spread(args) or any(sx.kwarg(args, k) for k in LIMIT_ARGUMENTS):
            continue
        site = ctx.site(node, _callee_end(call))

        def judge(index, site=site, written=written, facts=ctx.facts, pos=node.start_pos):
            ref = index.resolve_class(facts, written, pos)
            if ref is None or isinstance(ref, str):
                return
            libs, projs = index.ancestors(ref)
            if not any(lib in GRAPHENE_VIEWS for lib in libs):
                return
            if any(not (lib in GRAPHENE_VIEWS or lib.startswith("django.")) for lib in libs):
                return  # another library's base may limit queries
            for c in (ref, *projs):
                names = {k for k, _ in c.cls.attrs} | set(c.cls.methods)
                if names & SUBCLASS_LIMITS:
                    return
            if _graphene_limit_in_settings(index, facts):
                return
            yield make_finding(
                "GQL001",
                site,
                f"the GraphQL view `{written}` (a graphene-django GraphQLView) sets no "
                "validation_rules and none are passed here: nothing limits the depth or the "
                "cost of a query, so one nested query can keep a worker busy for minutes",
            )

        yield ctx.defer(("models", "settings"), judge)


def _under_debug_condition(node) -> bool:
    """In the branch of an ``if``/``elif`` or a conditional expression that runs when
    a test naming DEBUG holds (``if settings.DEBUG:``, ``x if DEBUG else y``)."""
    child, p = node, node.parent
    while p is not None and p.type not in ("funcdef", "classdef", "file_input"):
        test = None
        if p.type == "if_stmt":
            i = p.children.index(child)
            if i >= 3 and p.children[i - 3].type == "keyword" and p.children[i - 3].value != "else":
                test = p.children[i - 2]
        elif p.type == "ternary" and p.children[0] is child:
            test = p.children[2]
        if test is not None:
            text = sx.code(test).lower()
            if "debug" in text and not text.startswith("not "):
                return True
        child, p = p, p.parent
    return False


def _not_production_file(ctx: Context) -> bool:
    parts = ctx.rel_path.replace("\\", "/").lower().split("/")
    words = [w for part in parts for w in part.removesuffix(".py").replace("-", "_").split("_")]
    return any(w in NOT_PRODUCTION_WORDS for w in words) or any(
        p in ("examples", "example", "demo", "docs", "scripts") for p in parts[:-1]
    )


@detector("GQL002", section=SECTION, scope="file")
def graphql_ide_or_debug_on(ctx: Context):
    if ctx.facts.is_test or not _imports_any(ctx, GRAPHQL_PACKAGES):
        return
    if _not_production_file(ctx):
        return
    for node, call in ctx.calls_of_qualified(IDE_VIEWS | ARIADNE_DEBUG):
        q = ctx.qualify(call.callee) or ""
        for a in call.args:
            if a.kind != "kw":
                continue
            if a.name == "graphiql" and _is_true(a.value) and q in IDE_VIEWS:
                what = "serves the GraphiQL IDE"
            elif a.name == "graphql_ide" and q in IDE_VIEWS and sx.string_value(a.value):
                what = f"serves the {sx.string_value(a.value)} IDE"
            elif a.name == "debug" and _is_true(a.value) and q in ARIADNE_DEBUG:
                what = "runs in debug mode (error responses carry tracebacks)"
            else:
                continue
            if _under_debug_condition(node):
                continue
            yield ctx.finding(
                "GQL002",
                a.node,
                f"`{call.callee}()` {what} whatever the environment: in production it "
                "hands anyone a map of the whole schema and a tool to probe it; tie it to "
                "settings.DEBUG",
            )


# -- websockets -------------------------------------------------------------


def _class_bases(cls) -> list:
    """The base expressions of a classdef (keywords such as metaclass= left out)."""
    ch = cls.children
    if len(ch) < 4 or ch[2].type != "operator" or ch[2].value != "(":
        return []
    inner = ch[3]
    if inner.type == "operator":
        return []
    items = inner.children if inner.type == "arglist" else [inner]
    return [c for c in items if c.type != "operator" and c.type != "argument"]


def _methods(cls) -> dict:
    out = {}
    suite = cls.children[-1]
    for stmt in getattr(suite, "children", ()):
        f = stmt
        if f.type == "decorated":
            f = f.children[-1]
        if f.type in ("async_stmt", "async_funcdef"):
            f = f.children[-1]
        if f.type == "funcdef":
            out.setdefault(f.children[1].value, f)
    return out


def _consumer_chain(ctx: Context, cls, classes: dict, seen=()) -> list | None:
    """``cls`` and its same-file ancestors down to a Channels websocket consumer,
    nearest first; None when it is not one or an ancestor is out of sight."""
    chain = [cls]
    found = False
    for base in _class_bases(cls):
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
        called = (p.type == "trailer" and sx.is_attr_trailer(p) and _next_is_call(p)) or (
            p.type in ("atom_expr", "power") and sx.parts(p)[0] is n and _next_is_call(n)
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


def _next_is_call(node) -> bool:
    """Whether the node (a name or an attribute trailer) is followed by a call."""
    holder = node.parent if node.type == "trailer" else node.parent
    if holder is None or holder.type not in ("atom_expr", "power"):
        return False
    ps = sx.parts(holder)
    i = next((k for k, c in enumerate(ps) if c is node), -1)
    return 0 <= i < len(ps) - 1 and sx.is_call_trailer(ps[i + 1])


def _closes(node) -> bool:
    for n in sx.walk(node):
        if n.type == "name" and n.value in ("close", "DenyConnection"):
            return True
    return False


@detector("WS001", section=SECTION, scope="file")
def consumer_without_user_check(ctx: Context):
    if ctx.facts.is_test or not _imports_any(ctx, ("channels",)):
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
        owner = next((c for c in chain if "connect" in _methods(c)), None)
        if owner is None:
            # Channels' own connect() accepts every connection
            site = ctx.site(cls.children[1])
            message = (
                f"consumer `{name}` keeps Channels' connect(), which accepts every websocket, "
                "and never looks at scope['user'] or a credential: anyone who can reach the "
                "URL is let in"
            )
        else:
            connect = _methods(owner)["connect"]
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
    mapping = _resolve(ctx, router_arg)
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
    if ctx.facts.is_test or not _imports_any(ctx, ("channels",)):
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
# queryset methods that run a query at once (their async twins start with "a")
RUNS_A_QUERY = frozenset(
    {
        "get",
        "create",
        "get_or_create",
        "update_or_create",
        "count",
        "exists",
        "first",
        "last",
        "latest",
        "earliest",
        "aggregate",
        "in_bulk",
        "update",
        "delete",
        "bulk_create",
        "bulk_update",
        "contains",
        "explain",
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
            for b in _class_bases(last)
        ):
            yield cls


@detector("WS003", section=SECTION, scope="file")
def orm_in_async_consumer(ctx: Context):
    if ctx.facts.is_test or not _imports_any(ctx, ("channels",)):
        return
    from ._helpers import queryset_chain

    for cls in _async_consumer_classes(ctx):
        for name, method in _methods(cls).items():
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
