"""GQL001, GQL002: GraphQL endpoints without query limits or with their IDE and
debug output switched on."""

from __future__ import annotations

from ...source import syntax as sx
from ..base import Context, detector, make_finding
from ._common import (
    GRAPHQL_PACKAGES,
    SECTION,
    callee_end,
    imports_any,
    is_true,
    last_name,
    resolve_local,
    sequence_items,
    spread,
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


def _limits_extensions(ctx: Context, value) -> bool:
    """Whether ``extensions=`` may hold a limit: anything but a list of extensions
    known to limit nothing (a call, a name from elsewhere, a project extension)."""
    items = sequence_items(resolve_local(ctx, value))
    if items is None:
        return True
    for item in items:
        name = last_name(item)
        if name is None or name not in UNRELATED_EXTENSIONS:
            return True
    return False


@detector("GQL001", section=SECTION, scope="file")
def graphql_without_limits(ctx: Context):
    if ctx.facts.is_test:
        return
    yield from _graphene_subclass_views(ctx)
    if not imports_any(ctx, GRAPHQL_PACKAGES):
        return
    for node, call in ctx.calls_of_qualified(STRAWBERRY_SCHEMAS):
        args = call.args
        if spread(args):
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
            end_node=callee_end(call),
        )
    served = [
        *ctx.calls_of_qualified(GRAPHENE_AS_VIEW),
        *ctx.calls_of_qualified(ARIADNE_SERVERS),
    ]
    for node, call in sorted(served, key=lambda nc: nc[0].start_pos):
        args = call.args
        if spread(args) or any(sx.kwarg(args, k) for k in LIMIT_ARGUMENTS):
            continue
        q = ctx.qualify(call.callee) or ""
        what = "view" if q.endswith(".as_view") else "server"
        message = (
            f"the GraphQL {what} `{call.callee}()` passes no validation_rules: nothing limits "
            "the depth or the cost of a query, so one nested query can keep a worker busy "
            "for minutes"
        )
        site = ctx.site(node, callee_end(call))
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
    if not imports_any(ctx, ("graphene", "graphene_django")) and not any(
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
        if spread(args) or any(sx.kwarg(args, k) for k in LIMIT_ARGUMENTS):
            continue
        site = ctx.site(node, callee_end(call))

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
    if ctx.facts.is_test or not imports_any(ctx, GRAPHQL_PACKAGES):
        return
    if _not_production_file(ctx):
        return
    for node, call in ctx.calls_of_qualified(IDE_VIEWS | ARIADNE_DEBUG):
        q = ctx.qualify(call.callee) or ""
        for a in call.args:
            if a.kind != "kw":
                continue
            if a.name == "graphiql" and is_true(a.value) and q in IDE_VIEWS:
                what = "serves the GraphiQL IDE"
            elif a.name == "graphql_ide" and q in IDE_VIEWS and sx.string_value(a.value):
                what = f"serves the {sx.string_value(a.value)} IDE"
            elif a.name == "debug" and is_true(a.value) and q in ARIADNE_DEBUG:
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
