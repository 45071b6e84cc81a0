"""Background Job Processing: tasks queued before the transaction commits, model
instances passed to tasks."""

from __future__ import annotations

import re

from ..facts.index import ClassRef
from ..inventory.work import RQ_FUNCTIONS, RQ_QUEUES
from ..model import Edit, Fix
from ..source import syntax as sx
from ._helpers import atomic_context, is_atomic_with, queryset_chain, resolve_queryset
from .base import Context, detector, make_finding

DISPATCH = ("delay", "apply_async")


ENQUEUE = ("enqueue", "enqueue_call", "enqueue_at", "enqueue_in")
DRAMATIQ_SEND = ("send", "send_with_options")


def _rq_job(ctx: Context, node, call) -> str | None:
    """The job an RQ ``enqueue`` call queues (as written), when the receiver is known
    to be an RQ queue: ``django_rq.enqueue(f)``, ``get_queue("x").enqueue(f)``, or a
    name bound to ``Queue(...)`` / ``get_queue(...)`` in the function or module."""
    from .transactions import _bound_by

    q = ctx.qualify(call.callee) if call.callee else None
    known = q in RQ_FUNCTIONS
    if not known and call.callee is None:
        calls = ctx.calls(node)
        i = calls.index(call)
        prev = calls[i - 1] if i else None
        known = (
            prev is not None
            and prev.index == call.index - 2
            and (ctx.qualify(prev.callee) or "") in RQ_QUEUES
        )
    elif not known and call.callee and call.callee.count(".") == 1:
        receiver = call.callee.split(".")[0]
        known = _bound_by(ctx, receiver, node, RQ_QUEUES) or _module_queue(ctx, receiver)
    if not known:
        return None
    at = 1 if call.method in ("enqueue_at", "enqueue_in") else 0
    pos = [a for a in call.args if a.kind == "pos"]
    if len(pos) <= at:
        return "the job"
    return sx.code(pos[at].value).strip()


def _module_queue(ctx: Context, name: str) -> bool:
    """``name = Queue(...)`` / ``get_queue(...)`` at the top level of the module, once."""
    from .transactions import _makes

    stmts = [s for s in ctx.assignments(name) if ctx.scope(s).type == "file_input"]
    return len(stmts) == 1 and _makes(ctx, stmts[0].children[2], RQ_QUEUES)


def _on_commit_fix(ctx: Context, node, in_loop: bool) -> Fix | None:
    is_statement = node.parent.type == "simple_stmt"
    has_transaction = ctx.facts.imports.get("transaction") == "django.db.transaction"
    if is_statement and not in_loop and has_transaction and node.children[0].type != "keyword":
        text = sx.code(node)
        return Fix(
            "Queue it with transaction.on_commit(...)",
            (ctx.edit(node.start_pos, node.end_pos, f"transaction.on_commit(lambda: {text})"),),
        )
    return None


def _in_transaction_message(task: str, system: str = "") -> str:
    on = f" on {system}" if system else ""
    return (
        f"`{task}` is queued{on} inside a transaction: a worker can run it before the commit "
        "(and see old data) or after a rollback; queue it with transaction.on_commit"
    )


READ_ONLY_DATABASE = re.compile(r"replica|read", re.IGNORECASE)


def _on_a_replica(node) -> bool:
    """The nearest transaction around ``node`` is opened on a read replica
    (`transaction.atomic(using=settings.DATABASE_CONNECTION_REPLICA_NAME)`, saleor's
    webhook tasks): it writes nothing, so nothing queued in it can run before a commit
    that matters or after a rollback."""
    p = node.parent
    while p is not None and p.type not in ("funcdef", "lambdef"):
        if p.type == "with_stmt" and is_atomic_with(p):
            for item in p.children:
                expr = item.children[0] if item.type == "with_item" else item
                if expr.type not in ("atom_expr", "power"):
                    continue
                for call in sx.calls_in(expr):
                    using = sx.kwarg(call.args, "using")
                    if using is not None and READ_ONLY_DATABASE.search(sx.code(using.value)):
                        return True
            return False
        p = p.parent
    return False


