"""Performance & Scalability Evaluation: blocking calls on the event loop."""

from __future__ import annotations

from ..model import Fix
from ..source import syntax as sx
from ._helpers import in_async_function, with_bound
from .base import Context, detector
from .integration import REQUESTS_CALLS

BLOCKING = REQUESTS_CALLS | {
    "time.sleep",
    "urllib.request.urlopen",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
}


@detector("PERF001", section="Performance & Scalability Evaluation")
def blocking_in_async(ctx: Context):
    for node, call in ctx.calls_of_qualified(BLOCKING):
        q = ctx.qualify(call.callee)
        if not in_async_function(node, ctx):
            continue
        fix = None
        ps = sx.parts(node)
        whole = call.index == len(ps) - 1 and node.children[0].type != "keyword"
        if q == "time.sleep" and whole and ctx.facts.imports.get("asyncio") == "asyncio":
            args = sx.code(call.trailer)
            fix = Fix(
                "Use await asyncio.sleep(...)",
                (ctx.edit(node.start_pos, node.end_pos, f"await asyncio.sleep{args}"),),
            )
        yield ctx.finding(
            "PERF001",
            node,
            f"`{call.callee}()` blocks the event loop inside an async function: every other "
            "request on this worker waits until it returns",
            fix=fix,
            end_node=call.trailer,
        )
    yield from _blocking_io(ctx)


# -- the same rule for the database, files and subprocesses ----------------------------

# calls that run their argument in a thread, not on the event loop
OFFLOADERS = frozenset(
    {
        "sync_to_async",
        "database_sync_to_async",
        "run_in_threadpool",
        "to_thread",
        "run_in_executor",
        "run_sync",
    }
)
# queryset methods that run a query at once; Django's async twin is "a" + the name
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
        "iterator",
    }
)
# what consumes a queryset (runs it) when given one
CONSUMERS = frozenset({"list", "len", "tuple", "set", "sorted", "bool", "dict", "sum"})
# queryset methods that return one model instance, and the instance methods that write
SINGLE = frozenset(
    {"get", "first", "last", "latest", "earliest", "create"}
    | {"aget", "afirst", "alast", "alatest", "aearliest", "acreate"}
)
INSTANCE_WRITES = {"save": "asave", "delete": "adelete", "refresh_from_db": "arefresh_from_db"}
SA_SESSIONS = frozenset(
    {
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlmodel.Session",
        "sqlmodel.orm.session.Session",
    }
)
SA_MAKERS = frozenset(
    {
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
        "sqlalchemy.orm.scoped_session",
        "sqlalchemy.orm.scoping.scoped_session",
    }
)
# methods of a synchronous Session that talk to the database
SA_IO = frozenset(
    {"execute", "query", "commit", "scalars", "scalar", "get", "flush", "refresh", "rollback"}
    | {"merge", "exec"}
)
# what an Inspector (``sqlalchemy.inspect(engine)``) asks the database
INSPECTOR_QUERIES = frozenset(
    {
        "get_schema_names",
        "get_table_names",
        "get_view_names",
        "get_columns",
        "get_indexes",
        "get_foreign_keys",
        "get_pk_constraint",
        "get_unique_constraints",
        "get_check_constraints",
        "has_table",
        "has_schema",
        "has_index",
        "has_sequence",
        "get_sequence_names",
    }
)
PATH_IO = frozenset({"read_text", "write_text", "read_bytes", "write_bytes"})
EVENT_LOOP = "the event loop, and every other request on this worker, waits until it returns"


def _awaited(node) -> bool:
    return node.children[0].type == "keyword" and node.children[0].value == "await"


def _offloaded(ctx: Context, node, func) -> bool:
    """Inside the arguments of ``sync_to_async(...)``, ``asyncio.to_thread(...)``..."""
    p = node.parent
    while p is not None and p is not func:
        if p.type == "trailer" and sx.is_call_trailer(p):
            for call in ctx.calls(p.parent):
                if call.trailer is p and call.method in OFFLOADERS:
                    return True
        p = p.parent
    return False


def _coroutine(ctx: Context, node):
    """The ``async def`` whose own body holds ``node`` (not a nested def or lambda)."""
    func = ctx.enclosing(node, ("lambdef", "funcdef"))
    if func is None or func.type != "funcdef" or not sx.is_async_funcdef(func):
        return None
    return func


def _in_consumer(func) -> bool:
    """A method of a Channels consumer: WS003 reports its queries."""
    cls = sx.enclosing(func, ("classdef", "file_input"))
    if cls is None or cls.type != "classdef":
        return False
    return any((sx.dotted(b) or "").endswith("Consumer") for b in _class_bases(cls))


