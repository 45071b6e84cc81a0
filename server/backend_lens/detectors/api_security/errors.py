"""APISEC006 exception-details-in-response."""

from __future__ import annotations

import re

from ...source import syntax as sx
from ..base import Context, detector
from ._common import SECTION, elements

BROAD_EXCEPTIONS = frozenset(
    {
        "Exception",
        "BaseException",
        "DatabaseError",
        "IntegrityError",
        "OperationalError",
        "ProgrammingError",
        "InternalError",
        "DataError",
        "SQLAlchemyError",
        "DBAPIError",
        "OSError",
        "IOError",
        "EnvironmentError",
        "RequestException",
        "ConnectionError",
        "CalledProcessError",
    }
)
# what sends its arguments to the client
RESPONSE_CALLS = frozenset(
    {
        "HttpResponse",
        "HttpResponseBadRequest",
        "HttpResponseServerError",
        "HttpResponseForbidden",
        "HttpResponseNotFound",
        "JsonResponse",
        "Response",
        "JSONResponse",
        "PlainTextResponse",
        "HTMLResponse",
        "ORJSONResponse",
        "UJSONResponse",
        "jsonify",
        "make_response",
        "render",
        "render_template",
        "TemplateResponse",
        "HTTPException",
        "APIException",
        "ParseError",
        "abort",
    }
)
# calls the text of an exception goes through unchanged
PASS_THROUGH = frozenset({"str", "repr", "format", "dict", "list", "tuple", "join", "escape"})
LEAK_ATTRS = frozenset({"args", "message", "msg", "strerror", "orig", "pgerror", "diag"})
TRACEBACK_CALLS = frozenset(
    {
        "traceback.format_exc",
        "traceback.format_exception",
        "traceback.format_tb",
        "traceback.format_stack",
        "traceback.extract_tb",
        "sys.exc_info",
    }
)
ROUTE_DECORATORS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "api_route", "api_view", "action"}
)


def _caught_broad(ctx: Context, clause) -> str | None:
    """The broad exception an ``except ... as name`` clause catches, else None."""
    kind = clause.children[1]
    items = elements(kind) if kind.type == "atom" else [kind]
    for item in items or ():
        name = sx.dotted(item)
        if name and name.rsplit(".", 1)[-1] in BROAD_EXCEPTIONS:
            return name
    return None


DEBUG_TEST = re.compile(
    r"^(settings\.DEBUG|DEBUG|(current_)?app\.debug|\w+\.config\[[\'\"]DEBUG[\'\"]\])$"
)


def _debug_only(node, stop) -> bool:
    """Whether ``node`` is given only when the service runs in debug mode:
    ``traceback.format_exc() if settings.DEBUG else "..."`` (Django's ASGI handler),
    or inside ``if settings.DEBUG:``."""
    cur = node
    while cur is not stop and cur.parent is not None:
        p = cur.parent
        if p.type == "test" and p.children[0] is cur:
            if DEBUG_TEST.match(sx.code(p.children[2]).strip()):
                return True
        if p.type == "if_stmt" and len(p.children) > 3 and p.children[3] is cur:
            if DEBUG_TEST.match(sx.code(p.children[1]).strip()):
                return True
        if p.type in ("funcdef", "classdef"):
            return False
        cur = p
    return False


def _handler_suite(clause):
    siblings = clause.parent.children
    i = siblings.index(clause)
    return siblings[i + 2] if i + 2 < len(siblings) else None


def _is_route(ctx: Context, func) -> bool:
    return any(
        (sx.decorator_name(d) or "").rsplit(".", 1)[-1] in ROUTE_DECORATORS
        for d in sx.function_decorators(func)
    )


def _sink_of(ctx: Context, node, stop):
    """How ``node``'s value reaches the client: ("sink", the response call or
    return, its label), ("assign", name) when it is bound to a plain name first,
    or None when it stops on the way (another call, a condition, a log call)."""
    cur = node
    while cur is not stop and cur.parent is not None:
        p = cur.parent
        if p.type == "trailer" and sx.is_call_trailer(p):
            owner = p.parent
            call = next((c for c in ctx.calls(owner) if c.trailer is p), None)
            method = call.method if call is not None else None
            if method in RESPONSE_CALLS:
                return "sink", owner, f"{method}(...)"
            if method not in PASS_THROUGH:
                return None
            cur = owner
            continue
        if p.type == "return_stmt":
            func = ctx.enclosing(p, ("funcdef", "lambdef"))
            if func is not None and func.type == "funcdef" and _is_route(ctx, func):
                return "sink", p, "the route's return value"
            return None
        if p.type == "expr_stmt":
            ch = p.children
            if len(ch) == 3 and ch[0].type == "name" and ch[1].value == "=" and ch[2] is cur:
                return "assign", ch[0].value, ""
            return None
        if p.type in _STOPS:
            return None
        cur = p
    return None