@detector("TASK001", section="Background Job Processing")
def task_inside_transaction(ctx: Context):
    for node, call in ctx.calls_to(*DISPATCH):
        if call is not ctx.calls(node)[-1] or call.callee is None or "." not in call.callee:
            continue
        if call.index != len(sx.parts(node)) - 1:
            continue
        inside, in_loop = atomic_context(node, ctx)
        if not inside or _on_a_replica(node):
            continue
        task = call.callee.rsplit(".", 1)[0]
        yield ctx.finding(
            "TASK001", node, _in_transaction_message(task), fix=_on_commit_fix(ctx, node, in_loop)
        )
    if ctx.facts.is_test:
        return
    for node, call in ctx.calls_to(*ENQUEUE):
        if call is not ctx.calls(node)[-1] or call.index != len(sx.parts(node)) - 1:
            continue
        inside, in_loop = atomic_context(node, ctx)
        if not inside:
            continue
        job = _rq_job(ctx, node, call)
        if job is None:
            continue
        yield ctx.finding(
            "TASK001",
            node,
            _in_transaction_message(job, "RQ"),
            fix=_on_commit_fix(ctx, node, in_loop),
        )
    for node, call in ctx.calls_to(*DRAMATIQ_SEND):
        if call is not ctx.calls(node)[-1] or call.index != len(sx.parts(node)) - 1:
            continue
        if call.callee is None or call.callee.count(".") != 1:
            continue  # a bare actor name: actor.send(...)
        inside, in_loop = atomic_context(node, ctx)
        if not inside:
            continue
        actor = call.callee.split(".")[0]
        finding = ctx.finding(
            "TASK001",
            node,
            _in_transaction_message(actor, "Dramatiq"),
            fix=_on_commit_fix(ctx, node, in_loop),
        )
        facts = ctx.facts

        def judge(index, facts=facts, actor=actor, finding=finding):
            if _is_actor(index, facts, actor, "dramatiq"):
                yield finding

        yield ctx.defer(("tasks",), judge, (ctx.site(node),))


# -- TASK002: a model instance passed to a task -------------------------------------
# the query methods whose result is one model instance
SINGLE = frozenset({"get", "create", "first", "last", "latest", "earliest"})
PAIR = frozenset({"get_or_create", "update_or_create"})  # (instance, created)


def _bound_model(ctx: Context, name: str, at):
    """What ``name`` holds at ``at`` when it is known to be a model instance:
    ("model", class name as written, its position) for a class the index must
    confirm as a model, ("instance", None, None) when the framework says so
    (``self.get_object()``, ``serializer.save()``), else None."""
    scope = ctx.scope(at)
    loop = None
    n = at.parent
    while n is not None and n is not scope:
        if n.type == "for_stmt" and at.start_pos > n.children[3].end_pos:
            target = n.children[1]
            if target.type == "name" and target.value == name:
                loop = n
                break
        n = n.parent
    assign = None
    starts, stmts = ctx.assignments_in(name, scope)
    for stmt in reversed(stmts):
        if stmt.end_pos <= at.start_pos:
            assign = stmt
            break
    pair = None if assign is not None else _pair_assignment(ctx, name, scope, at)
    if pair is not None:
        assign = pair
    if loop is not None and (assign is None or assign.start_pos < loop.start_pos):
        qs = resolve_queryset(ctx, loop.children[3])
        if qs is None or not qs.yields_instances():
            return None
        return ("django", qs.model, qs.model_pos)
    if assign is not None:
        return _instance_expr(ctx, assign.children[2], pair is not None)
    if scope.type == "funcdef":
        for p in scope.get_params():
            if p.name.value == name and p.annotation is not None:
                ann = p.annotation
                if ann.type == "name" and ann.value[:1].isupper():
                    return ("any-model", ann.value, ann.start_pos)
    return None


