"""Outbound HTTP calls that can hang forever (INT001, Integration & Communication
Patterns); request handlers that answer an error with 200 OK (INT002) and
outbound answers read without a look at their status (INT003), both Integration
& Error Handling."""

from __future__ import annotations

from ..model import Fix
from ..source import syntax as sx
from ._helpers import append_argument_edit, last_assignment, with_bound
from .base import Context, detector

VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
REQUESTS_CALLS = frozenset({f"requests.{v}" for v in VERBS} | {f"requests.api.{v}" for v in VERBS})
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
HTTPX_CLIENTS = frozenset({"httpx.Client", "httpx.AsyncClient"})
CONSTRUCTORS = SESSION_TYPES | POOL_TYPES | HTTPX_CLIENTS
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


def _uses_clients(ctx: Context) -> bool:
    """Whether the file imports a library whose sessions, clients or pools the
    rules follow: the receiver of a method call is looked for only then."""
    return any(
        isinstance(q, str) and q.split(".")[0] in ("requests", "httpx", "urllib3")
        for q in ctx.facts.imports.values()
    )


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
    if call.callee is None or call.callee.count(".") != 1 or not _uses_clients(ctx):
        return None
    name = call.callee.split(".")[0]
    func = ctx.enclosing(node, ("funcdef", "lambdef", "classdef", "file_input"))
    if func is None or func.type != "funcdef":
        return None
    if _mounted_in(ctx, func, name):
        return None
    # with requests.Session() as name:
    bound = with_bound(node, name, func)
    if bound is not None:
        return _constructor(ctx, bound)
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
    # a closure: the session of the enclosing function (`session` built in the
    # function, used by a generator defined inside it)
    inner = func
    outer = ctx.enclosing(inner, ("funcdef", "lambdef", "classdef", "file_input"))
    while outer is not None and outer.type == "funcdef":
        if _mounted_in(ctx, outer, name):
            return None
        assigned = last_assignment(ctx, name, inner)
        if assigned is not None:
            return _constructor(ctx, assigned)
        if _binds_locally(outer, name):
            return None
        inner = outer
        outer = ctx.enclosing(inner, ("funcdef", "lambdef", "classdef", "file_input"))
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


# --- INT002 --------------------------------------------------------------------------