def _class_bases(cls) -> list:
    if len(cls.children) < 4 or cls.children[2].type != "operator" or cls.children[2].value != "(":
        return []
    inner = cls.children[3]
    if inner.type == "arglist":
        return [c for c in inner.children if c.type != "operator"]
    return [inner] if inner.type != "operator" else []


def _uses_django(ctx: Context) -> bool:
    return any(
        m.split(".")[0] == "django" or m.endswith("models") for m in ctx.facts.imported_modules
    )


def _django_queries(ctx: Context):
    """(node to point at, end node, message) for each synchronous Django query in a coroutine."""
    if not _uses_django(ctx):
        return
    from ._helpers import last_assignment, queryset_chain, resolve_queryset

    for node in ctx.nodes("atom_expr", "power"):
        if _awaited(node):
            continue
        func = _coroutine(ctx, node)
        if func is None or _in_consumer(func):
            continue
        qs = queryset_chain(node)
        if qs is not None:
            ran = next((m for m, t in qs.methods if t is not None and m in RUNS_A_QUERY), None)
            if ran is not None:
                trailer = next(t for m, t in qs.methods if m == ran and t is not None)
                yield (
                    node,
                    trailer,
                    f"`{qs.model}.objects...{ran}()` runs a database query synchronously inside "
                    f"an async function: {EVENT_LOOP}; use `await ...a{ran}()` (Django's async "
                    "query API) or wrap the work in `sync_to_async`",
                )
                continue
        # `Order.objects.filter(...)` or a name bound to it, iterated or listed here
        for call in ctx.calls(node):
            if call.method not in INSTANCE_WRITES or call.callee is None:
                continue
            if call.callee.count(".") != 1 or call.index != len(sx.parts(node)) - 1:
                continue
            name = call.callee.split(".")[0]
            value = last_assignment(ctx, name, node)
            bound = queryset_chain(value) if value is not None else None
            if bound is None:
                continue
            called = [m for m, t in bound.methods if t is not None]
            if not called or called[-1] not in SINGLE:
                continue
            twin = INSTANCE_WRITES[call.method]
            yield (
                node,
                call.trailer,
                f"`{call.callee}()` writes `{name}` (a `{bound.model}` row) to the database "
                f"synchronously inside an async function: {EVENT_LOOP}; use "
                f"`await {name}.{twin}()`",
            )
    for leaf, how in _iterated(ctx):
        if leaf.type != "name" and (leaf.type not in ("atom_expr", "power") or _awaited(leaf)):
            continue
        func = _coroutine(ctx, leaf)
        if func is None or _in_consumer(func):
            continue
        qs = resolve_queryset(ctx, leaf) if leaf.type == "name" else queryset_chain(leaf)
        if qs is None or not qs.yields_instances():
            continue
        shown = leaf.value if leaf.type == "name" else f"{qs.model}.objects..."
        how = how[0].upper() + how[1:] if how.startswith("the") else how
        yield (
            leaf,
            None,
            f"{how.format(shown)} runs a database query synchronously inside an async function: "
            f"{EVENT_LOOP}; use `async for` over the queryset (or `[x async for x in ...]`)",
        )


def _iterated(ctx: Context):
    """(expression, how) for what a plain ``for``, a comprehension or ``list()``,
    ``len()``... runs where it stands."""
    for loop in ctx.nodes("for_stmt"):
        if loop.parent.type != "async_stmt":
            yield loop.children[3], "the `for` loop over `{}`"
    for comp in ctx.nodes("sync_comp_for"):
        if comp.parent.type != "comp_for" and len(comp.children) > 3:
            yield comp.children[3], "the comprehension over `{}`"
    for _node, call in ctx.calls_to(*CONSUMERS):
        if call.callee in CONSUMERS and call.index == 1 and len(call.args) == 1:
            arg = call.args[0]
            if arg.kind == "pos":
                yield arg.value, f"`{call.callee}({{}})`"