_STOPS = frozenset(
    {
        "funcdef",
        "classdef",
        "lambdef",
        "suite",
        "simple_stmt",
        "if_stmt",
        "for_stmt",
        "while_stmt",
        "with_stmt",
        "comparison",
        "not_test",
        "and_test",
        "or_test",
        "raise_stmt",
        "subscript",
    }
)


def _leaks(ctx: Context, suite, name: str):
    """(node, what) of the uses of the caught exception ``name`` in ``suite`` that
    give its text away: ``e``, ``str(e)``, ``f"{e}"``, ``e.args``."""
    for n in sx.walk(suite):
        if n.type != "name" or n.value != name:
            continue
        p = n.parent
        if p.type in ("atom_expr", "power") and p.children[0] is n and len(p.children) > 1:
            first = p.children[1]
            if sx.is_attr_trailer(first):
                if first.children[1].value not in LEAK_ATTRS:
                    continue
                yield p, f"{name}.{first.children[1].value}"
                continue
            if sx.is_call_trailer(first):
                continue
        if p.type in ("argument",) and p.children[0] is n and len(p.children) > 1:
            continue  # f(e=...): a keyword
        yield n, name


@detector("APISEC006", section=SECTION)
def exception_details_in_response(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    reported: set[tuple[int, int]] = set()
    for clause in ctx.nodes("except_clause"):
        ch = clause.children
        if len(ch) != 4 or ch[2].value != "as" or ch[3].type != "name":
            continue
        caught = _caught_broad(ctx, clause)
        suite = _handler_suite(clause)
        if caught is None or suite is None:
            continue
        todo, seen = [ch[3].value], {ch[3].value}
        while todo:
            name = todo.pop()
            for node, what in _leaks(ctx, suite, name):
                sink = _sink_of(ctx, node, suite)
                if sink is None:
                    continue
                if sink[0] == "assign":
                    if sink[1] not in seen:
                        seen.add(sink[1])
                        todo.append(sink[1])
                    continue
                where = _leak_expression(node, sink[1])
                if where.start_pos in reported or _debug_only(node, None):
                    continue
                reported.add(where.start_pos)
                via = "" if name == ch[3].value else f", through `{name}`"
                yield ctx.finding(
                    "APISEC006",
                    where,
                    f"the text of the caught `{caught}` (`{what}`{via}) goes to the client "
                    f"in {sink[2]}: error messages of the database, the file system or other "
                    "services describe the internals (queries, tables, paths, hosts); log it "
                    "and answer with a generic message",
                )
    for node, call in ctx.calls_of_qualified(TRACEBACK_CALLS):
        sink = _sink_of(ctx, node, None)
        if sink is None or sink[0] != "sink" or node.start_pos in reported:
            continue
        if _debug_only(node, None):
            continue  # shown only while the service runs in debug mode
        reported.add(node.start_pos)
        yield ctx.finding(
            "APISEC006",
            node,
            f"`{call.callee}()` goes to the client in {sink[2]}: a traceback shows the "
            "code's paths, functions and local details to whoever caused the error; log it "
            "and answer with a generic message",
        )


def _leak_expression(node, sink):
    """The widest pass-through expression around ``node`` below ``sink``: ``str(e)``
    rather than ``e``, the whole f-string or ``%`` formatting."""
    cur = node
    while True:
        p = cur.parent
        if p is None or p is sink:
            return cur
        if p.type == "arglist":
            p = p.parent
        if p.type == "trailer" and sx.is_call_trailer(p):
            if p.parent is sink:
                return cur
            cur = p.parent
            continue
        if p.type in ("fstring_expr", "fstring", "term"):
            cur = p
            continue
        return cur