ERROR_SECTION = "Integration & Error Handling"
ERROR_KEYS = frozenset(
    {
        "error",
        "errors",
        "err",
        "error_message",
        "error_msg",
        "errmsg",
        "error_code",
        "error_description",
        "error_detail",
    }
)
STATE_KEYS = frozenset({"status", "result", "state", "outcome"})
FAILED_WORDS = frozenset({"error", "fail", "failed", "failure", "err", "ko"})
SUCCESS_KEYS = frozenset({"success", "ok", "succeeded"})
# payloads whose protocol answers errors with 200 (GraphQL, JSON-RPC), or that
# report a verdict as the result of a successful request (a validation endpoint)
PROTOCOL_KEYS = frozenset({"jsonrpc", "valid", "is_valid"})
ROUTE_DECORATORS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "head", "options", "api_route"}
)
# what registers a function that answers an application's errors: Flask and
# Starlette use the status it returns, 200 when it gives none
ERROR_HANDLER_DECORATORS = frozenset({"errorhandler", "exception_handler", "app_errorhandler"})
VIEW_BASES = ("View", "ViewSet", "APIView", "MethodView", "Resource", "Endpoint", "Handler")
VIEW_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "create",
        "update",
        "partial_update",
        "destroy",
        "list",
        "retrieve",
        "dispatch",
    }
)
WEB_MODULES = (
    "django",
    "rest_framework",
    "ninja",
    "flask",
    "fastapi",
    "starlette",
    "flask_restful",
    "quart",
)
JSON_RESPONSES = {
    # qualified name -> (how the payload is passed, the status keyword, its position)
    "django.http.JsonResponse": ("data", "status", None),
    "django.http.response.JsonResponse": ("data", "status", None),
    "rest_framework.response.Response": ("data", "status", 1),
    "fastapi.responses.JSONResponse": ("content", "status_code", 1),
    "fastapi.responses.ORJSONResponse": ("content", "status_code", 1),
    "fastapi.responses.UJSONResponse": ("content", "status_code", 1),
    "fastapi.JSONResponse": ("content", "status_code", 1),
    "starlette.responses.JSONResponse": ("content", "status_code", 1),
}
JSONIFY = frozenset({"flask.jsonify", "flask.json.jsonify", "quart.jsonify"})
MAKE_RESPONSE = frozenset({"flask.make_response", "quart.make_response"})
OK_STATUSES = frozenset(
    {"200", "HTTP_200_OK", "status.HTTP_200_OK", "HTTPStatus.OK", "http.HTTPStatus.OK"}
)
EXCEPTION_STATUS = {
    400: (
        "ValidationError",
        "ValueError",
        "KeyError",
        "TypeError",
        "JSONDecodeError",
        "ParseError",
        "BadRequest",
        "MultiValueDictKeyError",
        "SuspiciousOperation",
        "UnicodeDecodeError",
        "DecodeError",
        "InvalidOperation",
    ),
    401: (
        "AuthenticationFailed",
        "NotAuthenticated",
        "InvalidToken",
        "TokenError",
        "ExpiredSignatureError",
        "InvalidSignatureError",
        "Unauthorized",
    ),
    403: ("PermissionDenied", "PermissionError", "Forbidden"),
    404: ("DoesNotExist", "ObjectDoesNotExist", "NotFound", "Http404", "NoResultFound"),
    409: ("IntegrityError",),
    502: ("RequestException", "ConnectionError", "HTTPError", "ClientError", "HTTPStatusError"),
    504: ("Timeout", "ReadTimeout", "ConnectTimeout", "TimeoutError", "TimeoutException"),
    500: ("Exception", "BaseException"),
}
STATUS_OF_EXCEPTION = {name: code for code, names in EXCEPTION_STATUS.items() for name in names}
# words in a project's own exception names
EXCEPTION_WORDS = (
    (404, ("notfound", "doesnotexist", "missing")),
    (403, ("permission", "forbidden", "notallowed")),
    (401, ("unauthori", "authentication", "token")),
    (409, ("conflict", "duplicate", "alreadyexists")),
    (503, ("unavailable",)),
    (504, ("timeout",)),
    (400, ("invalid", "validation", "badrequest")),
)
TEXT_HINTS = (
    (404, ("not found", "does not exist", "doesn't exist", "no such", "unknown ")),
    (401, ("unauthori", "not authenticated", "login required", "invalid token", "expired token")),
    (403, ("permission", "forbidden", "not allowed", "access denied")),
    (409, ("already exists", "duplicate", "conflict")),
    (503, ("try again later", "unavailable", "temporarily")),
    (400, ("invalid", "missing", "required", "malformed", "bad request")),
)
CONDITION_HINTS = (
    (401, ("is_authenticated", "is_anonymous")),
    (403, ("has_perm", "permission", "is_staff", "is_superuser", "owner")),
    (400, ("is_valid", "valid")),
)
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _web_framework(ctx: Context) -> bool:
    return any(m.split(".")[0] in WEB_MODULES for m in ctx.facts.imported_modules)


def _handler(ctx: Context, func) -> str | None:
    """How ``func`` answers requests: "route" (a Flask/FastAPI route or a DRF
    ``@api_view``: a returned dict is the body), "view" (a Django view or a view
    class's method: only response objects count), or None."""
    for dec in sx.function_decorators(func):
        name = sx.decorator_name(dec) or ""
        last = name.rsplit(".", 1)[-1]
        if last == "api_view" or last == "action":
            return "view"
        if last in ERROR_HANDLER_DECORATORS and dec.children[1].type in ("atom_expr", "power"):
            return "errors"
        if (
            "." in name
            and last in ROUTE_DECORATORS
            and dec.children[1].type
            in (
                "atom_expr",
                "power",
            )
        ):
            return "route"
    params = [p.name.value for p in func.get_params()]
    cls = ctx.enclosing(func, ("classdef", "funcdef", "file_input"))
    in_class = cls is not None and cls.type == "classdef"
    if in_class:
        if params[1:2] == ["request"]:
            return "view"
        bases = cls.children[3] if len(cls.children) > 3 and cls.children[2].value == "(" else None
        base_text = sx.code(bases) if bases is not None and bases.type != "operator" else ""
        if func.children[1].value in VIEW_METHODS and any(
            b.strip().rsplit(".", 1)[-1].endswith(VIEW_BASES)
            for b in base_text.split(",")
            if b.strip()
        ):
            return "route" if "Resource" in base_text or "MethodView" in base_text else "view"
        return None
    if params[:1] == ["request"]:
        return "view"
    return None