def _sync_session(ctx: Context, func, name: str, node) -> bool:
    """Whether ``name`` in ``func`` is a synchronous SQLAlchemy ``Session``: a
    parameter annotated ``Session`` (or ``Annotated[Session, ...]``), or bound in the
    function to ``Session(...)`` or to a module-level ``sessionmaker(...)``'s call."""
    from ._helpers import last_assignment

    for param in func.get_params():
        if param.name.value != name:
            continue
        ann = param.annotation
        if ann is None:
            return False
        if ann.type in ("atom_expr", "power"):
            ps = sx.parts(ann)
            if sx.dotted(ps[0]) and (ctx.qualify(sx.dotted(ps[0])) or "").endswith("Annotated"):
                inner = ps[1].children[1] if len(ps) > 1 else None
                if inner is not None and inner.type == "subscriptlist":
                    inner = inner.children[0]
                ann = inner if inner is not None else ann
        return (ctx.qualify(sx.dotted(ann)) or "") in SA_SESSIONS
    value = last_assignment(ctx, name, node)
    if value is None:
        value = with_bound(node, name, func)  # with SessionLocal() as name:
    if value is None or value.type not in ("atom_expr", "power") or _awaited(value):
        return False
    calls = ctx.calls(value)
    if len(calls) != 1 or calls[0].callee is None:
        return False
    q = ctx.qualify(calls[0].callee) or ""
    if q in SA_SESSIONS:
        return True
    maker = _module_value(ctx, calls[0].callee)
    if maker is None or maker.type not in ("atom_expr", "power"):
        return False
    made = ctx.calls(maker)
    if len(made) != 1 or (ctx.qualify(made[0].callee) or "") not in SA_MAKERS:
        return False
    cls = sx.kwarg(made[0].args, "class_")
    return cls is None or (ctx.qualify(sx.dotted(cls.value)) or "") in SA_SESSIONS


def _module_value(ctx: Context, name: str):
    stmts = ctx.assignments(name)
    if len(stmts) != 1 or ctx.scope(stmts[0]).type != "file_input":
        return None
    return stmts[0].children[2]


def _sqlalchemy_calls(ctx: Context):
    if not any(m.split(".")[0] in ("sqlalchemy", "sqlmodel") for m in ctx.facts.imported_modules):
        return
    for node, call in ctx.calls_to(*SA_IO):
        if _awaited(node) or call.callee is None or call.callee.count(".") != 1:
            continue
        if call.index != 2:
            continue  # session.execute(...) itself, not a call on what it returned
        func = _coroutine(ctx, node)
        if func is None:
            continue
        name = call.callee.split(".")[0]
        if not _sync_session(ctx, func, name, node):
            continue
        yield (
            node,
            call.trailer,
            f"`{call.callee}()` talks to the database through a synchronous SQLAlchemy "
            f"`Session` inside an async function: {EVENT_LOOP}; use an `AsyncSession` "
            "(`await session.execute(...)`) or make the route a plain `def`, which FastAPI "
            "runs in a thread pool",
        )


def _inspector_calls(ctx: Context):
    """``sqlalchemy.inspect(engine).get_schema_names()`` and the like: a query each."""
    if not any(m.split(".")[0] == "sqlalchemy" for m in ctx.facts.imported_modules):
        return
    for node, call in ctx.calls_to(*INSPECTOR_QUERIES):
        if _awaited(node) or call.callee is not None or call.index != 3:
            continue
        first = ctx.calls(node)[0]
        if first.index != 1 or (ctx.qualify(first.callee) or "") != "sqlalchemy.inspect":
            continue
        if _coroutine(ctx, node) is None:
            continue
        yield (
            node,
            call.trailer,
            f"`{first.callee}(...).{call.method}()` queries the database synchronously inside "
            f"an async function: {EVENT_LOOP}; run it in a thread (`await "
            "asyncio.to_thread(...)`, `run_in_threadpool`) or cache the answer",
        )


def _file_and_process_calls(ctx: Context):
    from .transactions import _runs_once

    imports = ctx.facts.imports
    uses_pathlib = any(m.split(".")[0] == "pathlib" for m in ctx.facts.imported_modules)
    for node, call in ctx.calls_to("open", *PATH_IO):
        if _awaited(node):
            continue
        if call.method == "open":
            if call.callee != "open" or "open" in imports or ctx.assignments("open"):
                continue  # aiofiles.open, an imported or project `open`
            what = "`open()` reads or writes a file"
        else:
            if not uses_pathlib or call.index < 2:
                continue
            what = f"`{sx.code(node).split('(', 1)[0].strip()}(...).{call.method}()`"
            if call.callee is not None:
                what = f"`{call.callee}()`"
            what += " reads or writes a file"
        func = _coroutine(ctx, node)
        if func is None or _runs_once(func):
            continue
        yield (
            node,
            call.trailer,
            f"{what} synchronously inside an async function: {EVENT_LOOP} (a slow or "
            "network disk makes it worse); use `await asyncio.to_thread(...)`, "
            "`run_in_threadpool`, or an async file library such as aiofiles",
        )
    for node, call in ctx.calls_of_qualified(frozenset({"subprocess.Popen"})):
        func = _coroutine(ctx, node)
        if func is None or not _waited(ctx, node, func):
            continue
        yield (
            node,
            call.trailer,
            f"`{call.callee}()` starts a process that this async function then waits for "
            f"synchronously: {EVENT_LOOP}; use `await asyncio.create_subprocess_exec(...)`",
        )