def _pair_assignment(ctx: Context, name: str, scope, at):
    """``name, created = Model.objects.get_or_create(...)`` above ``at`` in ``scope``."""
    found = None
    for stmt in ctx.all_nodes.get("expr_stmt", ()):
        if stmt.start_pos < scope.start_pos or stmt.end_pos > at.start_pos:
            continue
        ch = stmt.children
        if len(ch) != 3 or ch[1].type != "operator" or ch[1].value != "=":
            continue
        if ch[0].type not in ("testlist_star_expr", "exprlist"):
            continue
        first = ch[0].children[0]
        if first.type == "name" and first.value == name and ctx.scope(stmt) is scope:
            found = stmt
    return found


def _instance_expr(ctx: Context, expr, unpacked: bool):
    if expr.type not in ("atom_expr", "power"):
        return None
    ps = sx.parts(expr)
    if len(ps) < 2:
        return None
    indexed0 = not unpacked and sx.code(ps[-1]).strip() == "[0]"
    if not indexed0 and not sx.is_call_trailer(ps[-1]):
        return None  # an attribute or an item of what a call returns
    qs = queryset_chain(expr)
    if qs is not None:
        names = qs.names()
        last = names[-1] if names else None
        if indexed0 and len(ps) >= 3 and not sx.is_call_trailer(ps[-2]):
            return None
        if (not unpacked and not indexed0 and last in SINGLE) or (
            (unpacked or indexed0) and last in PAIR
        ):
            if "values" in names or "values_list" in names:
                return None
            return ("django", qs.model, qs.model_pos)
        return None
    if indexed0 or unpacked:
        return None
    calls = ctx.calls(expr)
    if len(calls) != 1 or calls[0].index != len(ps) - 1:
        return None
    call = calls[0]
    args = call.args
    if call.callee and call.callee == call.method and call.callee[:1].isupper():
        return ("any-model", call.callee, ps[0].start_pos)  # Order(...): if Order is a model
    if call.callee in ("get_object_or_404", "shortcuts.get_object_or_404"):
        if args and args[0].kind == "pos" and args[0].value.type == "name":
            return ("django", args[0].value.value, args[0].value.start_pos)
        return None
    if call.callee == "self.get_object" and not args:
        return ("instance", None, None)
    if call.method == "save" and call.callee and not args:
        receiver = call.callee.rsplit(".", 1)[0].lower()
        if receiver.endswith("serializer"):
            return ("instance", None, None)
        return None
    if call.method == "get" and call.callee and "." in call.callee and len(args) == 2:
        receiver = call.callee.rsplit(".", 1)[0].rsplit(".", 1)[-1].lower()
        first = args[0].value
        if "session" in receiver and args[0].kind == "pos" and first.type == "name":
            return ("sqlalchemy", first.value, first.start_pos)
    return None


TASK_CALLS = ("delay", "apply_async", "s", "si", "enqueue", "enqueue_call", "send")


def _collection_items(node, kw: bool):
    """The names of a literal ``[a, b]``/``(a, b)`` (``kw``: the values of a literal dict)."""
    if node.type != "atom" or len(node.children) != 3:
        return [node] if node.type == "name" and not kw else []
    inner = node.children[1]
    if not kw:
        if node.children[0].value not in "[(":
            return []
        if inner.type == "name":
            return [inner]
        if inner.type in ("testlist_comp", "exprlist"):
            return [c for c in inner.children if c.type == "name"]
        return []
    if node.children[0].value != "{" or inner.type != "dictorsetmaker":
        return []
    ch = inner.children
    if any(c.type in ("comp_for", "sync_comp_for") for c in ch):
        return []  # a dict comprehension: its values are the loop's
    out, i = [], 0
    while i < len(ch):
        if ch[i].type == "operator" and ch[i].value == "**":
            i += 3  # `**other,`: what it unpacks is not followed
        elif i + 2 < len(ch) and ch[i + 1].type == "operator" and ch[i + 1].value == ":":
            if ch[i + 2].type == "name":
                out.append(ch[i + 2])
            i += 4  # `key: value,`
        else:
            break
    return out