def _literal_keys(node) -> dict[str, object] | None:
    """key -> value node of a dict literal with string keys, else None."""
    node = sx.unparen(node)
    if node.type != "atom" or node.children[0].value != "{":
        return None
    if len(node.children) == 2:
        return {}
    inner = node.children[1]
    if inner.type != "dictorsetmaker":
        return None
    items = inner.children
    out: dict[str, object] = {}
    i = 0
    while i < len(items):
        if items[i].type == "operator" and items[i].value == "**":
            i += 3
            continue
        if i + 2 < len(items) and items[i + 1].type == "operator" and items[i + 1].value == ":":
            key = sx.string_value(items[i])
            if key is not None:
                out[key] = items[i + 2]
            i += 4
            continue
        return None  # a set or a comprehension
    return out


def _call_keys(call: sx.Call) -> dict[str, object] | None:
    """The payload of ``jsonify(error=...)`` / ``dict(error=...)`` as key -> value."""
    args = call.args
    if len(args) == 1 and args[0].kind == "pos":
        return _payload(args[0].value)
    if args and all(a.kind == "kw" for a in args):
        return {a.name: a.value for a in args}
    return None


def _payload(node) -> dict[str, object] | None:
    keys = _literal_keys(node)
    if keys is not None:
        return keys
    node = sx.unparen(node)
    if node.type in ("atom_expr", "power"):
        calls = sx.calls_in(node)
        if len(calls) == 1 and calls[0].callee == "dict" and calls[0].index == 1:
            return _call_keys(calls[0])
    return None


def _nothing(value) -> bool:
    text = sx.code(value).strip().replace(" ", "")
    return text in ("None", "False", "[]", "{}", "()", '""', "''", "0")


def _error_key(keys: dict[str, object]) -> str | None:
    """The key that says the payload reports an error, else None."""
    if PROTOCOL_KEYS & keys.keys() or {"data", "errors"} <= keys.keys():
        return None  # JSON-RPC, GraphQL, a validation verdict
    for key, value in keys.items():
        low = key.lower()
        if low in ERROR_KEYS and not _nothing(value):
            return f"`{key}`"
        if low in STATE_KEYS and (sx.string_value(value) or "").lower() in FAILED_WORDS:
            return f'`"{key}": "{sx.string_value(value)}"`'
        if low in SUCCESS_KEYS and sx.code(value).strip() == "False":
            return f'`"{key}": False`'

    return None


def _error_context(ret, func):
    """The ``except`` clause or ``if``/``elif``/``else`` branch of ``func`` nearest
    around ``ret``: ("except", clause) or ("if", condition or None), else None."""
    cur = ret
    while cur is not func and cur.parent is not None:
        p = cur.parent
        if p.type in ("funcdef", "lambdef", "classdef"):
            return None
        if cur.type == "suite" or p.type in ("try_stmt", "if_stmt"):
            siblings = p.children
            i = siblings.index(cur)
            if p.type == "try_stmt" and i >= 2:
                head = siblings[i - 2]
                if head.type == "except_clause" or (
                    head.type == "keyword" and head.value == "except"
                ):
                    return "except", head
            if p.type == "if_stmt" and i >= 2:
                head = siblings[i - 2]
                if head.type == "keyword" and head.value == "else":
                    return "if", None
                return "if", head
        cur = p
    return None


def _caught(clause) -> list[str]:
    if clause.type == "keyword":
        return ["BaseException"]
    kind = clause.children[1]
    items = [kind]
    if kind.type == "atom" and kind.children[0].value == "(":
        inner = kind.children[1]
        items = inner.children if inner.type == "testlist_comp" else [inner]
    return [(sx.dotted(i) or "").rsplit(".", 1)[-1] for i in items if i.type != "operator"]


