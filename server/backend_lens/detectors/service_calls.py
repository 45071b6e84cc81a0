"""Integration & Communication Patterns: clients to other services built on every
request or task (INT004) and service addresses written into the code (INT005)."""

from __future__ import annotations

import re

from ..facts.index import ENDPOINT_READS
from ..source import syntax as sx
from ._endpoints import class_line
from .base import Context, detector, make_finding
from .integration import HTTPX_VERBS, REQUESTS_CALLS, URLOPEN, VERBS
from .transactions import ONCE_DECORATORS, ONCE_NAMES, _assigned_names, _escapes

SECTION = "Integration & Communication Patterns"

# -- INT004 client-created-per-call ---------------------------------------------------

# what builds a client that keeps connections open: (qualified name -> kind shown)
CLIENTS = {
    "requests.Session": "HTTP session",
    "requests.session": "HTTP session",
    "requests.sessions.Session": "HTTP session",
    "requests.sessions.session": "HTTP session",
    "httpx.Client": "HTTP client",
    "httpx.AsyncClient": "HTTP client",
    "aiohttp.ClientSession": "HTTP session",
    "aiohttp.client.ClientSession": "HTTP session",
    "redis.Redis": "Redis client",
    "redis.StrictRedis": "Redis client",
    "redis.from_url": "Redis client",
    "redis.Redis.from_url": "Redis client",
    "redis.StrictRedis.from_url": "Redis client",
    "redis.client.Redis": "Redis client",
    "redis.client.StrictRedis": "Redis client",
    "redis.asyncio.Redis": "Redis client",
    "redis.asyncio.from_url": "Redis client",
    "redis.asyncio.Redis.from_url": "Redis client",
    "boto3.client": "AWS client",
    "boto3.resource": "AWS client",
    "boto3.Session": "AWS session",
    "boto3.session.Session": "AWS session",
}
CLIENT_NAMES = frozenset(CLIENTS)
# arguments that hand the client connections kept elsewhere: a client built per call
# on a shared pool (`redis.Redis(connection_pool=POOL)`) opens nothing new
SHARED_POOL_ARGUMENTS = ("connection_pool", "connector", "transport")
# decorators that make a function a background task (the last name)
TASK_DECORATORS = frozenset(
    {"shared_task", "task", "periodic_task", "db_task", "db_periodic_task", "actor", "job"}
)
# the libraries those decorators come from: the first name of the qualified decorator
TASK_LIBRARIES = frozenset({"celery", "dramatiq", "huey", "rq", "django_rq"})
# methods of a view class that run once, not per request
VIEW_ONCE = ONCE_NAMES | {"as_view", "__new__", "__init_subclass__"}


def _decorators(ctx: Context, func) -> list[tuple[str, str]]:
    """(as written, qualified) of the function's decorators."""
    out = []
    for dec in sx.function_decorators(func):
        written = sx.decorator_name(dec) or ""
        out.append((written, ctx.qualify(written) or written))
    return out


def _is_task(ctx: Context, func) -> bool:
    """``@shared_task``, ``@app.task(...)``, ``@celery.task``, ``@dramatiq.actor``,
    ``@huey.db_task()``: a function a worker runs once per message."""
    for written, q in _decorators(ctx, func):
        last = written.rsplit(".", 1)[-1]
        if last not in TASK_DECORATORS:
            continue
        if last == "shared_task" or q.split(".")[0] in TASK_LIBRARIES:
            return True
        if last == "job":
            continue  # rq's and django_rq's only: other `job` decorators are not known
        if "celery" in q.lower():
            return True  # @app.task with `app` imported from the project's celery module
        head = written.split(".", 1)[0]
        if "." in written and head in ("app", "celery_app", "celery", "huey", "worker"):
            return True
    return False


def _memoised(ctx: Context, func) -> bool:
    return any(w.rsplit(".", 1)[-1] in ONCE_DECORATORS for w, _ in _decorators(ctx, func))


def _used_on_the_spot(node, call: sx.Call) -> bool:
    """``requests.Session().get(url)``: the constructor is not the end of its chain."""
    ps = sx.parts(node)
    return call.index < len(ps) - 1


def _per_call(func, node, call: sx.Call) -> bool:
    """Whether the client the call builds lives only as long as this call of ``func``:
    entered by ``with``, used on the spot, or bound to a local name that is not
    returned, yielded, stored on an attribute or in a container, or made global."""
    if _used_on_the_spot(node, call):
        return True
    names, stored = _assigned_names(node)
    if stored:
        return False
    if names:
        return not _escapes(func, names)
    p = node.parent
    if p is not None and p.type == "with_item":
        return True
    stmt = sx.statement_of(node)
    if stmt.type == "simple_stmt":
        stmt = stmt.children[0]
    # handed to a call as an argument (`Service(requests.Session())`), kept or not:
    # what keeps it is out of sight; a bare expression statement builds one for nothing
    return stmt is node


def _shown(call: sx.Call) -> str:
    return f"`{call.callee}()`"