def _waited(ctx: Context, node, func) -> bool:
    """``with Popen(...)`` (its exit waits), or ``p = Popen(...)`` followed by a
    plain ``p.wait()`` / ``p.communicate()`` in the same function."""
    p = node.parent
    if p.type == "with_item" or (p.type == "with_stmt"):
        return True
    stmt = p
    assigned = sx.plain_assignment(stmt) if stmt.type == "expr_stmt" else None
    if assigned is None or assigned[1] is not node:
        return False
    name = assigned[0].value
    for other, call in ctx.calls_to("wait", "communicate"):
        if call.callee == f"{name}.{call.method}" and not _awaited(other):
            if ctx.enclosing(other, ("lambdef", "funcdef")) is func:
                return True
    return False


def _blocking_io(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    seen = set()
    sources = (_django_queries, _sqlalchemy_calls, _inspector_calls, _file_and_process_calls)
    for source in sources:
        for node, end, message in source(ctx):
            if node.start_pos in seen or _offloaded(ctx, node, _coroutine(ctx, node)):
                continue  # handed to sync_to_async, to_thread...: runs in a thread
            seen.add(node.start_pos)
            yield ctx.finding("PERF001", node, message, end_node=end)


# -- PERF002 whole-upload-read-into-memory ---------------------------------------------

UPLOAD_ANNOTATIONS = frozenset(
    {
        "fastapi.UploadFile",
        "fastapi.datastructures.UploadFile",
        "starlette.datastructures.UploadFile",
        "django.core.files.uploadedfile.UploadedFile",
        "django.core.files.uploadedfile.InMemoryUploadedFile",
        "django.core.files.uploadedfile.TemporaryUploadedFile",
    }
)
# what tells the function has looked at how large the upload is
SIZE_ATTRIBUTES = frozenset({"size", "content_length", "_size"})


def _leading_names(ps: list) -> list[str]:
    """The dotted names a chain starts with: ``request.FILES["f"].read()`` ->
    ["request", "FILES"]."""
    names: list[str] = []
    for t in ps:
        if t.type == "name" and not names:
            names.append(t.value)
        elif sx.is_attr_trailer(t):
            names.append(t.children[1].value)
        else:
            break
    return names


def _upload_container(ctx: Context, node) -> str | None:
    """``request.FILES`` (Django) or ``request.files`` (Flask's request) at the start of
    ``node``'s chain: how it is written, else None."""
    ps = sx.parts(node)
    names = _leading_names(ps)
    for i in range(1, len(names)):
        if names[i] == "FILES" and names[i - 1] == "request":
            return ".".join(names[: i + 1])
        if names[i] == "files" and i == 1 and ctx.qualify(names[0]) == "flask.request":
            return ".".join(names[: i + 1])
    return None


def _one_upload(ctx: Context, expr) -> str | None:
    """``request.FILES["f"]``, ``request.FILES.get("f")``, ``request.files["f"]``: the
    text of the expression when it is one upload, else None."""
    expr = sx.unparen(expr)
    if expr.type not in ("atom_expr", "power") or _awaited(expr):
        return None
    return sx.code(expr).strip() if _one_upload_parts(ctx, sx.parts(expr)) else None


def _uploads_iterated(ctx: Context, expr) -> bool:
    """``request.FILES.getlist("f")``, ``request.FILES.values()``, ``request.files.getlist``."""
    expr = sx.unparen(expr)
    if expr.type not in ("atom_expr", "power") or _upload_container(ctx, expr) is None:
        return False
    calls = ctx.calls(expr)
    return bool(calls) and calls[-1].method in ("getlist", "values")


def _upload_name(ctx: Context, func, name: str, node) -> str | None:
    """What ``name`` is, when it holds one upload: "django", "fastapi", or None."""
    from ._helpers import last_assignment

    for param in func.get_params():
        if param.name.value == name:
            ann = param.annotation
            q = ctx.qualify(sx.dotted(ann)) if ann is not None else None
            if q in UPLOAD_ANNOTATIONS:
                return "fastapi" if "UploadFile" in q and "Uploaded" not in q else "django"
            return None
    value = last_assignment(ctx, name, node)
    if value is not None:
        text = _one_upload(ctx, value)
        if text is None:
            return None
        return "flask" if ".files" in text else "django"
    # for upload in request.FILES.getlist("files"):
    p = node.parent
    while p is not None and p is not func:
        if p.type == "for_stmt" and p.children[1].type == "name" and p.children[1].value == name:
            if not _uploads_iterated(ctx, p.children[3]):
                return None
            return "flask" if ".files" in sx.code(p.children[3]) else "django"
        p = p.parent
    return None


def _looks_at_size(func) -> bool:
    for n in sx.walk(func.children[-1]):
        if n.type == "trailer" and sx.is_attr_trailer(n) and n.children[1].value in SIZE_ATTRIBUTES:
            return True
    return False


@detector("PERF002", section="Performance & Scalability Evaluation")
def whole_upload_read(ctx: Context):
    if ctx.facts.is_test or ctx.facts.is_migration:
        return
    for node, call in ctx.calls_to("read"):
        if call.args:
            continue  # read(size): a piece at a time
        ps = sx.parts(node)
        func = ctx.enclosing(node, ("funcdef", "lambdef", "classdef", "file_input"))
        if func is None or func.type != "funcdef":
            continue
        kind = shown = None
        if call.callee is None:
            # request.FILES["receipt"].read(): a subscript or a call before the method
            receiver = _receiver_text(ctx, ps, call)
            if receiver is not None:
                kind, shown = ("flask" if ".files" in receiver else "django"), receiver
        else:
            receiver, _, _ = call.callee.rpartition(".")
            if "." not in receiver and receiver:
                kind = _upload_name(ctx, func, receiver, node)
                shown = receiver
            elif receiver.endswith(".file") and receiver.count(".") == 1:
                # UploadFile's own file object: upload.file.read()
                name = receiver.split(".")[0]
                if _upload_name(ctx, func, name, node) == "fastapi":
                    kind, shown = "fastapi", name
            elif receiver.endswith(".stream") and receiver.count(".") == 1:
                # Flask's FileStorage: upload.stream.read()
                name = receiver.split(".")[0]
                if _upload_name(ctx, func, name, node) == "flask":
                    kind, shown = "flask", name
        if kind is None or _looks_at_size(func):
            continue
        awaited = node.children[0].type == "keyword" and node.children[0].value == "await"
        written = "".join(sx.code(p) for p in ps[: call.index + 1]).strip()
        written = f"{'await ' if awaited else ''}{written}"
        if kind == "fastapi":
            advice = (
                f"read it in pieces (`await {shown}.read(1024 * 1024)` in a loop) or hand "
                f"`{shown}.file` to `shutil.copyfileobj` or the storage client"
            )
        elif kind == "flask":
            advice = (
                f"save it with `{shown}.save(path)`, copy it with `shutil.copyfileobj`, or "
                "pass the file object to the storage client"
            )
        else:
            advice = (
                f"read it in chunks (`for chunk in {shown}.chunks():`), copy it with "
                "`shutil.copyfileobj`, or pass the file object to the storage client"
            )
        yield ctx.finding(
            "PERF002",
            ps[0],
            f"`{written}` reads the whole upload into memory: a large upload, or a few at "
            "once, takes as much memory as the files are big and can exhaust the worker; " + advice,
            end_node=call.trailer,
        )


def _receiver_text(ctx: Context, ps: list, call: sx.Call) -> str | None:
    """The text before ``.read`` when it is one upload (``request.FILES["f"]``)."""
    if call.index < 2:
        return None
    receiver = ps[: call.index - 1]
    last = receiver[-1]
    if sx.is_attr_trailer(last) and last.children[1].value == "stream":
        receiver = receiver[:-1]  # Flask's FileStorage: request.files["f"].stream.read()
    if not _one_upload_parts(ctx, receiver):
        return None
    return "".join(sx.code(p) for p in receiver).strip()


def _one_upload_parts(ctx: Context, ps: list) -> bool:
    if len(ps) < 3:
        return False
    names = _leading_names(ps)
    container = None
    for i in range(1, len(names)):
        if names[i] == "FILES" and names[i - 1] == "request":
            container = i
        elif names[i] == "files" and i == 1 and ctx.qualify(names[0]) == "flask.request":
            container = i
    if container is None:
        return False
    rest = ps[container + 1 :]
    if len(rest) == 1 and rest[0].type == "trailer" and rest[0].children[0].value == "[":
        return True
    return (
        len(rest) == 2
        and sx.is_attr_trailer(rest[0])
        and rest[0].children[1].value == "get"
        and sx.is_call_trailer(rest[1])
    )