def _fitting(context, payload_text: str) -> tuple[int, str]:
    """The status that would fit the error, and why."""
    kind, head = context
    if kind == "except":
        names = _caught(head)
        specific = [STATUS_OF_EXCEPTION[n] for n in names if STATUS_OF_EXCEPTION.get(n, 500) != 500]
        specific += [
            code
            for n in names
            if n not in STATUS_OF_EXCEPTION
            for code, words in EXCEPTION_WORDS
            if any(w in n.lower() for w in words)
        ]
        if specific:
            return specific[0], f"the caught `{' | '.join(names)}`"
    low = payload_text.lower()
    for code, words in TEXT_HINTS:
        if any(w in low for w in words):
            return code, "its message says so"
    if kind == "except":
        names = _caught(head)
        if any(n in ("Exception", "BaseException") for n in names):
            return 500, "an unexpected error"
        return 400, "a request the code refused"
    condition = sx.code(head).lower() if head is not None else ""
    for code, words in CONDITION_HINTS:
        if any(w in condition for w in words):
            return code, "the failed check"
    return 400, "a request the code refused"


def _sets_status(func) -> bool:
    """``response.status_code = ...`` in ``func``: a FastAPI handler that sets
    the status on the Response it was given."""
    for n in sx.walk(func.children[-1]):
        if n.type == "expr_stmt" and len(n.children) >= 3 and n.children[1].value == "=":
            target = n.children[0]
            if target.type in ("atom_expr", "power") and sx.code(target).strip().endswith(
                ".status_code"
            ):
                return True
    return False


def _commented(stmt) -> bool:
    """A comment on the lines right above the statement: a decision written down
    (a webhook answered 200 so that the sender stops retrying). A comment at the
    end of the line is not one: it is as often a linter's or a label."""
    return "#" in stmt.get_first_leaf().prefix


def _answer(ctx: Context, value, kind: str):
    """How a returned value answers: (payload keys, status node or None, fix
    maker) for a JSON error answer without an error status, else None."""
    value = sx.unparen(value)
    if value.type in ("testlist", "testlist_star_expr") or (
        value.type == "atom"
        and value.children[0].value == "("
        and value.children[1].type == "testlist_comp"
    ):
        items = value.children if value.type != "atom" else value.children[1].children
        items = [c for c in items if not (c.type == "operator" and c.value == ",")]
        if kind != "route" or len(items) < 2:
            return None
        status = items[1]
        if sx.code(status).strip() not in OK_STATUSES:
            return None  # (body, 400)
        found = _answer(ctx, items[0], kind)
        if found is None:
            return None
        return found[0], status, "tuple"
    if kind == "route" and _literal_keys(value) is not None:
        return _literal_keys(value), None, "append"
    if value.type not in ("atom_expr", "power"):
        return None
    ps = sx.parts(value)
    calls = ctx.calls(value)
    if not calls or calls[-1].index != len(ps) - 1 or calls[0] is not calls[-1]:
        return None
    call = calls[0]
    q = ctx.qualify(call.callee) or ""
    args = call.args
    if q in JSON_RESPONSES:
        body_kw, status_kw, position = JSON_RESPONSES[q]
        body = sx.kwarg(args, body_kw)
        positional = [a for a in args if a.kind == "pos"]
        if body is None and positional:
            body = positional[0]
        if body is None or any(a.kind in ("star", "dstar", "invalid") for a in args):
            return None
        status = sx.kwarg(args, status_kw)
        if status is None and position is not None and len(positional) > position:
            status = positional[position]
        keys = _payload(body.value)
        if keys is None:
            return None
        if status is not None:
            if sx.code(status.value).strip() not in OK_STATUSES:
                return None
            return keys, status.value, call
        return keys, None, (call, status_kw)
    if q in JSONIFY:
        keys = _call_keys(call)
        return (keys, None, "append") if keys is not None and kind == "route" else None
    if q in MAKE_RESPONSE and args and args[0].kind == "pos" and kind == "route":
        if len(args) > 1:
            if args[1].kind != "pos" or sx.code(args[1].value).strip() not in OK_STATUSES:
                return None
            found = _answer(ctx, args[0].value, kind)
            return (found[0], args[1].value, "tuple") if found is not None else None
        found = _answer(ctx, args[0].value, kind)
        return (found[0], None, (call, None)) if found is not None else None
    return None