WHY = (
    "each {what} opens new connections (TCP and TLS handshakes, a new pool) and drops "
    "them at the end, so nothing is kept alive between {runs}"
)


@detector("INT004", section=SECTION)
def client_created_per_call(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    # (line of the function, line of its class, its name, site, kind, shown)
    found: list[tuple] = []
    for node, call in ctx.calls_of_qualified(CLIENT_NAMES):
        func = ctx.enclosing(node, ("funcdef", "lambdef", "classdef", "file_input"))
        if func is None or func.type != "funcdef":
            continue
        name = func.children[1].value
        if _memoised(ctx, func) or not _per_call(func, node, call):
            continue
        if any(sx.kwarg(call.args, a) for a in SHARED_POOL_ARGUMENTS):
            continue
        kind = CLIENTS[ctx.qualify(call.callee) or ""]
        head = sx.parts(node)[0]
        if _is_task(ctx, func):
            yield ctx.finding(
                "INT004",
                head,
                f"{_shown(call)} builds a new {kind} every time the task `{name}` runs: "
                + WHY.format(what="run", runs="tasks")
                + "; build it once at module level (or per worker process) and reuse it",
                end_node=call.trailer,
            )
            continue
        cls = class_line(func)
        if cls is not None and name in VIEW_ONCE:
            continue
        line = func.children[1].start_pos[0]
        site = ctx.site(head, call.trailer)
        found.append((line, cls, name, site, kind, _shown(call)))
    if not found:
        return
    facts = ctx.facts

    def judge(index):
        eps = index.endpoints_in(facts)
        for line, cls, name, site, kind, what in found:
            ep = next(
                (e for e in eps if e.line == line or (cls is not None and e.line == cls)), None
            )
            if ep is None:
                continue
            route = ep.route or "(route not readable)"
            yield make_finding(
                "INT004",
                site,
                f"{what} builds a new {kind} on every request to `{route}` (in `{name}`): "
                + WHY.format(what="request", runs="requests")
                + "; build it once at module level or at startup (a lifespan handler, "
                "`AppConfig.ready()`) and reuse it",
            )

    yield ctx.defer(ENDPOINT_READS, judge, [f[3] for f in found])


# -- INT005 hard-coded-service-url -----------------------------------------------------

MODULE_CALLS = (
    REQUESTS_CALLS
    | HTTPX_VERBS
    | URLOPEN
    | {"httpx.stream", "urllib.request.Request", "aiohttp.request"}
)
# methods of a session, client or pool that take the URL first (`request` second)
CLIENT_METHODS = (*VERBS, "stream", "ws_connect", "urlopen")
CLIENT_LIBRARIES = ("requests", "httpx", "aiohttp", "urllib3")
# folders of code that runs on a developer's machine, not in a deployment
LOCAL_FOLDERS = frozenset(
    {"scripts", "script", "tools", "bin", "examples", "example", "docs", "benchmarks", "dev"}
)
URL = re.compile(r"^(?:https?|wss?)://(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#\[\]]*)(.*)$", re.IGNORECASE)
# internal names that are the same in every deployment of a cloud
SAME_EVERYWHERE = frozenset({"metadata.google.internal", "metadata"})
CLUSTER_SUFFIXES = (".internal", ".svc", ".svc.cluster.local", ".cluster.local", ".local")


def _private_ip(host: str) -> bool:
    parts = host.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        return False
    a, b = int(parts[0]), int(parts[1])
    return a == 10 or (a == 192 and b == 168) or (a == 172 and 16 <= b <= 31)


def internal_host(prefix: str, whole: bool) -> tuple[str, str] | None:
    """(host, what it is) when the URL ``prefix`` names a host that only exists in
    one deployment: localhost, a private address, a cluster name, a bare service
    name with a port. ``whole``: the prefix is the whole URL (not cut at a
    placeholder), so the host may end the text."""
    m = URL.match(prefix)
    if m is None:
        return None
    host, rest = m.group(1).lower(), m.group(2)
    if not host or (not rest and not whole):
        return None  # "http://billing{suffix}": the host is not all there
    if rest and rest[0] not in ":/?#":
        return None
    port = re.match(r":(\d+)(?:[/?#]|$)", rest)
    if host in SAME_EVERYWHERE:
        return None
    local = host.startswith("127.") and _private_ip("10" + host[3:])
    if local or host in ("localhost", "[::1]", "0.0.0.0") or host.endswith(".localhost"):
        return host, "the local machine"
    if _private_ip(host):
        return host, "a private network address"
    if host.endswith(CLUSTER_SUFFIXES):
        return host, "a name that only resolves inside one network"
    if "." not in host and port is not None and re.fullmatch(r"[a-z][a-z0-9_-]*", host):
        return host, "a service name that only resolves inside one network"
    return None


def _literal_prefix(ctx: Context, node, hops: int = 1) -> tuple[object, str, bool, str] | None:
    """(the string node to point at, its text up to the first placeholder, whether
    that text is the whole value, the module-level name it was reached through or
    "") of a URL written as a literal: a string, an f-string, a concatenation
    starting with one, ``"...".format(...)``, ``"..." % x``, or a name the module
    binds once to one of those (also at the start of an f-string or a concatenation)."""
    node = sx.unparen(node)
    if node.type == "name" and hops > 0:
        bound = _module_constant(ctx, node.value)
        found = _literal_prefix(ctx, bound, hops - 1) if bound is not None else None
        return (*found[:3], node.value) if found is not None else None
    if node.type == "arith_expr" and node.children[1].value == "+":
        found = _literal_prefix(ctx, node.children[0], hops)
        return (found[0], found[1], False, found[3]) if found is not None else None
    if node.type in ("atom_expr", "power"):
        formatted = sx.formatted_string(node)
        if formatted is None:
            return None
        found = _literal_prefix(ctx, formatted[0], 0)
        if found is None:
            return None
        return found[0], found[1].split("{", 1)[0], False, ""
    if node.type == "term" and len(node.children) == 3 and node.children[1].value == "%":
        found = _literal_prefix(ctx, node.children[0], 0)
        return (found[0], found[1].split("%", 1)[0], False, "") if found is not None else None
    if node.type == "string":
        value = sx.string_value(node)
        return (node, value, True, "") if value is not None else None
    if node.type == "fstring":
        inner = node.children[1:-1]
        if inner and inner[0].type == "fstring_expr" and hops > 0:
            # f"{BILLING_URL}/charges": the constant is the start of the URL
            expr = inner[0].children[1]
            if len(inner[0].children) == 3 and expr.type == "name":
                found = _literal_prefix(ctx, expr, hops)
                return (found[0], found[1], False, found[3]) if found is not None else None
            return None
        text = []
        for c in inner:
            if c.type != "fstring_string":
                return node, "".join(text), False, ""
            text.append(c.value)
        return node, "".join(text), True, ""
    if node.type == "strings":
        text = []
        for c in node.children:
            found = _literal_prefix(ctx, c, 0)
            if found is None:
                return None
            text.append(found[1])
            if not found[2]:
                return node, "".join(text), False, ""
        return node, "".join(text), True, ""
    return None


def _module_constant(ctx: Context, name: str):
    """The value of ``name`` when the module binds it once, outside functions and
    classes, and nothing else in the file assigns it."""
    stmts = ctx.assignments(name)
    if len(stmts) != 1 or ctx.scope(stmts[0]).type != "file_input":
        return None
    return sx.plain_assignment(stmts[0])[1]


def _url_argument(call: sx.Call):
    args = call.args
    found = sx.kwarg(args, "url")
    if found is not None:
        return found.value
    positional = [a for a in args if a.kind == "pos"]
    index = 1 if call.method == "request" else 0  # request("GET", url)
    return positional[index].value if len(positional) > index else None


def _outbound_calls(ctx: Context):
    seen = set()
    for node, call in ctx.calls_of_qualified(MODULE_CALLS):
        seen.add(id(call.trailer))
        yield node, call, f"`{call.callee}()`"
    imports = ctx.facts.imports.values()
    if not any(isinstance(q, str) and q.split(".")[0] in CLIENT_LIBRARIES for q in imports):
        return
    for node, call in ctx.calls_to(*CLIENT_METHODS):
        if id(call.trailer) in seen or call.callee is None or "." not in call.callee:
            continue
        yield node, call, f"`{call.callee}()`"


def _local_code(ctx: Context) -> bool:
    folders = ctx.rel_path.replace("\\", "/").split("/")[:-1]
    name = ctx.rel_path.replace("\\", "/").rsplit("/", 1)[-1]
    return bool(LOCAL_FOLDERS & set(folders)) or name in ("manage.py", "setup.py", "conftest.py")


def _under_main(node) -> bool:
    """Inside ``if __name__ == "__main__":``."""
    p = node.parent
    while p is not None:
        if p.type == "if_stmt" and "__main__" in sx.code(p.children[1]):
            return True
        p = p.parent
    return False


@detector("INT005", section=SECTION)
def hard_coded_service_url(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration or facts.is_settings or _local_code(ctx):
        return
    reported = set()
    for node, call, shown in _outbound_calls(ctx):
        value = _url_argument(call)
        if value is None:
            continue
        found = _literal_prefix(ctx, value)
        if found is None:
            continue
        string, prefix, whole, through = found
        if through:
            # point at the use: the constant's line belongs to another statement
            string = sx.unparen(value)
            if string.type == "arith_expr":
                string = string.children[0]
        host = internal_host(prefix, whole)
        if host is None or string.start_pos in reported or _under_main(node):
            continue
        reported.add(string.start_pos)
        name, what = host
        where = f" (through `{through}`)" if through else ""
        yield ctx.finding(
            "INT005",
            string,
            f"{shown} calls `{name}`{where}, a host written into the code ({what}): it is "
            "a different host in development, staging and production, so this code calls "
            "the wrong service (or none) everywhere but where it was written; read the "
            "base URL from settings or an environment variable",
        )