def _task_arguments(call) -> list:
    """The names a dispatch call hands to the task as its arguments."""
    args = call.args
    method = call.method
    out = []
    if method in ("delay", "s", "si", "send"):
        return [a.value for a in args if a.kind in ("pos", "kw") and a.value.type == "name"]
    if method == "enqueue":
        pos = [a for a in args if a.kind == "pos"]
        if not pos or pos[0].value.type == "name" and pos[0].value.value[:1].isupper():
            return []  # enqueue(SomeJob(...)): a job object of another queue library
        out = [a.value for a in pos[1:] if a.value.type == "name"]
        args = [a for a in args if a.kind == "kw" and a.name in ("args", "kwargs")]
    elif method == "enqueue_call":
        args = [a for a in args if a.kind == "kw" and a.name in ("args", "kwargs")]
    for i, a in enumerate(args):
        name = a.name if a.kind == "kw" else ("args", "kwargs")[i] if i < 2 else None
        if a.kind not in ("pos", "kw") or name not in ("args", "kwargs"):
            continue
        out.extend(_collection_items(a.value, kw=name == "kwargs"))
    return out


@detector("TASK002", section="Background Job Processing")
def orm_object_passed_to_task(ctx: Context):
    if ctx.facts.is_test:
        return  # a test calling a task with its fixtures runs it eagerly
    for node, call in ctx.calls_to(*TASK_CALLS):
        if call.callee is None or "." not in call.callee:
            continue
        task = call.callee.rsplit(".", 1)[0]
        if call.method == "send" and "." in task:
            continue  # signal.send(...), a socket's send: only a bare actor name
        if call.method in ("enqueue", "enqueue_call") and task.rsplit(".", 1)[-1][:1].isupper():
            continue  # a project class's own enqueue (netbox's JobRunner), not an RQ queue
        for arg in _task_arguments(call):
            bound = _bound_model(ctx, arg.value, node)
            if bound is None:
                continue
            yield from _report(ctx, call, task, arg, bound)


def _report(ctx: Context, call, task: str, arg, bound):
    kind, model, model_pos = bound
    name = arg.value
    site = ctx.site(arg)
    start, end = arg.start_pos, arg.end_pos
    facts = ctx.facts
    task_name = task if call.method not in ("enqueue", "enqueue_call") else None
    if task_name is None:
        first = call.args[0].value if call.args else None
        task_name = sx.code(first).strip() if first is not None else "the job"
    send = call.method == "send"

    def make(what: str, attr: str | None):
        fix = None
        if attr:
            fix = Fix(
                f"Pass `{name}.{attr}` (the task must then load the object itself)",
                (Edit(site.path, start, end, f"{name}.{attr}"),),
            )
        return make_finding(
            "TASK002",
            site,
            f"`{name}` ({what}) is passed to `{task_name}`: it is serialized when the task is "
            f"queued, so the worker gets a stale copy (or the JSON serializer refuses it); pass "
            f"`{name}.{attr or 'id'}` and load the object in the task",
            fix=fix,
        )

    def judge(
        index, facts=facts, model=model, model_pos=model_pos, kind=kind, task=task, send=send
    ):
        if send and not _is_actor(index, facts, task):
            return
        if kind == "instance":  # self.get_object(), serializer.save() of Django/DRF
            if index.uses("django"):
                yield make("a model instance", "pk")
            return
        ref = index.resolve_class(facts, model, None)
        if not isinstance(ref, ClassRef):
            return
        if kind in ("django", "any-model") and index.uses("django") and index.is_django_model(ref):
            yield make(f"a model instance, `{ref.cls.name}`", "pk")
        elif kind in ("sqlalchemy", "any-model") and index.is_sqlalchemy_model(ref):
            yield make(f"a model instance, `{ref.cls.name}`", None)

    yield ctx.defer(("models", "tasks") if send else ("models",), judge)


def _is_actor(index, facts, name: str, framework: str | None = None) -> bool:
    """Whether ``name`` in ``facts``'s file is a Dramatiq actor (or another task) of the
    project (of ``framework`` when given)."""

    def fits(t, wanted: str) -> bool:
        return t.name == wanted and (framework is None or t.framework == framework)

    if any(fits(t, name) for t in facts.tasks):
        return True
    q = facts.imports.get(name)
    if not q or "." not in q:
        return False
    owner = index.module(q.rsplit(".", 1)[0])
    return owner is not None and any(fits(t, q.rsplit(".", 1)[1]) for t in owner.tasks)