def _status_fix(ctx: Context, value, status, how, code: int) -> Fix | None:
    if status is not None:
        return Fix(
            f"Answer with status {code}", (ctx.edit(status.start_pos, status.end_pos, str(code)),)
        )
    if how == "append":
        end = value.end_pos
        return Fix(f"Answer with status {code}", (ctx.edit(end, end, f", {code}"),))
    if isinstance(how, tuple):
        call, keyword = how
        text = f"{keyword}={code}" if keyword else str(code)
        return Fix(f"Answer with status {code}", (append_argument_edit(ctx, call.trailer, text),))
    return None


@detector("INT002", section=ERROR_SECTION)
def error_answered_with_200(ctx: Context):
    from .audit_logging import is_server_code

    if not _web_framework(ctx) or not is_server_code(ctx):
        return
    for ret in ctx.nodes("return_stmt"):
        if len(ret.children) != 2:
            continue
        func = ctx.enclosing(ret, ("funcdef", "lambdef"))
        if func is None or func.type != "funcdef":
            continue
        kind = _handler(ctx, func)
        if kind is None:
            continue
        value = ret.children[1]
        if kind == "errors":  # every answer of an error handler is an error
            found = _answer(ctx, value, "route")
            if found is None or _commented(ret):
                continue
            if found[2] == "append" and _literal_keys(sx.unparen(value)) is not None:
                if _is_fastapi(ctx) and not _is_flask(ctx):
                    continue  # a Starlette handler must return a Response: not this rule's

            yield _error_handler_finding(ctx, ret, func, value, found)
            continue
        context = _error_context(ret, func)
        if context is None:
            continue
        found = _answer(ctx, value, kind)
        if found is None:
            continue
        keys, status, how = found
        key = _error_key(keys)
        if key is None or _commented(ret):
            continue
        if how == "append" and status is None and _sets_status(func):
            continue  # FastAPI: `response.status_code = 400` on the injected Response
        payload_text = " ".join(sx.code(v) for v in keys.values())
        code, why = _fitting(context, payload_text)
        if context[0] != "except":
            where = "after a failed check"
        elif context[1].type == "keyword":
            where = "in a bare `except:`"
        else:
            where = f"in the `except {' | '.join(_caught(context[1]))}` handler"
        fixable = not (
            how == "append" and _literal_keys(sx.unparen(value)) is not None and _is_fastapi(ctx)
        )
        if how == "append" and _imports(ctx, "ninja"):
            fixable = False  # django-ninja takes `return 400, body`: the status comes first
        said = "an explicit status 200" if status is not None else "the default status 200"
        if fixable or not _is_fastapi(ctx):
            advice = f"answer with {code} {REASONS[code]} instead ({why})"
        else:
            advice = f"raise `HTTPException(status_code={code})` instead ({why})"
        yield ctx.finding(
            "INT002",
            ret,
            f"this handler answers an error ({key} in the body, {where}) with {said}: "
            f"clients, retries, monitoring and caches take it for a success; {advice}",
            fix=_status_fix(ctx, sx.unparen(value), status, how, code) if fixable else None,
        )


def _handled(func) -> tuple[int, str]:
    """The status that fits an error handler, from what it is registered for:
    ``@app.errorhandler(404)``, ``@app.exception_handler(NotFound)``."""
    for dec in sx.function_decorators(func):
        inner = dec.children[1]
        name = (sx.decorator_name(dec) or "").rsplit(".", 1)[-1]
        if name not in ERROR_HANDLER_DECORATORS or inner.type not in ("atom_expr", "power"):
            continue
        calls = sx.calls_in(inner)
        args = calls[-1].args if calls else []
        if not args or args[0].kind != "pos":
            continue
        what = sx.code(args[0].value).strip()
        if what.isdigit():
            code = int(what)
            return code, f"`{what}`"
        last = what.rsplit(".", 1)[-1]
        code = STATUS_OF_EXCEPTION.get(last)
        if code is None:
            code = next(
                (c for c, words in EXCEPTION_WORDS if any(w in last.lower() for w in words)), 500
            )
        return code, f"`{what}`"
    return 500, "an error"


