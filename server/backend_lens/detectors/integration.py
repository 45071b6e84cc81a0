"""Outbound HTTP calls that can hang forever (INT001, Integration & Communication
Patterns) and request handlers that answer an error with 200 OK (INT002,
Integration & Error Handling)."""

from __future__ import annotations

from ..model import Fix
from ..source import syntax as sx
from ._helpers import append_argument_edit, last_assignment
from .base import Context, detector

VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
REQUESTS_CALLS = {f"requests.{v}" for v in VERBS} | {f"requests.api.{v}" for v in VERBS}
# what builds a requests session: it has no default timeout either
SESSION_TYPES = frozenset(
    {
        "requests.Session",
        "requests.session",
        "requests.sessions.Session",
        "requests.sessions.session",
    }
)
SESSION_METHODS = (*VERBS, "send")
# httpx waits 5 seconds by default: only an explicit `timeout=None` waits forever
HTTPX_CALLS = frozenset(
    {f"httpx.{v}" for v in (*VERBS, "stream")} | {"httpx.Client", "httpx.AsyncClient"}
)
URLOPEN = frozenset({"urllib.request.urlopen"})
# urllib3 pools: without `timeout=` they use the socket default, which is no timeout
POOL_TYPES = frozenset(
    {
        "urllib3.PoolManager",
        "urllib3.ProxyManager",
        "urllib3.HTTPConnectionPool",
        "urllib3.HTTPSConnectionPool",
        "urllib3.connection_from_url",
        "urllib3.poolmanager.PoolManager",
        "urllib3.poolmanager.ProxyManager",
        "urllib3.connectionpool.HTTPConnectionPool",
        "urllib3.connectionpool.HTTPSConnectionPool",
        "urllib3.connectionpool.connection_from_url",
    }
)
POOL_METHODS = ("request", "urlopen", "request_encode_url", "request_encode_body")
# http.client connections: (host, port, timeout, ...); HTTPSConnection had
# key_file and cert_file before timeout until Python 3.12
HTTP_CLIENT = frozenset({"http.client.HTTPConnection", "http.client.HTTPSConnection"})
CONSTRUCTORS = SESSION_TYPES | POOL_TYPES
MODULE_FUNCTIONS = frozenset(REQUESTS_CALLS) | HTTPX_CALLS
RECEIVER_METHODS = tuple(dict.fromkeys((*SESSION_METHODS, *POOL_METHODS)))

MISSING, NONE, SET = "missing", "none", "set"


def requests_calls(ctx: Context):
    yield from ctx.calls_of_qualified(REQUESTS_CALLS)


def _timeout(args: list[sx.Arg], position: int | None = None) -> tuple[str, sx.Arg | None]:
    """Whether a call passes a timeout: (MISSING | NONE | SET, the argument).
    ``position`` is the index of a positional timeout, when the callee takes one."""
    if any(a.kind in ("dstar", "star", "invalid") for a in args):
        return SET, None  # a spread may carry one
    found = sx.kwarg(args, "timeout")
    if found is None and position is not None:
        positional = [a for a in args if a.kind == "pos"]
        if len(positional) > position:
            found = positional[position]
    if found is None:
        return MISSING, None
    value = sx.unparen(found.value)
    if value.type == "keyword" and value.value == "None":
        return NONE, found
    return SET, found


def _constructor(ctx: Context, expr) -> tuple[str, sx.Call] | None:
    """(qualified name, call) when ``expr`` is a call of a session or pool class."""
    expr = sx.unparen(expr)
    if expr.type not in ("atom_expr", "power"):
        return None
    ps = sx.parts(expr)
    calls = ctx.calls(expr)
    if not calls or calls[-1].index != len(ps) - 1:
        return None
    q = ctx.qualify(calls[-1].callee)
    return (q, calls[-1]) if q in CONSTRUCTORS else None


def _module_bindings(ctx: Context) -> dict[str, tuple[str, sx.Call] | None]:
    """name -> what the module's statements outside functions and classes bind it
    to (a session or pool constructor), or None when it is bound otherwise or more
    than once; names a module statement mounts an adapter on map to None."""
    memo = ctx.file_memo.get("int001 module bindings")
    if memo is not None:
        return memo
    table: dict[str, tuple[str, sx.Call] | None] = {}
    mounted: set[str] = set()
    skip = ("funcdef", "classdef", "decorated", "async_stmt", "async_funcdef")
    stack = [c for c in ctx.module.children if c.type not in skip]
    while stack:
        n = stack.pop()
        if n.type in skip:
            continue
        if n.type == "expr_stmt":
            assigned = sx.plain_assignment(n)
            if assigned is not None:
                name = assigned[0].value
                table[name] = None if name in table else _constructor(ctx, assigned[1])
        elif n.type in ("atom_expr", "power"):
            for call in ctx.calls(n):
                if call.method == "mount" and call.callee and "." in call.callee:
                    mounted.add(call.callee.rsplit(".", 1)[0])
        stack.extend(getattr(n, "children", ()))
    for name in mounted:
        table[name] = None
    ctx.file_memo["int001 module bindings"] = table
    return table


def _binds_locally(func, name: str) -> bool:
    """Whether ``name`` is a parameter of ``func`` or assigned, imported or declared
    global anywhere in its body (then the module's binding may not be the one used)."""
    for p in func.get_params():
        if p.name.value == name:
            return True
    for n in sx.walk(func.children[-1]):
        if n.type == "name" and n.value == name and n.is_definition():
            return True
        if n.type == "global_stmt" and any(c.value == name for c in n.children[1::2]):
            return True
    return False


