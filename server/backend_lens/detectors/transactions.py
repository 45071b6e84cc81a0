"""Connection Pooling & Transaction Management: row locks outside a transaction, per-request
connections, engines and sessions that are rebuilt or never closed, network calls inside a
transaction."""

from __future__ import annotations

import re

from ..model import Fix
from ..source import syntax as sx
from ._helpers import (
    append_argument_edit,
    atomic_context,
    last_assignment,
    transaction_holders,
)
from .base import Context, detector, make_finding

EVALUATING = {
    "get",
    "first",
    "last",
    "latest",
    "earliest",
    "count",
    "exists",
    "update",
    "delete",
    "in_bulk",
    "aggregate",
}


def _evaluated(node, after_index: int) -> bool:
    ps = sx.parts(node)
    for t in ps[after_index + 1 :]:
        if sx.is_attr_trailer(t) and t.children[1].value in EVALUATING:
            return True
    p = node.parent
    if p.type in ("for_stmt", "sync_comp_for") and p.children[3] is node:
        return True
    if p.type == "trailer" and sx.is_call_trailer(p):
        outer = p.parent
        ops = sx.parts(outer)
        if ops and ops[0].type == "name" and ops[0].value in ("list", "len", "tuple", "sum", "set"):
            return True
    return False


@detector("TXN001", section="Connection Pooling & Transaction Management")
def select_for_update_outside_atomic(ctx: Context):
    for node, call in ctx.calls_to("select_for_update"):
        if not _evaluated(node, call.index):
            continue
        inside, _ = atomic_context(node, ctx)
        if inside:
            continue
        method = sx.parts(node)[call.index - 1]
        if method.type != "trailer" or len(method.children) != 2:
            continue  # `Voucher..select_for_update()`: half-typed, not a method call yet
        site = ctx.site(method.children[1], call.trailer)
        func = ctx.enclosing(node, ("funcdef",))
        if func is not None and any(
            (sx.decorator_name(d) or "").rsplit(".", 1)[-1] == "receiver"
            for d in sx.function_decorators(func)
        ):
            continue  # a signal receiver runs inside whatever transaction sent the signal
        fname = func.children[1].value if func is not None else None
        holders = transaction_holders(node, ctx)

        def judge(index, site=site, fname=fname, holders=holders, facts=ctx.facts):
            if index.atomic_requests(facts):
                return
            if any(index.is_transaction_wrapper(h) for h in holders):
                return  # @project_tx / with project_tx(): a project wrapper of atomic()
            if fname and index.called_in_transaction(fname):
                return  # a helper its callers run inside their transaction
            yield make_finding(
                "TXN001",
                site,
                "select_for_update() is evaluated outside transaction.atomic(): in autocommit mode "
                "Django raises TransactionManagementError, and no row stays locked",
            )

        yield ctx.defer(("settings", "calls", "models"), judge)


# ---------------------------------------------------------------------------
# shared tree helpers for the connection rules


def _funcdef_of(node):
    """The function whose body holds ``node`` (None at module or class level, or in a lambda)."""
    p = sx.enclosing(node, ("funcdef", "lambdef", "classdef", "file_input"))
    return p if p is not None and p.type == "funcdef" else None


def _func_name(func) -> str:
    return func.children[1].value


def _decorator_tails(func) -> set[str]:
    return {(sx.decorator_name(d) or "").rsplit(".", 1)[-1] for d in sx.function_decorators(func)}


def _names_in(node) -> set[str]:
    return {n.value for n in sx.walk(node) if n.type == "name"}


def _refs(node, tainted: set[str]) -> bool:
    """Whether ``node`` hands on one of the objects named by ``tainted`` itself
    (``db``, ``Repo(db)``, ``[db]``), as opposed to the result of using it
    (``db.get(...)``, ``engine.connect()``) or an attribute of another object
    that has the same name (``self.db``)."""
    for n in sx.walk(node):
        if n.type != "name" or n.value not in tainted:
            continue
        p = n.parent
        if sx.is_attr_trailer(p):
            continue  # x.db
        if p.type in ("atom_expr", "power"):
            ps = sx.parts(p)
            if ps and ps[0] is n and len(ps) > 1:
                continue  # db.get(...)
        if p.type in ("argument",) and p.children[0] is n and len(p.children) > 1:
            if p.children[1].type == "operator" and p.children[1].value == "=":
                continue  # f(db=...): the keyword, not the value
        return True
    return False


def _assign_parts(stmt):
    """(targets, value) of ``a = b = value`` / ``a: T = value``, else None."""
    ch = stmt.children
    if len(ch) == 2 and ch[1].type == "annassign" and len(ch[1].children) == 4:
        return [ch[0]], ch[1].children[3]
    if len(ch) >= 3 and all(
        ch[i].type == "operator" and ch[i].value == "=" for i in range(1, len(ch), 2)
    ):
        return ch[:-1:2], ch[-1]
    return None