def _error_handler_finding(ctx: Context, ret, func, value, found):
    _keys, status, how = found
    code, what = _handled(func)
    said = "an explicit status 200" if status is not None else "the default status 200"
    reason = f" {REASONS[code]}" if code in REASONS else ""
    return ctx.finding(
        "INT002",
        ret,
        f"this error handler (for {what}) answers with {said}: the framework sends the "
        "status the handler returns, so clients, retries, monitoring and caches take "
        f"the error for a success; answer with {code}{reason} instead",
        fix=_status_fix(ctx, sx.unparen(value), status, how, code),
    )


def _imports(ctx: Context, *roots: str) -> bool:
    return any(m.split(".")[0] in roots for m in ctx.facts.imported_modules)


def _is_flask(ctx: Context) -> bool:
    return any(m.split(".")[0] in ("flask", "quart") for m in ctx.facts.imported_modules)


def _is_fastapi(ctx: Context) -> bool:
    return any(m.split(".")[0] in ("fastapi", "starlette") for m in ctx.facts.imported_modules)


# --- INT003 --------------------------------------------------------------------------

HTTPX_VERBS = frozenset(f"httpx.{v}" for v in VERBS)
# what reads the body of an answer as data: `.json()`, and `.text`/`.content`
# given to a parser (raw text passed on, to a preview or a file, may be meant)
BODY_ATTRS = frozenset({"json", "text", "content"})
PARSERS = frozenset(
    {
        "json.loads",
        "orjson.loads",
        "ujson.loads",
        "simplejson.loads",
        "yaml.load",
        "yaml.safe_load",
        "xml.etree.ElementTree.fromstring",
        "lxml.etree.fromstring",
        "defusedxml.ElementTree.fromstring",
        "xmltodict.parse",
    }
)
# what looks at its status
CHECK_ATTRS = frozenset(
    {
        "raise_for_status",
        "ok",
        "status_code",
        "status",
        "is_success",
        "is_error",
        "is_client_error",
        "is_server_error",
        "is_redirect",
        "reason",
        "reason_phrase",
    }
)
# keys of a body that says itself whether the call worked (Slack's `ok`, `error`)
VERDICT_KEYS = frozenset({"ok", "success", "error", "errors", "error_code", "errcode", "status"})


def _response_source(ctx: Context, node, call: sx.Call) -> str | None:
    """The client call that ``call`` is, when it returns an HTTP answer: shown name."""
    q = ctx.qualify(call.callee) if call.callee else None
    if q in REQUESTS_CALLS or q in HTTPX_VERBS:
        return f"{call.callee}()"
    if call.method in SESSION_METHODS and call.method != "send":
        found = _receiver(ctx, node, call)
        if found is not None and found[0] in SESSION_TYPES | HTTPX_CLIENTS:
            return _shown(ctx, node, call).strip("`")
    return None


def _attr_after(name_leaf) -> str | None:
    """``r.json`` -> "json" for the name leaf ``r``; None when ``r`` is used bare."""
    p = name_leaf.parent
    if p.type in ("atom_expr", "power") and p.children[0] is name_leaf and len(p.children) > 1:
        first = p.children[1]
        if sx.is_attr_trailer(first):
            return first.children[1].value
        return "[]" if first.children[0].value == "[" else "()"
    return None


def _reads_verdict(func) -> bool:
    for n in sx.walk(func.children[-1]):
        if n.type == "string" and (sx.string_value(n) or "").lower() in VERDICT_KEYS:
            return True
    return False


def _insert_check(ctx: Context, stmt, name: str) -> Fix | None:
    """The edit that adds ``name.raise_for_status()`` on the line after ``stmt``."""
    simple = stmt.parent
    if simple is None or simple.type != "simple_stmt" or len(simple.children) != 2:
        return None  # `r = get(); data = r.json()` on one line
    if simple.parent is None or simple.parent.type not in ("suite", "file_input"):
        return None  # `if x: r = get()`
    line = stmt.start_pos[0]
    text = ctx.lines[line - 1]
    indent = text[: len(text) - len(text.lstrip())]
    end_line = simple.end_pos[0]
    if simple.end_pos[1] != 0:
        return None  # the last line of the file without a line break
    return Fix(
        f"Call {name}.raise_for_status() first",
        (ctx.edit((end_line, 0), (end_line, 0), f"{indent}{name}.raise_for_status()\n"),),
    )