def _mounted_in(ctx: Context, func, name: str) -> bool:
    """``name.mount(...)`` in ``func``: an adapter that may set a default timeout."""
    start, end = func.start_pos, func.end_pos
    return any(
        call.callee == f"{name}.mount" and start <= node.start_pos < end
        for node, call in ctx.calls_to("mount")
    )


def _receiver(ctx: Context, node, call: sx.Call) -> tuple[str, sx.Call | None] | None:
    """What the method ``call`` is called on, when it is a requests session or a
    urllib3 pool: (qualified class, its constructor call when known)."""
    ps = sx.parts(node)
    if call.index >= 2 and sx.is_call_trailer(ps[call.index - 2]):
        # requests.Session().get(url): the constructor right before the method
        before = [c for c in ctx.calls(node) if c.index == call.index - 2]
        if before:
            q = ctx.qualify(before[0].callee)
            return (q, before[0]) if q in CONSTRUCTORS else None
        return None
    if call.callee is None or call.callee.count(".") != 1:
        return None
    name = call.callee.split(".")[0]
    func = ctx.enclosing(node, ("funcdef", "lambdef", "classdef", "file_input"))
    if func is None or func.type != "funcdef":
        return None
    if _mounted_in(ctx, func, name):
        return None
    # with requests.Session() as name:
    p = node.parent
    while p is not None and p is not func:
        if p.type == "with_stmt":
            for item in p.children[1:-2]:
                if item.type == "with_item" and len(item.children) == 3:
                    target = item.children[2]
                    if target.type == "name" and target.value == name:
                        return _constructor(ctx, item.children[0])
        p = p.parent
    assigned = last_assignment(ctx, name, node)
    if assigned is not None:
        return _constructor(ctx, assigned)
    for param in func.get_params():
        if param.name.value == name:
            ann = param.annotation
            q = ctx.qualify(sx.dotted(ann)) if ann is not None else None
            return (q, None) if q in CONSTRUCTORS else None
    if _binds_locally(func, name):
        return None
    return _module_bindings(ctx).get(name)


def _fix(ctx: Context, call: sx.Call, state: str, arg: sx.Arg | None) -> Fix:
    if state == NONE and arg is not None:
        value = sx.unparen(arg.value)
        return Fix("Set timeout=10", (ctx.edit(value.start_pos, value.end_pos, "10"),))
    return Fix("Add timeout=10", (append_argument_edit(ctx, call.trailer, "timeout=10"),))


def _shown(ctx: Context, node, call: sx.Call) -> str:
    if call.callee is None:  # requests.Session().get(url): name the constructor too
        before = [c for c in ctx.calls(node) if c.index == call.index - 2]
        if before and before[0].callee:
            return f"`{before[0].callee}().{call.method}()`"
    return f"`{call.callee or call.method}()`"


def _report(ctx: Context, node, call: sx.Call, state: str, arg, what: str, why: str):
    shown = _shown(ctx, node, call)
    if state == NONE:
        message = f"{shown} is given `timeout=None`, which means no timeout at all: {HANGS}"
    else:
        message = f"{shown} has no timeout{what}: {why}"
    return ctx.finding(
        "INT001",
        sx.parts(node)[0],
        message,
        fix=_fix(ctx, call, state, arg),
        end_node=call.trailer,
    )


HANGS = "if the other service stops answering, this worker waits forever"


@detector("INT001", section="Integration & Communication Patterns")
def http_without_timeout(ctx: Context):
    for node, call in requests_calls(ctx):
        state, arg = _timeout(call.args)
        if state != SET:
            yield _report(ctx, node, call, state, arg, "", HANGS)
    for node, call in ctx.calls_of_qualified(HTTPX_CALLS):
        state, arg = _timeout(call.args)
        if state == NONE:  # httpx's own default is 5 seconds
            yield _report(ctx, node, call, state, arg, "", HANGS)
    for node, call in ctx.calls_of_qualified(URLOPEN):
        state, arg = _timeout(call.args, position=2)
        if state != SET:
            yield _report(
                ctx,
                node,
                call,
                state,
                arg,
                "",
                "it waits as long as the socket default allows, which is forever unless "
                "`socket.setdefaulttimeout()` was called; " + HANGS,
            )
    for node, call in ctx.calls_of_qualified(HTTP_CLIENT):
        https = (ctx.qualify(call.callee) or "").endswith("HTTPSConnection")
        state, arg = _timeout(call.args, position=2)
        if https and arg is not None and arg.kind == "pos":
            continue  # the third argument was key_file before Python 3.12: cannot tell
        if state != SET:
            yield _report(
                ctx,
                node,
                call,
                state,
                arg,
                "",
                "the connection uses the socket default, which is no timeout; " + HANGS,
            )
    for node, call in ctx.calls_to(*RECEIVER_METHODS):
        if call.callee is not None and ctx.qualify(call.callee) in MODULE_FUNCTIONS:
            continue  # module functions: above
        is_session = call.method in SESSION_METHODS
        is_pool = call.method in POOL_METHODS
        state, arg = _timeout(call.args)
        if state == SET:
            continue
        found = _receiver(ctx, node, call)
        if found is None:
            continue
        kind, built = found
        if kind in SESSION_TYPES and is_session:
            yield _report(
                ctx,
                node,
                call,
                state,
                arg,
                " and is called on a `requests.Session`",
                "a session has no default timeout; " + HANGS,
            )
        elif kind in POOL_TYPES and is_pool:
            pool_state = MISSING if built is None else _timeout(built.args)[0]
            if state == MISSING and (built is None or pool_state == SET):
                continue  # the pool's own timeout applies (or it cannot be seen)
            short = kind.rsplit(".", 1)[-1]
            yield _report(
                ctx,
                node,
                call,
                state,
                arg,
                f" and its `{short}` was built without one",
                "urllib3 then uses the socket default, which is no timeout; " + HANGS,
            )