# methods that keep what they are given somewhere that outlives the call
KEEPING_METHODS = {
    "append",
    "add",
    "add_task",
    "appendleft",
    "callback",
    "enter_async_context",
    "enter_context",
    "extend",
    "insert",
    "push",
    "put",
    "register",
    "set",
    "setattr",
    "setdefault",
    "update",
}


def _entered(expr, tainted: set[str]) -> bool:
    """``with db:`` or ``with closing(db):``: the with block closes it."""
    if expr.type == "name":
        return expr.value in tainted
    if expr.type in ("atom_expr", "power"):
        calls = sx.calls_in(expr)
        if len(calls) == 1 and (calls[0].method or "") == "closing":
            args = calls[0].args
            return bool(args) and args[0].value.type == "name" and args[0].value.value in tainted
    return False


def _escapes(func, names: set[str], closers: tuple[str, ...] = ()) -> bool:
    """Whether the object held by ``names`` (and names assigned from them) leaves
    ``func``: returned, yielded, stored on an attribute or in a container, made
    global, entered as a context manager, or (``closers``) has one of these
    methods called or referenced (``db.close()``, ``stack.callback(db.close)``)."""
    tainted = set(names)
    nodes = list(sx.walk(func.children[-1]))
    changed = True
    while changed:
        changed = False
        for n in nodes:
            if n.type == "expr_stmt":
                parts = _assign_parts(n)
                if parts is None or not _refs(parts[1], tainted):
                    continue
                for t in parts[0]:
                    if t.type == "name":
                        if t.value not in tainted:
                            tainted.add(t.value)
                            changed = True
    for n in nodes:
        t = n.type
        if t in ("global_stmt", "nonlocal_stmt") and _names_in(n) & tainted:
            return True
        if t in ("return_stmt", "yield_expr") and _refs(n, tainted):
            return True
        if t == "keyword" and n.value == "yield" and n.parent.type != "yield_expr":
            nxt = n.get_next_sibling()
            if nxt is not None and _refs(nxt, tainted):
                return True
        if t == "expr_stmt":
            parts = _assign_parts(n)
            if parts and _refs(parts[1], tainted):
                if any(x.type != "name" for x in parts[0]):
                    return True  # self.session = db, cache[key] = engine
        if t == "with_item" and _entered(n.children[0], tainted):
            return True
        if t == "with_stmt" and any(_entered(c, tainted) for c in n.children[1:]):
            return True
        if t in ("atom_expr", "power"):
            ps = sx.parts(n)
            for i, p in enumerate(ps):
                if (
                    closers
                    and i == 1
                    and ps[0].type == "name"
                    and ps[0].value in tainted
                    and sx.is_attr_trailer(p)
                    and p.children[1].value in closers
                ):
                    return True
                if (
                    sx.is_call_trailer(p)
                    and i > 0
                    and (
                        (sx.is_attr_trailer(ps[i - 1]) and ps[i - 1].children[1].value)
                        or (ps[i - 1].type == "name" and ps[i - 1].value)
                    )
                    in KEEPING_METHODS
                    and _refs(p, tainted)
                ):
                    return True
    return False


# ---------------------------------------------------------------------------
# CONN002 engine-created-per-call

ENGINE_FACTORIES = frozenset(
    {
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "sqlalchemy.engine.create.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine",
        "sqlmodel.create_engine",
    }
)
ENGINE_KEEPERS = {"sessionmaker", "async_sessionmaker", "scoped_session"}
# functions that run once per process (or per test), not once per request
ONCE_NAMES = {
    "__init__",
    "__post_init__",
    "main",
    "cli",
    "run",
    "handle",
    "lifespan",
    "startup",
    "on_startup",
    "create_app",
    "make_app",
    "setup",
    "setUp",
    "setUpClass",
    "setup_module",
    "setup_class",
    "upgrade",
    "downgrade",
    "run_migrations_online",
    "run_migrations_offline",
}
ONCE_PREFIXES = ("init_", "setup_", "configure", "bootstrap", "create_app", "_init_", "test_")
ONCE_DECORATORS = {
    "lru_cache",
    "cache",
    "cached",
    "cached_property",
    "memoize",
    "memoized",
    "once",
    "singleton",
    "fixture",
    "command",
    "group",
    "callback",
    "on_event",
    "setup_class",
    "classmethod_cache",
}


def _runs_once(func) -> bool:
    name = _func_name(func)
    if name in ONCE_NAMES or name.startswith(ONCE_PREFIXES):
        return True
    return bool(_decorator_tails(func) & ONCE_DECORATORS)