STATUS_WHY = (
    "a 4xx or 5xx answer is taken for data (its error body goes on as a result, "
    "or an HTML error page fails to decode far from the cause)"
)


@detector("INT003", section=ERROR_SECTION)
def response_used_without_status_check(ctx: Context):
    from .audit_logging import is_server_code

    if not is_server_code(ctx):
        return
    verdicts: dict[int, bool] = {}
    for node, call in ctx.calls_to(*VERBS):
        source = _response_source(ctx, node, call)
        if source is None:
            continue
        func = ctx.enclosing(node, ("funcdef", "lambdef", "classdef", "file_input"))
        if func is None or func.type != "funcdef":
            continue
        if id(func) not in verdicts:
            verdicts[id(func)] = _reads_verdict(func)
        if verdicts[id(func)]:
            continue
        ps = sx.parts(node)
        after = ps[call.index + 1] if call.index + 1 < len(ps) else None
        if after is not None:
            # requests.get(url).json(): nothing can look at the status
            if (
                sx.is_attr_trailer(after)
                and after.children[1].value in BODY_ATTRS
                and _reads_data(ctx, after.children[1].value, ps, call.index + 1)
            ):
                yield ctx.finding(
                    "INT003",
                    ps[0],
                    f"`{source}.{_read(after.children[1].value)}` reads the answer without looking "
                    f"at its status: {STATUS_WHY}; keep the response and call "
                    "`raise_for_status()` (or check `ok`/`status_code`) first",
                    end_node=after,
                )
            continue
        stmt = node.parent
        assigned = sx.plain_assignment(stmt) if stmt.type == "expr_stmt" else None
        if assigned is None or assigned[1] is not node:
            continue
        name = assigned[0].value
        first_read = None
        for leaf in _uses(func, name, stmt.end_pos):
            attr = _attr_after(leaf)
            if attr is None or attr in CHECK_ATTRS or attr in ("()", "[]"):
                first_read = None
                break  # checked, or handed on: whoever gets it may check
            if attr in BODY_ATTRS and first_read is None:
                if _reads_data(ctx, attr, leaf.parent.children, 1):
                    first_read = leaf
        else:
            if first_read is None:
                continue
            trailer = first_read.parent.children[1]
            attr = trailer.children[1].value
            yield ctx.finding(
                "INT003",
                first_read,
                f"`{name}.{_read(attr)}` reads the answer of `{source}` (line {node.start_pos[0]}) "
                f"without looking at its status: {STATUS_WHY}; call "
                f"`{name}.raise_for_status()` (or check `{name}.ok`/`{name}.status_code`) first",
                fix=_insert_check(ctx, stmt, name),
                end_node=trailer,
            )


def _parsed(ctx: Context, expr) -> str | None:
    """The parser ``expr`` (``r.text``) is the first argument of, when it is one."""
    p = expr.parent
    if p.type == "arglist":
        if p.children[0] is not expr:
            return None
        p = p.parent
    if p.type != "trailer" or not sx.is_call_trailer(p):
        return None
    for call in ctx.calls(p.parent):
        if call.trailer is p:
            q = ctx.qualify(call.callee) if call.callee else None
            return call.callee if q in PARSERS else None
    return None


def _reads_data(ctx: Context, attr: str, trailers: list, index: int) -> bool:
    """Whether ``.attr`` at ``trailers[index]`` reads the body as data:
    ``.json()``, or ``.text``/``.content`` as the argument of a parser."""
    if attr == "json":
        nxt = trailers[index + 1] if index + 1 < len(trailers) else None
        return nxt is not None and sx.is_call_trailer(nxt)
    if attr in ("text", "content") and index == len(trailers) - 1:
        return _parsed(ctx, trailers[0].parent) is not None
    return False


def _read(attr: str) -> str:
    return f"{attr}()" if attr in ("json", "iter_lines", "iter_content") else attr


def _uses(func, name: str, after: tuple[int, int]):
    """The name leaves ``name`` in ``func``'s body that start after ``after``, in
    source order; stops at the first rebinding."""
    for n in sx.walk(func.children[-1]):
        if n.type != "name" or n.value != name or n.start_pos < after:
            continue
        if n.is_definition():
            return
        yield n
