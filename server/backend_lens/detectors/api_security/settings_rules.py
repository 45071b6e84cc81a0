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
    if not ctx.facts.is_test and "debug" in ctx.text:
        yield from _debug_apps(ctx)


ASGI_APPS = frozenset({"fastapi.FastAPI", "starlette.applications.Starlette"})
EXPOSED_HOSTS = frozenset({"0.0.0.0", "::"})


def _flask_app(ctx: Context, name: str | None) -> bool:
    """Whether ``name`` is bound in this module to ``Flask(...)`` (and only to it)."""
    if not name or "." in name:
        return False
    stmts = ctx.assignments(name)
    if not stmts:
        return False
    for stmt in stmts:
        value = stmt.children[-1]
        calls = ctx.calls(value) if value.type in ("atom_expr", "power") else []
        if len(calls) != 1 or ctx.qualify(calls[0].callee) != "flask.Flask":
            return False
    return True


def _debug_apps(ctx: Context):
    """``FastAPI(debug=True)`` / ``Starlette(debug=True)``: the application object
    itself answers errors with tracebacks; ``app.run(debug=True, host="0.0.0.0")``:
    Flask's interactive debugger reachable from the network."""
    for _node, call in ctx.calls_of_qualified(ASGI_APPS):
        debug = sx.kwarg(call.args, "debug")
        if debug is not None and is_true(debug.value):
            yield ctx.finding(
                "APISEC001",
                debug.node,
                f"`{call.method}(debug=True)`: every unhandled error answers with the full "
                "traceback to whoever caused it; leave debug off in the application object "
                "and turn it on only in a development entry point",
            )
    for node, call in ctx.calls_to("run"):
        ps = sx.parts(node)
        if call.index != 2 or not _flask_app(ctx, sx.dotted(ps[0])):
            continue
        args = call.args
        debug, host = sx.kwarg(args, "debug"), sx.kwarg(args, "host")
        if debug is None or not is_true(debug.value) or host is None:
            continue
        if sx.string_value(host.value) not in EXPOSED_HOSTS:
            continue
        yield ctx.finding(
            "APISEC001",
            debug.node,
            "`run(debug=True)` on every network interface: Flask's interactive debugger runs "
            "Python sent from any error page, so anyone who reaches the port and gets past "
            '(or reads) the PIN runs code on the server; use debug=False, or host="127.0.0.1" '
            "for development",
        )


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