def _skip_file(ctx: Context) -> bool:
    """Tests, migrations (Alembic revisions wherever they live) and Alembic's env.py."""
    known = ctx.file_memo.get("transactions: skip file")
    if known is None:
        name = ctx.rel_path.replace("\\", "/").rsplit("/", 1)[-1]
        known = ctx.file_memo["transactions: skip file"] = (
            ctx.facts.is_test
            or ctx.facts.is_migration
            or name == "env.py"
            or any(m.split(".")[0] == "alembic" for m in ctx.facts.imported_modules)
        )
    return known


def _kept_by_result(node, value) -> bool:
    """Whether the result of ``value`` keeps the engine ``node`` creates: ``node``
    is ``value`` itself (or the start of a chain on it), or an argument of a
    constructor (``sessionmaker(bind=create_engine(...))``, ``Repo(create_engine(...))``),
    as opposed to an argument of a function that only uses it
    (``pd.read_sql(q, create_engine(...))``)."""
    n = node
    while n is not value and n.parent is not None:
        p = n.parent
        if p.type == "trailer" and sx.is_call_trailer(p) and p.parent is not None:
            holder = p.parent
            ps = sx.parts(holder)
            i = ps.index(p)
            prev = ps[i - 1] if i > 0 else None
            callee = None
            if prev is not None and prev.type == "name":
                callee = prev.value
            elif prev is not None and sx.is_attr_trailer(prev):
                callee = prev.children[1].value
            if callee is None or not (callee[:1].isupper() or callee in ENGINE_KEEPERS):
                return False
        n = p
    return True


def _assigned_names(node) -> tuple[set[str], bool]:
    """(names the statement holding ``node`` binds the engine to, whether the
    engine is stored somewhere that outlives the function: returned, yielded,
    an attribute, a subscript)."""
    stmt = sx.statement_of(node)
    if stmt.type == "simple_stmt":
        stmt = stmt.children[0]
    if stmt.type == "return_stmt" or any(
        n.type == "yield_expr" or (n.type == "keyword" and n.value == "yield")
        for n in sx.walk(stmt)
    ):
        value = stmt.children[-1] if stmt.type == "return_stmt" else stmt
        return set(), _kept_by_result(node, value)
    if stmt.type == "expr_stmt":
        parts = _assign_parts(stmt)
        if parts is not None:
            targets, value = parts
            if not (value.start_pos <= node.start_pos and node.end_pos <= value.end_pos):
                return set(), False
            if not _kept_by_result(node, value):
                return set(), False
            if any(t.type != "name" for t in targets):
                return set(), True
            return {t.value for t in targets}, False
    return set(), False


@detector("CONN002", section="Connection Pooling & Transaction Management")
def engine_created_per_call(ctx: Context):
    if _skip_file(ctx):
        return
    for node, call in ctx.calls_of_qualified(ENGINE_FACTORIES):
        func = _funcdef_of(node)
        if func is None or _runs_once(func):
            continue
        outer = sx.enclosing(func, ("funcdef", "classdef", "file_input"))
        if outer is not None and outer.type == "funcdef" and _runs_once(outer):
            continue
        names, stored = _assigned_names(node)
        if stored:
            continue  # a factory: how often it is called is the caller's business
        if names and _escapes(func, names):
            continue  # returned, stored, made global...
        head = sx.parts(node)[0]
        yield ctx.finding(
            "CONN002",
            head,
            f"`{call.method}()` runs on every call of `{_func_name(func)}()`: each call builds a "
            "new connection pool and opens new database connections, which close only when the "
            "engine is garbage-collected; create the engine once at module level and reuse it",
            end_node=call.trailer,
        )


# ---------------------------------------------------------------------------
# CONN003 session-never-closed

SESSION_CLASSES = frozenset(
    {
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.Session",
        "sqlmodel.orm.session.Session",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
SESSION_MAKERS = frozenset(
    {
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker",
    }
)
# the usual names of a sessionmaker imported from the project's database module
MAKER_NAME = re.compile(
    r"^(Async)?Session(Local|Maker|Factory)$|^(async_)?session_?(local|maker|factory)$",
    re.IGNORECASE,
)
SESSION_CLOSERS = ("close", "__exit__", "__aexit__")


def _assignments_outside_functions(node):
    """The ``expr_stmt`` nodes of a module or class body, in ``if``/``try``/``with``
    blocks too, but not in functions."""
    for child in node.children:
        t = child.type
        if t == "expr_stmt":
            yield child
        elif t == "simple_stmt":
            yield from (c for c in child.children if c.type == "expr_stmt")
        elif t == "decorated" and child.children[-1].type == "classdef":
            yield from _assignments_outside_functions(child.children[-1])
        elif t in _BLOCKS:
            yield from _assignments_outside_functions(child)


_BLOCKS = frozenset(
    {"if_stmt", "try_stmt", "with_stmt", "for_stmt", "while_stmt", "suite", "classdef"}
)


def _session_makers(ctx: Context) -> tuple[set[str], set[str]]:
    """(names bound to a sessionmaker in this file, imported names that look like one)."""
    local: set[str] = set()
    # module-level statements of the whole file: the language server runs this
    # detector on a few units at a time, and ctx.calls_of_qualified sees only those
    names = {q.rsplit(".", 1)[-1] for q in SESSION_MAKERS}
    names |= {k for k, q in ctx.facts.imports.items() if q in SESSION_MAKERS}
    found = ctx.file_memo.get("conn003-makers")
    if found is None:
        found = []
        for expr in _assignments_outside_functions(ctx.module):
            node = expr.children[-1]
            if node.type == "annassign":
                node = node.children[-1]
            if node.type not in ("atom_expr", "power"):
                continue
            for call in ctx.calls(node):
                if call.method in names and (ctx.qualify(call.callee) or "") in SESSION_MAKERS:
                    found.append((node, call))
        ctx.file_memo["conn003-makers"] = found  # once filled (incremental._Memo)
    for node, call in found:
        stmt = sx.statement_of(node)
        if stmt.type == "simple_stmt":
            stmt = stmt.children[0]
        if stmt.type != "expr_stmt" or sx.enclosing(node, ("funcdef", "lambdef")) is not None:
            continue
        parts = _assign_parts(stmt)
        if parts is None or parts[1] is not node or call.index != len(sx.parts(node)) - 1:
            continue  # scoped_session(sessionmaker(...)) is closed by .remove(), elsewhere
        local |= {t.value for t in parts[0] if t.type == "name"}
    imported = {
        name
        for name, q in ctx.facts.imports.items()
        if MAKER_NAME.match(q.rsplit(".", 1)[-1])
        and "scoped" not in q.lower()
        and q.split(".")[0] not in ("sqlalchemy", "sqlmodel")
        and q.rsplit(".", 1)[-1] not in ("sessionmaker", "async_sessionmaker")  # re-exported
    }
    return local, imported - local


def _bound_to_connection(ctx: Context, call: sx.Call) -> bool:
    """``Session(bind=op.get_bind())`` / ``Session(connection)``: the caller owns
    the connection, so the session borrows nothing from the pool."""
    for a in call.args:
        code = sx.code(a.value)
        if a.value.type == "name":
            value = last_assignment(ctx, a.value.value, call.node)
            if value is not None:
                code += " " + sx.code(value)  # bind = op.get_bind(); Session(bind=bind)
        if "get_bind" in code or "conn" in code.lower():
            return True
    return False


@detector("CONN003", section="Connection Pooling & Transaction Management")
def session_never_closed(ctx: Context):
    if _skip_file(ctx):
        return
    local_makers, imported_makers = _session_makers(ctx)
    candidates: list[tuple[object, sx.Call, str, bool]] = []
    for node, call in ctx.calls_of_qualified(SESSION_CLASSES):
        if not _bound_to_connection(ctx, call):
            candidates.append((node, call, call.callee or "Session", False))
    makers = local_makers | imported_makers
    if makers:
        for node, call in ctx.calls_to(*makers):
            if call.callee in makers and not _bound_to_connection(ctx, call):
                candidates.append((node, call, call.callee, call.callee in imported_makers))
    for node, call in ctx.calls_to("sessionmaker", "async_sessionmaker"):
        calls = ctx.calls(node)
        i = calls.index(call)
        if (
            (ctx.qualify(call.callee) or "") in SESSION_MAKERS
            and i + 1 < len(calls)
            and calls[i + 1].index == call.index + 1
        ):
            candidates.append((node, calls[i + 1], f"{call.callee}(...)", False))
    for node, call, shown, needs_sqlalchemy in candidates:
        if call.index != len(sx.parts(node)) - 1 or node.children[0].type == "keyword":
            continue  # a chain that goes on: ``Session(engine).execute(...)``
        func = _funcdef_of(node)
        if func is None or _runs_once(func):
            continue  # a CLI command or main(): the process ends, and the connection with it
        stmt = node.parent
        if stmt.type == "annassign":
            stmt = stmt.parent
        if stmt.type != "expr_stmt":
            continue
        parts = _assign_parts(stmt)
        if parts is None or parts[1] is not node or len(parts[0]) != 1:
            continue
        target = parts[0][0]
        if target.type != "name":
            continue  # self.session = Session(): closed by whoever owns self
        if _escapes(func, {target.value}, SESSION_CLOSERS):
            continue
        made = sx.code(node)
        made = made if len(made) <= 60 else f"{shown}(...)"
        message = (
            f"the session `{target.value} = {made}` is never closed in `{_func_name(func)}()`: "
            "the connection it checks out stays out of the pool, possibly idle in a transaction, "
            f"until the session is garbage-collected; use `with {made} as {target.value}:` or "
            f"call `{target.value}.close()` in a `finally:` block"
        )
        if needs_sqlalchemy:
            site = ctx.site(stmt)

            def judge(index, site=site, message=message):
                if index.uses("sqlalchemy") or index.uses("sqlmodel"):
                    yield make_finding("CONN003", site, message)

            yield ctx.defer(("models",), judge)
        else:
            yield ctx.finding("CONN003", stmt, message)


# ---------------------------------------------------------------------------
# TXN002 network-call-inside-transaction

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
HTTP_CALLS = frozenset(
    {f"requests.{v}" for v in HTTP_VERBS}
    | {f"requests.api.{v}" for v in HTTP_VERBS}
    | {f"httpx.{v}" for v in (*HTTP_VERBS, "stream")}
    | {"urllib.request.urlopen"}
)
HTTP_CLIENTS = frozenset(
    {
        "requests.Session",
        "requests.session",
        "requests.sessions.Session",
        "httpx.Client",
        "httpx.AsyncClient",
    }
)
MAIL_CALLS = frozenset(
    {
        "django.core.mail.send_mail",
        "django.core.mail.send_mass_mail",
        "django.core.mail.mail_admins",
        "django.core.mail.mail_managers",
    }
)
MAIL_MESSAGES = frozenset(
    {
        "django.core.mail.EmailMessage",
        "django.core.mail.EmailMultiAlternatives",
        "django.core.mail.message.EmailMessage",
        "django.core.mail.message.EmailMultiAlternatives",
    }
)
# stripe.<Resource>.<verb>(...): a request to Stripe's API
STRIPE_VERBS = (
    "create",
    "retrieve",
    "modify",
    "update",
    "delete",
    "list",
    "search",
    "cancel",
    "capture",
    "confirm",
    "refund",
    "pay",
    "finalize",
    "void",
    "attach",
    "detach",
    "send",
    "close",
    "reverse",
    "approve",
    "reject",
    "upcoming",
    "verify",
    "apply",
    "expire",
    "resume",
    "mark",
)
STRIPE_LOCAL = {"Webhook", "WebhookSignature", "StripeClient", "util", "error", "oauth_error"}


def _is_stripe_request(qualified: str) -> bool:
    segs = qualified.split(".")
    if len(segs) < 3 or segs[0] != "stripe" or set(segs) & STRIPE_LOCAL:
        return False
    if not any(s[:1].isupper() for s in segs[1:-1]):
        return False
    return segs[-1].startswith(STRIPE_VERBS)


def _bound_by(ctx: Context, name: str, at, qualified: frozenset[str]) -> bool:
    """Whether ``name`` holds an instance of one of ``qualified`` at ``at``: bound
    by ``with X(...) as name`` around it, or ``name = X(...)`` earlier in its scope."""
    p = at.parent
    while p is not None and p.type not in ("funcdef", "lambdef", "file_input"):
        if p.type == "with_stmt":
            for item in p.children:
                if item.type == "with_item" and item.children[-1].type == "name":
                    if item.children[-1].value == name and _makes(ctx, item.children[0], qualified):
                        return True
        p = p.parent
    value = last_assignment(ctx, name, at)
    return value is not None and _makes(ctx, value, qualified)


def _makes(ctx: Context, expr, qualified: frozenset[str]) -> bool:
    if expr.type not in ("atom_expr", "power"):
        return False
    calls = ctx.calls(expr)
    return (
        len(calls) == 1
        and calls[0].index == len(sx.parts(expr)) - 1
        and (ctx.qualify(calls[0].callee) or "") in qualified
    )


def _network_call(ctx: Context, node, call: sx.Call) -> tuple[str, str] | None:
    """(what is called, kind: "http" | "mail" | "stripe") for a call that talks to
    another service, else None."""
    q = ctx.qualify(call.callee) if call.callee else None
    if q in HTTP_CALLS:
        return call.callee, "http"
    if q in MAIL_CALLS:
        return call.callee, "mail"
    if q and _is_stripe_request(q):
        return call.callee, "stripe"
    calls = ctx.calls(node)
    i = calls.index(call)
    if call.method == "send":
        if call.callee is None and i > 0 and calls[i - 1].index == call.index - 2:
            prev = calls[i - 1]
            if (ctx.qualify(prev.callee) or "") in MAIL_MESSAGES:
                return f"{prev.callee}(...).send", "mail"
        if call.callee and call.callee.count(".") == 1:
            obj = call.callee.split(".")[0]
            if _bound_by(ctx, obj, node, MAIL_MESSAGES):
                return call.callee, "mail"
    if call.method in HTTP_VERBS and call.callee and call.callee.count(".") == 1:
        obj = call.callee.split(".")[0]
        if _bound_by(ctx, obj, node, HTTP_CLIENTS):
            return call.callee, "http"
    return None


NETWORK_ROOTS = frozenset({"requests", "httpx", "urllib", "django", "stripe"})


@detector("TXN002", section="Connection Pooling & Transaction Management")
def network_call_inside_transaction(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    if not any(m.split(".")[0] in NETWORK_ROOTS for m in ctx.facts.imported_modules):
        return
    if not ctx.facts.atomic_calls:
        return  # no transaction block in this file
    seen: set[tuple] = set()
    # only what is called somewhere inside a transaction block of this file
    for node, call in ctx.calls_to(*ctx.facts.atomic_calls):
        found = _network_call(ctx, node, call)
        if found is None:
            continue
        inside, in_loop = atomic_context(node, ctx)
        if not inside:
            continue
        key = (node.start_pos, call.index)
        if key in seen:
            continue
        seen.add(key)
        callee, kind = found
        head = sx.parts(node)[0]
        if kind == "mail":
            why = (
                f"`{callee}()` sends an e-mail inside a transaction: if the transaction rolls "
                "back the e-mail has still gone out, and the transaction (with its row locks) "
                "stays open for the whole SMTP round trip; send it from transaction.on_commit(...)"
            )
        else:
            why = (
                f"`{callee}()` calls another service inside a transaction: the transaction "
                "(with its row locks) stays open for the whole network round trip, and a "
                "rollback cannot undo what the other side already did; make the call before "
                "the transaction, or after it with transaction.on_commit(...)"
            )
        fix = None
        if (
            kind == "mail"
            and not in_loop
            and node.parent.type == "simple_stmt"
            and node.children[0].type != "keyword"
            and call.index == len(sx.parts(node)) - 1
            and ctx.facts.imports.get("transaction") == "django.db.transaction"
        ):
            text = sx.code(node)
            fix = Fix(
                "Send it with transaction.on_commit(...)",
                (
                    ctx.edit(
                        node.start_pos,
                        node.end_pos,
                        f"transaction.on_commit(lambda: {text})",
                    ),
                ),
            )
        yield ctx.finding("TXN002", head, why, fix=fix, end_node=call.trailer)


# ---------------------------------------------------------------------------
# CONN001 conn-max-age-not-set

PRODUCTION_SETTINGS = {"production.py", "prod.py", "settings.py"}
BASE_SETTINGS = {"base.py", "common.py"}
SERVER_DATABASES = ("postgresql", "postgis", "mysql", "oracle")
DJ_DATABASE_URL = frozenset({"dj_database_url.config", "dj_database_url.parse"})
PERSISTENCE_KEYS = {"CONN_MAX_AGE", "CONN_HEALTH_CHECKS"}
ASGI_WORDS = ("asgi_application", "daphne", "uvicorn", "channels")


def _dict_items(atom) -> tuple[list[tuple[object, object]], bool] | None:
    """(key, value) pairs of a ``{...}`` display and whether it has a ``**`` spread;
    None when ``atom`` is not a dict display."""
    if atom.type != "atom" or atom.children[0].type != "operator" or atom.children[0].value != "{":
        return None
    if len(atom.children) == 2:
        return [], False
    inner = atom.children[1]
    if inner.type != "dictorsetmaker":
        return None
    ch = inner.children
    items: list[tuple[object, object]] = []
    spread = False
    i = 0
    while i < len(ch):
        c = ch[i]
        if c.type == "operator" and c.value == "**":
            spread = True
            i += 3
        elif i + 2 < len(ch) and ch[i + 1].type == "operator" and ch[i + 1].value == ":":
            items.append((c, ch[i + 2]))
            i += 4
        else:
            return None  # a set display or a comprehension
    return items, spread


def _dict_insert_edit(ctx: Context, atom, entry: str):
    """The edit that adds ``entry`` (``"KEY": value``) as the last item of a dict display."""
    inner, close = atom.children[1], atom.children[-1]
    last = inner.children[-1]
    if last.type == "operator" and last.value == ",":
        if close.start_pos[0] > last.end_pos[0]:
            prev = inner.children[-2]
            line = ctx.lines[prev.start_pos[0] - 1]
            indent = line[: len(line) - len(line.lstrip())]
            # the first key of a multi-line display sets the indentation of its items
            first = ctx.lines[inner.children[0].start_pos[0] - 1]
            if inner.children[0].start_pos[0] != atom.start_pos[0]:
                indent = first[: len(first) - len(first.lstrip())]
            return ctx.edit((close.start_pos[0], 0), (close.start_pos[0], 0), f"{indent}{entry},\n")
        return ctx.edit(last.end_pos, last.end_pos, f" {entry},")
    if close.start_pos[0] > last.end_pos[0]:
        line = ctx.lines[inner.children[0].start_pos[0] - 1]
        indent = line[: len(line) - len(line.lstrip())]
        return ctx.edit(last.end_pos, last.end_pos, f",\n{indent}{entry}")
    return ctx.edit(last.end_pos, last.end_pos, f", {entry}")


_UNKNOWN = object()


def _literal(node):
    """The value of a literal expression, else a marker that equals nothing."""
    try:
        return sx.literal(sx.code(node))
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return _UNKNOWN


def _entry_problem(entry):
    """Why a DATABASES entry (a dict display) opens a connection per request:
    ("missing", None) / ("zero", (key, value)) or None when it does not, or when
    it cannot be told (an engine or a value computed at run time, a spread)."""
    parsed = _dict_items(entry)
    if parsed is None or parsed[1]:
        return None
    keys = {}
    for k, v in parsed[0]:
        name = sx.string_value(k)
        if name is None:
            return None
        keys[name] = (k, v)
    if "ENGINE" not in keys:
        return None
    engine = sx.string_value(keys["ENGINE"][1])
    if engine is None:
        return None
    engine = engine.lower()
    if not any(db in engine for db in SERVER_DATABASES) or "pool" in engine:
        return None  # SQLite, or a pooling backend (django-db-connection-pool, ...)
    if "CONN_HEALTH_CHECKS" in keys or "DISABLE_SERVER_SIDE_CURSORS" in keys:
        return None  # thought about; DISABLE_SERVER_SIDE_CURSORS: behind PgBouncer
    if "PORT" in keys and str(_literal(keys["PORT"][1])) == "6432":
        return None  # PgBouncer's port: it keeps the server connections
    if "OPTIONS" in keys:
        options = _dict_items(keys["OPTIONS"][1])
        if options is None or options[1]:
            return None
        if any(sx.string_value(k) == "pool" for k, _ in options[0]):
            return None  # Django 5.1+ psycopg connection pool
    if "CONN_MAX_AGE" not in keys:
        return "missing", None
    if _literal(keys["CONN_MAX_AGE"][1]) == 0 and not isinstance(
        _literal(keys["CONN_MAX_AGE"][1]), bool
    ):
        return "zero", keys["CONN_MAX_AGE"]
    return None


def _module_level(node) -> bool:
    p = sx.enclosing(node, ("funcdef", "classdef", "lambdef", "file_input"))
    return p is not None and p.type == "file_input"


def _settings_role(ctx: Context) -> str | None:
    """ "production" for production.py / prod.py / settings.py, "base" for
    base.py / common.py in a settings package, else None."""
    if not ctx.facts.is_settings or ctx.facts.is_test:
        return None
    p = ctx.rel_path.replace("\\", "/")
    name = p.rsplit("/", 1)[-1]
    if name in PRODUCTION_SETTINGS:
        return "production"
    if name in BASE_SETTINGS and "/settings/" in f"/{p}":
        return "base"
    return None


def _derives_from(index, facts, module: str) -> bool:
    """Whether the settings module ``facts`` star-imports ``module``, directly or
    through other modules of the project."""
    seen: set[str] = set()
    todo = list(facts.star_imports)
    while todo:
        m = todo.pop()
        if m == module:
            return True
        if m in seen:
            continue
        seen.add(m)
        f = index.module(m)
        if f is not None:
            todo.extend(f.star_imports)
    return False


def _overridden(index, path: str, module: str, role: str) -> bool:
    """Whether a production settings module replaces this module's databases: it
    derives from it and assigns DATABASES (or calls .update(), perhaps on it); for
    base.py / common.py also whether a production sibling stands alone."""
    folder = path.replace("\\", "/").rsplit("/", 1)[0]
    for f in index.files.values():
        if f.path == path:
            continue
        fp = f.path.replace("\\", "/")
        stem = fp.rsplit("/", 1)[-1].removesuffix(".py").lower()
        if "prod" not in stem and stem != "live":
            continue
        derives = _derives_from(index, f, module)
        if derives and ("DATABASES" in f.settings or f.calls.get("update")):
            return True
        if role == "base" and not derives and fp.rsplit("/", 1)[0] == folder:
            return True  # production settings that do not build on this module
    return False


@detector("CONN001", section="Connection Pooling & Transaction Management", scope="file")
def conn_max_age_not_set(ctx: Context):
    role = _settings_role(ctx)
    if role is None:
        return
    lowered = ctx.text.lower()
    if "pgbouncer" in lowered or any(word in lowered for word in ASGI_WORDS):
        return  # behind PgBouncer, or served by ASGI (where Django says: no persistence)
    # later statements that set the persistence keys or update DATABASES win
    later = [s.start_pos for s in ctx.nodes("string") if sx.string_value(s) in PERSISTENCE_KEYS]
    later += [
        node.start_pos
        for node, call in ctx.calls_to("update")
        if sx.parts(node)[0].type == "name" and sx.parts(node)[0].value == "DATABASES"
    ]

    def set_later(node) -> bool:
        return any(pos > node.end_pos for pos in later)

    found = []  # (site, message, fix)
    entries = []  # (where, dict display)
    for stmt in ctx.nodes("expr_stmt"):
        if not _module_level(stmt):
            continue
        parts = _assign_parts(stmt)
        if parts is None or len(parts[0]) != 1:
            continue
        target, value = parts[0][0], parts[1]
        if target.type == "name" and target.value == "DATABASES":
            items = _dict_items(value)
            if items is None:
                continue
            entries += [(k, v) for k, v in items[0] if sx.string_value(k) is not None]
        elif target.type in ("atom_expr", "power"):
            ps = sx.parts(target)
            if (
                len(ps) == 2
                and ps[0].type == "name"
                and ps[0].value == "DATABASES"
                and ps[1].type == "trailer"
                and ps[1].children[0].value == "["
                and sx.string_value(ps[1].children[1]) is not None
            ):
                entries.append((target, value))
    spans = [(entry.start_pos, entry.end_pos) for _, entry in entries]
    later[:] = [pos for pos in later if not any(a <= pos < b for a, b in spans)]
    for where, entry in entries:
        problem = _entry_problem(entry)
        if problem is None or set_later(entry):
            continue
        if where.type in ("string", "strings"):
            alias = sx.string_value(where)
        else:
            alias = sx.string_value(sx.parts(where)[1].children[1])
        if problem[0] == "zero":
            key, val = problem[1]
            site = ctx.site(key, val)
            fix = Fix('Set "CONN_MAX_AGE": 60', (ctx.edit(val.start_pos, val.end_pos, "60"),))
            what = "sets CONN_MAX_AGE to 0"
        else:
            site = ctx.site(where)
            quote = '"' if '"' in sx.code(_dict_items(entry)[0][0][0])[:2] else "'"
            fix = Fix(
                'Add "CONN_MAX_AGE": 60',
                (_dict_insert_edit(ctx, entry, f"{quote}CONN_MAX_AGE{quote}: 60"),),
            )
            what = "sets no CONN_MAX_AGE"
        found.append(
            (
                site,
                f'the "{alias}" database {what}: Django opens a new database connection for '
                "every request and closes it at the end, paying the connect and authentication "
                'round trips each time; keep connections open with "CONN_MAX_AGE": 60 (and '
                '"CONN_HEALTH_CHECKS": True)',
                fix,
            )
        )
    for node, call in ctx.calls_of_qualified(DJ_DATABASE_URL):
        if not _module_level(node) or set_later(node):
            continue
        args = call.args
        if any(a.kind == "dstar" for a in args) or sx.kwarg(args, "conn_health_checks"):
            continue
        url = sx.kwarg(args, "default") if call.method == "config" else None
        if url is None and call.method == "parse" and args and args[0].kind == "pos":
            url = args[0]
        if url is not None and (sx.string_value(url.value) or "").startswith("sqlite"):
            continue
        age = sx.kwarg(args, "conn_max_age")
        if age is not None:
            if _literal(age.value) != 0 or isinstance(_literal(age.value), bool):
                continue
            site = ctx.site(age.node)
            fix = Fix(
                "Set conn_max_age=60", (ctx.edit(age.value.start_pos, age.value.end_pos, "60"),)
            )
            what = "passes conn_max_age=0"
        else:
            site = ctx.site(sx.parts(node)[0], call.trailer)
            fix = Fix(
                "Add conn_max_age=60", (append_argument_edit(ctx, call.trailer, "conn_max_age=60"),)
            )
            what = "has no conn_max_age"
        found.append(
            (
                site,
                f"`{call.callee}()` {what}: Django opens a new database connection for every "
                "request and closes it at the end, paying the connect and authentication round "
                "trips each time; pass conn_max_age=60 (and conn_health_checks=True)",
                fix,
            )
        )
    if not found:
        return
    path, module = ctx.path, ctx.facts.module

    def judge(index, found=found, path=path, module=module, role=role):
        if index.uses("channels") or index.uses("daphne") or _overridden(index, path, module, role):
            return
        for site, message, fix in found:
            yield make_finding("CONN001", site, message, fix)

    yield ctx.defer(("settings", "models"), judge)
